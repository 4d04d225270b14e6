//! AVX2 `i32` (and `u32`): eight lanes, wrapping `vpmulld` + `vpaddd`.

use std::arch::x86_64::*;

use crate::kernel::tile::Vector;

/// Eight `i32` lanes in a ymm register.
#[derive(Debug)]
pub(crate) struct I32x8;

// SAFETY: `__m256i` holds 8 `i32` lanes; `load` and `store` move exactly 8 values; every
// intrinsic used belongs to the features this instruction set's kernels enable.
unsafe impl Vector for I32x8 {
    type Elem = i32;
    type Register = __m256i;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn zero() -> __m256i {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm256_setzero_si256() }
    }
    #[inline(always)]
    unsafe fn load(p: *const i32) -> __m256i {
        // SAFETY: 8 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm256_loadu_si256(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut i32, v: __m256i) {
        // SAFETY: 8 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm256_storeu_si256(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn splat(x: i32) -> __m256i {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_set1_epi32(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: __m256i, a: __m256i, b: __m256i) -> __m256i {
        // vpmulld keeps the low 32 bits of each product: wrapping multiplication.
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_add_epi32(acc, _mm256_mullo_epi32(a, b)) }
    }
    #[inline(always)]
    unsafe fn add(a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_add_epi32(a, b) }
    }
    #[inline(always)]
    unsafe fn load_first(p: *const i32, count: usize) -> __m256i {
        // SAFETY: the masked load reads the first `count` values only (lanes outside the
        // mask are not accessed and never fault); they are readable; the CPU supports it.
        unsafe { _mm256_maskload_epi32(p, super::first_lanes_32(count)) }
    }
    #[inline(always)]
    unsafe fn store_first(p: *mut i32, v: __m256i, count: usize) {
        // SAFETY: the masked store writes the first `count` values only, which are
        // writable; the CPU supports it.
        unsafe { _mm256_maskstore_epi32(p, super::first_lanes_32(count), v) }
    }
}

//! AVX-512 `i32` (and `u32`): sixteen lanes, wrapping `vpmulld` + `vpaddd`.

use std::arch::x86_64::*;

use crate::kernel::tile::Vector;

/// Sixteen `i32` lanes in a zmm register.
#[derive(Debug)]
pub(crate) struct I32x16;

// SAFETY: `__m512i` holds 16 `i32` lanes; `load` and `store` move exactly 16 values; every
// intrinsic used belongs to the features this instruction set's kernels enable.
unsafe impl Vector for I32x16 {
    type Elem = i32;
    type Register = __m512i;
    const LANES: usize = 16;

    #[inline(always)]
    unsafe fn zero() -> __m512i {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm512_setzero_si512() }
    }
    #[inline(always)]
    unsafe fn load(p: *const i32) -> __m512i {
        // SAFETY: 16 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm512_loadu_epi32(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut i32, v: __m512i) {
        // SAFETY: 16 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm512_storeu_epi32(p, v) }
    }
    #[inline(always)]
    unsafe fn splat(x: i32) -> __m512i {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_set1_epi32(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: __m512i, a: __m512i, b: __m512i) -> __m512i {
        // vpmulld keeps the low 32 bits of each product: wrapping multiplication.
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_add_epi32(acc, _mm512_mullo_epi32(a, b)) }
    }
    #[inline(always)]
    unsafe fn add(a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_add_epi32(a, b) }
    }
    #[inline(always)]
    unsafe fn load_first(p: *const i32, count: usize) -> __m512i {
        let mask = ((1u32 << count) - 1) as __mmask16;
        // SAFETY: the masked load reads the first `count` values only (lanes outside the
        // mask are not accessed and never fault); they are readable; the CPU supports it.
        unsafe { _mm512_maskz_loadu_epi32(mask, p) }
    }
    #[inline(always)]
    unsafe fn store_first(p: *mut i32, v: __m512i, count: usize) {
        let mask = ((1u32 << count) - 1) as __mmask16;
        // SAFETY: the masked store writes the first `count` values only, which are
        // writable; the CPU supports it.
        unsafe { _mm512_mask_storeu_epi32(p, mask, v) }
    }
}

//! AVX2 `f32`: eight lanes, fused multiply-add (FMA3).

use std::arch::x86_64::*;

use crate::kernel::tile::Vector;

/// Eight `f32` lanes in a ymm register.
#[derive(Debug)]
pub(crate) struct F32x8;

// SAFETY: `__m256` holds 8 `f32` lanes; `load` and `store` move exactly 8 values; every
// intrinsic used belongs to the features this instruction set's kernels enable.
unsafe impl Vector for F32x8 {
    type Elem = f32;
    type Register = __m256;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn zero() -> __m256 {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm256_setzero_ps() }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        // SAFETY: 8 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        // SAFETY: 8 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm256_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m256 {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: __m256, a: __m256, b: __m256) -> __m256 {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_fmadd_ps(a, b, acc) }
    }
    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn load_first(p: *const f32, count: usize) -> __m256 {
        // SAFETY: the masked load reads the first `count` values only (lanes outside the
        // mask are not accessed and never fault); they are readable; the CPU supports it.
        unsafe { _mm256_maskload_ps(p, super::first_lanes_32(count)) }
    }
    #[inline(always)]
    unsafe fn store_first(p: *mut f32, v: __m256, count: usize) {
        // SAFETY: the masked store writes the first `count` values only, which are
        // writable; the CPU supports it.
        unsafe { _mm256_maskstore_ps(p, super::first_lanes_32(count), v) }
    }
    #[inline(always)]
    unsafe fn mul_then_add(acc: __m256, a: __m256, b: __m256) -> __m256 {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_add_ps(acc, _mm256_mul_ps(a, b)) }
    }
}

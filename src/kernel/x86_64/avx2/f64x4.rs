//! AVX2 `f64`: four lanes, fused multiply-add (FMA3).

use std::arch::x86_64::*;

use crate::kernel::tile::Vector;

/// Four `f64` lanes in a ymm register.
#[derive(Debug)]
pub(crate) struct F64x4;

// SAFETY: `__m256d` holds 4 `f64` lanes; `load` and `store` move exactly 4 values; every
// intrinsic used belongs to the features this instruction set's kernels enable.
unsafe impl Vector for F64x4 {
    type Elem = f64;
    type Register = __m256d;
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn zero() -> __m256d {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm256_setzero_pd() }
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> __m256d {
        // SAFETY: 4 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm256_loadu_pd(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f64, v: __m256d) {
        // SAFETY: 4 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm256_storeu_pd(p, v) }
    }
    #[inline(always)]
    unsafe fn splat(x: f64) -> __m256d {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_set1_pd(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: __m256d, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_fmadd_pd(a, b, acc) }
    }
    #[inline(always)]
    unsafe fn add(a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_add_pd(a, b) }
    }
    #[inline(always)]
    unsafe fn load_first(p: *const f64, count: usize) -> __m256d {
        // SAFETY: the masked load reads the first `count` values only (lanes outside the
        // mask are not accessed and never fault); they are readable; the CPU supports it.
        unsafe { _mm256_maskload_pd(p, super::first_lanes_64(count)) }
    }
    #[inline(always)]
    unsafe fn store_first(p: *mut f64, v: __m256d, count: usize) {
        // SAFETY: the masked store writes the first `count` values only, which are
        // writable; the CPU supports it.
        unsafe { _mm256_maskstore_pd(p, super::first_lanes_64(count), v) }
    }
    #[inline(always)]
    unsafe fn mul_then_add(acc: __m256d, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_add_pd(acc, _mm256_mul_pd(a, b)) }
    }
}

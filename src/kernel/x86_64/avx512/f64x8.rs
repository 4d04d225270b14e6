//! AVX-512 `f64`: eight lanes, fused multiply-add.

use std::arch::x86_64::*;

use crate::kernel::tile::Vector;

/// Eight `f64` lanes in a zmm register.
#[derive(Debug)]
pub(crate) struct F64x8;

// SAFETY: `__m512d` holds 8 `f64` lanes; `load` and `store` move exactly 8 values; every
// intrinsic used belongs to the features this instruction set's kernels enable.
unsafe impl Vector for F64x8 {
    type Elem = f64;
    type Register = __m512d;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn zero() -> __m512d {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm512_setzero_pd() }
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> __m512d {
        // SAFETY: 8 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm512_loadu_pd(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f64, v: __m512d) {
        // SAFETY: 8 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm512_storeu_pd(p, v) }
    }
    #[inline(always)]
    unsafe fn splat(x: f64) -> __m512d {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_set1_pd(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: __m512d, a: __m512d, b: __m512d) -> __m512d {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_fmadd_pd(a, b, acc) }
    }
    #[inline(always)]
    unsafe fn add(a: __m512d, b: __m512d) -> __m512d {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_add_pd(a, b) }
    }
    #[inline(always)]
    unsafe fn load_first(p: *const f64, count: usize) -> __m512d {
        let mask = ((1u32 << count) - 1) as __mmask8;
        // SAFETY: the masked load reads the first `count` values only (lanes outside the
        // mask are not accessed and never fault); they are readable; the CPU supports it.
        unsafe { _mm512_maskz_loadu_pd(mask, p) }
    }
    #[inline(always)]
    unsafe fn store_first(p: *mut f64, v: __m512d, count: usize) {
        let mask = ((1u32 << count) - 1) as __mmask8;
        // SAFETY: the masked store writes the first `count` values only, which are
        // writable; the CPU supports it.
        unsafe { _mm512_mask_storeu_pd(p, mask, v) }
    }
    #[inline(always)]
    unsafe fn mul_then_add(acc: __m512d, a: __m512d, b: __m512d) -> __m512d {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_add_pd(acc, _mm512_mul_pd(a, b)) }
    }
}

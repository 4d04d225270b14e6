//! AVX-512 `f32`: sixteen lanes, fused multiply-add.

use std::arch::x86_64::*;

use crate::kernel::tile::Vector;

/// Sixteen `f32` lanes in a zmm register.
#[derive(Debug)]
pub(crate) struct F32x16;

// SAFETY: `__m512` holds 16 `f32` lanes; `load` and `store` move exactly 16 values; every
// intrinsic used belongs to the features this instruction set's kernels enable.
unsafe impl Vector for F32x16 {
    type Elem = f32;
    type Register = __m512;
    const LANES: usize = 16;

    #[inline(always)]
    unsafe fn zero() -> __m512 {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm512_setzero_ps() }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        // SAFETY: 16 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        // SAFETY: 16 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm512_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m512 {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: __m512, a: __m512, b: __m512) -> __m512 {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_fmadd_ps(a, b, acc) }
    }
    #[inline(always)]
    unsafe fn add(a: __m512, b: __m512) -> __m512 {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn load_first(p: *const f32, count: usize) -> __m512 {
        let mask = ((1u32 << count) - 1) as __mmask16;
        // SAFETY: the masked load reads the first `count` values only (lanes outside the
        // mask are not accessed and never fault); they are readable; the CPU supports it.
        unsafe { _mm512_maskz_loadu_ps(mask, p) }
    }
    #[inline(always)]
    unsafe fn store_first(p: *mut f32, v: __m512, count: usize) {
        let mask = ((1u32 << count) - 1) as __mmask16;
        // SAFETY: the masked store writes the first `count` values only, which are
        // writable; the CPU supports it.
        unsafe { _mm512_mask_storeu_ps(p, mask, v) }
    }
    #[inline(always)]
    unsafe fn mul_then_add(acc: __m512, a: __m512, b: __m512) -> __m512 {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_add_ps(acc, _mm512_mul_ps(a, b)) }
    }
}

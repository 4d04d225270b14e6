//! AVX-512 `Complex<f32>`: 8 complex values per zmm register, parts interleaved
//! (re, im, re, im, …), as `Complex`'s `repr(C)` lays them out in memory.

use std::arch::x86_64::*;

use num_complex::Complex;

use crate::kernel::tile::TileArithmetic;

/// 8 `Complex<f32>` values in a zmm register.
#[derive(Debug)]
pub(crate) struct C32x8;

// SAFETY: `__m512` holds 16 `f32` lanes, that is 8 `Complex<f32>` (`repr(C)`: re then
// im); `load` and `store` move exactly 8 values. `mul_add` multiplies every element of
// `b` by both parts of `a` into separate sums, and `finish` combines them into
// `re(a)·re(b) − im(a)·im(b)` and `re(a)·im(b) + im(a)·re(b)`, the complex product's
// parts; every intrinsic used belongs to the features this instruction set's kernels
// enable.
unsafe impl TileArithmetic for C32x8 {
    type Elem = Complex<f32>;
    type Register = __m512;
    /// `re(a)` and `im(a)` in every lane.
    type Broadcast = (__m512, __m512);
    /// The sums of `re(a)·b` and of `im(a)·b`.
    type Accumulator = (__m512, __m512);
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn zero() -> __m512 {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm512_setzero_ps() }
    }
    #[inline(always)]
    unsafe fn load(p: *const Complex<f32>) -> __m512 {
        // SAFETY: 8 readable values (16 `f32`) at `p`, unaligned access allowed.
        unsafe { _mm512_loadu_ps(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut Complex<f32>, v: __m512) {
        // SAFETY: 8 writable values (16 `f32`) at `p`, unaligned access allowed.
        unsafe { _mm512_storeu_ps(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn add(a: __m512, b: __m512) -> __m512 {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn broadcast(x: Complex<f32>) -> (__m512, __m512) {
        // SAFETY: the CPU supports the instruction set.
        unsafe { (_mm512_set1_ps(x.re), _mm512_set1_ps(x.im)) }
    }
    #[inline(always)]
    unsafe fn zero_acc() -> (__m512, __m512) {
        // SAFETY: the CPU supports the instruction set.
        unsafe { (_mm512_setzero_ps(), _mm512_setzero_ps()) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: (__m512, __m512), a: (__m512, __m512), b: __m512) -> (__m512, __m512) {
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            (
                _mm512_fmadd_ps(a.0, b, acc.0),
                _mm512_fmadd_ps(a.1, b, acc.1),
            )
        }
    }
    #[inline(always)]
    unsafe fn finish((re_a, im_a): (__m512, __m512)) -> __m512 {
        // `re_a` holds (Σ re(a)·re(b), Σ re(a)·im(b)) per element and `im_a` holds
        // (Σ im(a)·re(b), Σ im(a)·im(b)): swap `im_a`'s parts, then subtract in the real
        // lanes and add in the imaginary ones.
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            let swapped = _mm512_permute_ps::<0b1011_0001>(im_a);
            // Even lanes `1·re_a − swapped`, odd lanes `1·re_a + swapped`: one rounding each.
            _mm512_fmaddsub_ps(_mm512_set1_ps(1.0), re_a, swapped)
        }
    }
}

//! AVX-512 `Complex<f64>`: 4 complex values per zmm register, parts interleaved
//! (re, im, re, im, …), as `Complex`'s `repr(C)` lays them out in memory.

use std::arch::x86_64::*;

use num_complex::Complex;

use crate::kernel::tile::TileArithmetic;

/// 4 `Complex<f64>` values in a zmm register.
#[derive(Debug)]
pub(crate) struct C64x4;

// SAFETY: `__m512d` holds 8 `f64` lanes, that is 4 `Complex<f64>` (`repr(C)`: re then
// im); `load` and `store` move exactly 4 values. `mul_add` multiplies every element of
// `b` by both parts of `a` into separate sums, and `finish` combines them into
// `re(a)·re(b) − im(a)·im(b)` and `re(a)·im(b) + im(a)·re(b)`, the complex product's
// parts; every intrinsic used belongs to the features this instruction set's kernels
// enable.
unsafe impl TileArithmetic for C64x4 {
    type Elem = Complex<f64>;
    type Register = __m512d;
    /// `re(a)` and `im(a)` in every lane.
    type Broadcast = (__m512d, __m512d);
    /// The sums of `re(a)·b` and of `im(a)·b`.
    type Accumulator = (__m512d, __m512d);
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn zero() -> __m512d {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm512_setzero_pd() }
    }
    #[inline(always)]
    unsafe fn load(p: *const Complex<f64>) -> __m512d {
        // SAFETY: 4 readable values (8 `f64`) at `p`, unaligned access allowed.
        unsafe { _mm512_loadu_pd(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut Complex<f64>, v: __m512d) {
        // SAFETY: 4 writable values (8 `f64`) at `p`, unaligned access allowed.
        unsafe { _mm512_storeu_pd(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn add(a: __m512d, b: __m512d) -> __m512d {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_add_pd(a, b) }
    }
    #[inline(always)]
    unsafe fn broadcast(x: Complex<f64>) -> (__m512d, __m512d) {
        // SAFETY: the CPU supports the instruction set.
        unsafe { (_mm512_set1_pd(x.re), _mm512_set1_pd(x.im)) }
    }
    #[inline(always)]
    unsafe fn zero_acc() -> (__m512d, __m512d) {
        // SAFETY: the CPU supports the instruction set.
        unsafe { (_mm512_setzero_pd(), _mm512_setzero_pd()) }
    }
    #[inline(always)]
    unsafe fn mul_add(
        acc: (__m512d, __m512d),
        a: (__m512d, __m512d),
        b: __m512d,
    ) -> (__m512d, __m512d) {
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            (
                _mm512_fmadd_pd(a.0, b, acc.0),
                _mm512_fmadd_pd(a.1, b, acc.1),
            )
        }
    }
    #[inline(always)]
    unsafe fn finish((re_a, im_a): (__m512d, __m512d)) -> __m512d {
        // `re_a` holds (Σ re(a)·re(b), Σ re(a)·im(b)) per element and `im_a` holds
        // (Σ im(a)·re(b), Σ im(a)·im(b)): swap `im_a`'s parts, then subtract in the real
        // lanes and add in the imaginary ones.
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            let swapped = _mm512_permute_pd::<0b0101_0101>(im_a);
            // Even lanes `1·re_a − swapped`, odd lanes `1·re_a + swapped`: one rounding each.
            _mm512_fmaddsub_pd(_mm512_set1_pd(1.0), re_a, swapped)
        }
    }
}

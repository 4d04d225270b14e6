//! AVX2 `Complex<f64>`: 2 complex values per ymm register, parts interleaved
//! (re, im, re, im, …), as `Complex`'s `repr(C)` lays them out in memory.

use std::arch::x86_64::*;

use num_complex::Complex;

use crate::kernel::tile::TileArithmetic;

/// 2 `Complex<f64>` values in a ymm register.
#[derive(Debug)]
pub(crate) struct C64x2;

// SAFETY: `__m256d` holds 4 `f64` lanes, that is 2 `Complex<f64>` (`repr(C)`: re then
// im); `load` and `store` move exactly 2 values. `mul_add` multiplies every element of
// `b` by both parts of `a` into separate sums, and `finish` combines them into
// `re(a)·re(b) − im(a)·im(b)` and `re(a)·im(b) + im(a)·re(b)`, the complex product's
// parts; every intrinsic used belongs to the features this instruction set's kernels
// enable.
unsafe impl TileArithmetic for C64x2 {
    type Elem = Complex<f64>;
    type Register = __m256d;
    /// `re(a)` and `im(a)` in every lane.
    type Broadcast = (__m256d, __m256d);
    /// The sums of `re(a)·b` and of `im(a)·b`.
    type Accumulator = (__m256d, __m256d);
    const LANES: usize = 2;

    #[inline(always)]
    unsafe fn zero() -> __m256d {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm256_setzero_pd() }
    }
    #[inline(always)]
    unsafe fn load(p: *const Complex<f64>) -> __m256d {
        // SAFETY: 2 readable values (4 `f64`) at `p`, unaligned access allowed.
        unsafe { _mm256_loadu_pd(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut Complex<f64>, v: __m256d) {
        // SAFETY: 2 writable values (4 `f64`) at `p`, unaligned access allowed.
        unsafe { _mm256_storeu_pd(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn add(a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_add_pd(a, b) }
    }
    #[inline(always)]
    unsafe fn broadcast(x: Complex<f64>) -> (__m256d, __m256d) {
        // SAFETY: the CPU supports the instruction set.
        unsafe { (_mm256_set1_pd(x.re), _mm256_set1_pd(x.im)) }
    }
    #[inline(always)]
    unsafe fn zero_acc() -> (__m256d, __m256d) {
        // SAFETY: the CPU supports the instruction set.
        unsafe { (_mm256_setzero_pd(), _mm256_setzero_pd()) }
    }
    #[inline(always)]
    unsafe fn mul_add(
        acc: (__m256d, __m256d),
        a: (__m256d, __m256d),
        b: __m256d,
    ) -> (__m256d, __m256d) {
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            (
                _mm256_fmadd_pd(a.0, b, acc.0),
                _mm256_fmadd_pd(a.1, b, acc.1),
            )
        }
    }
    #[inline(always)]
    unsafe fn finish((re_a, im_a): (__m256d, __m256d)) -> __m256d {
        // `re_a` holds (Σ re(a)·re(b), Σ re(a)·im(b)) per element and `im_a` holds
        // (Σ im(a)·re(b), Σ im(a)·im(b)): swap `im_a`'s parts, then subtract in the real
        // lanes and add in the imaginary ones.
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            let swapped = _mm256_permute_pd::<0b0101>(im_a);
            _mm256_addsub_pd(re_a, swapped)
        }
    }
}

//! AVX2 `Complex<f32>`: 4 complex values per ymm register, parts interleaved
//! (re, im, re, im, …), as `Complex`'s `repr(C)` lays them out in memory.

use std::arch::x86_64::*;

use num_complex::Complex;

use crate::kernel::tile::TileArithmetic;

/// 4 `Complex<f32>` values in a ymm register.
#[derive(Debug)]
pub(crate) struct C32x4;

// SAFETY: `__m256` holds 8 `f32` lanes, that is 4 `Complex<f32>` (`repr(C)`: re then
// im); `load` and `store` move exactly 4 values. `mul_add` multiplies every element of
// `b` by both parts of `a` into separate sums, and `finish` combines them into
// `re(a)·re(b) − im(a)·im(b)` and `re(a)·im(b) + im(a)·re(b)`, the complex product's
// parts; every intrinsic used belongs to the features this instruction set's kernels
// enable.
unsafe impl TileArithmetic for C32x4 {
    type Elem = Complex<f32>;
    type Register = __m256;
    /// `re(a)` and `im(a)` in every lane.
    type Broadcast = (__m256, __m256);
    /// The sums of `re(a)·b` and of `im(a)·b`.
    type Accumulator = (__m256, __m256);
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn zero() -> __m256 {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm256_setzero_ps() }
    }
    #[inline(always)]
    unsafe fn load(p: *const Complex<f32>) -> __m256 {
        // SAFETY: 4 readable values (8 `f32`) at `p`, unaligned access allowed.
        unsafe { _mm256_loadu_ps(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut Complex<f32>, v: __m256) {
        // SAFETY: 4 writable values (8 `f32`) at `p`, unaligned access allowed.
        unsafe { _mm256_storeu_ps(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn broadcast(x: Complex<f32>) -> (__m256, __m256) {
        // SAFETY: the CPU supports the instruction set.
        unsafe { (_mm256_set1_ps(x.re), _mm256_set1_ps(x.im)) }
    }
    #[inline(always)]
    unsafe fn zero_acc() -> (__m256, __m256) {
        // SAFETY: the CPU supports the instruction set.
        unsafe { (_mm256_setzero_ps(), _mm256_setzero_ps()) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: (__m256, __m256), a: (__m256, __m256), b: __m256) -> (__m256, __m256) {
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            (
                _mm256_fmadd_ps(a.0, b, acc.0),
                _mm256_fmadd_ps(a.1, b, acc.1),
            )
        }
    }
    #[inline(always)]
    unsafe fn finish((re_a, im_a): (__m256, __m256)) -> __m256 {
        // `re_a` holds (Σ re(a)·re(b), Σ re(a)·im(b)) per element and `im_a` holds
        // (Σ im(a)·re(b), Σ im(a)·im(b)): swap `im_a`'s parts, then subtract in the real
        // lanes and add in the imaginary ones.
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            let swapped = _mm256_permute_ps::<0b1011_0001>(im_a);
            _mm256_addsub_ps(re_a, swapped)
        }
    }
}

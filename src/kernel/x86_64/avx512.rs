//! AVX-512 microkernels: 8 rows × 2 zmm vectors of accumulators (16 of the 32 registers).
//! Two vectors per row make NR a power of two, so power-of-two sizes have no edge tiles;
//! 16 independent accumulators already keep Zen 4's FMA pipes full.

use std::arch::x86_64::*;

use super::full_tile_kernel;

// Vector helpers. Each is a tiny function with the kernel's target features, inlined into
// the kernel; memory helpers are `unsafe` because they dereference raw pointers.

#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load_f64(p: *const f64) -> __m512d {
    // SAFETY: the caller keeps 8 readable values at `p`.
    unsafe { _mm512_loadu_pd(p) }
}
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn store_f64(p: *mut f64, v: __m512d) {
    // SAFETY: the caller keeps 8 writable values at `p`.
    unsafe { _mm512_storeu_pd(p, v) }
}
#[inline]
#[target_feature(enable = "avx512f")]
fn fma_f64(acc: __m512d, a: __m512d, b: __m512d) -> __m512d {
    _mm512_fmadd_pd(a, b, acc)
}

#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load_f32(p: *const f32) -> __m512 {
    // SAFETY: the caller keeps 16 readable values at `p`.
    unsafe { _mm512_loadu_ps(p) }
}
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn store_f32(p: *mut f32, v: __m512) {
    // SAFETY: the caller keeps 16 writable values at `p`.
    unsafe { _mm512_storeu_ps(p, v) }
}
#[inline]
#[target_feature(enable = "avx512f")]
fn fma_f32(acc: __m512, a: __m512, b: __m512) -> __m512 {
    _mm512_fmadd_ps(a, b, acc)
}

#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load_i32(p: *const i32) -> __m512i {
    // SAFETY: the caller keeps 16 readable values at `p`.
    unsafe { _mm512_loadu_epi32(p) }
}
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn store_i32(p: *mut i32, v: __m512i) {
    // SAFETY: the caller keeps 16 writable values at `p`.
    unsafe { _mm512_storeu_epi32(p, v) }
}
#[inline]
#[target_feature(enable = "avx512f")]
fn mul_add_i32(acc: __m512i, a: __m512i, b: __m512i) -> __m512i {
    // vpmulld keeps the low 32 bits of each product: wrapping multiplication.
    _mm512_add_epi32(acc, _mm512_mullo_epi32(a, b))
}

#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load_i64(p: *const i64) -> __m512i {
    // SAFETY: the caller keeps 8 readable values at `p`.
    unsafe { _mm512_loadu_epi64(p) }
}
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn store_i64(p: *mut i64, v: __m512i) {
    // SAFETY: the caller keeps 8 writable values at `p`.
    unsafe { _mm512_storeu_epi64(p, v) }
}
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn mul_add_i64(acc: __m512i, a: __m512i, b: __m512i) -> __m512i {
    // vpmullq keeps the low 64 bits of each product: wrapping multiplication.
    _mm512_add_epi64(acc, _mm512_mullo_epi64(a, b))
}

full_tile_kernel!(
    /// `f64`: an 8 × 16 tile, fused multiply-add.
    f64_8x16 / f64_8x16_rows / f64_8x16_cols / f64_8x16_fill, feature = "avx512f", elem = f64, vector = __m512d, lanes = 8, mr = 8, vectors = 2,
    zero = _mm512_setzero_pd, load = load_f64, store = store_f64,
    splat = _mm512_set1_pd, mul_add = fma_f64, add = _mm512_add_pd
);

full_tile_kernel!(
    /// `f32`: an 8 × 32 tile, fused multiply-add.
    f32_8x32 / f32_8x32_rows / f32_8x32_cols / f32_8x32_fill, feature = "avx512f", elem = f32, vector = __m512, lanes = 16, mr = 8, vectors = 2,
    zero = _mm512_setzero_ps, load = load_f32, store = store_f32,
    splat = _mm512_set1_ps, mul_add = fma_f32, add = _mm512_add_ps
);

full_tile_kernel!(
    /// `i32` (and `u32`): an 8 × 32 tile, wrapping `vpmulld` + `vpaddd`.
    i32_8x32 / i32_8x32_rows / i32_8x32_cols / i32_8x32_fill, feature = "avx512f", elem = i32, vector = __m512i, lanes = 16, mr = 8, vectors = 2,
    zero = _mm512_setzero_si512, load = load_i32, store = store_i32,
    splat = _mm512_set1_epi32, mul_add = mul_add_i32, add = _mm512_add_epi32
);

full_tile_kernel!(
    /// `i64` (and `u64`): an 8 × 16 tile, wrapping `vpmullq` + `vpaddq`.
    i64_8x16 / i64_8x16_rows / i64_8x16_cols / i64_8x16_fill, feature = "avx512f,avx512dq", elem = i64, vector = __m512i, lanes = 8, mr = 8, vectors = 2,
    zero = _mm512_setzero_si512, load = load_i64, store = store_i64,
    splat = _mm512_set1_epi64, mul_add = mul_add_i64, add = _mm512_add_epi64
);

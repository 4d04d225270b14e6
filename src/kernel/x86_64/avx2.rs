//! AVX2 (+FMA) microkernels: 6 rows × 2 ymm vectors of accumulators (12 of the 16
//! registers); the `i64` kernel uses 4 × 2 because its multiply is emulated.

use std::arch::x86_64::*;

use super::full_tile_kernel;

#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load_f64(p: *const f64) -> __m256d {
    // SAFETY: the caller keeps 4 readable values at `p`.
    unsafe { _mm256_loadu_pd(p) }
}
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn store_f64(p: *mut f64, v: __m256d) {
    // SAFETY: the caller keeps 4 writable values at `p`.
    unsafe { _mm256_storeu_pd(p, v) }
}
#[inline]
#[target_feature(enable = "avx2,fma")]
fn fma_f64(acc: __m256d, a: __m256d, b: __m256d) -> __m256d {
    _mm256_fmadd_pd(a, b, acc)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load_f32(p: *const f32) -> __m256 {
    // SAFETY: the caller keeps 8 readable values at `p`.
    unsafe { _mm256_loadu_ps(p) }
}
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn store_f32(p: *mut f32, v: __m256) {
    // SAFETY: the caller keeps 8 writable values at `p`.
    unsafe { _mm256_storeu_ps(p, v) }
}
#[inline]
#[target_feature(enable = "avx2,fma")]
fn fma_f32(acc: __m256, a: __m256, b: __m256) -> __m256 {
    _mm256_fmadd_ps(a, b, acc)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load_i32(p: *const i32) -> __m256i {
    // SAFETY: the caller keeps 8 readable values at `p`; unaligned loads are allowed.
    unsafe { _mm256_loadu_si256(p.cast()) }
}
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn store_i32(p: *mut i32, v: __m256i) {
    // SAFETY: the caller keeps 8 writable values at `p`; unaligned stores are allowed.
    unsafe { _mm256_storeu_si256(p.cast(), v) }
}
#[inline]
#[target_feature(enable = "avx2,fma")]
fn mul_add_i32(acc: __m256i, a: __m256i, b: __m256i) -> __m256i {
    _mm256_add_epi32(acc, _mm256_mullo_epi32(a, b))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load_i64(p: *const i64) -> __m256i {
    // SAFETY: the caller keeps 4 readable values at `p`; unaligned loads are allowed.
    unsafe { _mm256_loadu_si256(p.cast()) }
}
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn store_i64(p: *mut i64, v: __m256i) {
    // SAFETY: the caller keeps 4 writable values at `p`; unaligned stores are allowed.
    unsafe { _mm256_storeu_si256(p.cast(), v) }
}
/// The low 64 bits of `a · b` per lane, from 32-bit multiplies (AVX2 has no 64-bit one):
/// `a·b mod 2⁶⁴ = lo(a)·lo(b) + ((hi(a)·lo(b) + lo(a)·hi(b)) << 32)`.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn mul_add_i64(acc: __m256i, a: __m256i, b: __m256i) -> __m256i {
    let low = _mm256_mul_epu32(a, b);
    let cross = _mm256_add_epi64(
        _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), b),
        _mm256_mul_epu32(a, _mm256_srli_epi64::<32>(b)),
    );
    _mm256_add_epi64(acc, _mm256_add_epi64(low, _mm256_slli_epi64::<32>(cross)))
}

full_tile_kernel!(
    /// `f64`: a 6 × 8 tile, fused multiply-add.
    f64_6x8 / f64_6x8_rows / f64_6x8_cols / f64_6x8_fill, feature = "avx2,fma", elem = f64, vector = __m256d, lanes = 4, mr = 6, vectors = 2,
    zero = _mm256_setzero_pd, load = load_f64, store = store_f64,
    splat = _mm256_set1_pd, mul_add = fma_f64, add = _mm256_add_pd
);

full_tile_kernel!(
    /// `f32`: a 6 × 16 tile, fused multiply-add.
    f32_6x16 / f32_6x16_rows / f32_6x16_cols / f32_6x16_fill, feature = "avx2,fma", elem = f32, vector = __m256, lanes = 8, mr = 6, vectors = 2,
    zero = _mm256_setzero_ps, load = load_f32, store = store_f32,
    splat = _mm256_set1_ps, mul_add = fma_f32, add = _mm256_add_ps
);

full_tile_kernel!(
    /// `i32` (and `u32`): a 6 × 16 tile, wrapping `vpmulld` + `vpaddd`.
    i32_6x16 / i32_6x16_rows / i32_6x16_cols / i32_6x16_fill, feature = "avx2,fma", elem = i32, vector = __m256i, lanes = 8, mr = 6, vectors = 2,
    zero = _mm256_setzero_si256, load = load_i32, store = store_i32,
    splat = _mm256_set1_epi32, mul_add = mul_add_i32, add = _mm256_add_epi32
);

full_tile_kernel!(
    /// `i64` (and `u64`): a 4 × 8 tile, wrapping multiply emulated with `vpmuludq`.
    i64_4x8 / i64_4x8_rows / i64_4x8_cols / i64_4x8_fill, feature = "avx2,fma", elem = i64, vector = __m256i, lanes = 4, mr = 4, vectors = 2,
    zero = _mm256_setzero_si256, load = load_i64, store = store_i64,
    splat = _mm256_set1_epi64x, mul_add = mul_add_i64, add = _mm256_add_epi64
);

//! AVX2 `i64` (and `u64`): four lanes, wrapping multiply emulated with `vpmuludq`.

use std::arch::x86_64::*;

use crate::kernel::tile::Vector;

/// Four `i64` lanes in a ymm register.
#[derive(Debug)]
pub(crate) struct I64x4;

// SAFETY: `__m256i` holds 4 `i64` lanes; `load` and `store` move exactly 4 values; every
// intrinsic used belongs to the features this instruction set's kernels enable.
unsafe impl Vector for I64x4 {
    type Elem = i64;
    type Register = __m256i;
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn zero() -> __m256i {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm256_setzero_si256() }
    }
    #[inline(always)]
    unsafe fn load(p: *const i64) -> __m256i {
        // SAFETY: 4 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm256_loadu_si256(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut i64, v: __m256i) {
        // SAFETY: 4 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm256_storeu_si256(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn splat(x: i64) -> __m256i {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_set1_epi64x(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: __m256i, a: __m256i, b: __m256i) -> __m256i {
        // AVX2 has no 64-bit multiply: the low 64 bits of a · b per lane from 32-bit ones,
        // a·b mod 2⁶⁴ = lo(a)·lo(b) + ((hi(a)·lo(b) + lo(a)·hi(b)) << 32).
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            let low = _mm256_mul_epu32(a, b);
            let cross = _mm256_add_epi64(
                _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), b),
                _mm256_mul_epu32(a, _mm256_srli_epi64::<32>(b)),
            );
            _mm256_add_epi64(acc, _mm256_add_epi64(low, _mm256_slli_epi64::<32>(cross)))
        }
    }
    #[inline(always)]
    unsafe fn add(a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm256_add_epi64(a, b) }
    }
    #[inline(always)]
    unsafe fn load_first(p: *const i64, count: usize) -> __m256i {
        // SAFETY: the masked load reads the first `count` values only (lanes outside the
        // mask are not accessed and never fault); they are readable; the CPU supports it.
        unsafe { _mm256_maskload_epi64(p, super::first_lanes_64(count)) }
    }
    #[inline(always)]
    unsafe fn store_first(p: *mut i64, v: __m256i, count: usize) {
        // SAFETY: the masked store writes the first `count` values only, which are
        // writable; the CPU supports it.
        unsafe { _mm256_maskstore_epi64(p, super::first_lanes_64(count), v) }
    }
}

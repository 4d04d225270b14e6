//! AVX-512 `i64` (and `u64`): eight lanes, wrapping `vpmullq` + `vpaddq`.

use std::arch::x86_64::*;

use crate::kernel::tile::Vector;

/// Eight `i64` lanes in a zmm register.
#[derive(Debug)]
pub(crate) struct I64x8;

// SAFETY: `__m512i` holds 8 `i64` lanes; `load` and `store` move exactly 8 values; every
// intrinsic used belongs to the features this instruction set's kernels enable.
unsafe impl Vector for I64x8 {
    type Elem = i64;
    type Register = __m512i;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn zero() -> __m512i {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { _mm512_setzero_si512() }
    }
    #[inline(always)]
    unsafe fn load(p: *const i64) -> __m512i {
        // SAFETY: 8 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm512_loadu_epi64(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut i64, v: __m512i) {
        // SAFETY: 8 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { _mm512_storeu_epi64(p, v) }
    }
    #[inline(always)]
    unsafe fn splat(x: i64) -> __m512i {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_set1_epi64(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: __m512i, a: __m512i, b: __m512i) -> __m512i {
        // vpmullq (AVX-512 DQ) keeps the low 64 bits of each product: wrapping multiplication.
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_add_epi64(acc, _mm512_mullo_epi64(a, b)) }
    }
    #[inline(always)]
    unsafe fn add(a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: the CPU supports the instruction set.
        unsafe { _mm512_add_epi64(a, b) }
    }
    #[inline(always)]
    unsafe fn load_first(p: *const i64, count: usize) -> __m512i {
        let mask = ((1u32 << count) - 1) as __mmask8;
        // SAFETY: the masked load reads the first `count` values only (lanes outside the
        // mask are not accessed and never fault); they are readable; the CPU supports it.
        unsafe { _mm512_maskz_loadu_epi64(mask, p) }
    }
    #[inline(always)]
    unsafe fn store_first(p: *mut i64, v: __m512i, count: usize) {
        let mask = ((1u32 << count) - 1) as __mmask8;
        // SAFETY: the masked store writes the first `count` values only, which are
        // writable; the CPU supports it.
        unsafe { _mm512_mask_storeu_epi64(p, mask, v) }
    }
}

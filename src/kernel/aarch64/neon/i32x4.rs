//! NEON `i32`: four lanes, wrapping multiply-accumulate (`mla`).

use std::arch::aarch64::*;

use crate::kernel::tile::Vector;

/// Four `i32` lanes in a q register.
#[derive(Debug)]
pub(crate) struct I32x4;

// SAFETY: `int32x4_t` holds 4 `i32` lanes; `load` and `store` move exactly 4 values;
// every intrinsic used belongs to NEON, the feature this instruction set's kernels enable.
unsafe impl Vector for I32x4 {
    type Elem = i32;
    type Register = int32x4_t;
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn zero() -> int32x4_t {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { vdupq_n_s32(0) }
    }
    #[inline(always)]
    unsafe fn load(p: *const i32) -> int32x4_t {
        // SAFETY: 4 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { vld1q_s32(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut i32, v: int32x4_t) {
        // SAFETY: 4 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { vst1q_s32(p, v) }
    }
    #[inline(always)]
    unsafe fn splat(x: i32) -> int32x4_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vdupq_n_s32(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: int32x4_t, a: int32x4_t, b: int32x4_t) -> int32x4_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vmlaq_s32(acc, a, b) }
    }
    #[inline(always)]
    unsafe fn add(a: int32x4_t, b: int32x4_t) -> int32x4_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vaddq_s32(a, b) }
    }
}

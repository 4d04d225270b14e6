//! NEON `f32`: four lanes, fused multiply-add (`fmla`).

use std::arch::aarch64::*;

use crate::kernel::tile::Vector;

/// Four `f32` lanes in a q register.
#[derive(Debug)]
pub(crate) struct F32x4;

// SAFETY: `float32x4_t` holds 4 `f32` lanes; `load` and `store` move exactly 4 values;
// every intrinsic used belongs to NEON, the feature this instruction set's kernels enable.
unsafe impl Vector for F32x4 {
    type Elem = f32;
    type Register = float32x4_t;
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn zero() -> float32x4_t {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { vdupq_n_f32(0.0) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> float32x4_t {
        // SAFETY: 4 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { vld1q_f32(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: float32x4_t) {
        // SAFETY: 4 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { vst1q_f32(p, v) }
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> float32x4_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vdupq_n_f32(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: float32x4_t, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vfmaq_f32(acc, a, b) }
    }
    #[inline(always)]
    unsafe fn add(a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vaddq_f32(a, b) }
    }
    #[inline(always)]
    unsafe fn mul_then_add(acc: float32x4_t, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vaddq_f32(acc, vmulq_f32(a, b)) }
    }
}

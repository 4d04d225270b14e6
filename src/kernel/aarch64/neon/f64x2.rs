//! NEON `f64`: two lanes, fused multiply-add (`fmla`).

use std::arch::aarch64::*;

use crate::kernel::tile::Vector;

/// Two `f64` lanes in a q register.
#[derive(Debug)]
pub(crate) struct F64x2;

// SAFETY: `float64x2_t` holds 2 `f64` lanes; `load` and `store` move exactly 2 values;
// every intrinsic used belongs to NEON, the feature this instruction set's kernels enable.
unsafe impl Vector for F64x2 {
    type Elem = f64;
    type Register = float64x2_t;
    const LANES: usize = 2;

    #[inline(always)]
    unsafe fn zero() -> float64x2_t {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { vdupq_n_f64(0.0) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> float64x2_t {
        // SAFETY: 2 readable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { vld1q_f64(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f64, v: float64x2_t) {
        // SAFETY: 2 writable values at `p`, unaligned access allowed; the CPU supports it.
        unsafe { vst1q_f64(p, v) }
    }
    #[inline(always)]
    unsafe fn splat(x: f64) -> float64x2_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vdupq_n_f64(x) }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: float64x2_t, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vfmaq_f64(acc, a, b) }
    }
    #[inline(always)]
    unsafe fn add(a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vaddq_f64(a, b) }
    }
    #[inline(always)]
    unsafe fn mul_then_add(acc: float64x2_t, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vaddq_f64(acc, vmulq_f64(a, b)) }
    }
}

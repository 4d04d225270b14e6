//! NEON `Complex<f64>`: one complex value per q register, (re, im) as `Complex`'s
//! `repr(C)` lays it out in memory.

use std::arch::aarch64::*;

use num_complex::Complex;

use crate::kernel::tile::TileArithmetic;

/// One `Complex<f64>` in a q register.
#[derive(Debug)]
pub(crate) struct C64x1;

// SAFETY: `float64x2_t` holds 2 `f64` lanes, that is one `Complex<f64>` (`repr(C)`: re then
// im); `load` and `store` move exactly one value. `mul_add` multiplies `b` by both parts of
// `a` (lanes 0 and 1 of the broadcast register) into separate sums, and `finish` combines
// them into `re(a)·re(b) − im(a)·im(b)` and `re(a)·im(b) + im(a)·re(b)`, the complex
// product's parts; every intrinsic used belongs to NEON, the feature this instruction
// set's kernels enable.
unsafe impl TileArithmetic for C64x1 {
    type Elem = Complex<f64>;
    type Register = float64x2_t;
    /// `a` itself: (re, im), multiplied in by lane.
    type Broadcast = float64x2_t;
    /// The sums of `re(a)·b` and of `im(a)·b`.
    type Accumulator = (float64x2_t, float64x2_t);
    const LANES: usize = 1;

    #[inline(always)]
    unsafe fn zero() -> float64x2_t {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { vdupq_n_f64(0.0) }
    }
    #[inline(always)]
    unsafe fn load(p: *const Complex<f64>) -> float64x2_t {
        // SAFETY: one readable value (2 `f64`) at `p`, unaligned access allowed.
        unsafe { vld1q_f64(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut Complex<f64>, v: float64x2_t) {
        // SAFETY: one writable value (2 `f64`) at `p`, unaligned access allowed.
        unsafe { vst1q_f64(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn add(a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vaddq_f64(a, b) }
    }
    #[inline(always)]
    unsafe fn broadcast(x: Complex<f64>) -> float64x2_t {
        // SAFETY: `x` is one readable `Complex<f64>`, 2 `f64` in a row.
        unsafe { vld1q_f64(std::ptr::from_ref(&x).cast()) }
    }
    #[inline(always)]
    unsafe fn zero_acc() -> (float64x2_t, float64x2_t) {
        // SAFETY: the CPU supports the instruction set.
        unsafe { (vdupq_n_f64(0.0), vdupq_n_f64(0.0)) }
    }
    #[inline(always)]
    unsafe fn mul_add(
        acc: (float64x2_t, float64x2_t),
        a: float64x2_t,
        b: float64x2_t,
    ) -> (float64x2_t, float64x2_t) {
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            (
                vfmaq_laneq_f64::<0>(acc.0, b, a),
                vfmaq_laneq_f64::<1>(acc.1, b, a),
            )
        }
    }
    #[inline(always)]
    unsafe fn finish((re_a, im_a): (float64x2_t, float64x2_t)) -> float64x2_t {
        // `re_a` holds (Σ re(a)·re(b), Σ re(a)·im(b)) and `im_a` (Σ im(a)·re(b),
        // Σ im(a)·im(b)): swap `im_a`'s parts, flip the sign of the real one and add, as
        // the x86 kernels' add-subtract does (negation is exact, so the bits are theirs).
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            let swapped = vextq_f64::<1>(im_a, im_a);
            let sign = vcombine_u64(vcreate_u64(1 << 63), vcreate_u64(0));
            let flipped = vreinterpretq_f64_u64(veorq_u64(vreinterpretq_u64_f64(swapped), sign));
            vaddq_f64(re_a, flipped)
        }
    }
}

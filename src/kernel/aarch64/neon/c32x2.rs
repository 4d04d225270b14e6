//! NEON `Complex<f32>`: two complex values per q register, parts interleaved
//! (re, im, re, im), as `Complex`'s `repr(C)` lays them out in memory.

use std::arch::aarch64::*;

use num_complex::Complex;

use crate::kernel::tile::TileArithmetic;

/// Two `Complex<f32>` values in a q register.
#[derive(Debug)]
pub(crate) struct C32x2;

// SAFETY: `float32x4_t` holds 4 `f32` lanes, that is 2 `Complex<f32>` (`repr(C)`: re then
// im); `load` and `store` move exactly 2 values. `mul_add` multiplies every element of `b`
// by both parts of `a` (lanes 0 and 1 of the d register) into separate sums, and `finish`
// combines them into `re(a)·re(b) − im(a)·im(b)` and `re(a)·im(b) + im(a)·re(b)`, the
// complex product's parts; every intrinsic used belongs to NEON, the feature this
// instruction set's kernels enable.
unsafe impl TileArithmetic for C32x2 {
    type Elem = Complex<f32>;
    type Register = float32x4_t;
    /// `a` itself: (re, im) in a d register, multiplied in by lane.
    type Broadcast = float32x2_t;
    /// The sums of `re(a)·b` and of `im(a)·b`.
    type Accumulator = (float32x4_t, float32x4_t);
    const LANES: usize = 2;

    #[inline(always)]
    unsafe fn zero() -> float32x4_t {
        // SAFETY: the CPU supports the instruction set (the trait's contract).
        unsafe { vdupq_n_f32(0.0) }
    }
    #[inline(always)]
    unsafe fn load(p: *const Complex<f32>) -> float32x4_t {
        // SAFETY: 2 readable values (4 `f32`) at `p`, unaligned access allowed.
        unsafe { vld1q_f32(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut Complex<f32>, v: float32x4_t) {
        // SAFETY: 2 writable values (4 `f32`) at `p`, unaligned access allowed.
        unsafe { vst1q_f32(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn add(a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: the CPU supports the instruction set.
        unsafe { vaddq_f32(a, b) }
    }
    #[inline(always)]
    unsafe fn broadcast(x: Complex<f32>) -> float32x2_t {
        // SAFETY: `x` is one readable `Complex<f32>`, 2 `f32` in a row.
        unsafe { vld1_f32(std::ptr::from_ref(&x).cast()) }
    }
    #[inline(always)]
    unsafe fn zero_acc() -> (float32x4_t, float32x4_t) {
        // SAFETY: the CPU supports the instruction set.
        unsafe { (vdupq_n_f32(0.0), vdupq_n_f32(0.0)) }
    }
    #[inline(always)]
    unsafe fn mul_add(
        acc: (float32x4_t, float32x4_t),
        a: float32x2_t,
        b: float32x4_t,
    ) -> (float32x4_t, float32x4_t) {
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            (
                vfmaq_lane_f32::<0>(acc.0, b, a),
                vfmaq_lane_f32::<1>(acc.1, b, a),
            )
        }
    }
    #[inline(always)]
    unsafe fn finish((re_a, im_a): (float32x4_t, float32x4_t)) -> float32x4_t {
        // As `C64x1::finish`, per complex value: swap the parts of each pair of `im_a`,
        // flip the sign of the real ones and add.
        // SAFETY: the CPU supports the instruction set.
        unsafe {
            let swapped = vrev64q_f32(im_a);
            let sign = vreinterpretq_u32_u64(vdupq_n_u64(0x8000_0000));
            let flipped = vreinterpretq_f32_u32(veorq_u32(vreinterpretq_u32_f32(swapped), sign));
            vaddq_f32(re_a, flipped)
        }
    }
}

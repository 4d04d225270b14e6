//! NEON kernels: 6 rows × 4 q-register vectors of accumulators (3 × 4 for the complex
//! types, which keep two accumulators per register of C).
//!
//! The tile comes from the register file: 32 vector registers of 128 bits. A 6 × 4 tile
//! holds 24 accumulators, the 4 vectors of the step's row of B and the broadcast value of A
//! in 29, with 3 to spare for the compiler. Four vectors per row make NR a power of two (8
//! `f64`, 16 `f32` or `i32`), so power-of-two sizes have no edge tiles, as on x86-64; 24
//! independent accumulators cover the latency of the FMA pipes of current cores (four
//! cycles, up to four pipes).

#[cfg(feature = "complex")]
mod c32x2;
#[cfg(feature = "complex")]
mod c64x1;
mod f32x4;
mod f64x2;
mod i32x4;

use crate::kernel::{Microkernel, Simd};

crate::kernel::tile::instruction_set_kernels!(features = "neon", level = Simd::Neon);

/// This instruction set's kernel for `S`, if it has one: one line per instance, naming the
/// vector type and the tile (MR rows × NV vectors).
///
/// # Safety
///
/// The CPU supports this instruction set.
#[inline(always)]
pub(crate) unsafe fn kernel<S: 'static>() -> Option<Microkernel<S>> {
    // SAFETY (every line): the CPU supports this instruction set (the caller's contract).
    unsafe {
        vector_instance::<S, f64x2::F64x2, 6, 4, 8>()
            .or_else(|| vector_instance::<S, f32x4::F32x4, 6, 4, 8>())
            .or_else(|| vector_instance::<S, i32x4::I32x4, 6, 4, 8>())
            .or_else(|| complex::<S>())
    }
}

/// The complex instances, as `kernel` for `S` (none without the `complex` feature). Both
/// take 3 rows × 4 vectors: 24 accumulators (two per register of C), B's 4 registers and
/// A's value, multiplied in by lane (`fmla` by element), so no broadcast registers; 24
/// multiply-adds per step for 4 loads of B and 3 of A. Not yet measured on hardware.
///
/// # Safety
///
/// The CPU supports this instruction set.
#[cfg(feature = "complex")]
#[inline(always)]
unsafe fn complex<S: 'static>() -> Option<Microkernel<S>> {
    // SAFETY (every line): the CPU supports this instruction set (the caller's contract).
    unsafe { instance::<S, c64x1::C64x1, 3, 4>().or_else(|| instance::<S, c32x2::C32x2, 3, 4>()) }
}

/// Without the `complex` feature complex types run the portable kernel.
///
/// # Safety
///
/// None needed; `unsafe` only to match the other build.
#[cfg(not(feature = "complex"))]
#[inline(always)]
unsafe fn complex<S: 'static>() -> Option<Microkernel<S>> {
    None
}

//! NEON kernels: 6 rows × 4 q-register vectors of accumulators.
//!
//! The tile comes from the register file: 32 vector registers of 128 bits. A 6 × 4 tile
//! holds 24 accumulators, the 4 vectors of the step's row of B and the broadcast value of A
//! in 29, with 3 to spare for the compiler. Four vectors per row make NR a power of two (8
//! `f64`, 16 `f32` or `i32`), so power-of-two sizes have no edge tiles, as on x86-64; 24
//! independent accumulators cover the latency of the FMA pipes of current cores (four
//! cycles, up to four pipes).

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
    }
}

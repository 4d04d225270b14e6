//! AVX-512 (F and DQ) kernels: 8 rows × 2 zmm vectors of accumulators (16 of the 32
//! registers). Two vectors per row make NR a power of two, so power-of-two sizes have no
//! edge tiles; 16 independent accumulators keep the FMA pipes full.
//!
//! Complex types keep two accumulators per register of C (see `tile::TileArithmetic`), so
//! their tile is 6 rows × 2 vectors: 24 accumulators, plus B's two registers.

#[cfg(feature = "complex")]
mod c32x8;
#[cfg(feature = "complex")]
mod c64x4;
mod f32x16;
mod f64x8;
mod i32x16;
mod i64x8;

use crate::kernel::{Microkernel, Simd};

crate::kernel::tile::instruction_set_kernels!(features = "avx512f,avx512dq", level = Simd::Avx512);

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
        vector_instance::<S, f64x8::F64x8, 8, 2, 8>()
            .or_else(|| vector_instance::<S, f32x16::F32x16, 8, 2, 8>())
            .or_else(|| vector_instance::<S, i32x16::I32x16, 8, 2, 8>())
            .or_else(|| vector_instance::<S, i64x8::I64x8, 8, 2, 8>())
            .or_else(|| complex::<S>())
    }
}

/// The complex instances, as `kernel` for `S` (none without the `complex` feature).
///
/// # Safety
///
/// The CPU supports this instruction set.
#[cfg(feature = "complex")]
#[inline(always)]
unsafe fn complex<S: 'static>() -> Option<Microkernel<S>> {
    // SAFETY (every line): the CPU supports this instruction set (the caller's contract).
    unsafe { instance::<S, c64x4::C64x4, 6, 2>().or_else(|| instance::<S, c32x8::C32x8, 6, 2>()) }
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

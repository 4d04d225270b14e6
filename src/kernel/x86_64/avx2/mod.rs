//! AVX2 (+FMA) kernels: 6 rows × 2 ymm vectors of accumulators (12 of the 16 registers);
//! the `i64` kernel uses 4 × 2 because its multiply is emulated and needs spare registers.

mod f32x8;
mod f64x4;
mod i32x8;
mod i64x4;

use crate::kernel::{Microkernel, Simd};

crate::kernel::tile::instruction_set_kernels!(features = "avx2,fma", level = Simd::Avx2);

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
        instance::<S, f64x4::F64x4, 6, 2>()
            .or_else(|| instance::<S, f32x8::F32x8, 6, 2>())
            .or_else(|| instance::<S, i32x8::I32x8, 6, 2>())
            .or_else(|| instance::<S, i64x4::I64x4, 4, 2>())
    }
}

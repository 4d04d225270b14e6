//! AVX2 (+FMA) kernels: 6 rows × 2 ymm vectors of accumulators (12 of the 16 registers);
//! the `i64` kernel uses 4 × 2 because its multiply is emulated and needs spare registers.
//!
//! Complex types keep two accumulators per register of C (see `tile::TileArithmetic`):
//! `Complex<f64>` takes 3 rows × 2 vectors (12 accumulators, B's two registers and A's two
//! parts fill the 16), `Complex<f32>` 2 × 2, which measured 1.6× faster than its 3 × 2
//! (docs/tuning-notes.md#complex-kernels).

#[cfg(feature = "complex")]
mod c32x4;
#[cfg(feature = "complex")]
mod c64x2;
mod f32x8;
mod f64x4;
mod i32x8;
mod i64x4;

use std::arch::x86_64::{__m256i, _mm256_loadu_si256};

use crate::kernel::{Microkernel, Simd};

/// A lane mask for `vmaskmov` of the first `count` (1 ≤ count ≤ 8) 32-bit lanes: the
/// window of 8 values of this table that starts `8 - count` in.
static LANES_32: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

/// As [`LANES_32`] for 64-bit lanes (1 ≤ count ≤ 4).
static LANES_64: [i64; 8] = [-1, -1, -1, -1, 0, 0, 0, 0];

/// The mask of the first `count` 32-bit lanes of a ymm register.
///
/// # Safety
///
/// The CPU supports AVX; `1 ≤ count ≤ 8`.
#[inline(always)]
unsafe fn first_lanes_32(count: usize) -> __m256i {
    debug_assert!((1..=8).contains(&count));
    // SAFETY: 8 values from index `8 - count` ≤ 7 lie inside the 16 of the table.
    unsafe { _mm256_loadu_si256(LANES_32.as_ptr().add(8 - count).cast()) }
}

/// The mask of the first `count` 64-bit lanes of a ymm register.
///
/// # Safety
///
/// The CPU supports AVX; `1 ≤ count ≤ 4`.
#[inline(always)]
unsafe fn first_lanes_64(count: usize) -> __m256i {
    debug_assert!((1..=4).contains(&count));
    // SAFETY: 4 values from index `4 - count` ≤ 3 lie inside the 8 of the table.
    unsafe { _mm256_loadu_si256(LANES_64.as_ptr().add(4 - count).cast()) }
}

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
        vector_instance::<S, f64x4::F64x4, 6, 2, 4>()
            .or_else(|| vector_instance::<S, f32x8::F32x8, 6, 2, 4>())
            .or_else(|| vector_instance::<S, i32x8::I32x8, 6, 2, 4>())
            .or_else(|| vector_instance::<S, i64x4::I64x4, 4, 2, 4>())
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
    unsafe { instance::<S, c64x2::C64x2, 3, 2>().or_else(|| instance::<S, c32x4::C32x4, 2, 2>()) }
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

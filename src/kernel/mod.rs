//! The computational kernels, written once over the crate's private `Scalar` arithmetic.
//!
//! - [`pack`]: copying operands into the layouts the loops want (row-major, transposed,
//!   MR-row and NR-column panels).
//! - [`rows`]: the cache-blocked i-k-j loop over a band of output rows (serial and
//!   row-parallel strategies).
//! - [`dot`]: the dot product of one row of A with one column of B (per-cell strategy).
//! - [`blocked`]: the BLIS-style loop nest around a register-tile [`Microkernel`]: the
//!   [`portable`] one for every type, or a hand-written one chosen at run time ([`Simd`]).
//! - `tile`: the hand-written register-tile kernel, written once over a small
//!   `TileArithmetic` trait (which every lane-wise `Vector` is); each instruction set
//!   implements one per element type (in `x86_64` and `aarch64`) and registers the
//!   instances in its `kernel` function, which [`simd_kernel`] asks. On other
//!   architectures only the portable kernel exists.
//!
//! The strategies decide the number of workers; the row and dot loops run on the part of
//! the output they are given, while the blocked nest forks and joins inside its depth loop
//! (packing and multiplying alternate there).

use crate::element::Scalar;

pub(crate) mod blocked;
mod caches;
pub(crate) mod dot;
mod microkernel;
pub(crate) mod pack;
pub(crate) mod portable;
pub(crate) mod rows;
mod simd;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) mod tile;

#[cfg(target_arch = "aarch64")]
pub(crate) mod aarch64;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;

pub(crate) use caches::budgets;
pub use caches::{CacheSource, Caches};
pub(crate) use microkernel::Microkernel;
pub(crate) use microkernel::{DirectFn, DotsFn, RowVectorFn, run_direct};
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) use microkernel::{TileForms, VectorForms};
pub use simd::Simd;

/// The hand-written kernel for `S` at `simd`, if that instruction set has one for `S` and
/// this CPU supports it (so the kernel's instructions can always run).
pub(crate) fn simd_kernel<S: 'static>(simd: Simd) -> Option<Microkernel<S>> {
    if simd.supported() != simd {
        return None;
    }
    // SAFETY (each arm): the CPU supports the level (checked above, cached).
    match simd {
        Simd::Portable => None,
        #[cfg(target_arch = "x86_64")]
        Simd::Avx2 => unsafe { x86_64::avx2::kernel::<S>() },
        #[cfg(target_arch = "x86_64")]
        Simd::Avx512 => unsafe { x86_64::avx512::kernel::<S>() },
        #[cfg(target_arch = "aarch64")]
        Simd::Neon => unsafe { aarch64::neon::kernel::<S>() },
        _ => None,
    }
}

/// The best level at or below `simd` that this CPU supports and that has a hand-written
/// kernel for `T`, and that kernel; `None` when no such level has one (`simd_kernel` skips
/// the levels the CPU lacks).
fn best_simd_kernel<T: 'static>(simd: Simd) -> Option<Microkernel<T>> {
    Simd::ALL
        .into_iter()
        .rev()
        .filter(|&level| level != Simd::Portable && level <= simd)
        .find_map(simd_kernel::<T>)
}

/// The kernel the blocked loops use for `S`: the hand-written one at `simd` (capped to what
/// the CPU supports, falling back to lower levels) when there is one, the portable one
/// otherwise.
pub(crate) fn microkernel_for<S: Scalar>(simd: Simd) -> Microkernel<S> {
    best_simd_kernel::<S>(simd).unwrap_or_else(Microkernel::portable)
}

/// The level of the kernel [`microkernel_for`] picks for `T` at `simd`: `Portable` for
/// types without a hand-written kernel.
pub(crate) fn kernel_level_for<T: 'static>(simd: Simd) -> Simd {
    best_simd_kernel::<T>(simd).map_or(Simd::Portable, |kernel| kernel.simd)
}

/// The body of a `default_*` lookup: `$lookup::<T>()`, an `Option<$Fn<T>>`, computed once
/// per process for each type with hand-written kernels and cached (`None` for the others).
macro_rules! cached_default_form {
    ($S:ident, $Fn:ident, $lookup:ident) => {
        cached_default_form!(@types $S, $Fn, $lookup; f64, f32, i32, u32, i64, u64)
    };
    (@types $S:ident, $Fn:ident, $lookup:ident; $($t:ty),*) => {{
        use std::any::TypeId;
        use std::sync::OnceLock;
        $(
            if TypeId::of::<$S>() == TypeId::of::<$t>() {
                static FORM: OnceLock<Option<$Fn<$t>>> = OnceLock::new();
                let form = *FORM.get_or_init($lookup::<$t>);
                // SAFETY: `$S` is `$t` (equal `TypeId`s), so the two pointer types are one.
                return form.map(|f| unsafe { std::mem::transmute::<$Fn<$t>, $Fn<$S>>(f) });
            }
        )*
        None
    }};
}

/// The `direct` form of the kernel [`microkernel_for`] picks for `S` at
/// [`Simd::default_level`], looked up once per process for each type that has one:
/// what a tiny product asks first, where the lookup itself would show.
#[inline(always)]
pub(crate) fn default_direct<S: 'static>() -> Option<DirectFn<S>> {
    fn lookup<T: Scalar>() -> Option<DirectFn<T>> {
        microkernel_for::<T>(Simd::default_level()).direct()
    }
    cached_default_form!(S, DirectFn, lookup)
}

/// How far ahead, in bytes, the `dots` and `row_vector` forms ask for the rows they stream
/// when the data comes from beyond L2 ([`stream_ahead`]): the hardware prefetchers follow
/// one stream well but fell behind on the four to eight these forms read at once
/// (measured: docs/tuning-notes.md#prefetching-the-streams-of-matrix-vector-products).
const STREAM_PREFETCH_BYTES: usize = 256;

/// The `ahead` argument, in values of `S`, of the `dots` and `row_vector` forms for a
/// product that streams `bytes` of its matrix: [`STREAM_PREFETCH_BYTES`] when they exceed
/// the L2 budget, 0 (no prefetches) when the data can come from L2 or nearer, where the
/// prefetches only take load slots.
pub(crate) fn stream_ahead<S>(bytes: usize) -> usize {
    if bytes > budgets().l2 {
        STREAM_PREFETCH_BYTES / std::mem::size_of::<S>().max(1)
    } else {
        0
    }
}

/// The `row_vector` form of the kernel [`microkernel_for`] picks for `S` at
/// [`Simd::default_level`], looked up once per process for each type that has one: what
/// the i-k-j loop runs for one row of A.
#[inline(always)]
pub(crate) fn default_row_vector<S: 'static>() -> Option<RowVectorFn<S>> {
    fn lookup<T: Scalar>() -> Option<RowVectorFn<T>> {
        microkernel_for::<T>(Simd::default_level()).row_vector()
    }
    cached_default_form!(S, RowVectorFn, lookup)
}

/// The hand-written four-dot-products form for `S` at the best level up to the default
/// one that has it, where there is one, or `None` (then [`dot::dot`] runs, with the same
/// sums). Only vectors whose lanes divide the eight partial sums have the form: 8 lanes
/// of `f64` or `i64` with AVX-512 (one register per row, which read a matrix held in the
/// caches faster than two 256-bit ones: docs/tuning-notes.md#matrix-vector-products-on-avx-512),
/// 4 or 8 lanes with AVX2, 2 or 4 with NEON. Looked up once per process for each type, as
/// the other default forms are.
#[inline(always)]
pub(crate) fn default_dots<S: 'static>() -> Option<DotsFn<S>> {
    fn lookup<T: 'static>() -> Option<DotsFn<T>> {
        let level = Simd::default_level();
        [Simd::Avx512, Simd::Avx2, Simd::Neon]
            .into_iter()
            .filter(|&at_most| at_most <= level)
            .find_map(|at| simd_kernel::<T>(at).and_then(|kernel| kernel.dots()))
    }
    cached_default_form!(S, DotsFn, lookup)
}

/// Whether a kernel written for `E` computes `S` products too: `S` is `E`, or its unsigned
/// twin (same size and bits, and wrapping add and multiply do not depend on signedness).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) fn same_arithmetic<S: 'static, E: 'static>() -> bool {
    use std::any::TypeId;
    let (s, e) = (TypeId::of::<S>(), TypeId::of::<E>());
    s == e
        || (e == TypeId::of::<i32>() && s == TypeId::of::<u32>())
        || (e == TypeId::of::<i64>() && s == TypeId::of::<u64>())
}

#[cfg(test)]
mod tests;

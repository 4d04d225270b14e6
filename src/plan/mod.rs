//! The planner behind [`Auto`](crate::Auto): which strategy a product gets, on how many
//! workers, and why.
//!
//! More workers is not always better. Handing work to rayon and waiting for it costs a
//! fixed time, more from outside the pool than inside it and far more when the pool's
//! threads are asleep (measured: docs/tuning-notes.md#fork-join-cost), so a worker must
//! carry enough multiply-adds to pay for it. The cap is
//!
//! ```text
//! workers = min(threads in the current pool, independent units of work,
//!               ⌊multiply-adds ÷ minimum multiply-adds per worker⌋)   (at least 1)
//! ```
//!
//! with the minimum per element class in [`min_work_per_worker`]. [`plan`] tells what
//! [`Auto`](crate::Auto) would do for a shape, and its [`Plan`] explains why.
//!
//! Inside the crate the planner has three parts: the cost model (`cost.rs`), the choice
//! (`choice.rs`) and the explanation (`explain.rs`). It names strategies and never runs
//! them; running a choice is the `auto` strategy's work.
//!
//! # Examples
//!
//! ```
//! use parmat::plan::{ElementClass, min_work_per_worker};
//! let p = parmat::plan::<f64>(2000, 2000, 2000);
//! assert_eq!(p.element_class(), ElementClass::Float);
//! assert!(min_work_per_worker(ElementClass::Float) > 0);
//! println!("{p}");
//! ```

mod choice;
mod cost;
mod explain;

pub(crate) use choice::*;
pub(crate) use cost::*;
pub use explain::Plan;

pub use crate::element::ElementClass;
pub use crate::workers::min_work_per_worker;

use std::fmt;

use crate::element::Element;
use crate::kernel::blocked::{Blocking, blocking_for, tile_for, units_for};
use crate::kernel::{Caches, Simd, default_direct, kernel_level_for};
use crate::workers::{
    BACK_TO_BACK, Caller, DIRECT_MAX_WORK, MIN_BLOCKED_WORK, MIN_BLOCKED_WORK_PER_WORKER,
    MIN_BLOCKED_WORK_PER_WORKER_IDLE, blocked_cost, blocked_limit, blocked_workers, multiply_adds,
    real_multiply_adds_per, worker_cap_with,
};

/// The plan [`Auto`](crate::Auto) follows for an `m×k · k×n` product of `T` in the current
/// rayon pool.
///
/// The rule (docs/guide.md explains it; docs/tuning-notes.md has the measurements behind
/// it):
/// 1. Products below 4096 multiply-adds (16³) run one worker: the hand-written kernels
///    reading A and B in place ([`Blocked`](crate::Blocked) on one worker) for `f32`,
///    `f64`, `i32`, `u32`, `i64` and `u64` where the CPU has them, [`Serial`](crate::Serial)
///    for other types; matrix–vector products of depth 4 or more get dot products (step 2).
///    The blocked kernels run in place, without packing, on every one-worker product up to
///    2¹⁸ multiply-adds (64³).
/// 2. The one-worker kernel comes from the shape: dot products ([`PerCell`](crate::PerCell)) for a
///    matrix–vector product of depth 4 or more; the blocked kernels' direct form, below
///    2¹⁸ multiply-adds, for outputs of two rows to half a register tile of rows (`4×k×4`)
///    and outer products of up to 96 KiB of output; otherwise the i-k-j loop for such short
///    outputs and for a row vector times a matrix (which the loop runs on the hand-written
///    kernels' vectors where the type has them), for
///    floating-point outer products (`k = 1`) of up to 24 MiB of output, 32-bit integer
///    ones of 16 to 24 MiB and smaller outer products of other types, and for types
///    without hand-written kernels; and [`Blocked`](crate::Blocked) for the rest (`f32`,
///    `f64`, `i32`, `u32`, `i64`, `u64`, `Complex<f32>`, `Complex<f64>` on a CPU with AVX2
///    or AVX-512; the real types but `i64`, `u64` with NEON).
/// 3. Products with work for more workers than their output can be shared by (its rows,
///    cells or tiles; for the blocked kernels also the work of each depth block) are cut
///    along `k` into [`depth_parts`](Plan::depth_parts) parts ([`SplitK`](crate::SplitK)):
///    one per minimum of work per worker, at most 16, rounded up to a power of two, each at
///    least 256 deep.
///    The cut is made only where it gives more workers than the whole product could have.
/// 4. The worker cap (see the module docs) over the strategy's units of work — tile rows ×
///    column blocks, rows, cells or depth parts — sets the workers; called from outside
///    every rayon pool after it has idled, a packed product needs 2²¹ per worker rather
///    than 2¹⁸ (waking the pool's threads costs more than handing work to awake ones; the
///    blocked kernels give the same bits on any number of workers). Below two workers'
///    worth of work the i-k-j loop runs as [`Serial`](crate::Serial); above, outputs of at
///    least 16 rows (or any rows, for types with hand-written kernels) run [`RowParallel`](crate::RowParallel)
///    and shorter ones [`PerCell`](crate::PerCell).
///
/// Only step 4 looks at the pool and the caller, so neither ever changes a float result.
///
/// # Examples
///
/// ```
/// let p = parmat::plan::<i16>(12, 12, 12);
/// assert_eq!(p.workers(), 1);
/// assert!(p.to_string().starts_with("serial: 12×12×12 is 1728 multiply-adds"));
/// ```
pub fn plan<T: Element>(m: usize, k: usize, n: usize) -> Plan {
    plan_with::<T>(m, k, n, &Thresholds::DEFAULT)
}

/// [`plan`] with the given minimums of work per worker.
pub(crate) fn plan_with<T: Element>(m: usize, k: usize, n: usize, t: &Thresholds) -> Plan {
    let class = ElementClass::of::<T>();
    let caller = Caller::here();
    let Choice {
        route,
        workers,
        depth_parts,
    } = choose_for::<T>(m, k, n, t, Some(caller));
    let level = Simd::default_level();
    // The kernel whose minimum and cost set the workers (for a split product, that of the
    // whole product, as in `choose`).
    let kernel = match route {
        _ if depth_parts > 1 => one_worker_kernel::<T>(m, k, n),
        Route::Blocked if kernel_level_for::<T>(level) != Simd::Portable => {
            OneWorkerKernel::Blocked
        }
        Route::PerCell => OneWorkerKernel::Dots,
        _ => OneWorkerKernel::Rows,
    };
    // A packed product called from outside the pool after an idle is sized with the larger
    // minimum (`choose_for` does the same); only its worker count can differ.
    let after_idle = kernel == OneWorkerKernel::Blocked
        && depth_parts == 1
        && t.blocked_per_worker_for(caller) != t.blocked_per_worker;
    let direct = route == Route::Blocked
        && workers == 1
        && depth_parts == 1
        && multiply_adds(m, k, n) <= DIRECT_MAX_WORK
        && default_direct::<T>().is_some();
    Plan {
        m,
        k,
        n,
        class,
        route,
        workers,
        threads: rayon::current_num_threads(),
        work: multiply_adds(m, k, n),
        cost: kernel_cost::<T>(kernel, m, k, n),
        min_work: if after_idle {
            t.blocked_per_worker_for(caller)
        } else {
            t.for_kernel::<T>(kernel, m, n)
        },
        after_idle,
        blocked_kernels: kernel == OneWorkerKernel::Blocked,
        units: if depth_parts > 1 {
            depth_parts
        } else {
            match route {
                Route::Blocked => units_for::<T>(level.supported(), m, n),
                Route::Serial | Route::RowParallel => m,
                _ => m.saturating_mul(n),
            }
        },
        kernel_level: kernel_level_for::<T>(Simd::default_level()),
        depth_parts,
        output_units: unsplit_limit::<T>(kernel, m, k, n),
        short_output: kernel == OneWorkerKernel::Rows && rows_for_a_short_output::<T>(m, k, n),
        shallow_rows: kernel == OneWorkerKernel::Rows && shallow_on_rows::<T>(m, k, n),
        direct,
        complex: real_multiply_adds_per::<T>() > 1
            && kernel_level_for::<T>(Simd::default_level()) != Simd::Portable,
        // Only a packed product has blocks to name (the direct form reads in place).
        blocks: (route == Route::Blocked && depth_parts == 1 && !direct).then(|| {
            (
                blocking_for::<T>(level.supported(), m),
                crate::machine().caches(),
            )
        }),
    }
}

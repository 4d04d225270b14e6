//! The choice [`Auto`](crate::Auto) runs: a strategy, its workers and its depth parts.
//!
//! The planner names strategies in its own terms ([`Route`]) and imports none of them;
//! the `auto` strategy runs a [`Choice`], and [`Plan::strategy`] maps a route to the public
//! [`Strategy`](crate::Strategy) (both in `src/strategy/`).

use super::*;

/// Which strategy the planner picks, in its own terms: the strategy of the same name with
/// its default kernel level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Route {
    /// [`Serial`](crate::Serial).
    Serial,
    /// [`RowParallel`](crate::RowParallel).
    RowParallel,
    /// [`PerCell`](crate::PerCell).
    PerCell,
    /// [`Blocked`](crate::Blocked).
    Blocked,
}

/// What [`Auto`](crate::Auto) runs for one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Choice {
    /// The strategy, or for a split product the one-worker strategy of every part.
    pub(crate) route: Route,
    pub(crate) workers: usize,
    /// Parts of `k` (1: not split).
    pub(crate) depth_parts: usize,
}

impl Choice {
    /// One worker, unsplit, on the strategy that runs `kernel`.
    pub(crate) fn one_worker(kernel: OneWorkerKernel) -> Choice {
        Choice {
            route: Route::running(kernel),
            workers: 1,
            depth_parts: 1,
        }
    }
}

impl fmt::Display for Route {
    /// The strategy's runtime name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Route::Serial => "serial",
            Route::RowParallel => "row-parallel",
            Route::PerCell => "per-cell",
            Route::Blocked => "blocked",
        })
    }
}

impl Route {
    /// The route whose one worker runs `kernel`.
    pub(crate) fn running(kernel: OneWorkerKernel) -> Route {
        match kernel {
            OneWorkerKernel::Rows => Route::Serial,
            OneWorkerKernel::Dots => Route::PerCell,
            OneWorkerKernel::Blocked => Route::Blocked,
        }
    }
}

/// The decision of [`plan`] without the explanation: what [`Auto`](crate::Auto) runs.
/// Products too small for two workers are decided without looking at the pool.
#[inline]
pub(crate) fn choose<T: Element>(m: usize, k: usize, n: usize, t: &Thresholds) -> Choice {
    choose_for::<T>(m, k, n, t, None)
}

/// [`choose`] for a product called by `caller` (`None`: the calling thread, looked at only
/// where it matters, for the blocked kernels' worker count).
pub(crate) fn choose_for<T: Element>(
    m: usize,
    k: usize,
    n: usize,
    t: &Thresholds,
    caller: Option<Caller>,
) -> Choice {
    let single = |route, workers| Choice {
        route,
        workers,
        depth_parts: 1,
    };
    if is_small_matvec(m, k, n, t) {
        return single(Route::PerCell, 1);
    }
    if is_tiny(m, k, n) {
        return Choice::one_worker(tiny_kernel::<T>());
    }
    let kernel = one_worker_kernel::<T>(m, k, n);
    let min = t.for_kernel::<T>(kernel, m, n);
    let least = if *t == Thresholds::DEFAULT {
        min
    } else {
        min.min(Thresholds::DEFAULT.for_kernel::<T>(kernel, m, n))
    };
    if kernel_cost::<T>(kernel, m, k, n) < 2 * least {
        // One worker in any pool, and no split (that needs two workers' worth): what the
        // rules below give, decided in a fraction of their time, which shows on products
        // this small (measured: docs/tuning-notes.md#planner-fast-path).
        return Choice::one_worker(kernel);
    }
    let work = multiply_adds(m, k, n);
    // The parts come from the constants whatever `t` says (see `depth_parts`).
    let parts = depth_parts::<T>(m, k, n);
    if parts > 1 {
        let workers = split_k_workers::<T>(m, k, n, parts, t, None);
        let part_kernel = one_worker_kernel::<T>(m, k.div_ceil(parts), n);
        return Choice {
            route: Route::running(part_kernel),
            workers,
            depth_parts: parts,
        };
    }
    match one_worker_kernel::<T>(m, k, n) {
        OneWorkerKernel::Blocked => {
            let level = Simd::default_level();
            let per_worker = t.blocked_per_worker_for(caller.unwrap_or_else(Caller::here));
            let workers = blocked_workers::<T>(level, m, k, n, per_worker);
            return single(Route::Blocked, workers);
        }
        OneWorkerKernel::Dots if n == 1 => {
            let per_worker = t.for_kernel::<T>(OneWorkerKernel::Dots, m, n);
            let workers = worker_cap_with(per_worker, work, m, None);
            return single(Route::PerCell, workers);
        }
        OneWorkerKernel::Dots => {
            // A few deep integer cells that split-k did not take: one worker. Splitting the
            // cells leaves the transposition of B to one thread and gained nothing
            // (measured: docs/tuning-notes.md#integer-dot-products).
            return single(Route::PerCell, 1);
        }
        OneWorkerKernel::Rows => {}
    }
    let has_kernels = kernel_level_for::<T>(Simd::default_level()) != Simd::Portable;
    let per_worker = t.for_kernel::<T>(OneWorkerKernel::Rows, m, n);
    let work = kernel_cost::<T>(OneWorkerKernel::Rows, m, k, n);
    // The strategy depends on the shape alone and the pool only sets the worker count, so
    // that a float result never depends on the size of the pool (row bands add like the
    // serial loop; per-cell dot products add in another order). Types with hand-written
    // kernels get here only with a few rows (see `one_worker_kernel`): they stay on the
    // i-k-j loop, in bands when there are rows to share — a per-cell split would transpose
    // all of B first (measured: docs/tuning-notes.md#what-the-sweep-changed-in-the-planner).
    if m >= ROW_BAND_MIN_ROWS || has_kernels {
        let cap = worker_cap_with(per_worker, work, m, None);
        let route = if cap == 1 {
            Route::Serial
        } else {
            Route::RowParallel
        };
        single(route, cap)
    } else if work < 2 * Thresholds::DEFAULT.for_kernel::<T>(OneWorkerKernel::Rows, m, n) {
        // Too little work for two workers by the constants: the serial loop, whatever a
        // measured minimum says, since dot products would add in another order.
        single(Route::Serial, 1)
    } else {
        let cap = worker_cap_with(per_worker, work, m.saturating_mul(n), None);
        single(Route::PerCell, cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel a choice runs: the serial loop and row bands compute the same bits.
    fn kernel_of(choice: &Choice) -> (Route, usize) {
        let route = match choice.route {
            Route::RowParallel => Route::Serial,
            other => other,
        };
        (route, choice.depth_parts)
    }

    fn scaled(factor: f64) -> Thresholds {
        let d = Thresholds::DEFAULT;
        let s = |x: u128| ((x as f64 * factor) as u128).max(1);
        Thresholds {
            per_worker: d.per_worker.map(s),
            blocked_per_worker: s(d.blocked_per_worker),
            blocked_per_worker_idle: s(d.blocked_per_worker_idle),
        }
    }

    /// Measured minimums, however far from the constants, change worker counts only: every
    /// shape runs the kernel and the depth parts it runs with the constants, in any pool.
    fn minimums_change_workers_only<T: Element>() {
        let sizes = [
            1, 2, 3, 5, 8, 17, 40, 64, 100, 257, 700, 3000, 40_000, 300_000,
        ];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(8)
            .build()
            .expect("a pool");
        pool.install(|| {
            for &m in &sizes {
                for &k in &sizes {
                    for &n in &sizes {
                        if multiply_adds(m, k, n) > 1 << 36 {
                            continue;
                        }
                        let want = kernel_of(&choose::<T>(m, k, n, &Thresholds::DEFAULT));
                        for factor in [1.0 / 64.0, 0.25, 4.0, 64.0] {
                            let got = choose::<T>(m, k, n, &scaled(factor));
                            assert_eq!(kernel_of(&got), want, "{m}×{k}×{n} at ×{factor}");
                        }
                    }
                }
            }
        });
    }

    #[test]
    fn measured_minimums_change_worker_counts_only() {
        minimums_change_workers_only::<f64>();
        minimums_change_workers_only::<f32>();
        minimums_change_workers_only::<i32>();
        minimums_change_workers_only::<u8>();
    }
}

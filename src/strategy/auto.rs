//! The auto strategy: follow the planner, with the crate's constants or with minimums
//! measured on this machine.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::dispatch::dispatch;
use crate::element::{Element, ElementClass};
use crate::error::Error;
use crate::kernel::blocked::MIN_DEPTH_BLOCK;
use crate::kernel::{Simd, default_direct, run_direct};
use crate::matrix::{MatMut, MatRef, Matrix};
use crate::plan::{
    Choice, OneWorkerKernel, Plan, Route, Thresholds, choose, is_small_matvec, one_worker_kernel,
    plan_with, small_runs_serial,
};
use crate::strategy::blocked::{BlockedKernel, TinyKernel};
use crate::strategy::per_cell::PerCellKernel;
use crate::strategy::serial::serial_product;
use crate::strategy::{Blocked, MulStrategy, PerCell, RowParallel, Serial, SplitK, check_into};
use crate::workers::{MIN_BLOCKED_WORK, multiply_adds, note_product_end};

/// Multiply-adds below which the planner gives every product one worker with the crate's
/// constants, whatever its shape, type and pool, so that `Auto` may skip it (the test
/// below checks [`choose`] for every shape from [`MIN_BLOCKED_WORK`] up to this).
///
/// Not the smallest minimum per worker (2¹⁵): the planner counts the blocked kernels' cost
/// with the tile's padding and the writes of C, and the smallest product it gives two
/// workers has 10 914 multiply-adds (i32 5457×1×2); 2¹³ is the power of two below that.
/// Skipping the planner brings `Auto` close to `Serial`'s time on such products, where
/// planning showed (measured: docs/tuning-notes.md#planner-fast-path).
const ONE_WORKER_WORK: u128 = 1 << 13;
const _: () = assert!(ONE_WORKER_WORK <= Thresholds::DEFAULT.least_per_worker());

/// Lets the planner choose: [`plan`](crate::plan()) decides the strategy and the number of
/// workers from the shape, the element type and the current rayon pool, and `Auto` runs
/// exactly that plan. It is what [`Matrix::par_mul`](crate::Matrix::par_mul) and `&a * &b`
/// use.
///
/// `Auto::default()` sizes workers with the crate's constants, measured on the development
/// machine; [`Auto::calibrated`] measures them on the machine it runs on.
///
/// # Examples
///
/// ```
/// use parmat::{Auto, Matrix};
/// let a = Matrix::from_fn(8, 8, |i, j| (i ^ j) as f32);
/// let c = a.mul_with(&a, &Auto::default())?;
/// assert_eq!(c, a.par_mul(&a)?);
/// println!("{}", parmat::plan::<f32>(8, 8, 8)); // why: one worker for a tiny product
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Auto {
    calibrated: bool,
}

impl Auto {
    /// An `Auto` whose minimum work per worker is measured on this machine: the first call
    /// in a process times what a product pays for its second worker in the current rayon
    /// pool (in a temporary two-thread pool when the current one has a single thread) and
    /// the speed of the one-worker kernels (about a millisecond), and every later call
    /// reuses that [`Calibration`].
    ///
    /// Use it when the machine differs from the development one (2-core Zen 4) in core
    /// count, clock or memory: on a 16-core Xeon, for instance, two blocked workers paid
    /// only on larger products (measured: docs/tuning-notes.md#calibration). The measured
    /// minimums change worker counts only, never a product's strategy, kernel or depth
    /// parts, so results have the same bits as with `Auto::default()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Auto, Matrix};
    /// let auto = Auto::calibrated();
    /// let calibration = auto.calibration().expect("measured");
    /// assert!(calibration.min_blocked_work_per_worker() > 0);
    /// let a = Matrix::from_fn(64, 64, |i, j| (i * j % 7) as i64);
    /// assert_eq!(a.mul_with(&a, &auto)?, a.mul_with(&a, &parmat::Serial)?);
    /// println!("{calibration}\n{}", auto.plan::<i64>(64, 64, 64));
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn calibrated() -> Auto {
        Calibration::get();
        Auto { calibrated: true }
    }

    /// The measurements this `Auto` plans with: `None` for `Auto::default()`, which uses
    /// the crate's constants.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::Auto::default().calibration().is_none());
    /// ```
    pub fn calibration(&self) -> Option<&'static Calibration> {
        self.calibrated.then(Calibration::get)
    }

    /// The plan this `Auto` follows for an `m×k · k×n` product of `T` in the current pool
    /// (for `Auto::default()` the same as [`plan`](crate::plan())).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::Auto;
    /// assert_eq!(Auto::default().plan::<f64>(100, 100, 100), parmat::plan::<f64>(100, 100, 100));
    /// ```
    pub fn plan<T: Element>(&self, m: usize, k: usize, n: usize) -> Plan {
        plan_with::<T>(m, k, n, &self.thresholds())
    }

    fn thresholds(&self) -> Thresholds {
        match self.calibration() {
            Some(calibration) => calibration.thresholds,
            None => Thresholds::DEFAULT,
        }
    }
}

impl MulStrategy for Auto {
    fn mul_into<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        mut c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        check_into(&a, &b, &c)?;
        let (m, k, n) = (a.rows(), a.cols(), b.cols());
        // With every dimension below 2¹² the product fits 64 bits: two plain multiplies
        // where the saturating 128-bit ones cost a tiny product a few cycles more.
        let work = if (m | k | n) < 1 << 12 {
            (m as u64 * k as u64 * n as u64) as u128
        } else {
            multiply_adds(m, k, n)
        };
        if work < MIN_BLOCKED_WORK {
            // What the planner decides for every such product (`is_tiny`,
            // `is_small_matvec`), without asking it: on a 2×2 product even the
            // planner's few comparisons show. The constants' minimums are all far
            // above these products; calibrated ones are checked.
            if small_runs_serial(k, n) {
                // The kernel's direct form straight from here where it applies (one depth
                // block, suitable layouts): every layer between would show on a 2×2 product.
                if k <= MIN_DEPTH_BLOCK
                    && let Some(direct) = default_direct::<T>()
                    && run_direct(direct, a, b, &mut c, MIN_DEPTH_BLOCK)
                {
                    return Ok(());
                }
                tiny_product(a, b, c);
                return Ok(());
            }
            if !self.calibrated || is_small_matvec(m, k, n, &self.thresholds()) {
                // One worker's dot products: `one_worker_kernel`'s first rule. Uncalibrated
                // products are sent here too, not left to the bound below, which covers
                // them but was slower (measured: docs/tuning-notes.md#planner-fast-path).
                return Self::one_worker(a, b, c);
            }
        }
        if !self.calibrated && work < ONE_WORKER_WORK {
            return Self::one_worker(a, b, c);
        }
        self.plan_and_run(a, b, c)
    }

    fn name(&self) -> &'static str {
        "auto"
    }
}

/// Runs the planner's choice on shapes the caller has checked.
fn run_choice<T: Element>(
    choice: &Choice,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: MatMut<'_, T>,
) -> Result<(), Error> {
    if choice.depth_parts > 1 {
        return SplitK::with_workers(choice.workers)
            .with_parts(choice.depth_parts)
            .mul_into(a, b, c);
    }
    match choice.route {
        Route::Serial => {
            // Most tiny products end here: skip the second shape check, which would cost as
            // much as a 2×2 product itself.
            serial_product(a, b, c);
            Ok(())
        }
        Route::Blocked => {
            // Likewise: the plan already fixed the workers (never more than the units).
            let kernel = BlockedKernel {
                workers: choice.workers,
                simd: Blocked::default().simd(),
            };
            dispatch(&kernel, a, b, c);
            Ok(())
        }
        Route::RowParallel => RowParallel::with_workers(choice.workers).mul_into(a, b, c),
        Route::PerCell => PerCell::with_workers(choice.workers).mul_into(a, b, c),
    }
}

/// A tiny product ([`is_tiny`](crate::plan::is_tiny)) on checked operands: the blocked
/// kernels' direct form where the type has one, the serial loop otherwise (what the
/// planner's [`tiny_kernel`](crate::plan::tiny_kernel) says). Out of line, as
/// [`serial_product`] is, so that its code does not move with `mul_into`'s.
#[inline(never)]
fn tiny_product<T: Element>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: MatMut<'_, T>) {
    dispatch(
        &TinyKernel {
            simd: Simd::default_level(),
        },
        a,
        b,
        c,
    );
}

impl Auto {
    /// One worker on the kernel the planner would pick, for small matrix–vector products
    /// and products below [`ONE_WORKER_WORK`]: what [`choose`] decides for every one of
    /// them ([`Choice::one_worker`](crate::plan::Choice::one_worker)), without the rest of
    /// its rules. It dispatches the kernels itself, which is cheaper than going through
    /// [`run_choice`]. Always inlined into `mul_into`: out of line, it copies the three
    /// views again and stalls on loading the copy the caller has just stored (measured:
    /// docs/tuning-notes.md#planner-fast-path).
    #[inline(always)]
    fn one_worker<T: Element>(
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        let (m, k, n) = (a.rows(), a.cols(), b.cols());
        match one_worker_kernel::<T>(m, k, n) {
            OneWorkerKernel::Rows => serial_product(a, b, c),
            OneWorkerKernel::Dots => dispatch(&PerCellKernel { workers: 1 }, a, b, c),
            OneWorkerKernel::Blocked => {
                let simd = Simd::default_level().supported();
                dispatch(&BlockedKernel { workers: 1, simd }, a, b, c)
            }
        }
        Ok(())
    }

    /// Everything but the tiny products: kept out of line so that the tiny path above
    /// stays as short as [`Serial`]'s.
    #[inline(never)]
    fn plan_and_run<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        let (m, k, n) = (a.rows(), a.cols(), b.cols());
        let choice = choose::<T>(m, k, n, &self.thresholds());
        run_choice(&choice, a, b, c)?;
        if choice.route == Route::Blocked && choice.depth_parts == 1 {
            note_product_end(multiply_adds(m, k, n));
        }
        Ok(())
    }
}

/// What [`Auto::calibrated`] measured: what a product pays for a second worker, the speed
/// of the one-worker loops, and the minimum work per worker derived from them.
///
/// The crate's minimums were set by timing one worker against two on the development
/// machine (see [`min_work_per_worker`](crate::plan::min_work_per_worker)). A minimum is the
/// work that pays for handing a share to a second worker, so it scales with that cost × the
/// speed of the loop the workers run. The calibration times an 80³ `f64` product on the
/// blocked kernels with one worker and with two, back to back in the pool (about a
/// millisecond in all), takes the handover as the two workers' time less half the one
/// worker's, and scales each constant by the ratio of this machine's handover × speed to the
/// development machine's ([`Calibration::REFERENCE`]). Generic types scale like floats,
/// since their own speed depends on the user's type.
///
/// The measured minimums change worker counts only: the strategy, its kernel and the
/// depth parts of a split product are those of the constants, so a result has the same
/// bits as with [`Auto::default`].
///
/// # Examples
///
/// ```
/// let calibration = parmat::Auto::calibrated().calibration().copied().unwrap();
/// assert!(calibration.fork_join() > std::time::Duration::ZERO);
/// println!("{calibration}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    fork_join: Duration,
    threads: usize,
    serial_rate: [f64; 2],
    blocked_rate: f64,
    thresholds: Thresholds,
}

/// Side of the `f64` product that [`Calibration`] times with one and two blocked workers:
/// large enough to pack (above `DIRECT_MAX_WORK`), small enough that a dozen runs of it
/// take a fraction of a millisecond.
const CALIBRATION_SIDE: usize = 80;

/// Timed runs of each product in each of a calibration's two rounds.
const CALIBRATION_RUNS: usize = 4;

impl Calibration {
    /// What this calibration measured on the development machine (2-core Zen 4): the
    /// handover to a second worker in seconds, then the i-k-j loop (f64, i32) and the blocked
    /// kernels (f64) in multiply-adds per second. There it gives back the crate's constants
    /// (the command and the runs: docs/tuning-notes.md#calibration).
    ///
    /// # Examples
    ///
    /// ```
    /// let [handover, ..] = parmat::Calibration::REFERENCE;
    /// assert!(handover < 1e-3);
    /// ```
    pub const REFERENCE: [f64; 4] = [2.2e-6, 7.83e9, 6.2e9, 25.5e9];

    fn get() -> &'static Calibration {
        static CALIBRATION: OnceLock<Calibration> = OnceLock::new();
        CALIBRATION.get_or_init(Calibration::measure)
    }

    fn measure() -> Calibration {
        let threads = rayon::current_num_threads().max(2);
        let side = CALIBRATION_SIDE;
        let a = Matrix::from_fn(side, side, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let mut c = Matrix::zeros(side, side);
        let mut time = |workers: usize| {
            let strategy = Blocked::with_workers(workers);
            let start = Instant::now();
            strategy
                .mul_into(a.view(), a.view(), c.view_mut())
                .expect("square shapes fit");
            start.elapsed().as_secs_f64()
        };
        // The least time of each, in two rounds, so that a moment when the machine is
        // busy elsewhere does not decide it. Two workers run back to back on a thread of a
        // pool of two or more, after one untimed run that wakes its threads: the case the
        // constants were set for.
        let (mut one, mut two) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..2 {
            one = one.min(least_of(CALIBRATION_RUNS, || time(1)));
            let pooled = in_a_pool_of_two(|| {
                time(2);
                least_of(CALIBRATION_RUNS, || time(2))
            });
            two = two.min(pooled.unwrap_or(one / 2.0 + Self::REFERENCE[0]));
        }
        let fork_join = (two - one / 2.0).max(1e-7);
        let blocked_rate = (side * side * side) as f64 / one.max(1e-9);
        // Work per second of the i-k-j loop on 40³ (f64 and i32), the best of three runs.
        let serial_rate = [rate::<f64>(40, &Serial), rate::<i32>(40, &Serial)];
        let [ref_fork_join, ref_float, ref_integer, ref_blocked] = Self::REFERENCE;
        let scaled = |constant: u128, rate: f64, reference: f64| -> u128 {
            let factor = (fork_join * rate) / (ref_fork_join * reference);
            ((constant as f64 * factor) as u128).max(1)
        };
        let crate_minimums = Thresholds::DEFAULT;
        let float_scale = |constant| scaled(constant, serial_rate[0], ref_float);
        let blocked_scale = |constant| scaled(constant, blocked_rate, ref_blocked);
        let thresholds = Thresholds {
            per_worker: [
                float_scale(crate_minimums.per_worker[0]),
                scaled(crate_minimums.per_worker[1], serial_rate[1], ref_integer),
                float_scale(crate_minimums.per_worker[2]),
            ],
            blocked_per_worker: blocked_scale(crate_minimums.blocked_per_worker),
            // Waking an idle pool is not timed (that takes idling first): taken to scale
            // like the handover to awake threads.
            blocked_per_worker_idle: blocked_scale(crate_minimums.blocked_per_worker_idle),
        };
        Calibration {
            fork_join: Duration::from_secs_f64(fork_join),
            threads,
            serial_rate,
            blocked_rate,
            thresholds,
        }
    }

    /// What a product paid here for its second worker: the time of an 80³ `f64` product
    /// on two blocked workers, back to back on a thread of the pool, less half that of one
    /// worker.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = parmat::Auto::calibrated().calibration().copied().unwrap();
    /// assert!(c.fork_join() < std::time::Duration::from_secs(1));
    /// ```
    pub fn fork_join(&self) -> std::time::Duration {
        self.fork_join
    }

    /// The measured minimum work per worker for `class` on the i-k-j loop and dot
    /// products (the calibrated [`min_work_per_worker`](crate::plan::min_work_per_worker)).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::plan::ElementClass;
    /// let c = parmat::Auto::calibrated().calibration().copied().unwrap();
    /// assert!(c.min_work_per_worker(ElementClass::Generic) <= c.min_work_per_worker(ElementClass::Float));
    /// ```
    pub fn min_work_per_worker(&self, class: ElementClass) -> u128 {
        self.thresholds.per_worker(class)
    }

    /// The measured minimum work per worker on the blocked strategy's packed kernels.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = parmat::Auto::calibrated().calibration().copied().unwrap();
    /// assert!(c.min_blocked_work_per_worker() >= 1);
    /// ```
    pub fn min_blocked_work_per_worker(&self) -> u128 {
        self.thresholds.blocked_per_worker
    }
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "second worker {:.1} µs on {} threads; i-k-j loop {:.2} G multiply-adds/s (f64), \
             {:.2} (i32); blocked {:.2} (f64); minimum work per worker: float {}, integer {}, \
             generic {}, blocked {} ({} after an idle)",
            self.fork_join.as_secs_f64() * 1e6,
            self.threads,
            self.serial_rate[0] / 1e9,
            self.serial_rate[1] / 1e9,
            self.blocked_rate / 1e9,
            self.thresholds.per_worker[0],
            self.thresholds.per_worker[1],
            self.thresholds.per_worker[2],
            self.thresholds.blocked_per_worker,
            self.thresholds.blocked_per_worker_idle,
        )
    }
}

/// The least of `runs` values of `measure`.
fn least_of(runs: usize, mut measure: impl FnMut() -> f64) -> f64 {
    (0..runs.max(1))
        .map(|_| measure())
        .fold(f64::INFINITY, f64::min)
}

/// Runs `work` on a thread of a rayon pool of at least two threads: the current pool (from
/// outside it, on one of its threads), or a temporary pool of two when the current one has
/// a single thread. `None` when no such pool can be built.
fn in_a_pool_of_two<R: Send>(work: impl FnOnce() -> R + Send) -> Option<R> {
    if rayon::current_num_threads() >= 2 {
        // On a thread of the current pool (`scope` runs there from outside it).
        Some(rayon::scope(|_| work()))
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .ok()?;
        Some(pool.install(work))
    }
}

/// Multiply-adds per second of `strategy` on an `n³` product of `T`: the best of three runs.
fn rate<T: Element + From<i8>>(n: usize, strategy: &impl MulStrategy) -> f64 {
    let a = Matrix::from_fn(n, n, |i, j| T::from(((i * 7 + j * 3) % 11) as i8 - 5));
    let mut c = Matrix::zeros(n, n);
    let best = (0..3)
        .map(|_| {
            let start = Instant::now();
            strategy
                .mul_into(a.view(), a.view(), c.view_mut())
                .expect("square shapes fit");
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
        .max(1e-9);
    (n * n * n) as f64 / best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every product `Auto` sends to `one_worker` (at least [`MIN_BLOCKED_WORK`] and below
    /// [`ONE_WORKER_WORK`] multiply-adds, every shape) gets from the planner exactly what
    /// `one_worker` runs: one worker, unsplit, on `one_worker_kernel`'s kernel. Planned in
    /// a pool of 16 threads, so that any product the rules would give two workers shows.
    fn one_worker_matches_the_planner<T: Element>() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(16)
            .build()
            .expect("a pool");
        let low = MIN_BLOCKED_WORK as usize;
        let high = ONE_WORKER_WORK as usize;
        let mut checked = 0usize;
        pool.install(|| {
            for m in 1..high {
                for n in 1..high.div_ceil(m) {
                    let cells = m * n;
                    for k in low.div_ceil(cells).max(1)..high.div_ceil(cells) {
                        let work = cells * k;
                        if work < low || work >= high {
                            continue;
                        }
                        let want = Choice::one_worker(one_worker_kernel::<T>(m, k, n));
                        assert_eq!(
                            choose::<T>(m, k, n, &Thresholds::DEFAULT),
                            want,
                            "{m}×{k}×{n} of {}",
                            std::any::type_name::<T>()
                        );
                        checked += 1;
                    }
                }
            }
        });
        // Every shape in the band: 4096 ≤ m·k·n < 8192 holds 222 086 of them.
        assert!(checked > 200_000, "{checked} shapes");
    }

    #[test]
    fn products_below_the_one_worker_bound_get_one_worker() {
        one_worker_matches_the_planner::<f64>();
        one_worker_matches_the_planner::<f32>();
        one_worker_matches_the_planner::<i32>();
        one_worker_matches_the_planner::<i64>();
        one_worker_matches_the_planner::<u8>();
        one_worker_matches_the_planner::<num_complex::Complex<f64>>();
    }
}

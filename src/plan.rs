//! The worker cap and the planner behind [`Auto`](crate::Auto).
//!
//! More workers is not always better. Handing work to rayon and waiting for it costs a
//! fixed time (measured on the development machine: ≈ 16 µs to enter a 2-thread pool from
//! outside and join, < 0.1 µs for a join inside the pool), so a worker must carry enough
//! multiply-adds to pay for it. The cap is
//!
//! ```text
//! workers = min(threads in the current pool, independent units of work,
//!               ⌊multiply-adds ÷ minimum multiply-adds per worker⌋)   (at least 1)
//! ```
//!
//! with the minimum per element class in [`min_work_per_worker`]. All constants of the
//! heuristic live in this file.

use std::fmt;

use crate::element::{Element, ElementClass};
use crate::kernel::blocked::units_for;
use crate::kernel::{Simd, kernel_level_for};
use crate::strategy::{Blocked, PerCell, RowParallel, Strategy};

/// Minimum multiply-adds a worker must carry before a second worker is worth starting,
/// per element class.
///
/// Set from `cargo run --release --example compare -- --crossover` on the development
/// machine (2-core Zen 4, 2026-11-26): the size at which two workers first beat one, for
/// f64 and i32, then doubled so that a product just past the threshold already gains
/// rather than breaks even. See docs/performance.md for the table.
pub fn min_work_per_worker(class: ElementClass) -> u128 {
    match class {
        ElementClass::Float => 1 << 17,
        ElementClass::Integer => 1 << 17,
        // Generic types are slower per multiply-add (no vectorisation, often wider), so the
        // same fork–join cost is paid back by fewer of them.
        ElementClass::Generic => 1 << 15,
    }
}

/// Multiply-adds from which the blocked strategy's hand-written kernels beat the serial loop
/// on one worker (packing costs O(m·k + k·n) and pays for itself from about a 16³
/// product): `cargo run --release --example compare -- --crossover`, column
/// `blocked1/serial`, f64 0.92 at n = 16 and 0.78 at n = 24, i32 1.01 at n = 16 and 0.53
/// at n = 24 (2-core Zen 4, 2026-11-26).
pub(crate) const MIN_BLOCKED_WORK: u128 = 20 * 20 * 20;

/// Minimum multiply-adds per worker for the blocked strategy's hand-written kernels, which
/// do a multiply-add 4–8× faster than the serial loop, so the same fork–join cost needs
/// proportionally more of them. Set from `cargo run --release --example compare --
/// --crossover` (column `blocked 2/1`) on the 2-core Zen 4 and a 16-core Xeon
/// (2026-11-26): see docs/performance.md.
pub(crate) const MIN_BLOCKED_WORK_PER_WORKER: u128 = 1 << 20;

/// Rows from which products without hand-written kernels are split into row bands rather
/// than groups of cells: with fewer rows, bands could not feed the workers of a larger pool.
pub(crate) const ROW_BAND_MIN_ROWS: usize = 16;

/// Multiply-adds of an `m×k · k×n` product (saturating: sizes whose product exceeds
/// `u128` are far past any threshold anyway).
pub(crate) fn multiply_adds(m: usize, k: usize, n: usize) -> u128 {
    (m as u128)
        .saturating_mul(k as u128)
        .saturating_mul(n as u128)
}

/// Workers for a product of `work` multiply-adds split into `units` independent units:
/// exactly `min(requested, units)` when the caller asked for a number, the crate's cap
/// otherwise. Never less than 1.
pub(crate) fn worker_cap(
    class: ElementClass,
    work: u128,
    units: usize,
    requested: Option<usize>,
) -> usize {
    worker_cap_with(min_work_per_worker(class), work, units, requested)
}

/// [`worker_cap`] with an explicit minimum of multiply-adds per worker.
pub(crate) fn worker_cap_with(
    min_work: u128,
    work: u128,
    units: usize,
    requested: Option<usize>,
) -> usize {
    let units = units.max(1);
    match requested {
        Some(n) => n.clamp(1, units),
        // Too small for two workers, whatever the pool: no need to ask rayon.
        None if work < 2 * min_work => 1,
        None => {
            let by_work = usize::try_from(work / min_work).unwrap_or(usize::MAX);
            rayon::current_num_threads().min(units).min(by_work).max(1)
        }
    }
}

/// What [`Auto`](crate::Auto) will do for one product, and why.
///
/// Get one with [`plan`]. `Display` explains the decision in one sentence.
///
/// # Examples
///
/// ```
/// let p = parmat::plan::<f64>(16, 16, 16);
/// assert_eq!(p.workers(), 1);
/// assert_eq!(p.strategy(), parmat::Strategy::Serial);
/// println!("{p}"); // serial: 16×16×16 is 4096 multiply-adds, below the 8000 from which ...
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    m: usize,
    k: usize,
    n: usize,
    class: ElementClass,
    strategy: Strategy,
    workers: usize,
    threads: usize,
    work: u128,
    min_work: u128,
    units: usize,
    kernel_level: Simd,
}

impl Plan {
    /// The strategy `Auto` runs, with its worker count fixed.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{MulStrategy, plan};
    /// assert_eq!(plan::<i32>(8, 8, 8).strategy().name(), "serial");
    /// ```
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// Number of workers (1 means the product runs on the calling thread).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::plan::<f64>(2048, 2048, 2048).workers() <= rayon::current_num_threads());
    /// ```
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Threads in the rayon pool the plan was made for.
    ///
    /// # Examples
    ///
    /// ```
    /// let p = parmat::plan::<f64>(1, 1, 1);
    /// assert_eq!(p.threads(), rayon::current_num_threads());
    /// ```
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Multiply-adds of the product (`m·k·n`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::plan::<f32>(2, 3, 4).work(), 24);
    /// ```
    pub fn work(&self) -> u128 {
        self.work
    }

    /// The element class the plan was sized for.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::ElementClass;
    /// assert_eq!(parmat::plan::<u8>(1, 1, 1).element_class(), ElementClass::Integer);
    /// ```
    pub fn element_class(&self) -> ElementClass {
        self.class
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Plan {
            m,
            k,
            n,
            class,
            strategy,
            workers,
            threads,
            work,
            min_work,
            units,
            kernel_level,
        } = self;
        let class_name = match class {
            ElementClass::Float => "floating-point",
            ElementClass::Integer => "integer",
            ElementClass::Generic => "generic",
        };
        write!(f, "{strategy}: {m}×{k}×{n} is {work} multiply-adds")?;
        // Why this strategy.
        match strategy {
            Strategy::Blocked(b) => write!(
                f,
                ", enough for the packed {} kernels (from {MIN_BLOCKED_WORK})",
                b.simd()
            )?,
            _ if *work < MIN_BLOCKED_WORK && *kernel_level != Simd::Portable => write!(
                f,
                ", below the {MIN_BLOCKED_WORK} from which packing for the blocked kernels pays"
            )?,
            _ => {}
        }
        // Why this many workers.
        if *workers == 1 {
            if *threads == 1 {
                write!(f, "; the current pool has 1 thread, so one worker")
            } else if *units <= 1 && *work >= 2 * min_work {
                write!(f, "; one unit of work, so one worker")
            } else {
                write!(
                    f,
                    "; two workers need at least {} (the minimum of {min_work} per worker for {class_name} elements), so one worker on the calling thread",
                    2 * min_work
                )
            }
        } else {
            write!(
                f,
                "; {workers} workers of the pool's {threads} threads ({} multiply-adds each, minimum {min_work} for {class_name} elements)",
                work / *workers as u128
            )
        }
    }
}

/// The plan [`Auto`](crate::Auto) follows for an `m×k · k×n` product of `T` in the current
/// rayon pool.
///
/// The rule:
/// 1. Element types with hand-written kernels (`f32`, `f64`, `i32`, `u32`, `i64`, `u64` on
///    a CPU with AVX2 or AVX-512) run [`Blocked`] once the product has at least
///    8000 multiply-adds (about 20³), where packing starts to pay; its workers come from
///    the worker cap over its units of work (tile rows × column blocks).
/// 2. Otherwise, below two workers' worth of work it runs [`Serial`](crate::Serial); above,
///    outputs of at least 16 rows run [`RowParallel`] (serial when the pool leaves one
///    worker: the same bits) and shorter ones [`PerCell`] (such as a row vector times a
///    matrix), with the worker cap (see the module docs) over rows or cells. The strategy
///    depends on the shape only, so the size of the pool never changes a float result.
///
/// # Examples
///
/// ```
/// let p = parmat::plan::<f64>(16, 16, 16);
/// assert_eq!(p.workers(), 1);
/// assert!(p.to_string().starts_with("serial: 16×16×16 is 4096 multiply-adds"));
/// ```
pub fn plan<T: Element>(m: usize, k: usize, n: usize) -> Plan {
    let class = ElementClass::of::<T>();
    let (strategy, workers) = choose::<T>(m, k, n);
    Plan {
        m,
        k,
        n,
        class,
        strategy,
        workers,
        threads: rayon::current_num_threads(),
        work: multiply_adds(m, k, n),
        min_work: match strategy {
            Strategy::Blocked(b) if kernel_level_for::<T>(b.simd()) != Simd::Portable => {
                MIN_BLOCKED_WORK_PER_WORKER
            }
            _ => min_work_per_worker(class),
        },
        units: match strategy {
            Strategy::Blocked(b) => units_for::<T>(b.simd(), m, n),
            Strategy::Serial | Strategy::RowParallel(_) => m,
            _ => m.saturating_mul(n),
        },
        kernel_level: kernel_level_for::<T>(Simd::default_level()),
    }
}

/// The decision of [`plan`] without the explanation: what [`Auto`](crate::Auto) runs.
/// Products too small for two workers are decided without looking at the pool.
pub(crate) fn choose<T: Element>(m: usize, k: usize, n: usize) -> (Strategy, usize) {
    let class = ElementClass::of::<T>();
    let work = multiply_adds(m, k, n);
    if work >= MIN_BLOCKED_WORK && kernel_level_for::<T>(Simd::default_level()) != Simd::Portable {
        let blocked = Blocked::default();
        let workers = blocked.workers_for::<T>(m, k, n);
        return (Strategy::Blocked(Blocked::with_workers(workers)), workers);
    }
    if work < 2 * min_work_per_worker(class) {
        return (Strategy::Serial, 1);
    }
    // The strategy depends on the shape alone and the pool only sets the worker count, so
    // that a float result never depends on the size of the pool (row bands add like the
    // serial loop; per-cell dot products add in another order).
    if m >= ROW_BAND_MIN_ROWS {
        let cap = worker_cap(class, work, m, None);
        let strategy = if cap == 1 {
            Strategy::Serial
        } else {
            Strategy::RowParallel(RowParallel::with_workers(cap))
        };
        (strategy, cap)
    } else {
        let cap = worker_cap(class, work, m.saturating_mul(n), None);
        (Strategy::PerCell(PerCell::with_workers(cap)), cap)
    }
}

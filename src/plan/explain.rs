//! [`Plan`]: the planner's decision with its reasons, and the sentence that explains it.

use super::*;

/// What [`Auto`](crate::Auto) will do for one product, and why.
///
/// Get one with [`plan`]. `Display` gives the decision on its first line (strategy, shape,
/// work, workers), then the reason for the strategy and the reason for the worker count,
/// each on lines of at most 92 columns.
///
/// # Examples
///
/// ```
/// let p = parmat::plan::<f64>(12, 12, 12);
/// assert_eq!(p.workers(), 1);
/// // On x86-64 with AVX-512: "blocked: 12×12×12 is 1728 multiply-adds, small enough for
/// // the avx512 kernels to read A and B in place, without packing ..."
/// println!("{p}");
/// assert_eq!(parmat::plan::<i16>(12, 12, 12).strategy(), parmat::Strategy::Serial);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub(super) m: usize,
    pub(super) k: usize,
    pub(super) n: usize,
    pub(super) class: ElementClass,
    pub(super) route: Route,
    pub(super) workers: usize,
    pub(super) threads: usize,
    pub(super) work: u128,
    pub(super) cost: u128,
    pub(super) min_work: u128,
    pub(super) blocked_kernels: bool,
    pub(super) units: usize,
    pub(super) kernel_level: Simd,
    pub(super) depth_parts: usize,
    /// Workers the output could feed unsplit (see `unsplit_limit`).
    pub(super) output_units: usize,
    /// Whether the cost is the i-k-j loop's on a short output (see `kernel_cost`).
    pub(super) short_output: bool,
    /// Whether the i-k-j loop runs for an outer product (see `shallow_on_rows`).
    pub(super) shallow_rows: bool,
    /// Whether the product runs the hand-written kernel's direct form (one worker, no
    /// packing; see `DIRECT_MAX_WORK`).
    pub(super) direct: bool,
    /// Whether the element type is complex with hand-written kernels, whose cost counts
    /// each multiply-add as four real ones (see `real_multiply_adds_per`).
    pub(super) complex: bool,
    /// The blocks a packed blocked product runs with, and the caches they come from (`None`
    /// for every other route, the direct form included).
    pub(super) blocks: Option<(Blocking, Caches)>,
    /// Whether `min_work` is the larger minimum of a packed product called from outside
    /// every rayon pool after an idle (see `MIN_BLOCKED_WORK_PER_WORKER_IDLE`).
    pub(super) after_idle: bool,
}

impl Plan {
    /// The strategy the plan names, in the planner's terms (see `Plan::strategy`).
    pub(crate) fn route(&self) -> Route {
        self.route
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

    /// Parts the shared dimension `k` is cut into: 1 unless the product has work for more
    /// workers than its output can be shared by (a small output of a large depth, such as
    /// 4×1 000 000×4), and each part keeps a depth of at least 256. Then each part runs
    /// [`strategy`](Plan::strategy) on one worker, the parts are shared among [`workers`](Plan::workers) workers ([`SplitK`](crate::SplitK)), and the
    /// partial products are added in part order, so the result does not depend on the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::plan::<f64>(512, 512, 512).depth_parts(), 1);
    /// let reduction = parmat::plan::<f64>(4, 1_000_000, 4);
    /// assert!(reduction.depth_parts() > 1, "{reduction}");
    /// ```
    pub fn depth_parts(&self) -> usize {
        self.depth_parts
    }

    /// The element class the plan was sized for.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::plan::ElementClass;
    /// assert_eq!(parmat::plan::<u8>(1, 1, 1).element_class(), ElementClass::Integer);
    /// ```
    pub fn element_class(&self) -> ElementClass {
        self.class
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        let Plan {
            m,
            k,
            n,
            class,
            route: strategy,
            workers,
            threads,
            work,
            cost,
            min_work,
            blocked_kernels,
            units,
            kernel_level,
            depth_parts,
            output_units,
            short_output,
            shallow_rows,
            direct,
            complex,
            blocks,
            after_idle,
        } = self;
        let class_name = match class {
            _ if *complex => "complex",
            ElementClass::Float => "floating-point",
            ElementClass::Integer => "integer",
            ElementClass::Generic => "generic",
        };
        let has_kernels = *kernel_level != Simd::Portable;
        // What runs, and why this strategy: `why` gets the reason (empty when the strategy
        // needs none), `workers_why` the reason for the worker count.
        let (mut why, mut workers_why) = (String::new(), String::new());
        let f_line = f;
        let f = &mut why;
        if *depth_parts > 1 {
            write!(
                f,
                ", work for {} workers, but its output can be shared by only {output_units} (its rows, cells or tiles, and for the blocked kernels the work of each depth block); k is cut into {depth_parts} parts, each a one-worker {strategy} product, added in part order",
                cost / min_work
            )?;
        } else {
            match strategy {
                Route::PerCell if *n == 1 => write!(
                    f,
                    ", a matrix–vector product: one contiguous dot product per output cell"
                )?,
                Route::Blocked if *direct => write!(
                    f,
                    ", small enough for the {kernel_level} kernels to read A and B in place, without packing (up to {DIRECT_MAX_WORK})"
                )?,
                Route::Blocked => {
                    write!(
                        f,
                        ", enough for the packed {kernel_level} kernels (from {MIN_BLOCKED_WORK})"
                    )?;
                    if let Some((blocking, caches)) = blocks {
                        write!(
                            f,
                            "; blocks {} deep and {} wide, cut to {caches}",
                            blocking.kc, blocking.nc
                        )?;
                    }
                }
                _ if *work < MIN_BLOCKED_WORK && has_kernels => write!(
                    f,
                    ", below the {MIN_BLOCKED_WORK} from which packing for the blocked kernels pays"
                )?,
                Route::Serial | Route::RowParallel if has_kernels && *n == 1 => write!(
                    f,
                    ", a matrix–vector product too shallow for dot products: the i-k-j loop"
                )?,
                Route::Serial | Route::RowParallel if has_kernels && *shallow_rows => write!(
                    f,
                    ", an outer product: the i-k-j loop writes each row of C in one pass, where the blocked kernels would pack A and B for nothing to reuse"
                )?,
                Route::Serial | Route::RowParallel if has_kernels => write!(
                    f,
                    ", only {m} output row(s): the i-k-j loop streams B once, where packing B for the blocked kernels would cost as much as the product"
                )?,
                _ => {}
            }
        }
        // Why this many workers.
        let idle = format!(
            ", called from outside every rayon pool, which has had no work from outside it for {} µs: its threads are asleep, and waking them costs more than handing work to awake ones",
            BACK_TO_BACK.as_micros()
        );
        let per_worker = format!(
            "the minimum of {min_work} per worker for {class_name} elements{}{}",
            if *blocked_kernels && *direct {
                " on the hand-written kernels"
            } else if *blocked_kernels {
                " on the packed kernels"
            } else {
                ""
            },
            if *after_idle { idle.as_str() } else { "" }
        );
        let in_real = if *complex {
            " real (a complex one counts four)"
        } else {
            ""
        };
        let f = &mut workers_why;
        let padding = match (cost != work, *blocked_kernels) {
            (false, _) => "",
            (true, true) => ", counting edge-tile padding and the writes of C",
            (true, false) if *short_output => {
                ", counting B's short rows as whole vectors, twice over for the i-k-j loop on a short output"
            }
            (true, false) if *shallow_rows && *class == ElementClass::Integer => {
                ", counted at the cost of the blocked kernels, which the loop stands in for"
            }
            (true, false) if *shallow_rows => {
                ", counting B's rows as whole vectors and C's writes by the byte (an 8-byte cell twice)"
            }
            (true, false) => ", counting B's short rows as whole vectors",
        };
        if *workers > 1 && padding.is_empty() {
            write!(
                f,
                "; {workers} workers of the pool's {threads} threads, {}{in_real} multiply-adds each ({per_worker})",
                cost / *workers as u128
            )?;
        } else if *workers > 1 {
            write!(
                f,
                "; {workers} workers of the pool's {threads} threads, each costing as much as {}{in_real} multiply-adds{padding} ({per_worker})",
                cost / *workers as u128
            )?;
        } else if *threads == 1 {
            write!(f, "; the current pool has 1 thread, so one worker")?;
        } else if *cost < 2 * min_work && padding.is_empty() {
            write!(
                f,
                "; one worker on the calling thread: its {cost}{in_real} multiply-adds are below the {} that two workers need at {per_worker}",
                2 * min_work
            )?;
        } else if *cost < 2 * min_work {
            write!(
                f,
                "; one worker on the calling thread: it costs as much as {cost}{in_real} multiply-adds{padding}, below the {} that two workers need at {per_worker}",
                2 * min_work
            )?;
        } else if *units <= 1 {
            write!(f, "; one unit of work, so one worker")?;
        } else {
            write!(f, "; one worker on the calling thread")?;
        }
        // One line of what runs, then each reason wrapped to a terminal's width.
        let split = if *depth_parts > 1 {
            format!(", k in {depth_parts} parts")
        } else {
            String::new()
        };
        let name = if *depth_parts > 1 {
            "split-k".to_owned()
        } else {
            strategy.to_string()
        };
        let on = if *workers == 1 {
            "one worker".to_owned()
        } else {
            format!("{workers} workers")
        };
        write!(
            f_line,
            "{name}: {m}×{k}×{n} is {work} multiply-adds, {on}{split}"
        )?;
        for reason in [&why, &workers_why] {
            let reason = reason.trim_start_matches([',', ';', ' ']);
            if !reason.is_empty() {
                write_wrapped(f_line, reason)?;
            }
        }
        Ok(())
    }
}

/// Columns a line of [`Plan`]'s explanation takes at most, its indent included (where
/// the words allow: a word longer than that gets a line of its own).
const EXPLANATION_WIDTH: usize = 92;

/// Writes `text` as lines of at most [`EXPLANATION_WIDTH`] columns, each after a newline and
/// indented by two spaces (four on the lines that continue a sentence), broken between
/// words.
fn write_wrapped(f: &mut impl fmt::Write, text: &str) -> fmt::Result {
    let mut column = 0;
    for (index, word) in text.split(' ').enumerate() {
        let width = word.chars().count();
        if index == 0 {
            write!(f, "\n  {word}")?;
            column = 2 + width;
        } else if column + 1 + width > EXPLANATION_WIDTH {
            write!(f, "\n    {word}")?;
            column = 4 + width;
        } else {
            write!(f, " {word}")?;
            column += 1 + width;
        }
    }
    Ok(())
}

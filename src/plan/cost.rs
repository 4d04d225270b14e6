//! The cost model: what a product costs on each kernel, which kernel one worker runs,
//! how many workers and depth parts the work deserves, and the constants behind them.

use super::*;

/// Depth up to which a product counts as an outer product for [`shallow_on_rows`].
pub(crate) const SHALLOW_DEPTH: usize = 2;

/// Output bytes up to which a floating-point product of depth 1 runs the i-k-j loop on a
/// type with blocked kernels: see [`shallow_on_rows`] (measured:
/// docs/tuning-notes.md#outer-products-on-the-loop).
pub(crate) const ROWS_OUTER_MAX_OUTPUT_BYTES: usize = 24 << 20;

/// Output bytes from which a 32-bit integer product of depth 1 runs the i-k-j loop again
/// (up to [`ROWS_OUTER_MAX_OUTPUT_BYTES`]): see [`shallow_on_rows`] (measured:
/// docs/tuning-notes.md#large-i32-outer-products).
pub(crate) const ROWS_OUTER_MIN_INTEGER_BYTES: usize = 16 << 20;

/// Whether an outer product (depth 1 to [`SHALLOW_DEPTH`]) of `T` runs the i-k-j loop
/// rather than the blocked kernels. Such a product is all writes of C: the blocked kernels
/// pack A and B for nothing to reuse and write C tile by tile, where the loop writes each
/// row of C in one pass (`rows.rs`, `multiply_shallow_rows`).
///
/// The loop runs floats of depth 1 at every size up to [`ROWS_OUTER_MAX_OUTPUT_BYTES`] of
/// C, with two workers too, until C nears the size of the L3; other outer products below a
/// number of cells per element kind and depth, where the loop was faster. The integers'
/// loop is compiled for the baseline instruction set, which has no vector multiply of 32-
/// or 64-bit integers, hence their lower limits (measured:
/// docs/tuning-notes.md#outer-products-on-the-loop).
///
/// Large 32-bit integer outer products are bound by writing C, and there the loop's single
/// pass over each row wins again: from [`ROWS_OUTER_MIN_INTEGER_BYTES`] (2048² i32) to
/// [`ROWS_OUTER_MAX_OUTPUT_BYTES`] of C they run it too; 64-bit integers keep the blocked
/// kernels (measured: docs/tuning-notes.md#large-i32-outer-products). [`kernel_cost`]
/// counts such products as the blocked kernels would, and they need [`ROW_BAND_MIN_ROWS`]
/// rows (the blocked kernels share a few long rows among more workers than there are
/// rows), so that no product loses workers by growing onto the loop or off it.
///
/// Ignores the integer dot-product rule of [`one_worker_kernel`], which runs first.
pub(crate) fn shallow_on_rows<T: Element>(m: usize, k: usize, n: usize) -> bool {
    if k == 0 || k > SHALLOW_DEPTH {
        return false;
    }
    let cells = m.saturating_mul(n);
    let float = ElementClass::of::<T>() == ElementClass::Float;
    let narrow = std::mem::size_of::<T>() <= 4;
    let bytes = cells.saturating_mul(std::mem::size_of::<T>());
    if float && k == 1 {
        return bytes <= ROWS_OUTER_MAX_OUTPUT_BYTES;
    }
    if !float && narrow && k == 1 && m >= ROW_BAND_MIN_ROWS && bytes >= ROWS_OUTER_MIN_INTEGER_BYTES
    {
        return bytes <= ROWS_OUTER_MAX_OUTPUT_BYTES;
    }
    let below = match (float, narrow, k) {
        (true, true, _) => 224 * 224,
        (true, false, _) => 144 * 144,
        (false, true, 1) => 160 * 160,
        (false, true, _) => 80 * 80,
        (false, false, 1) => 72 * 72,
        (false, false, _) => 0,
    };
    cells < below
}

/// The minimums of work per worker the planner uses: the constants above, or those
/// measured by [`Auto::calibrated`](crate::Auto::calibrated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Thresholds {
    /// [`min_work_per_worker`] for floats, integers and generic types, in that order.
    pub(crate) per_worker: [u128; 3],
    /// [`MIN_BLOCKED_WORK_PER_WORKER`].
    pub(crate) blocked_per_worker: u128,
    /// [`MIN_BLOCKED_WORK_PER_WORKER_IDLE`].
    pub(crate) blocked_per_worker_idle: u128,
}

impl Thresholds {
    /// The constants of this file.
    pub(crate) const DEFAULT: Thresholds = Thresholds {
        per_worker: [
            min_work_per_worker(ElementClass::Float),
            min_work_per_worker(ElementClass::Integer),
            min_work_per_worker(ElementClass::Generic),
        ],
        blocked_per_worker: MIN_BLOCKED_WORK_PER_WORKER,
        blocked_per_worker_idle: MIN_BLOCKED_WORK_PER_WORKER_IDLE,
    };

    /// The minimum per worker on the packed kernels for a product called by `caller`: the
    /// larger one when the pool's threads must be woken first (see
    /// [`MIN_BLOCKED_WORK_PER_WORKER_IDLE`]). It sets only the worker count, never the
    /// strategy or the depth parts, so a float result does not depend on the caller.
    pub(crate) fn blocked_per_worker_for(&self, caller: Caller) -> u128 {
        match caller {
            Caller::AfterIdle => self.blocked_per_worker_idle.max(self.blocked_per_worker),
            Caller::InPool | Caller::BackToBack => self.blocked_per_worker,
        }
    }

    /// The smallest minimum of work per worker of a matrix–vector product, whatever its
    /// element type: below this, no product gets two workers.
    pub(crate) const fn least_per_worker(&self) -> u128 {
        // Two workers' worth of the matrix–vector minimum of `for_kernel`: a quarter of the
        // blocked minimum on types with hand-written kernels, half of the class's on others.
        let mut least = self.blocked_per_worker / 4 * 2;
        let mut i = 0;
        while i < self.per_worker.len() {
            if self.per_worker[i] / 2 * 2 < least {
                least = self.per_worker[i] / 2 * 2;
            }
            i += 1;
        }
        least
    }

    /// Minimum work per worker on the i-k-j loop or dot products for `class`.
    pub(crate) fn per_worker(&self, class: ElementClass) -> u128 {
        match class {
            ElementClass::Float => self.per_worker[0],
            ElementClass::Integer => self.per_worker[1],
            ElementClass::Generic => self.per_worker[2],
        }
    }

    /// Minimum work per worker when the workers run `kernel` on an output of `T` that is
    /// `m × n`.
    pub(crate) fn for_kernel<T: Element>(
        &self,
        kernel: OneWorkerKernel,
        m: usize,
        n: usize,
    ) -> u128 {
        let has_kernels = kernel_level_for::<T>(Simd::default_level()) != Simd::Portable;
        let min = match kernel {
            // On a type with hand-written kernels, the i-k-j loop and dot products run only
            // where the blocked kernels would waste their tile (a few rows, one column, a
            // few deep cells). They take the blocked minimum too, so that growing a product
            // by a row or a column, and so onto another kernel, never takes workers away.
            OneWorkerKernel::Blocked => self.blocked_per_worker,
            _ if has_kernels => self.blocked_per_worker,
            _ => self.per_worker(ElementClass::of::<T>()),
        };
        if kernel == OneWorkerKernel::Dots && n == 1 {
            // A matrix–vector product takes a fraction: its second column would double the
            // work at the full minimum, so it may take at least the workers of the `n = 2`
            // product it grows into. On a type with hand-written kernels the product with
            // two columns runs their padded tiles (16 or more columns' work), which leaves
            // room for a quarter: two workers from 362² instead of 512² (measured:
            // docs/tuning-notes.md#matrix-vector-products-on-two-workers).
            // Other types keep half, and so do integer products of at most 8 rows, whose
            // second column runs dot products counted at `m·k·2` (see
            // `one_worker_kernel`). At least 1: a calibrated minimum can be as low as 1.
            let integer_dots_next =
                ElementClass::of::<T>() == ElementClass::Integer && m.saturating_mul(2) <= 16;
            let share = if has_kernels && !integer_dots_next {
                4
            } else {
                2
            };
            (min / share).max(1)
        } else {
            min
        }
    }
}

/// What an `m×k · k×n` product of `T` costs on `kernel`, in multiply-adds:
/// - the blocked kernels: [`blocked_cost`];
/// - the i-k-j loop on a type with hand-written kernels, more than one column: `n` rounded
///   up to the blocked tile's NR, and for 8-byte types twice that where the loop stands in
///   for the blocked kernels on a short output (`m ≤ MR/2`, see [`one_worker_kernel`]).
///   The loop is compiled for the baseline instruction set and runs along short rows of B,
///   far below the blocked kernels' speed. It counts double for 8-byte types only: two f64
///   row bands already pay at 4×8000×4, while two i32 bands at 4×4000×4, which doubling
///   would split, do not (measured: docs/tuning-notes.md#the-loop-on-a-short-output).
///   Twice is the most that keeps the cost from falling when the product grows from
///   `m = MR/2` rows onto the blocked kernels, which pad it to MR rows; the rounding to NR
///   does the same for the columns. An integer outer product on the loop
///   ([`shallow_on_rows`]) costs what it would on the blocked kernels; a floating-point
///   one is all writes of C, so its cost counts them by the byte: 8-byte types twice. Two
///   row bands of f64 then start at 512² (2 MiB of C), as f32's do at 713² (2 MiB with
///   B's rows counted as whole vectors); measured:
///   docs/tuning-notes.md#f64-outer-products-on-two-row-bands;
/// - otherwise `m·k·n`.
pub(crate) fn kernel_cost<T: Element>(
    kernel: OneWorkerKernel,
    m: usize,
    k: usize,
    n: usize,
) -> u128 {
    let level = Simd::default_level();
    let cost = match kernel {
        // One worker on the direct form or the loop (see `short_and_small`): unpadded.
        OneWorkerKernel::Blocked | OneWorkerKernel::Rows if short_and_small::<T>(m, k, n) => {
            multiply_adds(m, k, n)
        }
        // Already in real multiply-adds.
        OneWorkerKernel::Blocked => return blocked_cost::<T>(level, m, k, n),
        OneWorkerKernel::Rows if n > 1 && kernel_level_for::<T>(level) != Simd::Portable => {
            let (_, nr) = tile_for::<T>(level);
            let padded = multiply_adds(m, k, n.div_ceil(nr).saturating_mul(nr));
            if rows_for_a_short_output::<T>(m, k, n) {
                debug_assert_eq!(
                    one_worker_kernel::<T>(m, k, n),
                    OneWorkerKernel::Rows,
                    "the doubled cost is asked for where the loop runs"
                );
                padded.saturating_mul(ROWS_FOR_BLOCKED_COST_FACTOR)
            } else if shallow_on_rows::<T>(m, k, n) {
                if ElementClass::of::<T>() == ElementClass::Integer {
                    // The loop stands in for the blocked kernels here (see
                    // `shallow_on_rows`): their cost, so that growing onto it or off it
                    // never takes workers away.
                    return blocked_cost::<T>(level, m, k, n);
                } else {
                    let size = std::mem::size_of::<T>() as u128;
                    padded.saturating_mul(size.div_ceil(OUTER_BYTES_PER_UNIT))
                }
            } else {
                padded
            }
        }
        _ => multiply_adds(m, k, n),
    };
    // Compared with the blocked minimum, measured in real multiply-adds. The weight is a
    // constant per type, so real types never ask for the kernel level here.
    let weight = real_multiply_adds_per::<T>();
    if weight == 1 || kernel_level_for::<T>(level) == Simd::Portable {
        cost
    } else {
        cost.saturating_mul(weight)
    }
}

/// Bytes of C one multiply-add of an outer product on the i-k-j loop stands for in
/// [`kernel_cost`]: wider elements count in proportion (measured:
/// docs/tuning-notes.md#f64-outer-products-on-two-row-bands).
const OUTER_BYTES_PER_UNIT: u128 = 4;

/// What the i-k-j loop's padded multiply-adds of an 8-byte type count for where it runs
/// instead of the blocked kernels on a short output: see [`kernel_cost`] (measured:
/// docs/tuning-notes.md#the-loop-on-a-short-output).
const ROWS_FOR_BLOCKED_COST_FACTOR: u128 = 2;

/// Whether the i-k-j loop, given that [`one_worker_kernel`] chose it for an `m×k · k×n`
/// product of an 8-byte `T` (every caller asks only then), runs it only because its output
/// is too short for the blocked kernels' tile (`m ≤ MR/2`, that function's last rule), on
/// a type that has them: where [`kernel_cost`] counts it twice. The other rules that choose
/// the loop are the ones excluded here.
pub(crate) fn rows_for_a_short_output<T: Element>(m: usize, k: usize, n: usize) -> bool {
    let level = kernel_level_for::<T>(Simd::default_level());
    std::mem::size_of::<T>() == 8
        && level != Simd::Portable
        && n > 1
        && m <= tile_for::<T>(level).0 / 2
        && multiply_adds(m, k, n) >= MIN_BLOCKED_WORK
        && !shallow_on_rows::<T>(m, k, n)
}

/// Workers for [`SplitK`](crate::SplitK) on an `m×k · k×n` product of `T` cut into `parts` parts: the cap
/// at the minimum for the kernel the parts run, over the parts.
pub(crate) fn split_k_workers<T: Element>(
    m: usize,
    k: usize,
    n: usize,
    parts: usize,
    t: &Thresholds,
    requested: Option<usize>,
) -> usize {
    let kernel = one_worker_kernel::<T>(m, k, n);
    worker_cap_with(
        t.for_kernel::<T>(kernel, m, n),
        kernel_cost::<T>(kernel, m, k, n),
        parts,
        requested,
    )
}

/// Rows from which products without hand-written kernels are split into row bands rather
/// than groups of cells: with fewer rows, bands could not feed the workers of a larger pool.
pub(crate) const ROW_BAND_MIN_ROWS: usize = 16;

/// Depth from which a matrix–vector product runs as dot products rather than the i-k-j
/// loop, whatever its size (see [`is_small_matvec`] for the small ones): dot products win
/// from depth 4, and below it the loop of tiny products is as fast (measured:
/// docs/tuning-notes.md#dot-product-depth).
pub(crate) const MIN_DOT_DEPTH: usize = 4;

/// Least depth of each part of a split product: a part shallower than this would spend as
/// much on its own buffer and on being added up as on its multiply-adds. It depends on `k`
/// alone, so a product never gets fewer parts by growing.
pub(crate) const MIN_PART_DEPTH: usize = 256;

/// Most depth parts a product is cut into. The count is fixed by the shape (so the result
/// never depends on the pool) and must leave work for pools larger than the development
/// machine's: 16 feeds the 16-core host of docs/performance.md#scaling-to-16-cores.
pub(crate) const MAX_DEPTH_PARTS: usize = 16;

/// The kernel one worker runs for a product (or one part of a split product).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OneWorkerKernel {
    /// The serial i-k-j loop over rows of B ([`Serial`](crate::Serial)).
    Rows,
    /// One dot product per output cell ([`PerCell`](crate::PerCell)).
    Dots,
    /// The packed, cache-blocked microkernels ([`Blocked`](crate::Blocked)).
    Blocked,
}

/// The fastest one-worker kernel for an `m×k · k×n` product of `T`, from
/// `cargo run --release -p parmat-bench --example sweep -- --detail` (measured:
/// docs/tuning-notes.md#what-the-sweep-changed-in-the-planner):
/// - a matrix–vector product (`n = 1`) of depth at least [`MIN_DOT_DEPTH`] runs one dot
///   product per cell: the column of B is contiguous once transposed, and the blocked
///   kernel would waste all but one column of its register tile; so does an integer
///   product of two columns with at most 16 output cells and a depth of at least 256;
/// - outputs of at most half a tile row (`m ≤ MR/2`, such as a row vector times a matrix)
///   run the i-k-j loop, which streams B once where the blocked kernel would pack all of it
///   to fill a fraction of its tile; so do shallower matrix–vector products, and outer
///   products (`k ≤ 2`) where [`shallow_on_rows`] says so (floats of depth 1 up to 24 MiB
///   of output, other outer products below a few thousand cells);
/// - otherwise the blocked kernels from [`MIN_BLOCKED_WORK`] multiply-adds, for the types
///   that have hand-written ones (on one worker up to 2¹⁸ multiply-adds, their direct form,
///   without packing); the i-k-j loop for everything else.
pub(crate) fn one_worker_kernel<T: Element>(m: usize, k: usize, n: usize) -> OneWorkerKernel {
    if n == 1 && k >= MIN_DOT_DEPTH {
        return OneWorkerKernel::Dots;
    }
    let level = kernel_level_for::<T>(Simd::default_level());
    if level != Simd::Portable
        && ElementClass::of::<T>() == ElementClass::Integer
        && n <= 2
        && m.saturating_mul(n) <= 16
        && k >= 256
    {
        // A few long integer dot products of one or two columns. With more columns the
        // i-k-j loop, which advances short rows together, is as fast or faster (measured:
        // docs/tuning-notes.md#integer-dot-products).
        return OneWorkerKernel::Dots;
    }
    if level == Simd::Portable
        || n == 1
        || multiply_adds(m, k, n).saturating_mul(real_multiply_adds_per::<T>()) < MIN_BLOCKED_WORK
    {
        // One column too shallow for dot products: the blocked kernels would compute a
        // whole tile row of NR columns for each value kept.
        return OneWorkerKernel::Rows;
    }
    if short_on_direct::<T>(m, k, n) {
        return OneWorkerKernel::Blocked;
    }
    if shallow_on_rows::<T>(m, k, n) {
        // An outer product: nothing to reuse from the packed panels (see
        // `shallow_on_rows`).
        return OneWorkerKernel::Rows;
    }
    let (mr, _) = tile_for::<T>(level);
    if m <= mr / 2 {
        OneWorkerKernel::Rows
    } else {
        OneWorkerKernel::Blocked
    }
}

/// Output bytes up to which an outer product (`k = 1`) runs the blocked kernels' direct form
/// rather than the i-k-j loop, on the types that have one: where it was faster for f64 in
/// every measurement (docs/tuning-notes.md#direct-small-products-in-the-planner).
pub(crate) const DIRECT_OUTER_MAX_OUTPUT_BYTES: usize = 96 << 10;

/// Whether an outer product of `T` is small enough for the direct form
/// ([`DIRECT_OUTER_MAX_OUTPUT_BYTES`]).
fn small_outer<T>(m: usize, k: usize, n: usize) -> bool {
    k == 1
        && m.saturating_mul(n).saturating_mul(std::mem::size_of::<T>())
            <= DIRECT_OUTER_MAX_OUTPUT_BYTES
}

/// Whether a product of `T` that the i-k-j loop would otherwise get, for a short output
/// (`2 ≤ m ≤ MR/2`, such as `4×k×4`) or a small outer product
/// ([`DIRECT_OUTER_MAX_OUTPUT_BYTES`]), runs the blocked kernels' direct form on one worker
/// instead (see [`short_and_small`]). The direct form reads A and B in place, without
/// packing, and was faster than the loop on such shapes. A row vector stays on the loop,
/// which runs it on the kernels' `row_vector` form: faster than the direct form, which on
/// one row of f64 was much slower still where B's rows lie a power of two apart (measured:
/// docs/tuning-notes.md#row-vectors-on-the-loops-vector-form).
pub(crate) fn short_on_direct<T: Element>(m: usize, k: usize, n: usize) -> bool {
    short_and_small::<T>(m, k, n) && m != 1
}

/// Whether a product of `T` has a short output (`m ≤ MR/2`) or is a small outer product,
/// `n > 1`, at most [`DIRECT_MAX_WORK`] multiply-adds (fewer with two columns), and a type
/// with a direct form on this CPU: it runs one worker, on the direct form
/// ([`short_on_direct`]) or, for a row vector, on the i-k-j loop, and
/// [`kernel_cost`] counts its multiply-adds unpadded. Up to that work one worker is what the
/// minimums give on the direct form; the loop's row vector keeps one worker too, so that
/// growing a second row onto the direct form never takes workers away; and a
/// matrix–vector product that grows a second column into such a product had one worker too
/// (its two start at half of `DIRECT_MAX_WORK`).
pub(crate) fn short_and_small<T: Element>(m: usize, k: usize, n: usize) -> bool {
    let work = multiply_adds(m, k, n).saturating_mul(real_multiply_adds_per::<T>());
    let small = work < DIRECT_MAX_WORK || (n > 2 && work == DIRECT_MAX_WORK);
    if n <= 1 || !small || default_direct::<T>().is_none() {
        return false;
    }
    let (mr, _) = tile_for::<T>(Simd::default_level());
    m <= mr / 2 || small_outer::<T>(m, k, n)
}

/// Most workers an unsplit `m×k · k×n` product of `T` can use on `kernel`, from its shape
/// alone: its units of work (rows, cells, or the blocked kernels' tiles × column blocks,
/// no more than each depth block's work allows), or 1 for a few deep integer cells (see
/// [`choose`]).
pub(crate) fn unsplit_limit<T: Element>(
    kernel: OneWorkerKernel,
    m: usize,
    k: usize,
    n: usize,
) -> usize {
    let level = Simd::default_level();
    match kernel {
        OneWorkerKernel::Blocked => blocked_limit::<T>(level, m, k, n),
        OneWorkerKernel::Dots if n == 1 => m,
        OneWorkerKernel::Dots => 1,
        OneWorkerKernel::Rows
            if m >= ROW_BAND_MIN_ROWS || kernel_level_for::<T>(level) != Simd::Portable =>
        {
            m
        }
        OneWorkerKernel::Rows => m.saturating_mul(n),
    }
    .max(1)
}

/// Depth parts for an `m×k · k×n` product of `T`, decided from the shape alone: 1 unless
/// cutting `k` lets more workers share the product than its output does.
///
/// The work deserves `w = cost ÷ minimum per worker` workers. Cut into parts, a product can
/// use `min(w, parts)` of them, with `parts` the power of two at or above `min(w, 16)`,
/// halved until each part is at least [`MIN_PART_DEPTH`] deep; unsplit, `min(w, units)`
/// (see [`unsplit_limit`]). The product is cut when the first is larger. Either way the
/// workers are `min(threads, w, max(parts, units))`: on pools of up to 16 threads each
/// term grows with every dimension, so a product never loses workers by growing, across
/// this decision too. (On larger pools the units can dip: parts stop at 16, and outputs of
/// types without hand-written kernels go from cells to row bands at 16 rows.)
///
/// Always with the crate's constants, never measured minimums: the parts decide the order
/// in which a float product is summed, and that must not depend on the machine's timing.
pub(crate) fn depth_parts<T: Element>(m: usize, k: usize, n: usize) -> usize {
    if m == 0 || n == 0 {
        return 1;
    }
    let t = &Thresholds::DEFAULT;
    let kernel = one_worker_kernel::<T>(m, k, n);
    let by_work =
        usize::try_from(kernel_cost::<T>(kernel, m, k, n) / t.for_kernel::<T>(kernel, m, n))
            .unwrap_or(usize::MAX);
    if by_work < 2 {
        return 1;
    }
    // A power of two, so that pools of 2, 4, 8 and 16 threads share the parts evenly: 3 or
    // 7 parts on 2 workers left one worker with 2 of 3 or 4 of 7 (measured:
    // docs/tuning-notes.md#depth-parts). Rounded up, not down: 7 workers'
    // worth of work cut into 4 parts would get fewer workers than a slightly smaller
    // product left whole.
    let mut parts = by_work.min(MAX_DEPTH_PARTS).next_power_of_two();
    while parts > 1 && k / parts < MIN_PART_DEPTH {
        parts /= 2;
    }
    if parts.min(by_work) > unsplit_limit::<T>(kernel, m, k, n).min(by_work) {
        parts
    } else {
        1
    }
}

/// Whether an `m×k · k×n` product is tiny: below [`MIN_BLOCKED_WORK`] multiply-adds and
/// more than one column wide, or one column of depth below [`MIN_DOT_DEPTH`] (deeper small
/// matrix–vector products are [`is_small_matvec`]'s). [`choose`] runs every tiny product
/// on the serial loop, decided before anything else is computed; the rules after it give
/// the same, except that an integer product of a few deep cells (2×1000×2) would get dot
/// products: the same integers, not worth the cost of asking. [`Auto`](crate::Auto) tests
/// the same before planning at all.
#[inline]
pub(crate) fn is_tiny(m: usize, k: usize, n: usize) -> bool {
    multiply_adds(m, k, n) < MIN_BLOCKED_WORK && small_runs_serial(k, n)
}

/// The one-worker kernel of a tiny product ([`is_tiny`]): the blocked kernels' direct form
/// for the types that have one, the i-k-j loop for the others.
#[inline]
pub(crate) fn tiny_kernel<T: Element>() -> OneWorkerKernel {
    if default_direct::<T>().is_some() {
        OneWorkerKernel::Blocked
    } else {
        OneWorkerKernel::Rows
    }
}

/// Whether a product below [`MIN_BLOCKED_WORK`] multiply-adds runs the serial loop rather
/// than one worker's dot products: unless it is a matrix–vector product of depth at least
/// [`MIN_DOT_DEPTH`] (see [`is_tiny`] and [`is_small_matvec`]).
#[inline]
pub(crate) fn small_runs_serial(k: usize, n: usize) -> bool {
    n != 1 || k < MIN_DOT_DEPTH
}

// `Auto` skips the threshold check of `is_small_matvec` for the constants.
const _: () = assert!(Thresholds::DEFAULT.least_per_worker() >= MIN_BLOCKED_WORK);

/// Whether an `m×k · k×n` product is a matrix–vector product below [`MIN_BLOCKED_WORK`]
/// multiply-adds and below two workers' worth in any element class: [`choose`] runs it as
/// one worker's dot products, decided before anything else, and [`Auto`](crate::Auto)
/// without asking the planner, as it does for tiny products. Only from a depth of
/// [`MIN_DOT_DEPTH`]: shallower ones are faster on the serial loop, whose products of depth
/// 1 to 3 take a loop of their own (measured: docs/tuning-notes.md#dot-product-depth).
#[inline]
pub(crate) fn is_small_matvec(m: usize, k: usize, n: usize, t: &Thresholds) -> bool {
    let work = multiply_adds(m, k, n);
    !small_runs_serial(k, n) && work < MIN_BLOCKED_WORK && work < t.least_per_worker()
}

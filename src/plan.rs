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
use crate::kernel::blocked::{depth_block_for, tile_and_depth_for, tile_for, units_for};
use crate::kernel::{Simd, kernel_level_for};
use crate::strategy::{Blocked, PerCell, RowParallel, SplitK, Strategy};

/// Minimum multiply-adds a worker must carry before a second worker is worth starting,
/// per element class.
///
/// Set from `cargo run --release --example compare -- --crossover` on the development
/// machine (2-core Zen 4, 2026-11-26): the size at which two workers first beat one, for
/// f64 and i32, then doubled so that a product just past the threshold already gains
/// rather than breaks even. See docs/performance.md for the table.
///
/// The default [`RowParallel`] and [`PerCell`] caps use it for every type. [`Auto`](crate::Auto)
/// uses it for types without hand-written kernels; for `f32`, `f64`, `i32`, `u32`, `i64`
/// and `u64` it uses the blocked kernels' larger minimum (2¹⁸) whichever loop a shape gets,
/// so that a product growing onto another loop never loses workers.
///
/// # Examples
///
/// ```
/// use parmat::{ElementClass, min_work_per_worker};
/// assert!(min_work_per_worker(ElementClass::Generic) < min_work_per_worker(ElementClass::Float));
/// ```
pub const fn min_work_per_worker(class: ElementClass) -> u128 {
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
/// product): `cargo run --release --example sweep -- --detail --families square`, at
/// n = 16 blocked×1 ran in 0.76 (f64) and 0.87 (i32) of the serial time, at n = 12 the
/// serial loop won (2-core Zen 4, 2026-11-26).
pub(crate) const MIN_BLOCKED_WORK: u128 = 16 * 16 * 16;

/// Depth up to which a product counts as an outer product for [`shallow_on_rows`].
pub(crate) const SHALLOW_DEPTH: usize = 2;

/// Output bytes up to which a floating-point product of depth 1 runs the i-k-j loop on a
/// type with blocked kernels: see [`shallow_on_rows`].
pub(crate) const ROWS_OUTER_MAX_OUTPUT_BYTES: usize = 24 << 20;

/// Output bytes from which a 32-bit integer product of depth 1 runs the i-k-j loop again
/// (up to [`ROWS_OUTER_MAX_OUTPUT_BYTES`]): see [`shallow_on_rows`].
pub(crate) const ROWS_OUTER_MIN_INTEGER_BYTES: usize = 16 << 20;

/// Whether an outer product (depth 1 to [`SHALLOW_DEPTH`]) of `T` runs the i-k-j loop
/// rather than the blocked kernels. Such a product is all writes of C: the blocked kernels
/// pack A and B for nothing to reuse and write C tile by tile, where the loop writes each
/// row of C in one pass (`rows.rs`, `multiply_shallow_rows`). Serial ÷ blocked×1, best of
/// 30 batches in one A/B program (2-core Zen 4, 2026-11-26), at s×k×s for s from 32 to
/// 1024:
///
/// | k | f64 | f32 | i32 | i64 |
/// |---|---|---|---|---|
/// | 1 | 0.32–0.89 | 0.18–0.79 | 0.29–0.91 to s = 128, 0.98–1.00 at 160, 0.99–1.24 from 192 | 0.61–0.96 to 64, 1.02–1.71 from 80 |
/// | 2 | 0.38–0.93 to 128, 0.77–1.09 at 160–192, 1.08–1.16 at 224–384, 0.90–0.97 at 512–1024 | 0.26–0.92 to 224, 0.92–1.09 from 256 | 0.56–0.68 to 48, 0.70–1.14 at 64, 0.83 at 80, 1.06–2.56 from 96 | 1.17–3.07 from 32 |
///
/// So: floats of depth 1 at every size up to [`ROWS_OUTER_MAX_OUTPUT_BYTES`] of C (with
/// two workers too: at 1024×1×1024 two row bands took 86–128 µs against two blocked
/// workers' 128–170, f64 from the main thread; at 2048×1×2048 f64, 32 MiB of C, the
/// blocked kernels won, 940 against 1091 µs, once C no longer fits in the 32 MiB L3);
/// otherwise below a number of cells per element kind and depth, where the loop was
/// faster in the table. The integers' loop is compiled for the baseline instruction set,
/// which has no vector multiply of 32- or 64-bit integers, hence their lower limits.
///
/// Large 32-bit integer outer products are bound by writing C, and there the loop's single
/// pass over each row wins again: from [`ROWS_OUTER_MIN_INTEGER_BYTES`] (2048² i32) to
/// [`ROWS_OUTER_MAX_OUTPUT_BYTES`] of C they run it too. Two row bands against two blocked
/// workers, i32 depth 1, time of the bands ÷ time of the blocked workers, from the main
/// thread into the 2-thread pool, best of 40 batches, three runs of one A/B program
/// (2-core Zen 4, 2026-11-26): 1.12–1.15 at 768², 0.99–1.01 at 1024², 0.93–1.16 at 1448²,
/// 0.85–1.18 at 1774², 0.85–0.96 at 2048² and 0.58–0.82 at 2400²; the sweep's head-to-head
/// timings of 2048² had the bands 1.12× ahead in two runs and 1.28× in a third, level in a
/// fourth. 64-bit integers keep the blocked kernels: in the same program, two blocked
/// workers took about two thirds of two row bands' time at 1024² and 1448² of i64 (three
/// runs). [`kernel_cost`] counts such products as the blocked kernels would,
/// and they need [`ROW_BAND_MIN_ROWS`] rows (the blocked kernels share a few long rows
/// among more workers than there are rows), so that no product loses workers by growing
/// onto the loop or off it.
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

/// Minimum multiply-adds per worker for the blocked strategy's hand-written kernels, which
/// do a multiply-add 4–8× faster than the serial loop, so the same fork–join cost needs
/// proportionally more of them. Set from `cargo run --release --example sweep -- --detail`
/// on the 2-core Zen 4 (2026-11-26), time with two blocked workers ÷ time with one:
/// squares 64³ 1.18 (f64) and 3.76 (i32), 96³ 0.79 and 0.83; thin shapes 256×64×16
/// 1.14 and 1.04, 512×64×16 0.88 and 0.78. Two workers thus pay from about 2¹⁹ of work;
/// on a 16-core Xeon squares only crossed at n ≈ 160 (docs/performance.md), which is what
/// [`Auto::calibrated`](crate::Auto::calibrated) is for.
pub(crate) const MIN_BLOCKED_WORK_PER_WORKER: u128 = 1 << 18;

/// Minimum multiply-adds per worker in each depth block (`kc` of the depth) of a blocked
/// product: the workers meet once per depth block, and every one of them packs its own
/// copy of that block of B, so a deep product with a small output pays the meeting and
/// the packing `k / kc` times. Sweep, family reduce-16 (f64): at 16×4000×16 (16 depth
/// blocks of 65 536 multiply-adds) two blocked workers took 1.5× the time of one. (Measured
/// while the workers still met at every depth block; with A read in place they now meet
/// only at the end, but each still packs its B block per depth block. Not re-measured
/// since; the sweep's reduce-16 family still ranks this rule's choices at 0.91–1.0.)
pub(crate) const MIN_BLOCKED_DEPTH_BLOCK_WORK_PER_WORKER: u128 = 1 << 16;

/// What an `m×k · k×n` product of `T` costs the blocked kernels at `simd`, in
/// multiply-adds: an edge tile runs the whole `MR × NR` register tile and keeps only its
/// part of C, so `m` and `n` count as rounded up to whole tiles (`m×k×2` of `f64` costs as
/// much as `m×k×16`); and every depth block loads and stores each cell of C once, at
/// [`OUTPUT_CELL_COST`] each. This, not `m·k·n`, is what sets a blocked product's time
/// when it is narrow or shallow, and it never shrinks as a dimension grows.
pub(crate) fn blocked_cost<T: Element>(simd: Simd, m: usize, k: usize, n: usize) -> u128 {
    let (mr, nr, kc) = tile_and_depth_for::<T>(simd);
    let padded = |len: usize, tile: usize| len.div_ceil(tile) as u128 * tile as u128;
    let cells = padded(m, mr).saturating_mul(padded(n, nr));
    let depth_blocks = k.div_ceil(kc) as u128;
    // Writing C costs by the byte: 8-byte elements at OUTPUT_CELL_COST, narrower ones less.
    let cell_cost = (OUTPUT_CELL_COST * std::mem::size_of::<T>() as u128 / 8).max(1);
    cells
        .saturating_mul(k as u128)
        .saturating_add(cells.saturating_mul(depth_blocks).saturating_mul(cell_cost))
}

/// What writing one 8-byte cell of C costs the blocked kernels, in multiply-adds (a 4-byte
/// cell costs half): measured on outer products (`k = 1`), whose time is all writes,
/// blocked×1 took 0.23 ns per cell at 1024×1×1024 f64, six multiply-adds at its
/// square-product speed (26 G/s). With it, two workers start at 417×1×417 for i32, and at
/// 512×1×512 two blocked workers took 0.83 and 0.92 of one worker's time in two sweeps
/// (family outer) and 1.42 in a third: the threshold is where it should be, and the
/// machine's state decides the side. 4 (not 6) keeps 256×1×256, where two workers were
/// 2–3× slower, on one. (Floats of depth 1 run the i-k-j loop instead: see
/// [`shallow_on_rows`].)
pub(crate) const OUTPUT_CELL_COST: u128 = 4;

/// Workers for the blocked kernels at `simd` on an `m×k · k×n` product of `T`, when the
/// caller did not fix them: the worker cap at `per_worker` over the blocked units, and no
/// more than every depth block's work allows (see
/// [`MIN_BLOCKED_DEPTH_BLOCK_WORK_PER_WORKER`]), both counted with the tile's padding
/// ([`blocked_cost`]).
pub(crate) fn blocked_workers<T: Element>(
    simd: Simd,
    m: usize,
    k: usize,
    n: usize,
    per_worker: u128,
) -> usize {
    let cost = blocked_cost::<T>(simd, m, k, n);
    worker_cap_with(per_worker, cost, blocked_limit::<T>(simd, m, k, n), None)
}

/// Most workers the blocked kernels at `simd` can use on an `m×k · k×n` product of `T`:
/// its units of work, and no more than its depth blocks' work allows.
fn blocked_limit<T: Element>(simd: Simd, m: usize, k: usize, n: usize) -> usize {
    let block_work = blocked_cost::<T>(simd, m, k.min(depth_block_for::<T>(simd)), n);
    let by_block = usize::try_from(block_work / MIN_BLOCKED_DEPTH_BLOCK_WORK_PER_WORKER)
        .unwrap_or(usize::MAX)
        .max(1);
    units_for::<T>(simd, m, n).min(by_block)
}

/// The minimums of work per worker the planner uses: the constants above, or those
/// measured by [`Auto::calibrated`](crate::Auto::calibrated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Thresholds {
    /// [`min_work_per_worker`] for floats, integers and generic types, in that order.
    pub(crate) per_worker: [u128; 3],
    /// [`MIN_BLOCKED_WORK_PER_WORKER`].
    pub(crate) blocked_per_worker: u128,
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
    };

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
            // room for a quarter: two workers from 362² instead of 512². Measured from the
            // main thread into the global 2-thread pool (2-core Zen 4, one A/B program,
            // best of 60 batches), two dot-product workers took, of one worker's time:
            // 256² 1.16–2.07 (f64) and 1.16–1.85 (i32), 320² 0.97–1.01 and 0.93–1.04,
            // 384² 0.88–0.92 and 0.86–0.93, 448² 0.81–0.85 and 0.84–0.91, 512² 0.78 and
            // 0.73–0.87; the sweep puts 384² at 0.83 (f64) and 0.76 (i32) in its last run.
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
///   far below the blocked kernels' speed: per padded multiply-add it took 1.6× their time
///   at 4×8000×4 (f64 31.9 µs, i32 40.4 µs) and 3.2–3.6× at 4×1000×64 and 4×8000×16 (f64).
///   Two row bands, called from outside the pool, beat one worker from 4×8000×4 for f64
///   (0.82 of its time in the sweep), but not at 4×4000×4 for i32 (1.08–1.24 in the sweep,
///   1.1–1.9 in an A/B from the main thread), which twice would have split: the blocked
///   kernels' minimum per worker is in multiply-adds, and an i32 one takes two thirds of an
///   f64 one's time.
///   Twice is the most that keeps the cost from falling when the product grows from
///   `m = MR/2` rows onto the blocked kernels, which pad it to MR rows; the rounding to NR
///   does the same for the columns. An integer outer product on the loop
///   ([`shallow_on_rows`]) costs what it would on the blocked kernels; a floating-point
///   one is all writes of C, so its cost counts them by the byte: 8-byte types twice. Two
///   row bands of f64 then start at 512² (2 MiB of C), as f32's do at 713² (2 MiB with
///   B's rows counted as whole vectors). From the main thread into the 2-thread pool, best
///   of 40 batches, three runs of one A/B program (2-core Zen 4), two f64 bands beat one
///   worker in none of the runs at 384², one at 448², and two of the three at every size
///   from 512² to 800² (the threshold used to be 721²); the sweep's head-to-head timings
///   of 512² had them 1.35× faster in two runs of three. Their mean over the 40 batches
///   was above one worker's at every size to 800² (docs/performance.md);
/// - otherwise `m·k·n`.
pub(crate) fn kernel_cost<T: Element>(
    kernel: OneWorkerKernel,
    m: usize,
    k: usize,
    n: usize,
) -> u128 {
    let level = Simd::default_level();
    match kernel {
        OneWorkerKernel::Blocked => blocked_cost::<T>(level, m, k, n),
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
                    blocked_cost::<T>(level, m, k, n)
                } else {
                    let size = std::mem::size_of::<T>() as u128;
                    padded.saturating_mul(size.div_ceil(OUTER_BYTES_PER_UNIT))
                }
            } else {
                padded
            }
        }
        _ => multiply_adds(m, k, n),
    }
}

/// Bytes of C one multiply-add of an outer product on the i-k-j loop stands for in
/// [`kernel_cost`]: wider elements count in proportion.
const OUTER_BYTES_PER_UNIT: u128 = 4;

/// What the i-k-j loop's padded multiply-adds of an 8-byte type count for where it runs
/// instead of the blocked kernels on a short output: see [`kernel_cost`].
const ROWS_FOR_BLOCKED_COST_FACTOR: u128 = 2;

/// Whether the i-k-j loop, given that [`one_worker_kernel`] chose it for an `m×k · k×n`
/// product of an 8-byte `T` (every caller asks only then), runs it only because its output
/// is too short for the blocked kernels' tile (`m ≤ MR/2`, that function's last rule), on
/// a type that has them: where [`kernel_cost`] counts it twice. The other rules that choose
/// the loop are the ones excluded here.
fn rows_for_a_short_output<T: Element>(m: usize, k: usize, n: usize) -> bool {
    let level = kernel_level_for::<T>(Simd::default_level());
    std::mem::size_of::<T>() == 8
        && level != Simd::Portable
        && n > 1
        && m <= tile_for::<T>(level).0 / 2
        && multiply_adds(m, k, n) >= MIN_BLOCKED_WORK
        && !shallow_on_rows::<T>(m, k, n)
}

/// Workers for [`SplitK`] on an `m×k · k×n` product of `T` cut into `parts` parts: the cap
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
/// loop, whatever its size (see [`is_small_matvec`] for the small ones):
/// `sweep -- --families matvec` (2-core Zen 4, 2026-11-26), through `Auto` dot products ran
/// 1.09–1.19× the serial loop's speed at 4×4×1, 0.98–1.01× at 2×2×1 (where the
/// tiny-product path's few nanoseconds are worth more than the loop).
pub(crate) const MIN_DOT_DEPTH: usize = 4;

/// Least depth of each part of a split product: a part shallower than this would spend as
/// much on its own buffer and on being added up as on its multiply-adds. It depends on `k`
/// alone, so a product never gets fewer parts by growing.
pub(crate) const MIN_PART_DEPTH: usize = 256;

/// Most depth parts a product is cut into. The count is fixed by the shape (so the result
/// never depends on the pool) and must leave work for pools larger than the development
/// machine's: 16 feeds the 16-core host of docs/performance.md.
pub(crate) const MAX_DEPTH_PARTS: usize = 16;

/// The kernel one worker runs for a product (or one part of a split product).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OneWorkerKernel {
    /// The serial i-k-j loop over rows of B ([`Serial`](crate::Serial)).
    Rows,
    /// One dot product per output cell ([`PerCell`]).
    Dots,
    /// The packed, cache-blocked microkernels ([`Blocked`]).
    Blocked,
}

/// The fastest one-worker kernel for an `m×k · k×n` product of `T`, from
/// `cargo run --release --example sweep -- --detail` (see docs/performance.md):
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
///   that have hand-written ones; the i-k-j loop for everything else.
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
        // A few long integer dot products of one or two columns (examples/sweep.rs's
        // per-cell×1 against the serial loop, i32: 0.39 of its time at 8×8000×2). With
        // more columns the i-k-j loop, which advances short rows together, is as fast
        // (4×k×4: 0.97–1.00) or faster (1×8000×4: 1.96×, 2×8000×8: 1.94×, 1×8000×16:
        // 4.5× the loop's time for dot products).
        return OneWorkerKernel::Dots;
    }
    if level == Simd::Portable
        || n == 1
        || multiply_adds(m, k, n) < MIN_BLOCKED_WORK
        || shallow_on_rows::<T>(m, k, n)
    {
        // One column too shallow for dot products: the blocked kernels would compute a
        // whole tile row of NR columns for each value kept. An outer product: nothing to
        // reuse from the packed panels (see `shallow_on_rows`).
        return OneWorkerKernel::Rows;
    }
    let (mr, _) = tile_for::<T>(level);
    if m <= mr / 2 {
        OneWorkerKernel::Rows
    } else {
        OneWorkerKernel::Blocked
    }
}

/// Most workers an unsplit `m×k · k×n` product of `T` can use on `kernel`, from its shape
/// alone: its units of work (rows, cells, or the blocked kernels' tiles × column blocks,
/// no more than each depth block's work allows), or 1 for a few deep integer cells (see
/// [`choose`]).
fn unsplit_limit<T: Element>(kernel: OneWorkerKernel, m: usize, k: usize, n: usize) -> usize {
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
pub(crate) fn depth_parts<T: Element>(m: usize, k: usize, n: usize, t: &Thresholds) -> usize {
    if m == 0 || n == 0 {
        return 1;
    }
    let kernel = one_worker_kernel::<T>(m, k, n);
    let by_work =
        usize::try_from(kernel_cost::<T>(kernel, m, k, n) / t.for_kernel::<T>(kernel, m, n))
            .unwrap_or(usize::MAX);
    if by_work < 2 {
        return 1;
    }
    // A power of two, so that pools of 2, 4, 8 and 16 threads share the parts evenly: 3 or
    // 7 parts on 2 workers left one worker with 2 of 3 or 4 of 7 (sweep, reduce-4: split-k
    // ran 1.2–1.35× slower than two row bands there). Rounded up, not down: 7 workers'
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
/// [`MIN_DOT_DEPTH`]: against the serial loop, whose shallow products take a loop of their
/// own (A/B in one process, best of 200 × 1000 calls, 2-core Zen 4, 2026-11-26), one
/// worker's dot products took 23.7 against 22.3 ns at 1×1×1, 26.7 against 23.4 at 2×2×1,
/// 41.7 against 29.7 at 8×3×1 and 172 against 95 at 64×3×1, but 33.2 against 49.8 at
/// 4×4×1 and 42.4 against 70.8 at 8×4×1 (f64; i32 alike; each time including about 13 ns
/// of the harness's own).
#[inline]
pub(crate) fn is_small_matvec(m: usize, k: usize, n: usize, t: &Thresholds) -> bool {
    let work = multiply_adds(m, k, n);
    !small_runs_serial(k, n) && work < MIN_BLOCKED_WORK && work < t.least_per_worker()
}

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
/// let p = parmat::plan::<f64>(12, 12, 12);
/// assert_eq!(p.workers(), 1);
/// assert_eq!(p.strategy(), parmat::Strategy::Serial);
/// println!("{p}"); // serial: 12×12×12 is 1728 multiply-adds, below the 4096 from which ...
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
    cost: u128,
    min_work: u128,
    blocked_kernels: bool,
    units: usize,
    kernel_level: Simd,
    depth_parts: usize,
    /// Workers the output could feed unsplit (see `unsplit_limit`).
    output_units: usize,
    /// Whether the cost is the i-k-j loop's on a short output (see `kernel_cost`).
    short_output: bool,
    /// Whether the i-k-j loop runs for an outer product (see `shallow_on_rows`).
    shallow_rows: bool,
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

    /// Parts the shared dimension `k` is cut into: 1 unless the product has work for more
    /// workers than its output can be shared by (a small output of a large depth, such as
    /// 4×1 000 000×4), and each part keeps a depth of at least 256. Then each part runs
    /// [`strategy`](Plan::strategy) on one worker, the parts are shared among [`workers`](Plan::workers) workers ([`SplitK`]), and the
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
            cost,
            min_work,
            blocked_kernels,
            units,
            kernel_level,
            depth_parts,
            output_units,
            short_output,
            shallow_rows,
        } = self;
        let class_name = match class {
            ElementClass::Float => "floating-point",
            ElementClass::Integer => "integer",
            ElementClass::Generic => "generic",
        };
        let has_kernels = *kernel_level != Simd::Portable;
        // What runs, and why this strategy.
        if *depth_parts > 1 {
            write!(
                f,
                "split-k: {m}×{k}×{n} is {work} multiply-adds, work for {} workers, but its output can be shared by only {output_units} (its rows, cells or tiles, and for the blocked kernels the work of each depth block); k is cut into {depth_parts} parts, each a one-worker {strategy} product, added in part order",
                cost / min_work
            )?;
        } else {
            write!(f, "{strategy}: {m}×{k}×{n} is {work} multiply-adds")?;
            match strategy {
                Strategy::PerCell(_) if *n == 1 => write!(
                    f,
                    ", a matrix–vector product: one contiguous dot product per output cell"
                )?,
                Strategy::Blocked(b) => write!(
                    f,
                    ", enough for the packed {} kernels (from {MIN_BLOCKED_WORK})",
                    b.simd()
                )?,
                _ if *work < MIN_BLOCKED_WORK && has_kernels => write!(
                    f,
                    ", below the {MIN_BLOCKED_WORK} from which packing for the blocked kernels pays"
                )?,
                Strategy::Serial | Strategy::RowParallel(_) if has_kernels && *n == 1 => write!(
                    f,
                    ", a matrix–vector product too shallow for dot products: the i-k-j loop"
                )?,
                Strategy::Serial | Strategy::RowParallel(_) if has_kernels && *shallow_rows => {
                    write!(
                        f,
                        ", an outer product: the i-k-j loop writes each row of C in one pass, where the blocked kernels would pack A and B for nothing to reuse"
                    )?
                }
                Strategy::Serial | Strategy::RowParallel(_) if has_kernels => write!(
                    f,
                    ", only {m} output row(s): the i-k-j loop streams B once, where packing B for the blocked kernels would cost as much as the product"
                )?,
                _ => {}
            }
        }
        // Why this many workers.
        let per_worker = format!(
            "the minimum of {min_work} per worker for {class_name} elements{}",
            if *blocked_kernels {
                " on the packed kernels"
            } else {
                ""
            }
        );
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
        if *workers > 1 {
            return write!(
                f,
                "; {workers} workers of the pool's {threads} threads, {} multiply-adds each{padding} ({per_worker})",
                cost / *workers as u128
            );
        }
        if *threads == 1 {
            write!(f, "; the current pool has 1 thread, so one worker")
        } else if *cost < 2 * min_work {
            write!(
                f,
                "; one worker on the calling thread: its {cost} multiply-adds{padding}{} are below the {} that two workers need at {per_worker}",
                if padding.is_empty() { "" } else { "," },
                2 * min_work
            )
        } else if *units <= 1 {
            write!(f, "; one unit of work, so one worker")
        } else {
            write!(f, "; one worker on the calling thread")
        }
    }
}

/// The plan [`Auto`](crate::Auto) follows for an `m×k · k×n` product of `T` in the current
/// rayon pool.
///
/// The rule (docs/guide.md has the measurements behind it):
/// 1. Products below 4096 multiply-adds (16³) run [`Serial`](crate::Serial), except
///    matrix–vector products of depth 4 or more (dot products, step 2).
/// 2. The one-worker kernel comes from the shape: dot products ([`PerCell`]) for a
///    matrix–vector product of depth 4 or more; the i-k-j loop for outputs of at most half
///    a register tile of rows (a row vector times a matrix), for floating-point outer
///    products (`k = 1`) of up to 24 MiB of output, 32-bit integer ones of 16 to 24 MiB
///    and smaller outer products of other types, and for types without hand-written
///    kernels; otherwise [`Blocked`] (`f32`, `f64`, `i32`, `u32`, `i64`, `u64` on a CPU
///    with AVX2 or AVX-512).
/// 3. Products with work for more workers than their output can be shared by (its rows,
///    cells or tiles; for the blocked kernels also the work of each depth block) are cut
///    along `k` into [`depth_parts`](Plan::depth_parts) parts ([`SplitK`]): one per minimum
///    of work per worker, at most 16, rounded up to a power of two, each at least 256 deep.
///    The cut is made only where it gives more workers than the whole product could have.
/// 4. The worker cap (see the module docs) over the strategy's units of work — tile rows ×
///    column blocks, rows, cells or depth parts — sets the workers. Below two workers'
///    worth of work the i-k-j loop runs as [`Serial`](crate::Serial); above, outputs of at
///    least 16 rows (or any rows, for types with hand-written kernels) run [`RowParallel`]
///    and shorter ones [`PerCell`].
///
/// Only step 4 looks at the pool, so the size of the pool never changes a float result.
///
/// # Examples
///
/// ```
/// let p = parmat::plan::<f64>(12, 12, 12);
/// assert_eq!(p.workers(), 1);
/// assert!(p.to_string().starts_with("serial: 12×12×12 is 1728 multiply-adds"));
/// ```
pub fn plan<T: Element>(m: usize, k: usize, n: usize) -> Plan {
    plan_with::<T>(m, k, n, &Thresholds::DEFAULT)
}

/// [`plan`] with the given minimums of work per worker.
pub(crate) fn plan_with<T: Element>(m: usize, k: usize, n: usize, t: &Thresholds) -> Plan {
    let class = ElementClass::of::<T>();
    let Choice {
        strategy,
        workers,
        depth_parts,
    } = choose::<T>(m, k, n, t);
    // The kernel whose minimum and cost set the workers (for a split product, that of the
    // whole product, as in `choose`).
    let kernel = match strategy {
        _ if depth_parts > 1 => one_worker_kernel::<T>(m, k, n),
        Strategy::Blocked(b) if kernel_level_for::<T>(b.simd()) != Simd::Portable => {
            OneWorkerKernel::Blocked
        }
        Strategy::PerCell(_) => OneWorkerKernel::Dots,
        _ => OneWorkerKernel::Rows,
    };
    Plan {
        m,
        k,
        n,
        class,
        strategy,
        workers,
        threads: rayon::current_num_threads(),
        work: multiply_adds(m, k, n),
        cost: kernel_cost::<T>(kernel, m, k, n),
        min_work: t.for_kernel::<T>(kernel, m, n),
        blocked_kernels: kernel == OneWorkerKernel::Blocked,
        units: if depth_parts > 1 {
            depth_parts
        } else {
            match strategy {
                Strategy::Blocked(b) => units_for::<T>(b.simd(), m, n),
                Strategy::Serial | Strategy::RowParallel(_) => m,
                _ => m.saturating_mul(n),
            }
        },
        kernel_level: kernel_level_for::<T>(Simd::default_level()),
        depth_parts,
        output_units: unsplit_limit::<T>(kernel, m, k, n),
        short_output: kernel == OneWorkerKernel::Rows && rows_for_a_short_output::<T>(m, k, n),
        shallow_rows: kernel == OneWorkerKernel::Rows && shallow_on_rows::<T>(m, k, n),
    }
}

/// What [`Auto`](crate::Auto) runs for one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Choice {
    /// The strategy, or for a split product the one-worker strategy of every part.
    pub(crate) strategy: Strategy,
    pub(crate) workers: usize,
    /// Parts of `k` (1: not split).
    pub(crate) depth_parts: usize,
}

impl Choice {
    /// One worker, unsplit, on the strategy that runs `kernel`.
    pub(crate) fn one_worker(kernel: OneWorkerKernel) -> Choice {
        Choice {
            strategy: one_worker_strategy(kernel),
            workers: 1,
            depth_parts: 1,
        }
    }

    /// Runs the choice on shapes the caller has checked.
    pub(crate) fn mul_into<T: Element>(
        &self,
        a: crate::MatRef<'_, T>,
        b: crate::MatRef<'_, T>,
        c: crate::MatMut<'_, T>,
    ) -> Result<(), crate::Error> {
        use crate::MulStrategy;
        if self.strategy == Strategy::Serial && self.depth_parts == 1 {
            // Most tiny products end here: skip the second shape check, which would cost
            // as much as a 2×2 product itself.
            crate::strategy::serial::serial_product(a, b, c);
            Ok(())
        } else if let (Strategy::Blocked(blocked), 1) = (self.strategy, self.depth_parts) {
            // Likewise: the plan already fixed the workers (never more than the units).
            let kernel = crate::strategy::blocked::BlockedKernel {
                workers: self.workers,
                simd: blocked.simd(),
            };
            crate::element::dispatch(&kernel, a, b, c);
            Ok(())
        } else if self.depth_parts > 1 {
            SplitK::with_workers(self.workers)
                .with_parts(self.depth_parts)
                .mul_into(a, b, c)
        } else {
            self.strategy.mul_into(a, b, c)
        }
    }
}

/// The one-worker strategy that runs `kernel`.
fn one_worker_strategy(kernel: OneWorkerKernel) -> Strategy {
    match kernel {
        OneWorkerKernel::Rows => Strategy::Serial,
        OneWorkerKernel::Dots => Strategy::PerCell(PerCell::with_workers(1)),
        OneWorkerKernel::Blocked => Strategy::Blocked(Blocked::with_workers(1)),
    }
}

/// The decision of [`plan`] without the explanation: what [`Auto`](crate::Auto) runs.
/// Products too small for two workers are decided without looking at the pool.
pub(crate) fn choose<T: Element>(m: usize, k: usize, n: usize, t: &Thresholds) -> Choice {
    let single = |strategy, workers| Choice {
        strategy,
        workers,
        depth_parts: 1,
    };
    if is_small_matvec(m, k, n, t) {
        return single(Strategy::PerCell(PerCell::with_workers(1)), 1);
    }
    if is_tiny(m, k, n) {
        return single(Strategy::Serial, 1);
    }
    let kernel = one_worker_kernel::<T>(m, k, n);
    if kernel_cost::<T>(kernel, m, k, n) < 2 * t.for_kernel::<T>(kernel, m, n) {
        // One worker in any pool, and no split (that needs two workers' worth): what the
        // rules below give, decided in a fraction of their time (at 16³ the full rules
        // cost about a tenth of the product).
        return Choice::one_worker(kernel);
    }
    let work = multiply_adds(m, k, n);
    let parts = depth_parts::<T>(m, k, n, t);
    if parts > 1 {
        let workers = split_k_workers::<T>(m, k, n, parts, t, None);
        let part_kernel = one_worker_kernel::<T>(m, k.div_ceil(parts), n);
        return Choice {
            strategy: one_worker_strategy(part_kernel),
            workers,
            depth_parts: parts,
        };
    }
    match one_worker_kernel::<T>(m, k, n) {
        OneWorkerKernel::Blocked => {
            let level = Simd::default_level();
            let workers = blocked_workers::<T>(level, m, k, n, t.blocked_per_worker);
            return single(Strategy::Blocked(Blocked::with_workers(workers)), workers);
        }
        OneWorkerKernel::Dots if n == 1 => {
            let per_worker = t.for_kernel::<T>(OneWorkerKernel::Dots, m, n);
            let workers = worker_cap_with(per_worker, work, m, None);
            return single(Strategy::PerCell(PerCell::with_workers(workers)), workers);
        }
        OneWorkerKernel::Dots => {
            // A few deep integer cells that split-k did not take: one worker. Splitting the
            // cells leaves the transposition of B to one thread and gained nothing (sweep,
            // reduce-4 i32: two dot-product workers took 1.10–1.36× the time of one at
            // 4×16000×4 to 4×32000×4).
            return single(Strategy::PerCell(PerCell::with_workers(1)), 1);
        }
        OneWorkerKernel::Rows => {}
    }
    let has_kernels = kernel_level_for::<T>(Simd::default_level()) != Simd::Portable;
    let per_worker = t.for_kernel::<T>(OneWorkerKernel::Rows, m, n);
    let work = kernel_cost::<T>(OneWorkerKernel::Rows, m, k, n);
    if work < 2 * per_worker {
        return single(Strategy::Serial, 1);
    }
    // The strategy depends on the shape alone and the pool only sets the worker count, so
    // that a float result never depends on the size of the pool (row bands add like the
    // serial loop; per-cell dot products add in another order). Types with hand-written
    // kernels get here only with a few rows (see `one_worker_kernel`): they stay on the
    // i-k-j loop, in bands when there are rows to share — a per-cell split would transpose
    // all of B first (sweep, family vecmat: per-cell×2 26× the serial time at
    // 1×1024×1024).
    if m >= ROW_BAND_MIN_ROWS || has_kernels {
        let cap = worker_cap_with(per_worker, work, m, None);
        let strategy = if cap == 1 {
            Strategy::Serial
        } else {
            Strategy::RowParallel(RowParallel::with_workers(cap))
        };
        single(strategy, cap)
    } else {
        let cap = worker_cap_with(per_worker, work, m.saturating_mul(n), None);
        single(Strategy::PerCell(PerCell::with_workers(cap)), cap)
    }
}

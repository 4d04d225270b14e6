//! How many workers a product gets, and how work is split among them.
//!
//! A leaf module: the strategies and the planner both use it, and it names neither. The cap
//! is
//!
//! ```text
//! workers = min(threads in the current pool, independent units of work,
//!               ⌊multiply-adds ÷ minimum multiply-adds per worker⌋)   (at least 1)
//! ```
//!
//! with the minimum per element class in [`min_work_per_worker`]. Handing work to rayon and
//! waiting for it costs a fixed time, more from outside the pool than inside it and far
//! more when the pool's threads are asleep, so a worker must carry enough multiply-adds to
//! pay for it (measured: docs/tuning-notes.md#fork-join-cost).

use std::ops::Range;
use std::time::Duration;

use crate::element::{Element, ElementClass, Scalar};
use crate::kernel::Simd;
use crate::kernel::blocked::{depth_block_for, tile_and_depth_for, units_for};
use crate::matrix::MatMut;
use crate::pool::{
    balanced_ranges, note_outside_work_end, run_shares, since_last_outside_work, split_lengths,
};

/// Minimum multiply-adds a worker must carry before a second worker is worth starting,
/// per element class.
///
/// The size at which two workers first beat one on the loops, for f64 and i32, doubled so
/// that a product just past it already gains rather than breaks even (measured:
/// docs/tuning-notes.md#two-workers-on-the-loops).
///
/// The default [`RowParallel`](crate::RowParallel) and [`PerCell`](crate::PerCell) caps use
/// it for every type. [`Auto`](crate::Auto) uses it for types without hand-written kernels;
/// for the types with hand-written kernels (`f32`, `f64`, `i32`, `u32`, `i64`, `u64`, and
/// the complex ones, whose multiply-adds count four) it uses the blocked kernels' larger
/// minimum (2¹⁸) whichever loop a shape gets, so that a product growing onto another loop
/// never loses workers.
///
/// # Examples
///
/// ```
/// use parmat::plan::{ElementClass, min_work_per_worker};
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

/// Real multiply-adds in one multiply-add of `T`: four for the complex types with
/// hand-written kernels (two per part), one otherwise. The blocked kernels' thresholds
/// were measured on real types, so their costs count a complex product's work this many
/// times over.
pub(crate) fn real_multiply_adds_per<T: 'static>() -> u128 {
    if crate::element::is_complex::<T>() {
        4
    } else {
        1
    }
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

/// Multiply-adds from which the blocked strategy's hand-written kernels beat the serial loop
/// on one worker: packing costs O(m·k + k·n) and pays for itself from about a 16³ product
/// (measured: docs/tuning-notes.md#blocked-on-one-worker).
pub(crate) const MIN_BLOCKED_WORK: u128 = 16 * 16 * 16;

/// Multiply-adds up to which a one-worker blocked product of a type whose hand-written
/// kernel has a direct form (reading A and B in place) runs it instead of the packed
/// nest: packing costs as much as the product on small ones
/// (measured: docs/tuning-notes.md#direct-small-products).
pub(crate) const DIRECT_MAX_WORK: u128 = 1 << 18;

/// Minimum multiply-adds per worker for the blocked strategy's hand-written kernels, which
/// do a multiply-add several times faster than the serial loop, so the same fork–join cost
/// needs proportionally more of them: two workers pay from about 2¹⁹ of work (measured:
/// docs/tuning-notes.md#two-blocked-workers). Machines where waking the pool costs more
/// are what [`Auto::calibrated`](crate::Auto::calibrated) is for.
pub(crate) const MIN_BLOCKED_WORK_PER_WORKER: u128 = 1 << 18;

/// [`MIN_BLOCKED_WORK_PER_WORKER`] for a product called from a thread outside every rayon
/// pool (a program's main thread, say) when the pool has had no work from such a caller,
/// nor has it made a large product, in the last [`BACK_TO_BACK`]: the pool's threads are
/// then asleep, and waking them costs far more than handing work to awake ones. From this
/// minimum (two workers from about 161³), two workers cost at most about one wake-up more
/// than one (measured: docs/tuning-notes.md#isolated-calls-from-outside-the-pool). Only the
/// worker count depends on it: the blocked kernels give the same bits on any number of
/// workers.
pub(crate) const MIN_BLOCKED_WORK_PER_WORKER_IDLE: u128 = 1 << 21;

/// How long after a product the pool's threads are taken to be awake: rayon's threads look
/// for work a little while before they sleep, and a second worker stopped paying after
/// pauses about this long (measured: docs/tuning-notes.md#the-caller-as-a-worker).
pub(crate) const BACK_TO_BACK: Duration = Duration::from_micros(20);

/// Where a product is called from, for the worker cap of the blocked kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A thread of a rayon pool: handing work to its other threads costs well under a
    /// microsecond.
    InPool,
    /// Outside every pool, less than [`BACK_TO_BACK`] after the pool last worked for a caller
    /// outside it, or after the last large product such a caller made: the pool's threads
    /// are awake, or will be after this product.
    BackToBack,
    /// Outside every pool, after an idle of at least [`BACK_TO_BACK`] (or before any large
    /// product): the pool's threads must be woken.
    AfterIdle,
}

impl Caller {
    /// The calling thread's case.
    pub(crate) fn here() -> Caller {
        if rayon::current_thread_index().is_some() {
            Caller::InPool
        } else {
            Caller::outside(since_last_outside_work())
        }
    }

    /// The case of a caller outside every pool whose last work ended `since` ago.
    pub(crate) fn outside(since: Option<Duration>) -> Caller {
        match since {
            Some(gap) if gap < BACK_TO_BACK => Caller::BackToBack,
            _ => Caller::AfterIdle,
        }
    }
}

/// Records that a product large enough for two blocked workers (at least
/// `2 × MIN_BLOCKED_WORK_PER_WORKER` multiply-adds) has just ended, if it was called from
/// outside every pool, whatever its worker count: a product within [`BACK_TO_BACK`] of it is
/// back to back (one of a loop), and takes workers as in an awake pool, since after the
/// first such product it is. Smaller products are not recorded, so that they pay nothing
/// for the clock.
pub(crate) fn note_product_end(work: u128) {
    if work >= 2 * MIN_BLOCKED_WORK_PER_WORKER && rayon::current_thread_index().is_none() {
        note_outside_work_end();
    }
}

/// Minimum multiply-adds per worker in each depth block (`kc` of the depth) of a blocked
/// product: the workers meet once per depth block, and every one of them packs its own
/// copy of that block of B, so a deep product with a small output pays the meeting and
/// the packing `k / kc` times (measured: docs/tuning-notes.md#depth-block-work-per-worker).
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
        .saturating_mul(real_multiply_adds_per::<T>())
        .saturating_add(cells.saturating_mul(depth_blocks).saturating_mul(cell_cost))
}

/// What writing one 8-byte cell of C costs the blocked kernels, in multiply-adds (a 4-byte
/// cell costs half), taken from outer products (`k = 1`), whose time is all writes; set a
/// little below that measure so that small outer products stay on one worker (measured:
/// docs/tuning-notes.md#output-cell-cost). (Floats of depth 1 run the i-k-j loop instead:
/// see `plan::shallow_on_rows`.)
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
pub(crate) fn blocked_limit<T: Element>(simd: Simd, m: usize, k: usize, n: usize) -> usize {
    let block_work = blocked_cost::<T>(simd, m, k.min(depth_block_for::<T>(simd)), n);
    let by_block = usize::try_from(block_work / MIN_BLOCKED_DEPTH_BLOCK_WORK_PER_WORKER)
        .unwrap_or(usize::MAX)
        .max(1);
    units_for::<T>(simd, m, n).min(by_block)
}

/// Runs `work` once per worker on a share of `out`: `out` holds `units` consecutive units
/// of `unit_len` values; the units are split into `workers` balanced ranges, and each call
/// gets its range of units and the values they own, as [`run_shares`] runs them. Returns
/// the calls' results in the order of their ranges.
///
/// # Panics
///
/// If `out` holds fewer than `units · unit_len` values, or if `work` panics.
pub(crate) fn run_on_ranges<S: Send, R: Send>(
    out: &mut [S],
    units: usize,
    unit_len: usize,
    workers: usize,
    work: impl Fn(Range<usize>, &mut [S]) -> R + Sync,
) -> Vec<R> {
    let ranges = balanced_ranges(units, workers);
    let pieces = split_lengths(out, ranges.iter().map(|r| r.len() * unit_len));
    let shares: Vec<_> = ranges.into_iter().zip(pieces).collect();
    run_shares(shares, |(r, p)| work(r, p))
}

/// Calls `compute` on the values of `c` as one row-major slice: `c`'s own storage when its
/// rows are contiguous and back to back, a buffer copied into `c` afterwards otherwise.
///
/// Element types whose arithmetic may panic always get the buffer, so that a panic leaves
/// `c` unchanged.
pub(crate) fn with_row_major_output<S: Scalar>(
    mut c: MatMut<'_, S>,
    compute: impl FnOnce(&mut [S]),
) {
    let n = c.cols();
    if !S::MAY_PANIC
        && let Some(slice) = c.as_row_major_slice_mut()
    {
        compute(slice);
        return;
    }
    let mut buffer = vec![S::zero(); c.rows() * n];
    compute(&mut buffer);
    c.for_each_mut(|i, j, x| *x = buffer[i * n + j]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A caller outside the pool counts as back to back only within `BACK_TO_BACK` of the
    /// last large product; in a pool it always finds the threads awake.
    #[test]
    fn back_to_back_is_a_short_gap_after_a_large_product() {
        assert_eq!(Caller::outside(None), Caller::AfterIdle);
        assert_eq!(Caller::outside(Some(Duration::ZERO)), Caller::BackToBack);
        let just_under = BACK_TO_BACK - Duration::from_nanos(1);
        assert_eq!(Caller::outside(Some(just_under)), Caller::BackToBack);
        assert_eq!(Caller::outside(Some(BACK_TO_BACK)), Caller::AfterIdle);
        assert_eq!(
            Caller::outside(Some(Duration::from_secs(1))),
            Caller::AfterIdle
        );
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert_eq!(pool.install(Caller::here), Caller::InPool);
        assert_ne!(Caller::here(), Caller::InPool);
    }

    /// Large products called from outside are recorded; from inside a pool they are not
    /// (the pool the caller sits in is not the one a later outside caller enters).
    #[test]
    fn large_products_from_outside_are_recorded() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| note_product_end(1 << 30));
        note_product_end(2 * MIN_BLOCKED_WORK_PER_WORKER);
        let since = since_last_outside_work().expect("recorded");
        assert!(since < Duration::from_secs(60), "{since:?}");
    }

    #[test]
    fn balanced_ranges_cover_and_balance() {
        for total in 0..40 {
            for parts in 1..10 {
                let r = balanced_ranges(total, parts);
                assert_eq!(r.len(), parts);
                assert_eq!(r.first().unwrap().start, 0);
                assert_eq!(r.last().unwrap().end, total);
                for w in r.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                }
                let lens: Vec<usize> = r.iter().map(|x| x.len()).collect();
                assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
            }
        }
    }

    /// Every unit is visited once, by the call whose range holds it, with its own values.
    #[test]
    fn run_on_ranges_gives_each_call_its_units() {
        for units in 0..12 {
            for unit_len in [1, 3] {
                for workers in 1..5 {
                    let mut out = vec![0usize; units * unit_len];
                    let starts = run_on_ranges(&mut out, units, unit_len, workers, |r, piece| {
                        assert_eq!(piece.len(), r.len() * unit_len);
                        for (value, unit) in piece
                            .iter_mut()
                            .zip(r.clone().flat_map(|u| std::iter::repeat_n(u, unit_len)))
                        {
                            *value += unit + 1;
                        }
                        r.start
                    });
                    let expected: Vec<usize> = balanced_ranges(units, workers)
                        .iter()
                        .map(|r| r.start)
                        .collect();
                    assert_eq!(starts, expected);
                    let want: Vec<usize> = (0..units)
                        .flat_map(|u| std::iter::repeat_n(u + 1, unit_len))
                        .collect();
                    assert_eq!(out, want, "{units} units of {unit_len}, {workers} workers");
                }
            }
        }
    }
}

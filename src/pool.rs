//! Handing work to the rayon pool: consecutive shares of a range or a slice, and running
//! shares with the calling thread as one of the workers.
//!
//! A leaf module: it names nothing else in the crate, so the kernels and the worker caps
//! can both use it.

use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

/// Splits `0..total` into `parts` consecutive ranges whose lengths differ by at most one.
pub(crate) fn balanced_ranges(total: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.max(1);
    let (base, extra) = (total / parts, total % parts);
    let mut start = 0;
    (0..parts)
        .map(|p| {
            let len = base + usize::from(p < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

/// Splits `data` into consecutive pieces of `lens[i]` elements each.
pub(crate) fn split_lengths<S>(
    mut data: &mut [S],
    lens: impl IntoIterator<Item = usize>,
) -> Vec<&mut [S]> {
    let mut pieces = Vec::new();
    for len in lens {
        let (head, tail) = std::mem::take(&mut data).split_at_mut(len);
        pieces.push(head);
        data = tail;
    }
    pieces
}

/// Runs `work` on every share, each on a worker of its own, and returns the results in the
/// order of the shares. One share runs on the calling thread. Several run in the current
/// rayon pool when the caller is one of its threads; from outside every pool, the first
/// runs on the calling thread and the others are handed to the pool, so that the caller
/// works alongside the pool's threads instead of sleeping while they do. (Entering the pool
/// whole left the caller asleep and two pool threads to wake, and on a 2-core machine two
/// workers were then often slower than one: docs/tuning-notes.md#the-caller-as-a-worker.)
///
/// # Panics
///
/// If `work` panics (after every share has finished).
pub(crate) fn run_shares<I: Send, R: Send>(shares: Vec<I>, work: impl Fn(I) -> R + Sync) -> Vec<R> {
    if shares.len() <= 1 {
        return shares.into_iter().map(work).collect();
    }
    // Under Miri the shares take rayon's parallel iterator from any thread: with Tree
    // Borrows it flags `in_place_scope` itself (a spawned job sets its latch while its
    // closure's borrows are still protected, so the caller may free them first; the
    // pattern of rayon-rs/rayon#1008), not the code here.
    if rayon::current_thread_index().is_some() || cfg!(miri) {
        return shares.into_par_iter().map(&work).collect();
    }
    let mut results: Vec<Option<R>> = shares.iter().map(|_| None).collect();
    let work = &work;
    rayon::in_place_scope(|scope| {
        let mut pairs = shares.into_iter().zip(results.iter_mut());
        let first = pairs.next();
        for (share, slot) in pairs {
            scope.spawn(move |_| *slot = Some(work(share)));
        }
        if let Some((share, slot)) = first {
            *slot = Some(work(share));
        }
    });
    note_outside_work_end();
    results
        .into_iter()
        .map(|result| result.expect("every share has run"))
        .collect()
}

/// When the pool last worked for a caller outside every pool, or such a caller's last large
/// product ended: nanoseconds since [`clock_start`], plus one (0: never).
static LAST_OUTSIDE_WORK_END: AtomicU64 = AtomicU64::new(0);

fn clock_start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// Records that work for a caller outside every pool has just ended (see
/// [`since_last_outside_work`]).
pub(crate) fn note_outside_work_end() {
    let now = u64::try_from(clock_start().elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
    LAST_OUTSIDE_WORK_END.store(now + 1, Ordering::Relaxed);
}

/// Time since work for a caller outside every pool last ended: shares the pool ran for it
/// ([`run_shares`]), or a large product it made (`None` before the first).
pub(crate) fn since_last_outside_work() -> Option<Duration> {
    let last = LAST_OUTSIDE_WORK_END.load(Ordering::Relaxed);
    let end = Duration::from_nanos(last.checked_sub(1)?);
    Some(clock_start().elapsed().saturating_sub(end))
}

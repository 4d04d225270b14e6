//! `parmat::sync` with real threads: shared reads, lock timers, the deadlock tracker,
//! all-or-nothing updates. Every scenario runs under a watchdog, so a hang fails the test
//! with a message instead of stalling the run.

use std::collections::HashMap;
use std::ops::{Add, Mul};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use parmat::sync::{
    Access, Blocker, LockError, LockSet, Reduction, Registry, SharedMatrix, mul_by_depth_parts,
};
use parmat::{MatMut, MatRef, Matrix, matrix};

/// Generous bound for any one scenario: far above what each needs, far below CI's patience.
const WATCHDOG: Duration = Duration::from_secs(20);

/// `full` normally, `small` under Miri (scripts/miri.sh), which runs code about a thousand
/// times slower: the same scenario, fewer rounds.
const fn rounds(full: usize, small: usize) -> usize {
    if cfg!(miri) { small } else { full }
}

/// Runs `scenario` on its own thread and returns its result; fails if it has not finished
/// within `limit` (a hang), and passes its panic on if it panicked.
fn watchdog<R: Send + 'static>(
    name: &str,
    limit: Duration,
    scenario: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (done, result) = mpsc::channel();
    let runner = thread::Builder::new()
        .name(format!("{name} (watched)"))
        .spawn(move || {
            let _ = done.send(scenario());
        })
        .expect("spawn the scenario thread");
    match result.recv_timeout(limit) {
        Ok(value) => {
            runner.join().expect("the scenario finished");
            value
        }
        Err(RecvTimeoutError::Timeout) => {
            panic!("{name}: no result after {limit:?}: the scenario hangs (deadlock?)")
        }
        Err(RecvTimeoutError::Disconnected) => match runner.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("{name}: the scenario ended without a result"),
        },
    }
}

/// Adds `value` to every element of `block`.
fn add_all(mut block: MatMut<'_, i64>, value: i64) {
    for i in 0..block.rows() {
        for j in 0..block.cols() {
            *block.get_mut(i, j).unwrap() += value;
        }
    }
}

/// The elements of a block view, row-major.
fn elements<T: parmat::Element>(view: MatRef<'_, T>) -> Vec<T> {
    view.to_matrix().as_slice().to_vec()
}

/// Sets every element of `block` to `value`.
fn fill<T: Copy>(mut block: MatMut<'_, T>, value: T) {
    for i in 0..block.rows() {
        for j in 0..block.cols() {
            *block.get_mut(i, j).unwrap() = value;
        }
    }
}

/// Every element of every block of `m` equals `expected(block)`.
fn assert_blocks(m: &SharedMatrix<i64>, expected: impl Fn(usize) -> i64, what: &str) {
    let copy = m.snapshot().expect("nothing is locked any more");
    for block in 0..m.blocks() {
        for row in m.block_range(block) {
            for col in 0..m.cols() {
                assert_eq!(
                    copy[(row, col)],
                    expected(block),
                    "{what}: element ({row}, {col}) of block {block}"
                );
            }
        }
    }
}

/// Nothing in `m` is locked: every block can be taken for write at once.
fn assert_unlocked<T: parmat::Element>(m: &SharedMatrix<T>) {
    for block in 0..m.blocks() {
        assert!(m.try_write(block).is_ok(), "block {block} is still locked");
    }
}

/// Thread 'ab' holds X0 and asks for Y0; thread 'ba' holds Y0 and asks for X0. The request
/// that closes the cycle is refused within 100 ms, its lock set is released with its staged
/// change, the other thread completes, and both matrices hold exactly the committed update.
#[test]
fn ab_ba_deadlock_is_refused_to_one_thread_and_the_other_commits() {
    watchdog("ab_ba", WATCHDOG, || {
        let registry = Registry::new();
        let x = SharedMatrix::with_registry(Matrix::<i64>::zeros(4, 3), 2, &registry).named("X");
        let y = SharedMatrix::with_registry(Matrix::<i64>::zeros(4, 3), 2, &registry).named("Y");
        let both_hold = Barrier::new(2);
        let asked: Mutex<Vec<Instant>> = Mutex::new(Vec::new());

        enum Outcome {
            Committed,
            Refused { error: LockError, at: Instant },
        }

        let run = |name: &'static str,
                   first: &SharedMatrix<i64>,
                   second: &SharedMatrix<i64>,
                   value: i64,
                   ask_second: bool| {
            let mut set = LockSet::new();
            set.write(first, 0).unwrap();
            add_all(set.view_mut(first, 0).unwrap(), value); // staged until commit
            both_hold.wait();
            if ask_second {
                // Ask only once the other thread is recorded as waiting (no sleep-based
                // ordering: the watchdog bounds this loop).
                while registry.waiting() == 0 {
                    thread::yield_now();
                }
            }
            asked.lock().unwrap().push(Instant::now());
            match set.write(second, 0) {
                Ok(()) => {
                    add_all(set.view_mut(second, 0).unwrap(), value);
                    set.commit();
                    (name, Outcome::Committed)
                }
                Err(error @ LockError::Deadlock { .. }) => {
                    assert!(set.is_empty(), "{name}: the refused set still holds blocks");
                    (
                        name,
                        Outcome::Refused {
                            error,
                            at: Instant::now(),
                        },
                    )
                }
                Err(other) => panic!("{name}: unexpected {other}"),
            }
        };

        let outcomes = thread::scope(|s| {
            let ab = thread::Builder::new()
                .name("ab".into())
                .spawn_scoped(s, || run("ab", &x, &y, 1, false))
                .unwrap();
            // 'ba' asks second, once 'ab' is recorded as waiting: its request closes the
            // cycle.
            let ba = thread::Builder::new()
                .name("ba".into())
                .spawn_scoped(s, || run("ba", &y, &x, 100, true))
                .unwrap();
            [ab.join().unwrap(), ba.join().unwrap()]
        });

        let cycle_closed = *asked.lock().unwrap().iter().max().unwrap();
        let mut refused = Vec::new();
        for (name, outcome) in &outcomes {
            if let Outcome::Refused { error, at } = outcome {
                refused.push(*name);
                let after = at.duration_since(cycle_closed);
                assert!(
                    after < Duration::from_millis(100),
                    "{name} was refused {after:?} after the cycle closed (bound: 100 ms)"
                );
                let LockError::Deadlock { cycle } = error else {
                    unreachable!()
                };
                assert_eq!(cycle.len(), 2, "{error}");
                let mut waiters: Vec<_> = cycle
                    .iter()
                    .map(|e| e.waiter.name.clone().unwrap())
                    .collect();
                waiters.sort();
                assert_eq!(waiters, ["ab", "ba"]);
                let mut blocks: Vec<_> = cycle
                    .iter()
                    .map(|e| (e.block.matrix_name.clone().unwrap(), e.block.block))
                    .collect();
                blocks.sort();
                assert_eq!(blocks, [("X".to_string(), 0), ("Y".to_string(), 0)]);
                assert!(
                    cycle
                        .iter()
                        .all(|e| e.access == Access::Write
                            && e.cause == Blocker::Holds(Access::Write))
                );
                let message = error.to_string();
                for part in [
                    "deadlock:",
                    "thread 'ab'",
                    "thread 'ba'",
                    "matrix 'X'",
                    "matrix 'Y'",
                ] {
                    assert!(message.contains(part), "{message:?} lacks {part:?}");
                }
            }
        }
        // The request that closed the cycle ('ba', which asked second) is the one refused.
        assert_eq!(refused, ["ba"], "exactly one thread is refused");
        // Only 'ab' committed: block 0 of both matrices holds its +1, nothing of 'ba's +100.
        assert_blocks(&x, |b| if b == 0 { 1 } else { 0 }, "X");
        assert_blocks(&y, |b| if b == 0 { 1 } else { 0 }, "Y");
        assert_eq!(registry.holds(), 0);
        assert_eq!(registry.waiting(), 0);
    });
}

/// Five philosophers, five forks (blocks); each takes the left fork, then the right one, in
/// that order. The first meal is forced into the full ring deadlock (everyone holds the
/// left fork before anyone asks for the right one). Refused philosophers retry; everyone
/// eats every meal, and each fork counts exactly the meals of its two users.
#[test]
fn dining_philosophers_ring_never_hangs_and_everyone_commits() {
    const PHILOSOPHERS: usize = 5;
    const MEALS: usize = rounds(20, 3);
    watchdog("philosophers", WATCHDOG, || {
        let registry = Registry::new();
        let forks =
            SharedMatrix::with_registry(Matrix::<i64>::zeros(PHILOSOPHERS, 2), 1, &registry)
                .named("forks");
        let all_hold_left = Barrier::new(PHILOSOPHERS);
        let refusals = AtomicUsize::new(0);
        let meals = thread::scope(|s| {
            let handles: Vec<_> = (0..PHILOSOPHERS)
                .map(|i| {
                    let (forks, all_hold_left, refusals) = (&forks, &all_hold_left, &refusals);
                    thread::Builder::new()
                        .name(format!("philosopher {i}"))
                        .spawn_scoped(s, move || {
                            let (left, right) = (i, (i + 1) % PHILOSOPHERS);
                            let mut rng = fastrand::Rng::with_seed(i as u64);
                            let mut eaten = 0;
                            let mut first_attempt = true;
                            while eaten < MEALS {
                                let mut set = LockSet::new();
                                let attempt = set.write(forks, left).and_then(|()| {
                                    if std::mem::take(&mut first_attempt) {
                                        all_hold_left.wait();
                                    }
                                    set.write(forks, right)
                                });
                                match attempt {
                                    Ok(()) => {
                                        add_all(set.view_mut(forks, left).unwrap(), 1);
                                        add_all(set.view_mut(forks, right).unwrap(), 1);
                                        set.commit();
                                        eaten += 1;
                                    }
                                    Err(LockError::Deadlock { .. }) => {
                                        refusals.fetch_add(1, Ordering::Relaxed);
                                        // Let a neighbour eat before trying again.
                                        thread::sleep(Duration::from_micros(rng.u64(50..500)));
                                    }
                                    Err(other) => panic!("philosopher {i}: {other}"),
                                }
                            }
                            eaten
                        })
                        .unwrap()
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        });
        assert_eq!(meals, vec![MEALS; PHILOSOPHERS]);
        assert!(
            refusals.load(Ordering::Relaxed) >= 1,
            "the forced ring deadlock was never refused"
        );
        // Fork f is the left fork of philosopher f and the right fork of f − 1.
        assert_blocks(&forks, |_| 2 * MEALS as i64, "forks");
        assert_eq!(registry.holds(), 0);
    });
}

/// Calls that time out change nothing and leave nothing locked, tracked or not.
#[test]
fn timeouts_leave_the_matrix_unchanged_and_nothing_locked() {
    watchdog("timeouts", WATCHDOG, || {
        let registry = Registry::new();
        let original = Matrix::from_fn(8, 3, |i, j| (i * 3 + j) as i64);
        let tracked = SharedMatrix::with_registry(original.clone(), 2, &registry).named("T");
        let untracked = SharedMatrix::untracked(original.clone(), 2);
        for m in [&tracked, &untracked] {
            let (held, release) = (Barrier::new(2), Barrier::new(2));
            thread::scope(|s| {
                s.spawn(|| {
                    let mut guard = m.write(2).unwrap(); // rows 4..6
                    *guard.view_mut().get_mut(0, 0).unwrap() = -1; // visible only while we hold it…
                    held.wait();
                    release.wait();
                    *guard.view_mut().get_mut(0, 0).unwrap() = 12; // …and put back before release
                });
                held.wait();
                let limit = Duration::from_millis(50);

                let started = Instant::now();
                let called = AtomicBool::new(false);
                let err = m
                    .update_blocks_for(&[3, 0, 2, 1], limit, |_| {
                        called.store(true, Ordering::Relaxed)
                    })
                    .unwrap_err();
                assert!(started.elapsed() >= limit, "gave up early");
                assert!(!called.load(Ordering::Relaxed), "the closure ran");
                let LockError::Timeout {
                    block,
                    access,
                    timeout,
                } = &err
                else {
                    panic!("expected a timeout, got {err}")
                };
                assert_eq!((block.block, *access, *timeout), (2, Access::Write, limit));
                assert!(
                    err.to_string()
                        .starts_with("lock timeout: write access to block 2")
                );
                // Blocks 0 and 1 were taken before block 2 and released again.
                for free in [0, 1, 3] {
                    assert!(m.try_write(free).is_ok(), "block {free} stayed locked");
                }
                if m.registry().is_some() {
                    assert_eq!(registry.holds(), 1, "only the other thread's block 2");
                    assert_eq!(registry.waiting(), 0);
                }

                let short = Duration::from_millis(10);
                let ones = Matrix::from_fn(8, 3, |_, _| 1i64);
                assert!(matches!(
                    m.accumulate_for(0, ones.view(), short),
                    Err(LockError::Timeout { .. })
                ));
                assert!(matches!(
                    m.snapshot_for(short),
                    Err(LockError::Timeout { .. })
                ));
                assert!(matches!(
                    m.read_for(2, short),
                    Err(LockError::Timeout { .. })
                ));
                assert!(matches!(
                    m.update_for(2, short, |_| ()),
                    Err(LockError::Timeout { .. })
                ));
                let mut set = LockSet::new();
                set.write(m, 0).unwrap();
                fill(set.view_mut(m, 0).unwrap(), 99);
                assert!(matches!(
                    set.write_for(m, 2, short),
                    Err(LockError::Timeout { .. })
                ));
                assert!(set.is_empty(), "the set released block 0 on the timeout");
                assert!(m.try_write(0).is_ok());
                release.wait();
            });
            assert_eq!(
                m.snapshot().unwrap(),
                original,
                "a timed-out call changed the matrix"
            );
            assert_unlocked(m);
        }
        assert_eq!(registry.holds(), 0);
        assert_eq!(registry.waiting(), 0);
    });
}

/// Serialises the tests that replace the process-wide panic hook.
static PANIC_HOOK: Mutex<()> = Mutex::new(());

/// The process's panic hook.
type Hook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// While alive, silences the panics a test provokes on purpose (those whose message
/// contains one of `expected`) and passes every other one, such as a failing assertion, to
/// the hook that was installed before, so its message is still printed. Dropping it puts
/// that hook back, except while unwinding from a failure (the hook cannot be replaced
/// then; the filter stays, and keeps passing unexpected panics on).
struct QuietPanics {
    previous: std::sync::Arc<Hook>,
    _lock: std::sync::MutexGuard<'static, ()>,
}

impl QuietPanics {
    fn new(expected: &'static [&'static str]) -> QuietPanics {
        let lock = PANIC_HOOK.lock().unwrap_or_else(|e| e.into_inner());
        let previous = std::sync::Arc::new(std::panic::take_hook());
        let forward = std::sync::Arc::clone(&previous);
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if !expected.iter().any(|e| message.contains(e)) {
                forward(info);
            }
        }));
        QuietPanics {
            previous,
            _lock: lock,
        }
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        if !thread::panicking() {
            let previous = std::sync::Arc::clone(&self.previous);
            std::panic::set_hook(Box::new(move |info| previous(info)));
        }
    }
}

/// A panic in a user closure, or while a lock set holds changed blocks, releases the locks
/// and leaves every block as it was.
#[test]
fn panic_in_a_closure_releases_the_locks_and_leaves_the_blocks_unchanged() {
    watchdog("panics", WATCHDOG, || {
        let registry = Registry::new();
        let original = Matrix::from_fn(6, 2, |i, j| (10 * i + j) as i64);
        let m = SharedMatrix::with_registry(original.clone(), 2, &registry);
        let quiet = QuietPanics::new(&["boom"]); // the panics below are expected

        let caught = catch_unwind(AssertUnwindSafe(|| {
            m.update_blocks(&[2, 0], |views| {
                *views[0].get_mut(0, 0).unwrap() = -7;
                *views[1].get_mut(1, 1).unwrap() = -7;
                panic!("boom in update_blocks");
            })
        }));
        assert!(caught.is_err());
        assert_eq!(m.snapshot().unwrap(), original);
        assert_unlocked(&m);

        let caught = catch_unwind(AssertUnwindSafe(|| {
            m.update(1, |mut view| {
                *view.get_mut(0, 0).unwrap() = -7;
                panic!("boom in update")
            })
        }));
        assert!(caught.is_err());
        assert_eq!(m.snapshot().unwrap(), original);

        let caught = catch_unwind(AssertUnwindSafe(|| {
            let mut set = LockSet::new();
            set.write(&m, 0).unwrap();
            set.write(&m, 2).unwrap();
            fill(set.view_mut(&m, 0).unwrap(), -7);
            panic!("boom while a lock set holds blocks");
        }));
        assert!(caught.is_err());
        assert_eq!(m.snapshot().unwrap(), original);

        // A thread that dies holding blocks does not leave them locked (no poisoning).
        let died = thread::scope(|s| {
            s.spawn(|| {
                m.update_blocks(&[0, 1, 2], |_| panic!("boom on another thread"))
                    .unwrap()
            })
            .join()
        });
        assert!(died.is_err());
        drop(quiet);
        assert_eq!(m.snapshot().unwrap(), original);
        assert_unlocked(&m);
        assert_eq!(registry.holds(), 0);
    });
}

/// An element type whose `+` panics on overflow.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Checked(i32);

impl Add for Checked {
    type Output = Checked;
    fn add(self, other: Checked) -> Checked {
        Checked(self.0.checked_add(other.0).expect("Checked overflowed"))
    }
}
impl Mul for Checked {
    type Output = Checked;
    fn mul(self, other: Checked) -> Checked {
        Checked(self.0.checked_mul(other.0).expect("Checked overflowed"))
    }
}
impl num_traits::Zero for Checked {
    fn zero() -> Checked {
        Checked(0)
    }
    fn is_zero(&self) -> bool {
        self.0 == 0
    }
}

/// `accumulate` over several blocks is all-or-nothing even when `+` panics half way.
#[test]
fn accumulate_is_all_or_nothing_when_addition_panics() {
    watchdog("accumulate panics", WATCHDOG, || {
        let original = Matrix::from_fn(4, 2, |i, _| Checked(if i == 3 { i32::MAX } else { 1 }));
        let m = SharedMatrix::new(original.clone(), 1);
        let ones = Matrix::from_fn(4, 2, |_, _| Checked(1));
        let quiet = QuietPanics::new(&["Checked overflowed"]);
        // Rows 0..3 add fine; row 3 overflows.
        let caught = catch_unwind(AssertUnwindSafe(|| m.accumulate(0, ones.view())));
        drop(quiet);
        assert!(caught.is_err());
        assert_eq!(m.snapshot().unwrap(), original);
        assert_unlocked(&m);
        m.accumulate(0, ones.view().submatrix(0, 0, 3, 2)).unwrap();
        assert_eq!(m.snapshot().unwrap()[(2, 1)], Checked(2));
    });
}

/// Readers share a block; a writer waits for them; a thread that holds a block and asks for
/// it in a way that would wait for itself gets `AlreadyHeld` at once — from guards, try
/// calls, snapshots and lock sets alike — while a second read of a block it reads is
/// granted.
#[test]
fn readers_share_blocks_and_a_thread_never_waits_for_itself() {
    watchdog("readers", WATCHDOG, || {
        let registry = Registry::new();
        let m = SharedMatrix::with_registry(matrix![[1, 2], [3, 4]], 1, &registry).named("M");
        let reader = m.read(0).unwrap();
        thread::scope(|s| {
            s.spawn(|| {
                let other = m.read_for(0, Duration::from_millis(100)).unwrap();
                assert_eq!(elements(other.view()), [1, 2]);
                drop(other);
                assert!(matches!(
                    m.write_for(0, Duration::from_millis(10)),
                    Err(LockError::Timeout { .. })
                ));
                assert!(matches!(
                    m.try_write(0),
                    Err(LockError::WouldBlock {
                        access: Access::Write,
                        ..
                    })
                ));
            });
        });
        assert_eq!(registry.holds(), 1);
        let again = m
            .read(0)
            .expect("a second read of a block this thread reads");
        assert_eq!(registry.holds(), 2);
        drop(again);
        // Asking to write a block it reads: the thread would wait for itself.
        let upgrade = |result: Result<(), LockError>, what: &str| match result {
            Err(LockError::AlreadyHeld {
                block,
                held,
                requested,
            }) => {
                assert_eq!(
                    (block.block, held, requested),
                    (0, Access::Read, Access::Write)
                );
                assert_eq!(block.matrix_name.as_deref(), Some("M"));
            }
            other => panic!("{what}: a read → write upgrade must be AlreadyHeld, got {other:?}"),
        };
        upgrade(m.write(0).map(drop), "write");
        upgrade(
            m.write_for(0, Duration::from_secs(5)).map(drop),
            "write_for",
        );
        upgrade(m.try_write(0).map(drop), "try_write");
        upgrade(m.update(0, |_| ()), "update");
        let mut set = LockSet::new();
        set.write(&m, 1).unwrap();
        upgrade(set.write(&m, 0), "a lock set, through a guard");
        assert!(set.is_empty(), "the set released block 1 with the refusal");
        drop(reader);
        let mut set = LockSet::new();
        set.read(&m, 0).unwrap();
        upgrade(set.write(&m, 0), "a lock set, within the set");
        assert!(set.is_empty());
        let message = m.write(1).map(|guard| {
            let refused = m.snapshot().unwrap_err();
            drop(guard);
            refused.to_string()
        });
        let message = message.unwrap();
        assert!(
            message.starts_with("already held: this thread holds block 1 of matrix 'M' for write"),
            "{message}"
        );
        assert_eq!(m.snapshot().unwrap(), matrix![[1, 2], [3, 4]]);
        assert_eq!(registry.holds(), 0);
    });
}

/// A snapshot is a state the matrix really had: updates that add 1 to every block at once
/// are seen whole or not at all.
#[test]
fn snapshots_never_see_half_of_a_multi_block_update() {
    const UPDATES: usize = rounds(300, 10);
    watchdog("snapshots", WATCHDOG, || {
        let m = SharedMatrix::with_registry(Matrix::<i64>::zeros(12, 3), 2, &Registry::new());
        let all: Vec<usize> = (0..m.blocks()).rev().collect();
        let done = AtomicBool::new(false);
        thread::scope(|s| {
            s.spawn(|| {
                // Set even if this thread panics, so the reader stops.
                let _done = SetOnDrop(&done);
                for _ in 0..UPDATES {
                    m.update_blocks(&all, |views| {
                        for view in views.iter_mut() {
                            for i in 0..view.rows() {
                                for j in 0..view.cols() {
                                    *view.get_mut(i, j).unwrap() += 1;
                                }
                            }
                        }
                    })
                    .unwrap();
                }
            });
            s.spawn(|| {
                let mut seen = 0;
                while !done.load(Ordering::Acquire) || seen == 0 {
                    let copy = m.snapshot().unwrap();
                    let first = copy[(0, 0)];
                    assert!(
                        copy.as_slice().iter().all(|&x| x == first),
                        "torn snapshot: {copy:?}"
                    );
                    seen += 1;
                }
            });
        });
        assert_eq!(
            m.snapshot().unwrap(),
            Matrix::from_fn(12, 3, |_, _| UPDATES as i64)
        );
    });
}

/// `accumulate` adds any rows of a partial, across block borders, with wrapping integers.
#[test]
fn accumulate_adds_rows_across_blocks_and_wraps() {
    let base = Matrix::from_fn(7, 3, |i, j| (i * 3 + j) as i32);
    let m = SharedMatrix::new(base.clone(), 3);
    let partial = Matrix::from_fn(4, 3, |i, j| if (i, j) == (0, 0) { i32::MAX } else { 100 });
    m.accumulate(2, partial.view()).unwrap();
    // A transposed (strided) partial works too.
    m.accumulate(6, matrix![[1], [1], [1]].t()).unwrap();
    let got = m.into_matrix();
    for i in 0..7 {
        for j in 0..3 {
            let mut want = base[(i, j)];
            if (2..6).contains(&i) {
                want = want.wrapping_add(partial[(i - 2, j)]);
            }
            if i == 6 {
                want += 1;
            }
            assert_eq!(got[(i, j)], want, "({i}, {j})");
        }
    }
}

#[test]
#[should_panic(expected = "does not fit")]
fn accumulate_refuses_a_partial_that_does_not_fit() {
    let m = SharedMatrix::new(Matrix::<f64>::zeros(4, 4), 2);
    let _ = m.accumulate(3, Matrix::<f64>::zeros(2, 4).view());
}

#[test]
#[should_panic(expected = "listed twice")]
fn update_blocks_refuses_a_block_listed_twice() {
    let m = SharedMatrix::new(Matrix::<f64>::zeros(4, 4), 2);
    let _ = m.update_blocks(&[1, 0, 1], |_| ());
}

/// Both reductions of a split-k product give the exact integer product; the fixed-order
/// one gives the same float bits on every run and in every pool.
#[test]
fn split_k_reductions_agree_with_the_serial_product() {
    watchdog("split-k reductions", WATCHDOG, split_k_reductions);
}

fn split_k_reductions() {
    let a = Matrix::from_fn(16, 3001, |i, p| ((i * 31 + p * 7) % 23) as i64 - 11);
    let b = Matrix::from_fn(3001, 16, |p, j| ((p * 13 + j * 5) % 19) as i64 - 9);
    // The naive product (exact: no overflow at these values).
    let expected = Matrix::from_fn(16, 16, |i, j| {
        (0..3001).map(|p| a[(i, p)] * b[(p, j)]).sum()
    });
    for parts in [1, 2, 3, 8, 5000] {
        for reduction in [Reduction::FixedOrder, Reduction::Shared] {
            assert_eq!(
                mul_by_depth_parts(a.view(), b.view(), parts, reduction).unwrap(),
                expected,
                "{parts} parts, {reduction:?}"
            );
        }
    }
    let af = Matrix::from_fn(5, 2000, |i, p| ((i + p) % 13) as f64 / 7.0 - 0.9);
    let bf = Matrix::from_fn(2000, 4, |p, j| ((p * j) % 11) as f64 / 3.0 - 1.7);
    let first = mul_by_depth_parts(af.view(), bf.view(), 4, Reduction::FixedOrder).unwrap();
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let again =
            pool.install(|| mul_by_depth_parts(af.view(), bf.view(), 4, Reduction::FixedOrder));
        assert!(
            again
                .unwrap()
                .as_slice()
                .iter()
                .zip(first.as_slice())
                .all(|(x, y)| x.to_bits() == y.to_bits())
        );
        let shared =
            pool.install(|| mul_by_depth_parts(af.view(), bf.view(), 4, Reduction::Shared));
        for (x, y) in shared.unwrap().as_slice().iter().zip(first.as_slice()) {
            assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()));
        }
    }
    assert!(mul_by_depth_parts(a.view(), a.view(), 2, Reduction::default()).is_err());
    let empty = mul_by_depth_parts(
        Matrix::<i32>::zeros(3, 0).view(),
        Matrix::zeros(0, 2).view(),
        4,
        Reduction::Shared,
    );
    assert_eq!(empty.unwrap(), Matrix::zeros(3, 2));
}

/// Sets a flag when dropped, panicking or not.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Adds one to a counter when dropped, panicking or not.
struct CountOnDrop<'a>(&'a AtomicUsize);

impl Drop for CountOnDrop<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Release);
    }
}

/// One stress run: `threads` writers each try `updates` random multi-block updates on two
/// integer matrices (blocks in random order across both matrices, through lock sets; random
/// timeouts, some none), while two readers check that no block is ever seen torn. The final
/// matrices equal the exact sum of the committed updates; failed ones left no trace.
fn stress(threads: usize, updates: usize) {
    const ROWS: usize = 16;
    const COLS: usize = 4;
    const BLOCK_ROWS: usize = 2;
    const BLOCKS: usize = ROWS / BLOCK_ROWS;
    let registry = Registry::new();
    let matrices = [
        SharedMatrix::with_registry(Matrix::<i64>::zeros(ROWS, COLS), BLOCK_ROWS, &registry)
            .named("P"),
        SharedMatrix::with_registry(Matrix::<i64>::zeros(ROWS, COLS), BLOCK_ROWS, &registry)
            .named("Q"),
    ];
    let writers_done = AtomicUsize::new(0);
    let (committed, failed, reads) = thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|r| {
                let (matrices, writers_done) = (&matrices, &writers_done);
                s.spawn(move || {
                    let mut rng = fastrand::Rng::with_seed(1000 + r);
                    let mut reads = 0usize;
                    while writers_done.load(Ordering::Acquire) < threads {
                        let m = &matrices[rng.usize(0..2)];
                        let blocks: Vec<Vec<i64>> = if rng.u8(0..8) == 0 {
                            match m.snapshot_for(Duration::from_millis(rng.u64(0..3))) {
                                Ok(copy) => copy
                                    .as_slice()
                                    .chunks(BLOCK_ROWS * COLS)
                                    .map(<[i64]>::to_vec)
                                    .collect(),
                                Err(_) => continue,
                            }
                        } else {
                            match m.read_for(rng.usize(0..BLOCKS), Duration::from_millis(2)) {
                                Ok(guard) => vec![elements(guard.view())],
                                Err(_) => continue,
                            }
                        };
                        for block in &blocks {
                            assert!(
                                block.iter().all(|&x| x == block[0]),
                                "a reader saw a torn block: {block:?}"
                            );
                        }
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        let writers: Vec<_> = (0..threads)
            .map(|t| {
                let (matrices, writers_done) = (&matrices, &writers_done);
                thread::Builder::new()
                    .name(format!("writer {t}"))
                    .spawn_scoped(s, move || {
                        // Counted even if this writer panics, so the readers stop and the
                        // panic is reported instead of a watchdog timeout.
                        let _done = CountOnDrop(writers_done);
                        let mut rng = fastrand::Rng::with_seed(t as u64);
                        let mut sums: HashMap<(usize, usize), i64> = HashMap::new();
                        let (mut committed, mut failed) = (0usize, [0usize; 2]);
                        for _ in 0..updates {
                            let mut targets: Vec<(usize, usize)> = Vec::new();
                            let count = rng.usize(1..=3);
                            while targets.len() < count {
                                let target = (rng.usize(0..2), rng.usize(0..BLOCKS));
                                if !targets.contains(&target) {
                                    targets.push(target);
                                }
                            }
                            let value = rng.i64(1..=1000);
                            if count == 1 && rng.u8(0..3) == 0 {
                                // In place through a write guard, element by element with
                                // a pause half way: readers would see the block torn if the
                                // read locks did not exclude this writer.
                                let (m, block) = targets[0];
                                match matrices[m].write_for(block, Duration::from_millis(2)) {
                                    Ok(mut guard) => {
                                        let mut view = guard.view_mut();
                                        let (rows, cols) = view.shape();
                                        for i in 0..rows {
                                            for j in 0..cols {
                                                if (i, j) == (rows / 2, 0) {
                                                    thread::yield_now();
                                                }
                                                *view.get_mut(i, j).unwrap() += value;
                                            }
                                        }
                                        committed += 1;
                                        *sums.entry(targets[0]).or_default() += value;
                                    }
                                    Err(LockError::Timeout { .. }) => failed[0] += 1,
                                    Err(LockError::Deadlock { .. }) => failed[1] += 1,
                                    Err(other) => panic!("unexpected {other}"),
                                }
                                continue;
                            }
                            let timeout = match rng.u8(0..4) {
                                0 => None,
                                _ => Some(Duration::from_micros(rng.u64(0..=2000))),
                            };
                            let mut set = LockSet::new();
                            let mut result = Ok(());
                            for &(m, block) in &targets {
                                let matrix = &matrices[m];
                                result = match timeout {
                                    None => set.write(matrix, block),
                                    Some(limit) => set.write_for(matrix, block, limit),
                                };
                                if result.is_err() {
                                    break;
                                }
                                // Change it at once: a later failure must undo this.
                                add_all(set.view_mut(matrix, block).unwrap(), value);
                            }
                            match result {
                                Ok(()) => {
                                    set.commit();
                                    committed += 1;
                                    for &target in &targets {
                                        *sums.entry(target).or_default() += value;
                                    }
                                }
                                Err(error) => {
                                    assert!(set.is_empty());
                                    match error {
                                        LockError::Timeout { .. } => failed[0] += 1,
                                        LockError::Deadlock { .. } => failed[1] += 1,
                                        other => panic!("unexpected {other}"),
                                    }
                                }
                            }
                        }
                        (sums, committed, failed)
                    })
                    .unwrap()
            })
            .collect();
        let mut total: HashMap<(usize, usize), i64> = HashMap::new();
        let (mut committed, mut failed) = (0, [0, 0]);
        for writer in writers {
            let (sums, c, f) = writer.join().unwrap();
            for (target, sum) in sums {
                *total.entry(target).or_default() += sum;
            }
            committed += c;
            failed[0] += f[0];
            failed[1] += f[1];
        }
        let reads: usize = readers.into_iter().map(|r| r.join().unwrap()).sum();
        for (m, matrix) in matrices.iter().enumerate() {
            assert_blocks(
                matrix,
                |block| total.get(&(m, block)).copied().unwrap_or(0),
                matrix.name().unwrap(),
            );
        }
        (committed, failed, reads)
    });
    assert_eq!(committed + failed[0] + failed[1], threads * updates);
    assert!(committed > 0 && reads > 0);
    assert_eq!(registry.holds(), 0);
    assert_eq!(registry.waiting(), 0);
    eprintln!(
        "stress: {committed} committed, {} timed out, {} refused as deadlocks, {reads} consistent reads",
        failed[0], failed[1]
    );
}

/// 8 writers × 10,000 random multi-block updates (about a second in a debug build).
#[test]
fn stress_8_writers_10_000_random_multi_block_updates() {
    watchdog("stress", Duration::from_secs(120), || {
        stress(rounds(8, 3), rounds(10_000, 20))
    });
}

/// A ring of `n` threads: thread `i` holds block `i` and asks for block `i + 1 (mod n)`,
/// one after another, each once the previous ones wait. Only the last request closes the
/// cycle: exactly that thread is refused, with the whole ring in its error, and every other
/// thread gets its second block once the refused one has let go.
#[test]
fn a_ring_of_waits_refuses_exactly_the_request_that_closes_it() {
    for n in [2, 3, 5] {
        watchdog("ring", WATCHDOG, move || {
            let registry = Registry::new();
            let m = SharedMatrix::with_registry(Matrix::<i64>::zeros(n, 1), 1, &registry);
            let all_hold = Barrier::new(n);
            let outcomes: Vec<Result<(), LockError>> = thread::scope(|s| {
                let handles: Vec<_> = (0..n)
                    .map(|i| {
                        let (m, all_hold, registry) = (&m, &all_hold, &registry);
                        s.spawn(move || {
                            let mut set = LockSet::new();
                            set.write(m, i).unwrap();
                            all_hold.wait();
                            while registry.waiting() < i {
                                thread::yield_now();
                            }
                            let asked = set.write(m, (i + 1) % n);
                            if asked.is_ok() {
                                add_all(set.view_mut(m, i).unwrap(), 1);
                                set.commit();
                            }
                            asked
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            for (i, outcome) in outcomes.iter().enumerate() {
                match outcome {
                    Ok(()) => assert!(i < n - 1, "n = {n}: the closing request was granted"),
                    Err(LockError::Deadlock { cycle }) => {
                        assert_eq!(i, n - 1, "n = {n}: thread {i} refused, not the last");
                        assert_eq!(cycle.len(), n, "n = {n}: the cycle is the whole ring");
                        assert_eq!(cycle[0].block.block, 0, "the refused request is first");
                    }
                    Err(other) => panic!("n = {n}: thread {i}: unexpected {other}"),
                }
            }
            assert_blocks(&m, |b| i64::from(b < n - 1), "ring");
            assert_eq!((registry.holds(), registry.waiting()), (0, 0));
        });
    }
}

/// What one transfer thread did: its net change to every cell, and how its attempts ended.
#[derive(Default)]
struct Transfers {
    net: HashMap<(usize, usize), i64>,
    committed: usize,
    refused: usize,
}

/// 8 threads × 10,000 transfers of a few units between two random cells of one matrix, each
/// taking its two blocks in its own order (a lock set, or two write guards) or through
/// `update_blocks`; refused transfers are retried. Meanwhile one reader takes untimed
/// snapshots and another snapshots with a short timer. Every snapshot holds the initial
/// total (a transfer is seen whole or not at all); every untimed snapshot succeeds on its
/// first call; the final matrix is the initial one plus every thread's committed changes.
#[test]
fn transfers_in_the_callers_order_with_a_snapshot_reader() {
    const THREADS: usize = rounds(8, 3);
    const TRANSFERS: usize = rounds(10_000, 20);
    const ROWS: usize = 16;
    const COLS: usize = 4;
    const START: i64 = 1_000;
    watchdog("transfers", Duration::from_secs(120), || {
        let registry = Registry::new();
        let m =
            SharedMatrix::with_registry(Matrix::from_fn(ROWS, COLS, |_, _| START), 2, &registry)
                .named("accounts");
        let total = START * (ROWS * COLS) as i64;
        let done = AtomicUsize::new(0);
        let (transfers, untimed, timed) = thread::scope(|s| {
            let untimed = s.spawn(|| {
                let (mut calls, mut refused) = (0usize, 0usize);
                while done.load(Ordering::Acquire) < THREADS || calls == 0 {
                    calls += 1;
                    match m.snapshot() {
                        Ok(copy) => assert_eq!(copy.as_slice().iter().sum::<i64>(), total),
                        Err(error) => {
                            refused += 1;
                            eprintln!("untimed snapshot refused: {error}");
                        }
                    }
                }
                (calls, refused)
            });
            let timed = s.spawn(|| {
                let (mut calls, mut timeouts) = (0usize, 0usize);
                while done.load(Ordering::Acquire) < THREADS || calls == 0 {
                    calls += 1;
                    match m.snapshot_for(Duration::from_micros(200)) {
                        Ok(copy) => assert_eq!(copy.as_slice().iter().sum::<i64>(), total),
                        Err(LockError::Timeout { .. }) => timeouts += 1,
                        Err(other) => panic!("timed snapshot: unexpected {other}"),
                    }
                }
                (calls, timeouts)
            });
            let writers: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (m, done) = (&m, &done);
                    thread::Builder::new()
                        .name(format!("transfers {t}"))
                        .spawn_scoped(s, move || {
                            let _done = CountOnDrop(done);
                            let mut rng = fastrand::Rng::with_seed(77 + t as u64);
                            let mut record = Transfers::default();
                            for _ in 0..TRANSFERS {
                                let from = (rng.usize(0..ROWS), rng.usize(0..COLS));
                                let mut to = from;
                                while to == from {
                                    to = (rng.usize(0..ROWS), rng.usize(0..COLS));
                                }
                                let amount = rng.i64(1..=5);
                                let mode = rng.u8(0..3);
                                while let Err(error) = transfer(m, from, to, amount, mode) {
                                    assert!(
                                        matches!(error, LockError::Deadlock { .. }),
                                        "transfers {t}: unexpected {error}"
                                    );
                                    record.refused += 1;
                                    thread::yield_now();
                                }
                                record.committed += 1;
                                *record.net.entry(from).or_default() -= amount;
                                *record.net.entry(to).or_default() += amount;
                            }
                            record
                        })
                        .unwrap()
                })
                .collect();
            let transfers: Vec<Transfers> =
                writers.into_iter().map(|w| w.join().unwrap()).collect();
            (transfers, untimed.join().unwrap(), timed.join().unwrap())
        });
        let mut want = Matrix::from_fn(ROWS, COLS, |_, _| START);
        for record in &transfers {
            assert_eq!(record.committed, TRANSFERS);
            for (&(i, j), &delta) in &record.net {
                want[(i, j)] += delta;
            }
        }
        assert_eq!(m.snapshot().unwrap(), want, "an update was lost or doubled");
        let refused: usize = transfers.iter().map(|r| r.refused).sum();
        let (calls, snapshot_refusals) = untimed;
        eprintln!(
            "transfers: {} committed, {refused} refused as deadlocks and retried; untimed \
             snapshots: {calls} calls, {snapshot_refusals} refused; timed (200 µs): {} calls, \
             {} timed out",
            THREADS * TRANSFERS,
            timed.0,
            timed.1
        );
        assert_eq!(
            snapshot_refusals, 0,
            "an untimed snapshot of a thread holding nothing failed"
        );
        assert!(calls > 0);
        assert_eq!((registry.holds(), registry.waiting()), (0, 0));
    });
}

/// Moves `amount` from cell `from` to cell `to` of `m`: through a lock set taking the
/// blocks in the order of the cells (`mode` 0), through two write guards in that order
/// (1), or through `update_blocks` (2). All-or-nothing: an error changes nothing.
fn transfer(
    m: &SharedMatrix<i64>,
    from: (usize, usize),
    to: (usize, usize),
    amount: i64,
    mode: u8,
) -> Result<(), LockError> {
    let (a, b) = (m.block_of_row(from.0), m.block_of_row(to.0));
    match mode {
        0 => {
            let mut set = LockSet::new();
            set.write(m, a)?;
            set.write(m, b)?;
            *set.get_mut(m, from.0, from.1).unwrap() -= amount;
            *set.get_mut(m, to.0, to.1).unwrap() += amount;
            set.commit();
        }
        1 => {
            let mut first = m.write(a)?;
            if a == b {
                *first.get_mut(from.0, from.1).unwrap() -= amount;
                *first.get_mut(to.0, to.1).unwrap() += amount;
            } else {
                let mut second = m.write(b)?; // on refusal, `first` drops unchanged
                *first.get_mut(from.0, from.1).unwrap() -= amount;
                *second.get_mut(to.0, to.1).unwrap() += amount;
            }
        }
        _ => {
            let first_row = |block: usize| m.block_range(block).start;
            let blocks: Vec<usize> = if a == b { vec![a] } else { vec![a, b] };
            m.update_blocks(&blocks, |views| {
                let last = views.len() - 1;
                *views[0].get_mut(from.0 - first_row(a), from.1).unwrap() -= amount;
                *views[last].get_mut(to.0 - first_row(b), to.1).unwrap() += amount;
            })?;
        }
    }
    Ok(())
}

/// Heavy contention where every thread takes its blocks in ascending order — lock sets of
/// reads and writes, guards, `update_blocks`, `accumulate` — with snapshots going on: no
/// cycle can form, and the tracker refuses nothing (a refusal here would be a false alarm).
#[test]
fn ascending_order_under_contention_is_never_refused() {
    const THREADS: usize = rounds(8, 3);
    const ROUNDS: usize = rounds(4_000, 20);
    const BLOCKS: usize = 4;
    watchdog("ascending", Duration::from_secs(120), || {
        let registry = Registry::new();
        let m = SharedMatrix::with_registry(Matrix::<i64>::zeros(BLOCKS, 2), 1, &registry);
        let done = AtomicUsize::new(0);
        let refusals = AtomicUsize::new(0);
        let added = thread::scope(|s| {
            s.spawn(|| {
                while done.load(Ordering::Acquire) < THREADS {
                    if let Err(error) = m.snapshot() {
                        panic!("snapshot refused: {error}");
                    }
                }
            });
            let workers: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (m, done, refusals) = (&m, &done, &refusals);
                    s.spawn(move || {
                        let _done = CountOnDrop(done);
                        let mut rng = fastrand::Rng::with_seed(500 + t as u64);
                        let mut added = vec![0i64; BLOCKS];
                        for _ in 0..ROUNDS {
                            let mut blocks: Vec<usize> =
                                (0..BLOCKS).filter(|_| rng.bool()).collect();
                            if blocks.is_empty() {
                                blocks.push(rng.usize(0..BLOCKS));
                            }
                            let outcome = match rng.u8(0..4) {
                                0 => {
                                    let mut set = LockSet::new();
                                    let mut result = Ok(());
                                    let mut wrote = Vec::new();
                                    for &b in &blocks {
                                        result = if rng.bool() {
                                            wrote.push(b);
                                            set.write(m, b)
                                        } else {
                                            set.read(m, b)
                                        };
                                        if result.is_err() {
                                            break;
                                        }
                                    }
                                    result.map(|()| {
                                        for &b in &wrote {
                                            add_all(set.view_mut(m, b).unwrap(), 1);
                                            added[b] += 1;
                                        }
                                        set.commit();
                                    })
                                }
                                1 => {
                                    let mut guards = Vec::new();
                                    let mut result = Ok(());
                                    for &b in &blocks {
                                        match m.write(b) {
                                            Ok(guard) => guards.push(guard),
                                            Err(error) => {
                                                result = Err(error);
                                                break;
                                            }
                                        }
                                    }
                                    result.map(|()| {
                                        for guard in &mut guards {
                                            add_all(guard.view_mut(), 1);
                                            added[guard.block()] += 1;
                                        }
                                    })
                                }
                                2 => m.update_blocks(&blocks, |views| {
                                    for view in views.iter_mut() {
                                        add_all(view.rb_mut(), 1);
                                    }
                                    for &b in &blocks {
                                        added[b] += 1;
                                    }
                                }),
                                _ => {
                                    let (lo, hi) = (blocks[0], *blocks.last().unwrap());
                                    let ones = Matrix::from_fn(hi - lo + 1, 2, |_, _| 1i64);
                                    m.accumulate(lo, ones.view()).map(|()| {
                                        for b in &mut added[lo..=hi] {
                                            *b += 1;
                                        }
                                    })
                                }
                            };
                            if let Err(error) = outcome {
                                refusals.fetch_add(1, Ordering::Relaxed);
                                eprintln!("ascending order refused: {error}");
                            }
                        }
                        added
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).fold(
                vec![0i64; BLOCKS],
                |mut sum, added| {
                    for (s, a) in sum.iter_mut().zip(added) {
                        *s += a;
                    }
                    sum
                },
            )
        });
        assert_eq!(refusals.load(Ordering::Relaxed), 0, "false alarms");
        assert_blocks(&m, |b| added[b], "ascending");
        assert_eq!((registry.holds(), registry.waiting()), (0, 0));
    });
}

//! Threading: worker counts, the current pool, inline single-worker runs, determinism.

mod common;

use std::ops::{Add, Mul};
use std::sync::Mutex;

use parmat::{Blocked, Matrix, PerCell, RowParallel, Strategy};

use common::pool;

fn float_operands() -> (Matrix<f64>, Matrix<f64>) {
    let a = Matrix::from_fn(67, 301, |i, j| {
        ((i * 37 + j * 11) % 101) as f64 / 13.0 - 3.7
    });
    let b = Matrix::from_fn(301, 45, |i, j| ((i * 7 + j * 19) % 97) as f64 / 7.0 - 6.1);
    (a, b)
}

/// Results are bit-identical for 1..=8 workers, in pools of that many threads.
#[test]
fn results_do_not_depend_on_worker_count() {
    let (a, b) = float_operands();
    for make in [
        |w| Strategy::from(RowParallel::with_workers(w)),
        |w| Strategy::from(PerCell::with_workers(w)),
        |w| Strategy::from(Blocked::with_workers(w)),
    ] {
        let one = a.mul_with(&b, &make(1)).unwrap();
        for w in 2..=8 {
            let c = pool(w).install(|| a.mul_with(&b, &make(w)).unwrap());
            assert!(
                c.as_slice()
                    .iter()
                    .zip(one.as_slice())
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "{:?} with {w} workers differs from 1 worker",
                make(w)
            );
        }
    }
    // Auto picks its strategy from the shape alone, so its bits do not move with the pool.
    let auto_one = pool(1).install(|| a.par_mul(&b).unwrap());
    for threads in 2..=8 {
        let c = pool(threads).install(|| a.par_mul(&b).unwrap());
        assert_eq!(c.shape(), auto_one.shape());
        assert!(
            c.as_slice()
                .iter()
                .zip(auto_one.as_slice())
                .all(|(x, y)| x.to_bits() == y.to_bits()),
            "Auto in a {threads}-thread pool differs from Auto in a 1-thread pool"
        );
    }
}

/// Explicit worker counts are capped by the units of work only; defaults also by the pool
/// and by the minimum work per worker.
#[test]
fn worker_counts() {
    assert_eq!(
        RowParallel::with_workers(5).workers_for::<f64>(3, 10, 10),
        3
    );
    assert_eq!(
        RowParallel::with_workers(0).workers_for::<f64>(3, 10, 10),
        1
    );
    assert_eq!(PerCell::with_workers(5).workers_for::<f64>(1, 10, 2), 2);
    // Blocked units are blocks of rows × blocks of columns: one for a 1×1 output, plenty
    // for a large one.
    assert_eq!(Blocked::with_workers(9).workers_for::<f64>(1, 1, 1), 1);
    assert_eq!(
        Blocked::with_workers(9).workers_for::<f64>(4096, 1, 4096),
        9
    );
    for threads in [1, 2, 3, 5] {
        pool(threads).install(|| {
            for s in Strategy::all() {
                assert_eq!(
                    s.workers_for::<f64>(2, 2, 2),
                    1,
                    "{s}: a tiny product gets one worker"
                );
                let big = s.workers_for::<f64>(1024, 1024, 1024);
                // Split-k gives at most one worker per depth part, and the shape decides
                // the parts: none for a square product.
                let expected = match s {
                    Strategy::Serial | Strategy::SplitK(_) => 1,
                    _ => threads,
                };
                assert_eq!(big, expected, "{s} in a {threads}-thread pool");
            }
            let p = parmat::plan::<f64>(1024, 1024, 1024);
            assert_eq!((p.threads(), p.workers()), (threads, threads));
        });
    }
}

/// An element type that records, for every multiplication, which rayon pool thread (if any)
/// ran it and how many threads that pool has.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Probe(f64);

static SEEN: Mutex<Vec<(Option<usize>, usize)>> = Mutex::new(Vec::new());

impl Add for Probe {
    type Output = Probe;
    fn add(self, o: Probe) -> Probe {
        Probe(self.0 + o.0)
    }
}
impl Mul for Probe {
    type Output = Probe;
    fn mul(self, o: Probe) -> Probe {
        SEEN.lock()
            .unwrap()
            .push((rayon::current_thread_index(), rayon::current_num_threads()));
        Probe(self.0 * o.0)
    }
}
impl num_traits::Zero for Probe {
    fn zero() -> Probe {
        Probe(0.0)
    }
    fn is_zero(&self) -> bool {
        self.0 == 0.0
    }
}

fn seen_after(run: impl FnOnce()) -> Vec<(Option<usize>, usize)> {
    SEEN.lock().unwrap().clear();
    run();
    std::mem::take(&mut *SEEN.lock().unwrap())
}

/// One worker runs on the calling thread without touching rayon; several run in the
/// current pool (the one `install` entered), never in another.
#[test]
fn work_runs_inline_or_in_the_current_pool() {
    let a = Matrix::from_fn(8, 8, |i, j| Probe((i + j) as f64));
    let strategies: [Strategy; 4] = [
        Strategy::Serial,
        RowParallel::with_workers(1).into(),
        PerCell::with_workers(1).into(),
        Blocked::with_workers(1).into(),
    ];
    for s in strategies {
        let seen = seen_after(|| {
            a.mul_with(&a, &s).unwrap();
        });
        assert!(!seen.is_empty());
        assert!(
            seen.iter().all(|&(index, _)| index.is_none()),
            "{s:?} used a rayon thread"
        );
    }
    let three = pool(3);
    for s in [
        Strategy::from(RowParallel::with_workers(3)),
        PerCell::with_workers(3).into(),
        Blocked::with_workers(2).into(),
    ] {
        let seen = seen_after(|| {
            three.install(|| a.mul_with(&a, &s).unwrap());
        });
        // Not vacuous: the probe type's multiplications ran and were recorded.
        assert!(!seen.is_empty(), "{s:?}: no multiplication was seen");
        assert!(
            seen.iter()
                .all(|&(index, threads)| index.is_some_and(|i| i < 3) && threads == 3),
            "{s:?} ran outside the installed 3-thread pool"
        );
    }
}

/// Many threads calling `par_mul` at once all get correct results.
#[test]
fn concurrent_callers() {
    let (a, b) = float_operands();
    let want = a.mul_with(&b, &Strategy::Serial).unwrap();
    std::thread::scope(|scope| {
        for t in 0..6 {
            let (a, b, want) = (&a, &b, &want);
            scope.spawn(move || {
                let s = Strategy::all()[t % 5];
                for _ in 0..3 {
                    let c = a.mul_with(b, &s).unwrap();
                    let err = common::max_abs_error(c.as_slice(), want.as_slice());
                    assert!(err < 1e-9, "{s}: {err}");
                }
            });
        }
    });
}

/// The strategy a default or `Auto` product runs depends on its shape, never on the size
/// of the pool, so float results do not change with the pool either.
#[test]
fn float_results_do_not_depend_on_the_pool() {
    let a = Matrix::from_fn(64, 64, |i, j| ((i * 31 + j * 7) % 17) as f64 / 7.0 - 1.1);
    let c = Matrix::from_fn(8, 300, |i, j| {
        num_complex::Complex::new(((i + j) % 5) as f64 / 3.0, ((i * j) % 7) as f64 / 9.0)
    });
    let d = Matrix::from_fn(300, 300, |i, j| {
        num_complex::Complex::new(
            ((i * 3 + j) % 11) as f64 / 5.0,
            ((i + 2 * j) % 13) as f64 / 7.0,
        )
    });
    let bits = |m: &Matrix<f64>| m.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let one = pool(1).install(|| a.mul_with(&a, &PerCell::default()).unwrap());
    let auto_one = pool(1).install(|| c.par_mul(&d).unwrap());
    for threads in [2, 4, 16] {
        let many = pool(threads).install(|| a.mul_with(&a, &PerCell::default()).unwrap());
        assert_eq!(
            bits(&many),
            bits(&one),
            "PerCell::default() in a {threads}-thread pool"
        );
        let auto_many = pool(threads).install(|| c.par_mul(&d).unwrap());
        assert_eq!(
            auto_many, auto_one,
            "Auto (complex) in a {threads}-thread pool"
        );
    }
}

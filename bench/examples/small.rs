//! Tiny and small square products, time per product, side by side in one process: parmat's
//! `Auto` (through `mul_into`, preallocated output), faer (`matmul`, `Par::Seq`) and
//! nalgebra (`DMatrix::gemm`), every result checked against parmat's. Two more columns:
//! `par_mul` (which allocates its result) and the allocation of that result alone.
//!
//! ```text
//! cargo run --release -p parmat-bench --example small
//! cargo run --release -p parmat-bench --example small -- --sizes 2,4,8 --types f64 --rounds 5
//! cargo run --release -p parmat-bench --example small -- --batch 10000 --sizes 16,32   # f64 batches
//! cargo run --release -p parmat-bench --example small -- --matvec                       # n = 512, 2048, 8192
//! cargo run --release -p parmat-bench --example small -- --isolated 10                  # n = 16 … 128
//! cargo run --release -p parmat-bench --example small -- --gaps 0,10,20,100 --sizes 96
//! cargo run --release -p parmat-bench --example small -- --calibration
//! cargo run --release -p parmat-bench --example small -- --caller --sizes 80,96,128,192,256
//! cargo run --release -p parmat-bench --example small -- --direct
//! ```
//!
//! With `--matvec`, each size is a matrix × vector and a vector × matrix product of f64 on
//! 1 and 2 threads, in GB/s of the matrix read, against faer and a streaming read of the
//! same matrix (a wrapping integer sum of its values' bits, vectorized with AVX2 where the
//! CPU has it; on two threads, two halves of its rows side by side).
//!
//! With `--isolated MS`, each size is an f64 square product called once after the pool has
//! been idle for MS milliseconds (its threads asleep), as a program that multiplies now and
//! then does: the median over `--rounds` calls (at least 15) of `Auto`, of `Blocked` on one
//! worker and on two, and of an empty `rayon::join` after the same idle time (the wake-up a
//! product on two workers pays), all called from the main thread, outside the pool, in
//! rotating order. The same three products back to back are shown for comparison.
//!
//! With `--gaps US,…`, each size is an f64 square product called from the main thread
//! right after a product on two blocked workers and a pause of so many microseconds (a
//! busy wait on the main thread), with two workers and with one, alternately: the median
//! over `--rounds` calls (at least 31) of each, which shows how soon the pool's threads
//! fall asleep after a product.
//!
//! With `--caller`, each size is an f64 square product on two blocked workers called from
//! the main thread back to back, run two ways: as the crate runs it (the calling thread
//! takes one share, the pool the other) and with the whole product handed to the pool
//! (`rayon::scope` around the call, the calling thread asleep until it is done), against
//! one worker; each the median over 30 rounds (rotating order) of the mean of 20 calls
//! after one untimed call.
//!
//! With `--direct`, row vectors and short outputs times a matrix (1×k×n to 8×256×256) and
//! outer products (s×1×s) of f64 and i32, on `Blocked` with one worker (the kernels'
//! direct form, nothing packed) against `Serial` (the i-k-j loop): µs per call, the best of
//! 30 batches of 20 calls.
//!
//! With `--calibration`, the process measures `Auto::calibrated()` once and prints what it
//! measured and how long it took (the calibration is once per process: run it several
//! times).
//!
//! With `--batch B`, each size is a batch of B products of f64, timed as a whole:
//! `parmat::mul_batch_into` (`Auto`) in the global pool, the same products one at a time
//! on one thread, and faer (`Par::Seq`) called from rayon's `par_iter` in the global pool.
//!
//! Each point is the best of `--rounds` batches; a batch runs the product back to back
//! for about 20 ms and reports the mean time per call. Single-threaded throughout: these
//! products are below every worker minimum.

use std::hint::black_box;
use std::time::{Duration, Instant};

use parmat::{Auto, Blocked, Element, MatMut, MatRef, Matrix, MulStrategy};
use rayon::prelude::*;

/// An element type every implementation here supports.
trait Sample:
    Element
    + nalgebra::Scalar
    + nalgebra::ClosedAddAssign
    + nalgebra::ClosedMulAssign
    + num_traits::One
    + std::fmt::Debug
{
    fn value(x: usize) -> Self;
    fn close(a: Self, b: Self, k: usize) -> bool;
    /// faer's time per product and its result, for the types faer multiplies.
    fn faer(a: &Matrix<Self>, b: &Matrix<Self>, rounds: usize) -> Option<(f64, Vec<Self>)>;
}

macro_rules! float_sample {
    ($t:ty) => {
        impl Sample for $t {
            fn value(x: usize) -> Self {
                (x % 17) as $t / 8.0 - 1.0
            }
            fn close(a: Self, b: Self, k: usize) -> bool {
                ((a - b) as f64).abs() <= (k as f64 + 1.0) * 4.0 * <$t>::EPSILON as f64
            }
            fn faer(a: &Matrix<Self>, b: &Matrix<Self>, rounds: usize) -> Option<(f64, Vec<Self>)> {
                let (m, n) = (a.rows(), b.cols());
                let fa = faer::Mat::<$t>::from_fn(m, a.cols(), |i, j| a[(i, j)]);
                let fb = faer::Mat::<$t>::from_fn(b.rows(), n, |i, j| b[(i, j)]);
                let mut fc = faer::Mat::<$t>::zeros(m, n);
                let time = best_per_call(rounds, || {
                    faer::linalg::matmul::matmul(
                        fc.as_mut(),
                        faer::Accum::Replace,
                        black_box(fa.as_ref()),
                        black_box(fb.as_ref()),
                        1.0,
                        faer::Par::Seq,
                    )
                });
                Some((time, (0..m * n).map(|x| fc[(x / n, x % n)]).collect()))
            }
        }
    };
}
float_sample!(f64);
float_sample!(f32);

macro_rules! int_sample {
    ($t:ty) => {
        impl Sample for $t {
            fn value(x: usize) -> Self {
                (x % 17) as $t - 8
            }
            fn close(a: Self, b: Self, _k: usize) -> bool {
                a == b
            }
            fn faer(_: &Matrix<Self>, _: &Matrix<Self>, _: usize) -> Option<(f64, Vec<Self>)> {
                None
            }
        }
    };
}
int_sample!(i32);
int_sample!(i64);

/// Best over `rounds` batches of the mean time of one call, in nanoseconds.
fn best_per_call(rounds: usize, mut run: impl FnMut()) -> f64 {
    let target = Duration::from_millis(20);
    // Calls per batch: enough to fill the target, from one timed call.
    let start = Instant::now();
    run();
    let once = start.elapsed().as_secs_f64().max(1e-9);
    let calls = ((target.as_secs_f64() / once) as usize).clamp(1, 10_000_000);
    let mut best = f64::INFINITY;
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        for _ in 0..calls {
            run();
        }
        best = best.min(start.elapsed().as_secs_f64() * 1e9 / calls as f64);
    }
    best
}

fn measure<T: Sample>(name: &str, n: usize, rounds: usize) {
    let a = Matrix::from_fn(n, n, |i, j| T::value(i * 31 + j * 7 + 1));
    let b = Matrix::from_fn(n, n, |i, j| T::value(i * 13 + j * 3 + 5));
    let mut c = Matrix::zeros(n, n);
    let parmat = best_per_call(rounds, || {
        Auto::default()
            .mul_into(black_box(a.view()), black_box(b.view()), c.view_mut())
            .expect("square shapes fit")
    });
    // What `par_mul` (which allocates its result) adds: the allocation, timed alone.
    let par_mul = best_per_call(rounds, || {
        black_box(
            black_box(&a)
                .par_mul(black_box(&b))
                .expect("square shapes fit"),
        );
    });
    let alloc = best_per_call(rounds, || {
        black_box(Matrix::<T>::zeros(black_box(n), n));
    });
    let check = |what: &str, got: &[T]| {
        let ok = got
            .iter()
            .zip(c.as_slice())
            .all(|(&x, &y)| T::close(x, y, n));
        assert!(ok, "{what} disagrees with parmat for {name} n = {n}");
    };
    let na = nalgebra::DMatrix::from_row_slice(n, n, a.as_slice());
    let nb = nalgebra::DMatrix::from_row_slice(n, n, b.as_slice());
    let mut nc = nalgebra::DMatrix::<T>::zeros(n, n);
    let nalgebra = best_per_call(rounds, || {
        nc.gemm(T::one(), black_box(&na), black_box(&nb), T::zero())
    });
    check(
        "nalgebra",
        &(0..n * n).map(|x| nc[(x / n, x % n)]).collect::<Vec<_>>(),
    );
    let faer = T::faer(&a, &b, rounds).map(|(time, result)| {
        check("faer", &result);
        time
    });
    let best_peer = faer.map_or(nalgebra, |f| f.min(nalgebra));
    println!(
        "{name:<4} {n:>4} {parmat:>10.1} {:>10} {nalgebra:>10.1} {:>8.2} {par_mul:>10.1} {alloc:>8.1}",
        faer.map_or("—".to_owned(), |f| format!("{f:.1}")),
        best_peer / parmat
    );
}

/// A batch of `count` products of `n × n` f64 matrices: milliseconds per batch for the
/// batch entry point, the products one at a time on one thread, and faer from `par_iter`.
fn measure_batch(n: usize, count: usize, rounds: usize) {
    let a: Vec<Matrix<f64>> = (0..count)
        .map(|t| Matrix::from_fn(n, n, |i, j| f64::value(t * 7 + i * 31 + j * 7 + 1)))
        .collect();
    let b: Vec<Matrix<f64>> = (0..count)
        .map(|t| Matrix::from_fn(n, n, |i, j| f64::value(t * 3 + i * 13 + j * 3 + 5)))
        .collect();
    let mut c: Vec<Matrix<f64>> = (0..count).map(|_| Matrix::zeros(n, n)).collect();
    let av: Vec<MatRef<'_, f64>> = a.iter().map(Matrix::view).collect();
    let bv: Vec<MatRef<'_, f64>> = b.iter().map(Matrix::view).collect();
    let batch = best_per_call(rounds, || {
        let mut cv: Vec<MatMut<'_, f64>> = c.iter_mut().map(Matrix::view_mut).collect();
        parmat::mul_batch_into(&Auto::default(), black_box(&av), black_box(&bv), &mut cv)
            .expect("square shapes fit")
    });
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool");
    let mut d: Vec<Matrix<f64>> = (0..count).map(|_| Matrix::zeros(n, n)).collect();
    let serial = one_thread.install(|| {
        best_per_call(rounds, || {
            for ((x, y), z) in av.iter().zip(&bv).zip(d.iter_mut()) {
                Auto::default()
                    .mul_into(black_box(*x), black_box(*y), z.view_mut())
                    .expect("square shapes fit");
            }
        })
    });
    assert!(
        c == d,
        "the batch disagrees with the products one at a time"
    );
    let fa: Vec<faer::Mat<f64>> = a
        .iter()
        .map(|m| faer::Mat::from_fn(n, n, |i, j| m[(i, j)]))
        .collect();
    let fb: Vec<faer::Mat<f64>> = b
        .iter()
        .map(|m| faer::Mat::from_fn(n, n, |i, j| m[(i, j)]))
        .collect();
    let mut fc: Vec<faer::Mat<f64>> = (0..count).map(|_| faer::Mat::zeros(n, n)).collect();
    let faer = best_per_call(rounds, || {
        fc.par_iter_mut()
            .zip(fa.par_iter().zip(fb.par_iter()))
            .for_each(|(z, (x, y))| {
                faer::linalg::matmul::matmul(
                    z.as_mut(),
                    faer::Accum::Replace,
                    black_box(x.as_ref()),
                    black_box(y.as_ref()),
                    1.0,
                    faer::Par::Seq,
                )
            })
    });
    let ms = |ns: f64| ns / 1e6;
    println!(
        "f64  {n:>4} {count:>6} {:>12.3} {:>12.3} {:>12.3} {:>10.2} {:>10.2}",
        ms(batch),
        ms(serial),
        ms(faer),
        serial / batch,
        faer / batch
    );
}

/// Reads every value once, as fast as the memory system lets one thread: a wrapping sum of
/// the values' bits (integer adds, which the compiler vectorizes; with AVX2 where the CPU
/// has it). The yardstick for a matrix–vector product, which must read all of A.
fn streaming_read(values: &[f64]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { read_with_avx2(values) };
    }
    read_words(values)
}

#[inline(always)]
fn read_words(values: &[f64]) -> u64 {
    values
        .iter()
        .fold(0u64, |sum, x| sum.wrapping_add(x.to_bits()))
}

/// [`read_words`] compiled for AVX2.
///
/// # Safety
///
/// The CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn read_with_avx2(values: &[f64]) -> u64 {
    read_words(values)
}

/// Matrix × vector (`n×n · n×1`) and vector × matrix (`1×n · n×n`) of f64 on `threads`
/// threads: GB/s of the matrix read for parmat's `Auto`, faer (`Par::Seq` on one thread,
/// `Par::rayon` on more) and a streaming read of the same matrix (`streaming_read` over
/// its rows, split in even halves with `rayon::join` on two threads).
fn measure_matvec(n: usize, threads: usize, rounds: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    let a = Matrix::from_fn(n, n, |i, j| f64::value(i * 31 + j * 7 + 1));
    let x = Matrix::from_fn(n, 1, |i, _| f64::value(i * 13 + 5));
    let xt = Matrix::from_fn(1, n, |_, j| f64::value(j * 13 + 5));
    let fa = faer::Mat::<f64>::from_fn(n, n, |i, j| a[(i, j)]);
    let fx = faer::Mat::<f64>::from_fn(n, 1, |i, _| x[(i, 0)]);
    let fxt = faer::Mat::<f64>::from_fn(1, n, |_, j| xt[(0, j)]);
    let par = if threads == 1 {
        faer::Par::Seq
    } else {
        faer::Par::rayon(threads)
    };
    let bytes = (n * n * 8) as f64;
    let gbs = |ns: f64| bytes / ns;
    pool.install(|| {
        let parmat_time = |lhs: &Matrix<f64>, rhs: &Matrix<f64>, out: &mut Matrix<f64>| {
            best_per_call(rounds, || {
                Auto::default()
                    .mul_into(black_box(lhs.view()), black_box(rhs.view()), out.view_mut())
                    .expect("shapes fit")
            })
        };
        let faer_time = |lhs: &faer::Mat<f64>, rhs: &faer::Mat<f64>, out: &mut faer::Mat<f64>| {
            best_per_call(rounds, || {
                faer::linalg::matmul::matmul(
                    out.as_mut(),
                    faer::Accum::Replace,
                    black_box(lhs.as_ref()),
                    black_box(rhs.as_ref()),
                    1.0,
                    par,
                )
            })
        };
        let (mut y, mut yt) = (Matrix::zeros(n, 1), Matrix::zeros(1, n));
        let ax = parmat_time(&a, &x, &mut y);
        let xa = parmat_time(&xt, &a, &mut yt);
        let mut fy = faer::Mat::<f64>::zeros(n, 1);
        let mut fyt = faer::Mat::<f64>::zeros(1, n);
        let faer_ax = faer_time(&fa, &fx, &mut fy);
        let faer_xa = faer_time(&fxt, &fa, &mut fyt);
        for i in 0..n {
            let (got, want) = (y[(i, 0)], fy[(i, 0)]);
            assert!((got - want).abs() <= 1e-9 * n as f64, "A·x row {i}: {got} vs faer {want}");
            let (got, want) = (yt[(0, i)], fyt[(0, i)]);
            assert!((got - want).abs() <= 1e-9 * n as f64, "xᵀ·A column {i}: {got} vs faer {want}");
        }
        let values = a.as_slice();
        let read = best_per_call(rounds, || {
            let total = if threads == 1 {
                streaming_read(black_box(values))
            } else {
                let (top, bottom) = values.split_at(values.len() / 2 / n * n);
                let (s, t) = rayon::join(
                    || streaming_read(black_box(top)),
                    || streaming_read(black_box(bottom)),
                );
                s.wrapping_add(t)
            };
            black_box(total);
        });
        println!(
            "f64  {n:>5} {threads:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>7.2} {:>7.2} {:>7.2} {:>7.2}",
            gbs(ax),
            gbs(faer_ax),
            gbs(xa),
            gbs(faer_xa),
            gbs(read),
            faer_ax / ax,
            read / ax,
            faer_xa / xa,
            read / xa
        );
    });
}

/// The median of `values` (sorted in place).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One f64 `n × n` product after `idle` with the pool asleep, against one and two blocked
/// workers and an empty join after the same idle time; then the same back to back.
fn measure_isolated(n: usize, idle: Duration, rounds: usize) {
    let a = Matrix::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
    let b = Matrix::from_fn(n, n, |i, j| ((i * 5 + j) % 13) as f64 - 6.0);
    let mut c = Matrix::<f64>::zeros(n, n);
    let want = a.mul_with(&b, &parmat::Serial).expect("shapes match");
    let (one, two) = (Blocked::with_workers(1), Blocked::with_workers(2));
    let run = |which: usize, c: &mut Matrix<f64>| -> f64 {
        let start = Instant::now();
        match which {
            0 => Auto::default().mul_into(a.view(), b.view(), c.view_mut()),
            1 => one.mul_into(a.view(), b.view(), c.view_mut()),
            2 => two.mul_into(a.view(), b.view(), c.view_mut()),
            _ => {
                rayon::join(|| black_box(0), || black_box(1));
                Ok(())
            }
        }
        .expect("shapes match");
        start.elapsed().as_secs_f64() * 1e9
    };
    let mut isolated = vec![Vec::new(); 4];
    for round in 0..rounds.max(15) {
        for step in 0..4 {
            let which = (round + step) % 4;
            std::thread::sleep(idle);
            isolated[which].push(run(which, &mut c));
            if which < 3 {
                assert_eq!(c, want, "n = {n}: a wrong product");
            }
        }
    }
    let mut hot = vec![Vec::new(); 3];
    for _ in 0..rounds.max(15) {
        for (which, times) in hot.iter_mut().enumerate() {
            let calls = 50;
            let total: f64 = (0..calls).map(|_| run(which, &mut c)).sum();
            times.push(total / calls as f64);
        }
    }
    let iso: Vec<f64> = isolated.iter_mut().map(|t| median(t)).collect();
    let back: Vec<f64> = hot.iter_mut().map(|t| median(t)).collect();
    println!(
        "{n:>4} {:>10.0} {:>10.0} {:>10.0} {:>10.0} {:>7.2} {:>9.0} | {:>9.0} {:>9.0} {:>9.0} {:>7.2}",
        iso[0],
        iso[1],
        iso[2],
        iso[3],
        iso[0] / iso[1],
        iso[0] - iso[1],
        back[0],
        back[1],
        back[2],
        back[0] / back[1]
    );
}

/// One f64 `n × n` product on two workers and on one, alternately, each right after a
/// product on two workers and a busy pause of each of `gaps`.
fn measure_gaps(n: usize, gaps: &[u64], rounds: usize) {
    let a = Matrix::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
    let mut c = Matrix::<f64>::zeros(n, n);
    let want = a.mul_with(&a, &parmat::Serial).expect("shapes match");
    let (one, two) = (Blocked::with_workers(1), Blocked::with_workers(2));
    for &gap in gaps {
        let mut times = [Vec::new(), Vec::new()];
        for round in 0..2 * rounds.max(31) {
            two.mul_into(a.view(), a.view(), c.view_mut())
                .expect("shapes match");
            let start = Instant::now();
            while start.elapsed() < Duration::from_micros(gap) {
                std::hint::spin_loop();
            }
            let strategy = if round % 2 == 0 { &two } else { &one };
            let start = Instant::now();
            strategy
                .mul_into(a.view(), a.view(), c.view_mut())
                .expect("shapes match");
            times[round % 2].push(start.elapsed().as_secs_f64() * 1e6);
            assert_eq!(c, want, "n = {n}: a wrong product");
        }
        let [two_us, one_us] = times.map(|mut t| median(&mut t));
        println!(
            "{n:>4} {gap:>7} {two_us:>10.1} {one_us:>10.1} {:>7.2}",
            two_us / one_us
        );
    }
}

/// One f64 `n × n` product on two workers with the caller as one of them, and handed to the
/// pool whole, against one worker, back to back from the main thread.
fn measure_caller(n: usize) {
    let a = Matrix::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
    let mut c = Matrix::<f64>::zeros(n, n);
    let want = a.mul_with(&a, &parmat::Serial).expect("shapes match");
    let (one, two) = (Blocked::with_workers(1), Blocked::with_workers(2));
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for round in 0..30 {
        for step in 0..3 {
            let which = (round + step) % 3;
            let run = |c: &mut Matrix<f64>| match which {
                0 => one.mul_into(a.view(), a.view(), c.view_mut()),
                1 => two.mul_into(a.view(), a.view(), c.view_mut()),
                _ => rayon::scope(|_| two.mul_into(a.view(), a.view(), c.view_mut())),
            };
            run(&mut c).expect("shapes match");
            let start = Instant::now();
            for _ in 0..20 {
                run(&mut c).expect("shapes match");
            }
            times[which].push(start.elapsed().as_secs_f64() * 1e6 / 20.0);
            assert_eq!(c, want, "n = {n}: a wrong product");
        }
    }
    let [one_us, caller_us, whole_us] = times.map(|mut t| median(&mut t));
    println!(
        "{n:>4} {one_us:>10.1} {caller_us:>10.1} {:>7.2} {whole_us:>10.1} {:>7.2}",
        caller_us / one_us,
        whole_us / one_us
    );
}

/// µs per call of `run`: the best of 30 batches of 20 calls.
fn best_of_batches(mut run: impl FnMut()) -> f64 {
    (0..30)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..20 {
                run();
            }
            start.elapsed().as_secs_f64() * 1e6 / 20.0
        })
        .fold(f64::INFINITY, f64::min)
}

/// `Blocked` on one worker against `Serial` on an `m×k · k×n` product of `T`.
fn direct_against_loop<T: Element + From<i8> + PartialEq>(
    m: usize,
    k: usize,
    n: usize,
) -> (f64, f64) {
    let a = Matrix::from_fn(m, k, |i, j| T::from(((i * 7 + j * 3) % 11) as i8 - 5));
    let b = Matrix::from_fn(k, n, |i, j| T::from(((i * 5 + j) % 13) as i8 - 6));
    let mut c = Matrix::from_fn(m, n, |_, _| T::from(0));
    let one = Blocked::with_workers(1);
    let direct = best_of_batches(|| {
        one.mul_into(a.view(), b.view(), c.view_mut())
            .expect("shapes match")
    });
    let want = a.mul_with(&b, &parmat::Serial).expect("shapes match");
    assert!(
        c == want,
        "a wrong product (the values are small integers, exact in f64)"
    );
    let serial = best_of_batches(|| {
        parmat::Serial
            .mul_into(a.view(), b.view(), c.view_mut())
            .expect("shapes match")
    });
    (direct, serial)
}

/// The shapes of `--direct`, each for f64 and i32.
fn measure_direct() {
    let rows = [
        (1, 16, 16),
        (1, 32, 32),
        (1, 64, 64),
        (1, 96, 96),
        (1, 128, 128),
        (1, 192, 192),
        (1, 255, 255),
        (1, 256, 256),
        (1, 256, 264),
        (1, 256, 512),
        (1, 512, 512),
        (2, 256, 256),
        (4, 256, 256),
        (8, 256, 256),
    ];
    let outer = [64, 96, 110, 128, 160, 192, 256, 384, 512].map(|s| (s, 1, s));
    println!(
        "{:>12} {:>9} {:>9} {:>7} | {:>9} {:>9} {:>7}",
        "m×k×n", "f64 dir", "f64 loop", "÷", "i32 dir", "i32 loop", "÷"
    );
    for (m, k, n) in rows.into_iter().chain(outer) {
        let (df, sf) = direct_against_loop::<f64>(m, k, n);
        let (di, si) = direct_against_loop::<i32>(m, k, n);
        println!(
            "{:>12} {df:>9.2} {sf:>9.2} {:>7.2} | {di:>9.2} {si:>9.2} {:>7.2}",
            format!("{m}×{k}×{n}"),
            df / sf,
            di / si
        );
    }
}

fn main() {
    let mut sizes = vec![1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];
    let mut types = vec![
        "f64".to_owned(),
        "f32".to_owned(),
        "i32".to_owned(),
        "i64".to_owned(),
    ];
    let mut rounds = 7;
    let mut batch: Option<usize> = None;
    let mut matvec = false;
    let mut isolated: Option<u64> = None;
    let mut gaps: Option<Vec<u64>> = None;
    let mut calibration = false;
    let mut caller = false;
    let mut direct = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--sizes" => {
                sizes = value()
                    .split(',')
                    .map(|s| s.parse().expect("a size"))
                    .collect()
            }
            "--types" => types = value().split(',').map(String::from).collect(),
            "--rounds" => rounds = value().parse().expect("a count"),
            "--batch" => batch = Some(value().parse().expect("a batch size")),
            "--matvec" => matvec = true,
            "--isolated" => isolated = Some(value().parse().expect("milliseconds of idle")),
            "--gaps" => {
                gaps = Some(
                    value()
                        .split(',')
                        .map(|s| s.parse().expect("microseconds"))
                        .collect(),
                )
            }
            "--calibration" => calibration = true,
            "--caller" => caller = true,
            "--direct" => direct = true,
            other => panic!(
                "unknown argument {other:?}: --sizes, --types, --rounds, --batch, --matvec, \
                 --isolated, --gaps, --calibration, --caller, --direct"
            ),
        }
    }
    if calibration {
        // The pool first, so that starting its threads is not counted.
        rayon::scope(|_| {});
        let start = Instant::now();
        let auto = Auto::calibrated();
        let took = start.elapsed();
        let measured = auto.calibration().expect("a calibrated Auto");
        println!("{:.2} ms: {measured}", took.as_secs_f64() * 1e3);
        return;
    }
    if direct {
        println!("µs per call (best of 30 batches of 20): Blocked on one worker ÷ Serial");
        measure_direct();
        return;
    }
    if caller {
        if !std::env::args().any(|arg| arg == "--sizes") {
            sizes = vec![80, 96, 128, 192, 256];
        }
        println!(
            "f64, µs per call (median), {} threads in the global pool, back to back from the \
             main thread; two workers with the caller as one, and with the product handed to \
             the pool whole",
            rayon::current_num_threads()
        );
        println!(
            "{:>4} {:>10} {:>10} {:>7} {:>10} {:>7}",
            "n", "1 worker", "caller+1", "÷ 1", "whole", "÷ 1"
        );
        for &n in &sizes {
            measure_caller(n);
        }
        return;
    }
    if let Some(gaps) = gaps {
        if !std::env::args().any(|arg| arg == "--sizes") {
            sizes = vec![96, 128];
        }
        println!(
            "f64, µs per call (median), {} threads in the global pool, after a product on two \
             workers and a busy pause",
            rayon::current_num_threads()
        );
        println!(
            "{:>4} {:>7} {:>10} {:>10} {:>7}",
            "n", "gap µs", "2 workers", "1 worker", "2 ÷ 1"
        );
        for &n in &sizes {
            measure_gaps(n, &gaps, rounds);
        }
        return;
    }
    if let Some(idle_ms) = isolated {
        if !std::env::args().any(|arg| arg == "--sizes") {
            sizes = vec![16, 32, 48, 64, 96, 128];
        }
        println!(
            "f64, ns per call (median), {} threads in the global pool; isolated: each call after \
             {idle_ms} ms idle; join: an empty rayon::join after the same idle",
            rayon::current_num_threads()
        );
        println!(
            "{:>4} {:>10} {:>10} {:>10} {:>10} {:>7} {:>9} | {:>9} {:>9} {:>9} {:>7}",
            "n",
            "auto",
            "1 worker",
            "2 workers",
            "join",
            "÷1 wkr",
            "auto−1",
            "hot auto",
            "1 worker",
            "2 workers",
            "÷1 wkr"
        );
        for &n in &sizes {
            measure_isolated(n, Duration::from_millis(idle_ms), rounds);
        }
        return;
    }
    if matvec {
        if !std::env::args().any(|arg| arg == "--sizes") {
            sizes = vec![512, 2048, 8192];
        }
        println!(
            "GB/s of the matrix read (best of {rounds}); ratios > 1: parmat faster (÷ faer) or \
             nearer the streaming read (÷ read: parmat ÷ read, as speeds)"
        );
        println!(
            "{:<4} {:>5} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7} {:>7} {:>7}",
            "type",
            "n",
            "threads",
            "A·x",
            "faer",
            "xᵀ·A",
            "faer",
            "read",
            "÷faer",
            "÷read",
            "÷faer",
            "÷read"
        );
        for &n in &sizes {
            for threads in [1, 2] {
                measure_matvec(n, threads, rounds);
            }
        }
        return;
    }
    if let Some(count) = batch {
        println!(
            "ms per batch (best of {rounds}), {} threads in the global pool; ratios > 1: the batch entry point is faster",
            rayon::current_num_threads()
        );
        println!(
            "{:<4} {:>4} {:>6} {:>12} {:>12} {:>12} {:>10} {:>10}",
            "type", "n", "batch", "mul_batch", "1 thread", "faer iter", "÷ 1 thr", "÷ faer"
        );
        for &n in &sizes {
            measure_batch(n, count, rounds);
        }
        return;
    }
    println!(
        "ns per product (best of {rounds} batches); ratio = best peer ÷ parmat (> 1: parmat faster)"
    );
    println!(
        "{:<4} {:>4} {:>10} {:>10} {:>10} {:>8} {:>10} {:>8}",
        "type", "n", "parmat", "faer", "nalgebra", "ratio", "par_mul", "alloc"
    );
    for name in &types {
        for &n in &sizes {
            match name.as_str() {
                "f64" => measure::<f64>(name, n, rounds),
                "f32" => measure::<f32>(name, n, rounds),
                "i32" => measure::<i32>(name, n, rounds),
                "i64" => measure::<i64>(name, n, rounds),
                other => panic!("unknown type {other:?}: f64, f32, i32 or i64"),
            }
        }
    }
}

//! Multiplies random matrices with every strategy and prints a table: workers used, best
//! time, GFLOP/s, speedup over serial. All results are checked against the serial one.
//!
//! ```text
//! cargo run --release --example compare                 # 512×512 · 512×512, f64
//! cargo run --release --example compare -- 1024 --type i32
//! cargo run --release --example compare -- --shape 4096x4096x1       # matrix × vector
//! cargo run --release --example compare -- --shape 16x16x16 --batch 10000
//! cargo run --release --example compare -- --crossover  # 1 vs 2 workers on small sizes
//! ```
//!
//! `--shape MxKxN` multiplies an `M×K` matrix by a `K×N` one; `--batch B` times `B`
//! independent products of that shape through `parmat::mul_batch_into` with each strategy.
//! Threads come from the global rayon pool (`RAYON_NUM_THREADS` to change them).

use std::fmt::Display;
use std::time::{Duration, Instant};

use parmat::{Blocked, Element, Matrix, MulStrategy, RowParallel, Serial, Strategy};

/// Element types the demo can run.
trait Sample: Element + Display + PartialEq {
    const NAME: &'static str;
    fn random(rng: &mut fastrand::Rng) -> Self;
    /// Largest difference from `reference`, relative to the error bound of a k-term
    /// dot product (floats), or 0/1 for exact equality (integers).
    fn error(result: &Matrix<Self>, reference: &Matrix<Self>, k: usize) -> f64;
}

macro_rules! float_sample {
    ($t:ty, $name:literal) => {
        impl Sample for $t {
            const NAME: &'static str = $name;
            fn random(rng: &mut fastrand::Rng) -> Self {
                (rng.f64() * 2.0 - 1.0) as $t
            }
            fn error(result: &Matrix<Self>, reference: &Matrix<Self>, k: usize) -> f64 {
                // Entries of A and B are in [-1, 1], so |A||B| ≤ k per cell.
                let bound = (k.max(1) as f64) * (k.max(1) as f64) * (<$t>::EPSILON as f64);
                result
                    .as_slice()
                    .iter()
                    .zip(reference.as_slice())
                    .map(|(&x, &y)| ((x - y) as f64).abs() / bound)
                    .fold(0.0, f64::max)
            }
        }
    };
}
float_sample!(f64, "f64");
float_sample!(f32, "f32");

macro_rules! int_sample {
    ($t:ty, $name:literal) => {
        impl Sample for $t {
            const NAME: &'static str = $name;
            fn random(rng: &mut fastrand::Rng) -> Self {
                rng.i32(-100..=100) as $t
            }
            fn error(result: &Matrix<Self>, reference: &Matrix<Self>, _k: usize) -> f64 {
                if result == reference {
                    0.0
                } else {
                    f64::INFINITY
                }
            }
        }
    };
}
int_sample!(i32, "i32");
int_sample!(i64, "i64");

fn random_matrix<T: Sample>(rows: usize, cols: usize, rng: &mut fastrand::Rng) -> Matrix<T> {
    Matrix::from_fn(rows, cols, |_, _| T::random(rng))
}

/// Best time per run: runs are timed in batches long enough (≥ 50 µs) for the clock to
/// resolve them, at least 3 batches and about `budget` in total; the best batch counts.
fn best_time(budget: Duration, mut run: impl FnMut()) -> Duration {
    let start = Instant::now();
    run();
    let first = start.elapsed().as_secs_f64().max(1e-9);
    let batch = (50e-6 / first).ceil().max(1.0) as u32;
    let batches = (budget.as_secs_f64() / (first * batch as f64)).clamp(3.0, 10_000.0) as usize;
    let mut best = f64::INFINITY;
    for _ in 0..batches {
        let t = Instant::now();
        for _ in 0..batch {
            run();
        }
        best = best.min(t.elapsed().as_secs_f64() / batch as f64);
    }
    Duration::from_secs_f64(best)
}

fn format_time(t: Duration) -> String {
    let s = t.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else {
        format!("{:.3} µs", s * 1e6)
    }
}

/// The shape and batch size of the products to time.
#[derive(Clone, Copy)]
struct Shape {
    m: usize,
    k: usize,
    n: usize,
    batch: usize,
}

fn compare<T: Sample>(shape: Shape, budget: Duration) -> bool {
    let Shape { m, k, n, batch } = shape;
    let mut rng = fastrand::Rng::with_seed(42);
    let a: Vec<Matrix<T>> = (0..batch).map(|_| random_matrix(m, k, &mut rng)).collect();
    let b: Vec<Matrix<T>> = (0..batch).map(|_| random_matrix(k, n, &mut rng)).collect();
    let reference: Vec<Matrix<T>> = a
        .iter()
        .zip(&b)
        .map(|(x, y)| x.mul_with(y, &Serial).expect("the shapes fit"))
        .collect();
    let (a_views, b_views): (Vec<_>, Vec<_>) =
        a.iter().zip(&b).map(|(x, y)| (x.view(), y.view())).unzip();
    let flops = 2.0 * (m as f64) * (k as f64) * (n as f64) * batch as f64;
    let what = if batch > 1 {
        format!("a batch of {batch} products")
    } else {
        "one product".to_owned()
    };
    println!(
        "parmat compare: {m}×{k} · {k}×{n}, {}, {what}, {} threads in the rayon pool",
        T::NAME,
        rayon::current_num_threads()
    );
    println!(
        "{:<13} {:>7} {:>12} {:>9} {:>10} {:>8}",
        "strategy", "workers", "best time", "GFLOP/s", "vs serial", "check"
    );
    let mut serial_time = None;
    let mut all_ok = true;
    for strategy in Strategy::all() {
        let workers = strategy.workers_for::<T>(m, k, n);
        let mut c: Vec<Matrix<T>> = (0..batch).map(|_| Matrix::zeros(m, n)).collect();
        let time = best_time(budget, || {
            if batch == 1 {
                parmat::mul_into(&strategy, a_views[0], b_views[0], c[0].view_mut())
                    .expect("the shapes fit");
            } else {
                let mut outputs: Vec<_> = c.iter_mut().map(Matrix::view_mut).collect();
                parmat::mul_batch_into(&strategy, &a_views, &b_views, &mut outputs)
                    .expect("the shapes fit");
            }
        });
        let serial = *serial_time.get_or_insert(time);
        let error = c
            .iter()
            .zip(&reference)
            .map(|(got, want)| T::error(got, want, k))
            .fold(0.0, |worst: f64, e| {
                if e.is_nan() {
                    f64::INFINITY
                } else {
                    worst.max(e)
                }
            });
        let ok = error <= 1.0;
        all_ok &= ok;
        println!(
            "{:<13} {:>7} {:>12} {:>9.2} {:>9.2}× {:>8}",
            strategy.name(),
            workers,
            format_time(time),
            flops / time.as_secs_f64() / 1e9,
            serial.as_secs_f64() / time.as_secs_f64(),
            if ok { "ok" } else { "MISMATCH" }
        );
    }
    if batch > 1 {
        println!("workers: for one product of the batch; the batch shares its workers out");
    }
    println!("auto's plan: {}", parmat::plan::<T>(m, k, n));
    all_ok
}

/// `MxKxN` as three sizes.
fn parse_shape(text: &str) -> (usize, usize, usize) {
    let sizes: Vec<usize> = text
        .split(['x', '×'])
        .map(|size| {
            size.parse()
                .unwrap_or_else(|_| panic!("not a shape: {text:?} (use MxKxN)"))
        })
        .collect();
    match sizes[..] {
        [m, k, n] => (m, k, n),
        _ => panic!("not a shape: {text:?} (use MxKxN)"),
    }
}

/// Small sizes: one worker against two, for the strategies with a worker count, to locate
/// the size where splitting starts to pay (the planner's minimum work per worker).
fn crossover<T: Sample>(budget: Duration) {
    println!(
        "crossover, {}: time with 2 workers ÷ time with 1 worker (below 1: splitting pays); {} threads",
        T::NAME,
        rayon::current_num_threads()
    );
    println!(
        "{:>5} {:>12} {:>14} {:>13} {:>13} {:>15} {:>11}",
        "n", "mult-adds", "serial", "row-par 2/1", "blocked 2/1", "blocked1/serial", "auto/serial"
    );
    let mut rng = fastrand::Rng::with_seed(7);
    for n in [
        8, 12, 16, 24, 32, 40, 48, 56, 64, 80, 96, 128, 160, 192, 256,
    ] {
        let a: Matrix<T> = random_matrix(n, n, &mut rng);
        let b: Matrix<T> = random_matrix(n, n, &mut rng);
        let mut c = Matrix::zeros(n, n);
        let mut time = |s: Strategy| {
            best_time(budget, || {
                s.mul_into(a.view(), b.view(), c.view_mut())
                    .expect("shapes fit")
            })
            .as_secs_f64()
        };
        let serial = time(Strategy::Serial);
        let row1 = time(RowParallel::with_workers(1).into());
        let row2 = time(RowParallel::with_workers(2).into());
        let blk1 = time(Blocked::with_workers(1).into());
        let blk2 = time(Blocked::with_workers(2).into());
        let auto = time(Strategy::Auto(Default::default()));
        println!(
            "{n:>5} {:>12} {:>14} {:>13.2} {:>13.2} {:>15.2} {:>11.2}",
            n * n * n,
            format_time(Duration::from_secs_f64(serial)),
            row2 / row1,
            blk2 / blk1,
            blk1 / serial,
            auto / serial
        );
    }
}

fn main() {
    let mut shape = Shape {
        m: 512,
        k: 512,
        n: 512,
        batch: 1,
    };
    let mut element = "f64".to_owned();
    let mut crossover_mode = false;
    let mut budget = Duration::from_millis(300);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--type" => element = args.next().expect("--type needs f64, f32, i32 or i64"),
            "--crossover" => crossover_mode = true,
            "--shape" => {
                let (m, k, n) = parse_shape(&args.next().expect("--shape needs MxKxN"));
                (shape.m, shape.k, shape.n) = (m, k, n);
            }
            "--batch" => {
                shape.batch = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&b| b > 0)
                    .expect("--batch needs a count of at least 1");
            }
            "--budget-ms" => {
                let ms: u64 = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--budget-ms needs a number");
                budget = Duration::from_millis(ms);
            }
            "-h" | "--help" => {
                println!(
                    "usage: compare [N] [--shape MxKxN] [--batch B] [--type f64|f32|i32|i64] \
                     [--crossover] [--budget-ms MS]"
                );
                return;
            }
            other => {
                let n = other
                    .parse()
                    .unwrap_or_else(|_| panic!("not a size: {other:?}"));
                (shape.m, shape.k, shape.n) = (n, n, n);
            }
        }
    }
    if crossover_mode {
        match element.as_str() {
            "f64" => crossover::<f64>(budget),
            "f32" => crossover::<f32>(budget),
            "i32" => crossover::<i32>(budget),
            "i64" => crossover::<i64>(budget),
            other => panic!("unknown --type {other:?}: use f64, f32, i32 or i64"),
        }
        return;
    }
    let ok = match element.as_str() {
        "f64" => compare::<f64>(shape, budget),
        "f32" => compare::<f32>(shape, budget),
        "i32" => compare::<i32>(shape, budget),
        "i64" => compare::<i64>(shape, budget),
        other => panic!("unknown --type {other:?}: use f64, f32, i32 or i64"),
    };
    if !ok {
        eprintln!("results disagree");
        std::process::exit(1);
    }
}

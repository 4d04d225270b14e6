//! parmat against faer, matrixmultiply, nalgebra and ndarray, side by side in one process.
//!
//! ```text
//! cargo run --release -p parmat-bench --example peers                       # full table, 1 and 2 threads
//! cargo run --release -p parmat-bench --example peers -- --sizes 256,1024 --types f64,i32
//! cargo run --release -p parmat-bench --example peers -- --svg docs/img/peers.svg
//! cargo run --release -p parmat-bench --example peers -- --types c64,c32 --adjoint  # Aᴴ·B too
//! ```
//!
//! Without `--threads`, the program runs itself once per thread count (1, then all
//! cores), because matrixmultiply reads its thread count (`MATMUL_NUM_THREADS`) once per
//! process. Each child prints one `RESULT` line per measurement; the parent prints the
//! table of GFLOP/s (Gop/s for integers: a multiply-add counts 2, a complex one 8) and
//! parmat's ratio to each peer, and can draw them.
//!
//! Every implementation writes into a preallocated output, from the same random inputs,
//! and every result is checked against parmat's. Peers without an integer kernel
//! (faer, matrixmultiply) are skipped for integers; a size at which one run of an
//! implementation would exceed `--max-seconds` (predicted from its last size by the n³ law)
//! is skipped for that implementation.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use parmat::{Blocked, Element, Matrix, MulStrategy};

const IMPLEMENTATIONS: [&str; 6] = [
    "parmat",
    "parmat-auto",
    "faer",
    "matrixmultiply",
    "nalgebra",
    "ndarray",
];

struct Options {
    sizes: Vec<usize>,
    types: Vec<String>,
    threads: Option<usize>,
    budget: Duration,
    max_seconds: f64,
    svg: Option<String>,
    adjoint: bool,
}

fn parse_options() -> Options {
    let mut options = Options {
        sizes: vec![64, 256, 512, 1024, 2048, 4096],
        types: ["f64", "f32", "i32", "i64", "c64", "c32"]
            .map(String::from)
            .to_vec(),
        threads: None,
        budget: Duration::from_millis(1500),
        max_seconds: 3.0,
        svg: None,
        adjoint: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--sizes" => {
                options.sizes = value()
                    .split(',')
                    .map(|s| s.parse().expect("sizes are numbers"))
                    .collect()
            }
            "--types" => options.types = value().split(',').map(String::from).collect(),
            "--threads" => options.threads = Some(value().parse().expect("a thread count")),
            "--budget-ms" => {
                options.budget = Duration::from_millis(value().parse().expect("milliseconds"))
            }
            "--max-seconds" => options.max_seconds = value().parse().expect("seconds"),
            "--svg" => options.svg = Some(value()),
            "--adjoint" => options.adjoint = true,
            "-h" | "--help" => {
                println!(
                    "usage: peers [--sizes 64,256,...] [--types f64,f32,i32,i64,c64,c32] [--threads N] \
                     [--budget-ms MS] [--max-seconds S] [--svg FILE] [--adjoint]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other:?} (try --help)"),
        }
    }
    options
}

/// Best time of one run: at least 2 runs, about `budget` in total.
fn best_time(budget: Duration, mut run: impl FnMut()) -> f64 {
    let start = Instant::now();
    run();
    let first = start.elapsed().as_secs_f64();
    let reps = (budget.as_secs_f64() / first.max(1e-9)).clamp(1.0, 1000.0) as usize;
    let mut best = first;
    for _ in 0..reps {
        let t = Instant::now();
        run();
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

/// An element type with everything the peers need.
trait PeerElement:
    Element
    + nalgebra::Scalar
    + ndarray::LinalgScalar
    + num_traits::One
    + nalgebra::ClosedAddAssign
    + nalgebra::ClosedMulAssign
    + std::fmt::Debug
{
    /// Flops one multiply-add counts: 2 for real types, 8 for complex ones.
    const FLOPS_PER_MULTIPLY_ADD: f64 = 2.0;
    fn random(rng: &mut fastrand::Rng) -> Self;
    fn max_error(a: &[Self], b: &[Self], k: usize) -> f64;
    /// faer or matrixmultiply: the product (row-major) and the best time of one run, if
    /// that peer supports the type.
    fn peer(
        name: &str,
        threads: usize,
        a: &Matrix<Self>,
        b: &Matrix<Self>,
    ) -> Option<(Vec<Self>, f64)>;
    /// faer's `aᴴ · b` (row-major) and the best time of one run, if faer has the type.
    fn peer_adjoint(threads: usize, a: &Matrix<Self>, b: &Matrix<Self>)
    -> Option<(Vec<Self>, f64)>;
}

/// faer's `a · b`, or `aᴴ · b` with `adjoint` (row-major), and the best time of one run,
/// on `threads` threads.
fn faer_product<T>(threads: usize, a: &Matrix<T>, b: &Matrix<T>, adjoint: bool) -> (Vec<T>, f64)
where
    T: PeerElement + faer::traits::ComplexField,
{
    let (m, k, n) = if adjoint {
        (a.cols(), a.rows(), b.cols())
    } else {
        (a.rows(), a.cols(), b.cols())
    };
    let fa = faer::Mat::<T>::from_fn(a.rows(), a.cols(), |i, j| a[(i, j)]);
    let fb = faer::Mat::<T>::from_fn(k, n, |i, j| b[(i, j)]);
    let mut fc = faer::Mat::<T>::zeros(m, n);
    let par = if threads == 1 {
        faer::Par::Seq
    } else {
        faer::Par::rayon(threads)
    };
    let one = <T as num_traits::One>::one();
    let time = best_time(budget(), || {
        use faer::linalg::matmul::matmul;
        if adjoint {
            matmul(
                fc.as_mut(),
                faer::Accum::Replace,
                fa.adjoint(),
                fb.as_ref(),
                one,
                par,
            )
        } else {
            matmul(
                fc.as_mut(),
                faer::Accum::Replace,
                fa.as_ref(),
                fb.as_ref(),
                one,
                par,
            )
        }
    });
    ((0..m * n).map(|idx| fc[(idx / n, idx % n)]).collect(), time)
}

macro_rules! float_element {
    ($t:ty, $gemm:path) => {
        impl PeerElement for $t {
            fn random(rng: &mut fastrand::Rng) -> Self {
                (rng.f64() * 2.0 - 1.0) as $t
            }
            fn max_error(a: &[Self], b: &[Self], k: usize) -> f64 {
                let bound = (k as f64) * (k as f64) * <$t>::EPSILON as f64;
                a.iter()
                    .zip(b)
                    .map(|(x, y)| ((x - y) as f64).abs() / bound)
                    .fold(0.0, f64::max)
            }
            fn peer(
                name: &str,
                threads: usize,
                a: &Matrix<Self>,
                b: &Matrix<Self>,
            ) -> Option<(Vec<Self>, f64)> {
                let (m, k, n) = (a.rows(), a.cols(), b.cols());
                match name {
                    "faer" => Some(faer_product(threads, a, b, false)),
                    "matrixmultiply" => {
                        let mut c = vec![0.0 as $t; m * n];
                        let time = best_time(budget(), || {
                            // SAFETY: the pointers and row-major strides describe the
                            // m×k, k×n and m×n buffers, which outlive the call.
                            unsafe {
                                $gemm(
                                    m,
                                    k,
                                    n,
                                    1.0,
                                    a.as_slice().as_ptr(),
                                    k as isize,
                                    1,
                                    b.as_slice().as_ptr(),
                                    n as isize,
                                    1,
                                    0.0,
                                    c.as_mut_ptr(),
                                    n as isize,
                                    1,
                                )
                            }
                        });
                        Some((c, time))
                    }
                    _ => None,
                }
            }
            fn peer_adjoint(
                threads: usize,
                a: &Matrix<Self>,
                b: &Matrix<Self>,
            ) -> Option<(Vec<Self>, f64)> {
                Some(faer_product(threads, a, b, true))
            }
        }
    };
}
float_element!(f64, matrixmultiply::dgemm);
float_element!(f32, matrixmultiply::sgemm);

macro_rules! int_element {
    ($t:ty) => {
        impl PeerElement for $t {
            fn random(rng: &mut fastrand::Rng) -> Self {
                rng.i32(-1000..=1000) as $t
            }
            fn max_error(a: &[Self], b: &[Self], _k: usize) -> f64 {
                if a == b { 0.0 } else { f64::INFINITY }
            }
            fn peer(
                _: &str,
                _: usize,
                _: &Matrix<Self>,
                _: &Matrix<Self>,
            ) -> Option<(Vec<Self>, f64)> {
                None
            }
            fn peer_adjoint(
                _: usize,
                _: &Matrix<Self>,
                _: &Matrix<Self>,
            ) -> Option<(Vec<Self>, f64)> {
                None
            }
        }
    };
}
int_element!(i32);
int_element!(i64);

macro_rules! complex_element {
    ($t:ty, $gemm:path) => {
        impl PeerElement for num_complex::Complex<$t> {
            const FLOPS_PER_MULTIPLY_ADD: f64 = 8.0;
            fn random(rng: &mut fastrand::Rng) -> Self {
                num_complex::Complex::new(
                    (rng.f64() * 2.0 - 1.0) as $t,
                    (rng.f64() * 2.0 - 1.0) as $t,
                )
            }
            fn max_error(a: &[Self], b: &[Self], k: usize) -> f64 {
                let bound = (k as f64) * (k as f64) * <$t>::EPSILON as f64;
                a.iter()
                    .zip(b)
                    .map(|(x, y)| (x - y).norm() as f64 / bound)
                    .fold(0.0, f64::max)
            }
            fn peer(
                name: &str,
                threads: usize,
                a: &Matrix<Self>,
                b: &Matrix<Self>,
            ) -> Option<(Vec<Self>, f64)> {
                use num_traits::Zero;
                let (m, k, n) = (a.rows(), a.cols(), b.cols());
                match name {
                    "faer" => Some(faer_product(threads, a, b, false)),
                    "matrixmultiply" => {
                        let mut c = vec![Self::zero(); m * n];
                        let time = best_time(budget(), || {
                            // SAFETY: `Complex` is `repr(C)` (re, im), the layout of
                            // matrixmultiply's `[T; 2]`; the pointers and row-major strides
                            // describe the m×k, k×n and m×n buffers, which outlive the call.
                            unsafe {
                                $gemm(
                                    matrixmultiply::CGemmOption::Standard,
                                    matrixmultiply::CGemmOption::Standard,
                                    m,
                                    k,
                                    n,
                                    [1.0, 0.0],
                                    a.as_slice().as_ptr().cast(),
                                    k as isize,
                                    1,
                                    b.as_slice().as_ptr().cast(),
                                    n as isize,
                                    1,
                                    [0.0, 0.0],
                                    c.as_mut_ptr().cast(),
                                    n as isize,
                                    1,
                                )
                            }
                        });
                        Some((c, time))
                    }
                    _ => None,
                }
            }
            fn peer_adjoint(
                threads: usize,
                a: &Matrix<Self>,
                b: &Matrix<Self>,
            ) -> Option<(Vec<Self>, f64)> {
                Some(faer_product(threads, a, b, true))
            }
        }
    };
}
complex_element!(f64, matrixmultiply::zgemm);
complex_element!(f32, matrixmultiply::cgemm);

/// The measuring budget, set once per child; read on whichever thread measures.
static BUDGET_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1500);

fn budget() -> Duration {
    Duration::from_millis(BUDGET_MS.load(std::sync::atomic::Ordering::Relaxed))
}

/// Per implementation, the last size measured and its time for one run: a size whose run
/// would take longer than `--max-seconds` (by the n³ law) is skipped.
type LastRun = BTreeMap<String, (usize, f64)>;

/// Measures every implementation for one type and size; prints `RESULT` lines. With
/// `adjoint`, also `Aᴴ·B` (`Aᵀ·B` for real types) by parmat's `Auto` on an `h()` view and
/// by faer on its `adjoint()` view (`parmat-h`, `faer-h`).
fn measure<T: PeerElement>(
    name: &str,
    n: usize,
    threads: usize,
    last: &mut LastRun,
    (max_seconds, adjoint): (f64, bool),
) {
    let mut rng = fastrand::Rng::with_seed(n as u64);
    let a = Matrix::from_fn(n, n, |_, _| T::random(&mut rng));
    let b = Matrix::from_fn(n, n, |_, _| T::random(&mut rng));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    let ops = T::FLOPS_PER_MULTIPLY_ADD * (n as f64).powi(3);
    let mut reference: Option<Vec<T>> = None;
    for implementation in IMPLEMENTATIONS {
        let key = format!("{name}/{implementation}");
        if let Some(&(prev_n, prev_time)) = last.get(&key) {
            let predicted = prev_time * (n as f64 / prev_n as f64).powi(3);
            if predicted > max_seconds {
                continue;
            }
        }
        let measured: Option<(Vec<T>, f64)> = match implementation {
            "parmat" | "parmat-auto" => {
                let mut c = Matrix::zeros(n, n);
                let time = pool.install(|| {
                    best_time(budget(), || {
                        if implementation == "parmat" {
                            Blocked::with_workers(threads).mul_into(
                                a.view(),
                                b.view(),
                                c.view_mut(),
                            )
                        } else {
                            parmat::Auto::default().mul_into(a.view(), b.view(), c.view_mut())
                        }
                        .expect("square shapes fit")
                    })
                });
                Some((c.into_vec(), time))
            }
            "nalgebra" => {
                let na = nalgebra::DMatrix::from_row_slice(n, n, a.as_slice());
                let nb = nalgebra::DMatrix::from_row_slice(n, n, b.as_slice());
                let mut nc = nalgebra::DMatrix::<T>::zeros(n, n);
                let time =
                    pool.install(|| best_time(budget(), || nc.gemm(T::one(), &na, &nb, T::zero())));
                Some(((0..n * n).map(|idx| nc[(idx / n, idx % n)]).collect(), time))
            }
            "ndarray" => {
                let xa =
                    ndarray::Array2::from_shape_vec((n, n), a.as_slice().to_vec()).expect("n × n");
                let xb =
                    ndarray::Array2::from_shape_vec((n, n), b.as_slice().to_vec()).expect("n × n");
                let mut xc = ndarray::Array2::<T>::zeros((n, n));
                let time = pool.install(|| {
                    best_time(budget(), || {
                        ndarray::linalg::general_mat_mul(T::one(), &xa, &xb, T::zero(), &mut xc)
                    })
                });
                Some((xc.iter().copied().collect(), time))
            }
            peer => pool.install(|| T::peer(peer, threads, &a, &b)),
        };
        let Some((result, time)) = measured else {
            continue;
        };
        let error = match &reference {
            None => {
                reference = Some(result);
                0.0
            }
            Some(r) => T::max_error(&result, r, n),
        };
        assert!(
            error <= 1.0,
            "{implementation} disagrees with parmat for {name} n = {n}"
        );
        println!(
            "RESULT {name} {n} {threads} {implementation} {:.3}",
            ops / time / 1e9
        );
        last.insert(key, (n, time));
    }
    if adjoint {
        let mut c = Matrix::zeros(n, n);
        let time = pool.install(|| {
            best_time(budget(), || {
                parmat::Auto::default()
                    .mul_into(a.view().h(), b.view(), c.view_mut())
                    .expect("square shapes fit")
            })
        });
        println!(
            "RESULT {name} {n} {threads} parmat-h {:.3}",
            ops / time / 1e9
        );
        if let Some((result, time)) = pool.install(|| T::peer_adjoint(threads, &a, &b)) {
            assert!(
                T::max_error(&result, c.as_slice(), n) <= 1.0,
                "faer's Aᴴ·B disagrees with parmat's for {name} n = {n}"
            );
            println!("RESULT {name} {n} {threads} faer-h {:.3}", ops / time / 1e9);
        }
    }
}

fn child(options: &Options, threads: usize) {
    BUDGET_MS.store(
        options.budget.as_millis() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    let mut last = LastRun::new();
    for name in &options.types {
        for &n in &options.sizes {
            match name.as_str() {
                "f64" => measure::<f64>(
                    name,
                    n,
                    threads,
                    &mut last,
                    (options.max_seconds, options.adjoint),
                ),
                "f32" => measure::<f32>(
                    name,
                    n,
                    threads,
                    &mut last,
                    (options.max_seconds, options.adjoint),
                ),
                "i32" => measure::<i32>(
                    name,
                    n,
                    threads,
                    &mut last,
                    (options.max_seconds, options.adjoint),
                ),
                "i64" => measure::<i64>(
                    name,
                    n,
                    threads,
                    &mut last,
                    (options.max_seconds, options.adjoint),
                ),
                "c64" => measure::<num_complex::Complex<f64>>(
                    name,
                    n,
                    threads,
                    &mut last,
                    (options.max_seconds, options.adjoint),
                ),
                "c32" => measure::<num_complex::Complex<f32>>(
                    name,
                    n,
                    threads,
                    &mut last,
                    (options.max_seconds, options.adjoint),
                ),
                other => panic!("unknown type {other:?}: use f64, f32, i32, i64, c64 or c32"),
            }
        }
    }
}

/// GFLOP/s per implementation, for one (type, n, threads).
type Row = BTreeMap<String, f64>;
type Results = BTreeMap<(String, usize, usize), Row>;

fn print_table(results: &Results) {
    println!(
        "{:<4} {:>5} {:>3} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}   {:>7} {:>7} {:>7}",
        "type",
        "n",
        "thr",
        "parmat",
        "p-auto",
        "faer",
        "mm",
        "nalg",
        "ndarray",
        "/faer",
        "/mm",
        "/nalg"
    );
    for ((name, n, threads), row) in results {
        let cell = |key: &str| row.get(key).map_or("—".to_owned(), |v| format!("{v:.1}"));
        let ratio = |key: &str| match (row.get("parmat"), row.get(key)) {
            (Some(p), Some(q)) => format!("{:.2}", p / q),
            _ => "—".to_owned(),
        };
        println!(
            "{:<4} {:>5} {:>3} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}   {:>7} {:>7} {:>7}",
            name,
            n,
            threads,
            cell("parmat"),
            cell("parmat-auto"),
            cell("faer"),
            cell("matrixmultiply"),
            cell("nalgebra"),
            cell("ndarray"),
            ratio("faer"),
            ratio("matrixmultiply"),
            ratio("nalgebra"),
        );
    }
}

/// `Aᴴ·B` against `A·B` (both by `Auto`) and against faer's `Aᴴ·B`, where measured.
fn print_adjoint_table(results: &Results) {
    if !results.values().any(|row| row.contains_key("parmat-h")) {
        return;
    }
    println!();
    println!(
        "Aᴴ·B (Aᵀ·B for real types): parmat-h = Auto on a.view().h(), faer-h = faer on a.adjoint()"
    );
    println!(
        "{:<4} {:>5} {:>3} {:>8} {:>8} {:>8}   {:>7} {:>7}",
        "type", "n", "thr", "p-auto", "parmat-h", "faer-h", "h/auto", "h/faer-h"
    );
    for ((name, n, threads), row) in results {
        let cell = |key: &str| row.get(key).map_or("—".to_owned(), |v| format!("{v:.1}"));
        let ratio = |top: &str, bottom: &str| match (row.get(top), row.get(bottom)) {
            (Some(p), Some(q)) => format!("{:.2}", p / q),
            _ => "—".to_owned(),
        };
        println!(
            "{:<4} {:>5} {:>3} {:>8} {:>8} {:>8}   {:>7} {:>7}",
            name,
            n,
            threads,
            cell("parmat-auto"),
            cell("parmat-h"),
            cell("faer-h"),
            ratio("parmat-h", "parmat-auto"),
            ratio("parmat-h", "faer-h"),
        );
    }
}

/// One panel per (type, threads): GFLOP/s against n (log scale) per implementation.
fn draw(results: &Results, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let mut panels: BTreeMap<(String, usize), Vec<(usize, &Row)>> = BTreeMap::new();
    for ((name, n, threads), row) in results {
        panels
            .entry((name.clone(), *threads))
            .or_default()
            .push((*n, row));
    }
    let columns = panels
        .keys()
        .map(|(_, t)| *t)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        .max(1);
    let rows = panels.len().div_ceil(columns);
    let root = SVGBackend::new(path, (520 * columns as u32, 340 * rows as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((rows, columns));
    let colors = [RED, BLUE, GREEN, MAGENTA, CYAN, BLACK];
    for (((name, threads), points), area) in panels.iter().zip(areas) {
        let max_n = points.iter().map(|(n, _)| *n).max().unwrap_or(1) as f64;
        let min_n = points.iter().map(|(n, _)| *n).min().unwrap_or(1) as f64;
        let top = points
            .iter()
            .flat_map(|(_, r)| r.values())
            .fold(1.0f64, |a, &b| a.max(b))
            * 1.1;
        let unit = if name.starts_with('i') {
            "Gop/s"
        } else {
            "GFLOP/s"
        };
        let mut chart = ChartBuilder::on(&area)
            .caption(format!("{name}, {threads} thread(s)"), ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(45)
            .build_cartesian_2d((min_n..max_n).log_scale(), 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc("n")
            .y_desc(unit)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()?;
        for (color, implementation) in colors.iter().zip(IMPLEMENTATIONS) {
            let series: Vec<(f64, f64)> = points
                .iter()
                .filter_map(|(n, r)| r.get(implementation).map(|v| (*n as f64, *v)))
                .collect();
            if series.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(series, color.stroke_width(2)))?
                .label(implementation)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

fn main() {
    let options = parse_options();
    if let Some(threads) = options.threads {
        child(&options, threads);
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut thread_counts = vec![1];
    if cores > 1 {
        thread_counts.push(cores);
    }
    let mut results = Results::new();
    let exe = std::env::current_exe().expect("the path of this program");
    for threads in thread_counts {
        let mut args: Vec<String> = std::env::args().skip(1).collect();
        if let Some(i) = args.iter().position(|a| a == "--svg") {
            args.drain(i..i + 2);
        }
        let output = Command::new(&exe)
            .args(&args)
            .arg("--threads")
            .arg(threads.to_string())
            .env("MATMUL_NUM_THREADS", threads.to_string())
            .env("RAYON_NUM_THREADS", threads.to_string())
            .output()
            .expect("the child run starts");
        if !output.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&output.stderr));
            panic!("the {threads}-thread run failed");
        }
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if let ["RESULT", name, n, t, implementation, gflops] = fields[..] {
                results
                    .entry((
                        name.to_owned(),
                        n.parse().expect("n"),
                        t.parse().expect("threads"),
                    ))
                    .or_default()
                    .insert(implementation.to_owned(), gflops.parse().expect("GFLOP/s"));
            }
        }
    }
    println!(
        "parmat vs peers, GFLOP/s (Gop/s for integers), best of repeated runs; parmat = Blocked::with_workers(threads), p-auto = par_mul's planner"
    );
    println!(
        "{} with {cores} cores; parmat's kernels: {}",
        std::env::consts::ARCH,
        parmat::Simd::default_level()
    );
    print_table(&results);
    print_adjoint_table(&results);
    if let Some(path) = &options.svg {
        match draw(&results, path) {
            Ok(()) => println!("wrote {path}"),
            Err(e) => eprintln!("could not draw {path}: {e}"),
        }
    }
}

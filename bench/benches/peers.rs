//! parmat against faer, matrixmultiply, nalgebra and ndarray with criterion, in one
//! process, at n ∈ {256, 1024}: f32, f64, c32 and c64 (`num_complex::Complex`) against
//! every peer, i32 and i64 against the peers that support integers (nalgebra, ndarray).
//! Throughput counts a multiply-add as 2 elements, a complex one as 8 (real flops).
//!
//! All implementations use every core: parmat and faer through rayon's global pool,
//! matrixmultiply (and nalgebra and ndarray, which call it for floats) through its own
//! threads (`MATMUL_NUM_THREADS`, default: physical cores). For the full table with 1 and
//! 2 threads and more sizes, run `cargo run --release -p parmat-bench --example peers`.
//!
//! ```text
//! cargo bench -p parmat-bench --bench peers
//! cargo bench -p parmat-bench --bench peers -- 'f64/.*/1024'
//! ```

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use parmat::{Blocked, Matrix, MulStrategy};

const SIZES: [usize; 2] = [256, 1024];

fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
    flops_per_multiply_add: usize,
) {
    group.throughput(Throughput::Elements(
        (flops_per_multiply_add * n * n * n) as u64,
    ));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(if n >= 1024 { 4 } else { 2 }));
}

/// parmat's blocked strategy on `a · b`, into a preallocated output.
fn bench_parmat<T: parmat::Element>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
    a: &Matrix<T>,
    b: &Matrix<T>,
) {
    let mut c = Matrix::<T>::zeros(n, n);
    group.bench_with_input(BenchmarkId::new("parmat", n), &n, |bench, _| {
        bench.iter(|| {
            Blocked::default()
                .mul_into(a.view(), b.view(), c.view_mut())
                .unwrap()
        })
    });
}

/// faer's `matmul` on `a · b` with every core, into a preallocated output.
fn bench_faer<T>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
    a: &Matrix<T>,
    b: &Matrix<T>,
) where
    T: parmat::Element + faer::traits::ComplexField + num_traits::One,
{
    let fa = faer::Mat::<T>::from_fn(n, n, |i, j| a[(i, j)]);
    let fb = faer::Mat::<T>::from_fn(n, n, |i, j| b[(i, j)]);
    let mut fc = faer::Mat::<T>::zeros(n, n);
    group.bench_with_input(BenchmarkId::new("faer", n), &n, |bench, _| {
        bench.iter(|| {
            faer::linalg::matmul::matmul(
                fc.as_mut(),
                faer::Accum::Replace,
                fa.as_ref(),
                fb.as_ref(),
                <T as num_traits::One>::one(),
                faer::Par::rayon(0),
            )
        })
    });
}

macro_rules! float_group {
    ($c:expr, $t:ty, $name:literal, $gemm:path) => {{
        let mut group = $c.benchmark_group($name);
        for n in SIZES {
            configure(&mut group, n, 2);
            let a = Matrix::<$t>::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as $t - 5.0);
            let b = Matrix::<$t>::from_fn(n, n, |i, j| ((i * 5 + j) % 13) as $t - 6.0);
            bench_parmat(&mut group, n, &a, &b);
            bench_faer(&mut group, n, &a, &b);
            let mut mc = vec![0.0 as $t; n * n];
            group.bench_with_input(BenchmarkId::new("matrixmultiply", n), &n, |bench, _| {
                bench.iter(|| {
                    // SAFETY: the pointers and row-major strides describe three n × n
                    // buffers that outlive the call.
                    unsafe {
                        $gemm(
                            n,
                            n,
                            n,
                            1.0,
                            a.as_slice().as_ptr(),
                            n as isize,
                            1,
                            b.as_slice().as_ptr(),
                            n as isize,
                            1,
                            0.0,
                            mc.as_mut_ptr(),
                            n as isize,
                            1,
                        )
                    }
                })
            });
            common_peers(&mut group, n, &a, &b);
        }
        group.finish();
    }};
}

/// nalgebra and ndarray, which support every element type used here.
fn common_peers<T>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
    a: &Matrix<T>,
    b: &Matrix<T>,
) where
    T: parmat::Element
        + nalgebra::Scalar
        + nalgebra::ClosedAddAssign
        + nalgebra::ClosedMulAssign
        + ndarray::LinalgScalar
        + num_traits::One,
{
    let na = nalgebra::DMatrix::from_row_slice(n, n, a.as_slice());
    let nb = nalgebra::DMatrix::from_row_slice(n, n, b.as_slice());
    let mut nc = nalgebra::DMatrix::<T>::zeros(n, n);
    group.bench_with_input(BenchmarkId::new("nalgebra", n), &n, |bench, _| {
        bench.iter(|| nc.gemm(T::one(), &na, &nb, T::zero()))
    });
    let xa = ndarray::Array2::from_shape_vec((n, n), a.as_slice().to_vec()).unwrap();
    let xb = ndarray::Array2::from_shape_vec((n, n), b.as_slice().to_vec()).unwrap();
    let mut xc = ndarray::Array2::<T>::zeros((n, n));
    group.bench_with_input(BenchmarkId::new("ndarray", n), &n, |bench, _| {
        bench.iter(|| ndarray::linalg::general_mat_mul(T::one(), &xa, &xb, T::zero(), &mut xc))
    });
}

macro_rules! int_group {
    ($c:expr, $t:ty, $name:literal) => {{
        let mut group = $c.benchmark_group($name);
        for n in SIZES {
            configure(&mut group, n, 2);
            let a = Matrix::<$t>::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as $t - 5);
            let b = Matrix::<$t>::from_fn(n, n, |i, j| ((i * 5 + j) % 13) as $t - 6);
            bench_parmat(&mut group, n, &a, &b);
            common_peers(&mut group, n, &a, &b);
        }
        group.finish();
    }};
}

macro_rules! complex_group {
    ($c:expr, $t:ty, $name:literal, $gemm:path) => {{
        use num_complex::Complex;
        let mut group = $c.benchmark_group($name);
        for n in SIZES {
            configure(&mut group, n, 8);
            let value =
                |x: usize, y: usize| Complex::new((x % 11) as $t - 5.0, (y % 7) as $t - 3.0);
            let a = Matrix::from_fn(n, n, |i, j| value(i * 7 + j * 3, i + j));
            let b = Matrix::from_fn(n, n, |i, j| value(i * 5 + j, i * 3 + j));
            bench_parmat(&mut group, n, &a, &b);
            bench_faer(&mut group, n, &a, &b);
            let mut mc = vec![Complex::<$t>::new(0.0, 0.0); n * n];
            group.bench_with_input(BenchmarkId::new("matrixmultiply", n), &n, |bench, _| {
                bench.iter(|| {
                    // SAFETY: `Complex` is `repr(C)` (re, im), the layout of
                    // matrixmultiply's `[T; 2]`; the pointers and row-major strides
                    // describe the three n × n buffers, which outlive the call.
                    unsafe {
                        $gemm(
                            matrixmultiply::CGemmOption::Standard,
                            matrixmultiply::CGemmOption::Standard,
                            n,
                            n,
                            n,
                            [1.0, 0.0],
                            a.as_slice().as_ptr().cast(),
                            n as isize,
                            1,
                            b.as_slice().as_ptr().cast(),
                            n as isize,
                            1,
                            [0.0, 0.0],
                            mc.as_mut_ptr().cast(),
                            n as isize,
                            1,
                        )
                    }
                })
            });
            common_peers(&mut group, n, &a, &b);
        }
        group.finish();
    }};
}

fn peers(c: &mut Criterion) {
    float_group!(c, f64, "f64", matrixmultiply::dgemm);
    float_group!(c, f32, "f32", matrixmultiply::sgemm);
    int_group!(c, i32, "i32");
    int_group!(c, i64, "i64");
    complex_group!(c, f64, "c64", matrixmultiply::zgemm);
    complex_group!(c, f32, "c32", matrixmultiply::cgemm);
}

criterion_group!(benches, peers);
criterion_main!(benches);

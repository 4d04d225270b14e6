//! Every strategy at n ∈ {8, 64, 256, 1024}, for f64 and i32, in the global rayon pool.
//!
//! ```text
//! cargo bench -p parmat-bench --bench strategies                 # all
//! cargo bench -p parmat-bench --bench strategies -- 'f64/.*/256' # a subset
//! ```

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use parmat::{Element, Matrix, MulStrategy, Strategy};

fn bench_type<T: Element>(c: &mut Criterion, name: &str, value: impl Fn(usize, usize) -> T) {
    let mut group = c.benchmark_group(name);
    for n in [8usize, 64, 256, 1024] {
        let a = Matrix::from_fn(n, n, &value);
        let b = Matrix::from_fn(n, n, |i, j| value(j, i));
        let mut out = Matrix::zeros(n, n);
        group.throughput(Throughput::Elements((2 * n * n * n) as u64));
        if n >= 256 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(3));
        } else {
            group.sample_size(50);
            group.measurement_time(Duration::from_secs(2));
        }
        for strategy in Strategy::all() {
            group.bench_with_input(BenchmarkId::new(strategy.name(), n), &n, |bencher, _| {
                bencher.iter(|| {
                    strategy
                        .mul_into(a.view(), b.view(), out.view_mut())
                        .expect("square shapes fit")
                })
            });
        }
    }
    group.finish();
}

fn strategies(c: &mut Criterion) {
    bench_type(c, "f64", |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
    bench_type(c, "i32", |i, j| ((i * 7 + j * 3) % 11) as i32 - 5);
}

criterion_group!(benches, strategies);
criterion_main!(benches);

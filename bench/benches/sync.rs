//! `parmat::sync` overhead and the split-k reduction comparison.
//!
//! ```text
//! cargo bench -p parmat-bench --bench sync                       # all
//! cargo bench -p parmat-bench --bench sync -- lock/              # uncontended lock–unlock only
//! cargo bench -p parmat-bench --bench sync -- split_k/           # shared accumulation vs fixed-order reduction
//! ```
//!
//! - `lock/{read,write}/…`: one uncontended lock and unlock of a block: a bare parking_lot
//!   `RwLock` (the floor), an untracked `SharedMatrix` (lock timers only) and a tracked one
//!   (its own registry: every lock and unlock updates the wait-for graph).
//! - `split_k/{f64,i64}/…`: a reduction-shaped product, 16×100 000 times 100 000×16, with the
//!   depth split into one part per thread of the global pool, summed by per-worker buffers
//!   and a fixed-order reduction or by shared accumulation into a striped `SharedMatrix`;
//!   the serial product for scale.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use parking_lot::RwLock;
use parmat::sync::{Reduction, Registry, SharedMatrix, mul_by_depth_parts};
use parmat::{Element, Matrix, Serial};

fn locks(c: &mut Criterion) {
    let raw = RwLock::new(vec![1i64; 64]);
    let untracked = SharedMatrix::untracked(Matrix::<i64>::zeros(64, 8), 8);
    let tracked = SharedMatrix::with_registry(Matrix::<i64>::zeros(64, 8), 8, &Registry::new());

    let mut group = c.benchmark_group("lock");
    // Only the lock and the unlock: the guard is dropped at once.
    group.bench_function("read/parking_lot", |b| {
        b.iter(|| drop(black_box(raw.read())))
    });
    group.bench_function("read/untracked", |b| {
        b.iter(|| drop(black_box(untracked.read(black_box(3)))))
    });
    group.bench_function("read/tracked", |b| {
        b.iter(|| drop(black_box(tracked.read(black_box(3)))))
    });
    group.bench_function("write/parking_lot", |b| {
        b.iter(|| drop(black_box(raw.write())))
    });
    group.bench_function("write/untracked", |b| {
        b.iter(|| drop(black_box(untracked.write(black_box(3)))))
    });
    group.bench_function("write/tracked", |b| {
        b.iter(|| drop(black_box(tracked.write(black_box(3)))))
    });
    group.finish();
}

fn split_k_type<T: Element>(c: &mut Criterion, name: &str, value: impl Fn(usize, usize) -> T) {
    const M: usize = 16;
    const K: usize = 100_000;
    const N: usize = 16;
    let a = Matrix::from_fn(M, K, &value);
    let b = Matrix::from_fn(K, N, |p, j| value(j, p));
    let parts = rayon::current_num_threads();

    let mut group = c.benchmark_group(format!("split_k/{name}"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("serial", |bench| {
        bench.iter(|| a.mul_with(&b, &Serial).unwrap())
    });
    group.bench_function("fixed-order", |bench| {
        bench.iter(|| mul_by_depth_parts(a.view(), b.view(), parts, Reduction::FixedOrder).unwrap())
    });
    group.bench_function("shared", |bench| {
        bench.iter(|| mul_by_depth_parts(a.view(), b.view(), parts, Reduction::Shared).unwrap())
    });
    group.finish();
}

fn split_k(c: &mut Criterion) {
    split_k_type(c, "f64", |i, p| ((i * 7 + p * 3) % 11) as f64 - 5.0);
    split_k_type(c, "i64", |i, p| ((i * 7 + p * 3) % 11) as i64 - 5);
}

criterion_group!(benches, locks, split_k);
criterion_main!(benches);

//! `auto` against `serial` and the best fixed choices on one point of each shape family
//! of `bench/examples/sweep.rs` (f64, the global rayon pool): a quick check that the planner's
//! picks hold up under criterion's statistics.
//!
//! ```text
//! cargo bench -p parmat-bench --bench auto
//! cargo bench -p parmat-bench --bench auto -- 'reduce'   # a subset
//! ```

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use parmat::{Auto, Blocked, Matrix, MulStrategy, PerCell, RowParallel, SplitK, Strategy};

/// One product of each family: (name, m, k, n).
const POINTS: [(&str, usize, usize, usize); 8] = [
    ("square-32", 32, 32, 32),
    ("square-512", 512, 512, 512),
    ("tall-skinny", 16384, 64, 16),
    ("short-wide", 16, 64, 16384),
    ("outer", 1024, 1, 1024),
    ("matvec", 2048, 2048, 1),
    ("vecmat", 1, 2048, 2048),
    ("reduce-16", 16, 256_000, 16),
];

/// A contestant: a strategy from the enum, or split-k.
enum Contestant {
    Plain(Strategy),
    Split(SplitK),
}

fn auto(c: &mut Criterion) {
    let threads = rayon::current_num_threads();
    let mut contestants = vec![
        ("serial".to_owned(), Contestant::Plain(Strategy::Serial)),
        (
            "auto".to_owned(),
            Contestant::Plain(Strategy::Auto(Auto::default())),
        ),
    ];
    for (name, strategy) in [
        (
            "row-parallel",
            Strategy::from(RowParallel::with_workers(threads)),
        ),
        ("per-cell", PerCell::with_workers(threads).into()),
        ("blocked", Blocked::with_workers(threads).into()),
    ] {
        contestants.push((format!("{name}×{threads}"), Contestant::Plain(strategy)));
    }
    contestants.push((
        format!("split-k×{threads}"),
        Contestant::Split(SplitK::with_workers(threads)),
    ));

    let mut group = c.benchmark_group("auto");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(1));
    group.warm_up_time(Duration::from_millis(300));
    for (family, m, k, n) in POINTS {
        let a = Matrix::from_fn(m, k, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let b = Matrix::from_fn(k, n, |i, j| ((i * 5 + j) % 13) as f64 - 6.0);
        let mut out = Matrix::zeros(m, n);
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        for (name, contestant) in &contestants {
            group.bench_with_input(BenchmarkId::new(family, name), &(), |bencher, _| {
                bencher.iter(|| match contestant {
                    Contestant::Plain(s) => s.mul_into(a.view(), b.view(), out.view_mut()),
                    Contestant::Split(s) => s.mul_into(a.view(), b.view(), out.view_mut()),
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, auto);
criterion_main!(benches);

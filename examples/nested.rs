//! Many small products inside the caller's own parallel loop: `par_mul` must not
//! oversubscribe or slow the batch down.
//!
//! ```text
//! cargo run --release --example nested             # 10,000 products of 32×32 (f64)
//! cargo run --release --example nested -- 5000 48  # count and size
//! ```
//!
//! Times the same `par_iter` batch three ways: `a.par_mul(&b)` inside (the planner decides),
//! the `Serial` strategy inside, and the `Blocked` kernels pinned to one worker inside;
//! prints each batch's best time and its ratio to the serial-inner batch.

use std::time::Instant;

use parmat::{Blocked, Matrix, Serial};
use rayon::prelude::*;

/// One product of the batch.
type InnerProduct = dyn Fn(&Matrix<f64>, &Matrix<f64>) -> Matrix<f64> + Sync;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map_or(10_000, |s| s.parse().expect("a count"));
    let n: usize = args.next().map_or(32, |s| s.parse().expect("a size"));
    let pairs: Vec<(Matrix<f64>, Matrix<f64>)> = (0..count)
        .map(|t| {
            let a = Matrix::from_fn(n, n, |i, j| ((t + i * 7 + j) % 13) as f64 - 6.0);
            let b = Matrix::from_fn(n, n, |i, j| ((t + i + j * 5) % 11) as f64 - 5.0);
            (a, b)
        })
        .collect();
    let batch = |inner: &InnerProduct| {
        let mut best = f64::INFINITY;
        for _ in 0..7 {
            let start = Instant::now();
            let results: Vec<Matrix<f64>> = pairs.par_iter().map(|(a, b)| inner(a, b)).collect();
            best = best.min(start.elapsed().as_secs_f64());
            assert_eq!(results.len(), count);
        }
        best
    };
    let serial = batch(&|a, b| a.mul_with(b, &Serial).expect("square shapes fit"));
    let auto = batch(&|a, b| a.par_mul(b).expect("square shapes fit"));
    let blocked = batch(&|a, b| {
        a.mul_with(b, &Blocked::with_workers(1))
            .expect("square shapes fit")
    });
    println!(
        "{count} products of {n}×{n} f64 in a par_iter over {} threads; plan for one product: {}",
        rayon::current_num_threads(),
        parmat::plan::<f64>(n, n, n)
    );
    println!(
        "{:<28} {:>10} {:>16}",
        "inner product", "batch", "vs serial inner"
    );
    for (name, time) in [
        ("Serial", serial),
        ("par_mul (Auto)", auto),
        ("Blocked::with_workers(1)", blocked),
    ] {
        println!("{name:<28} {:>8.2} ms {:>15.2}×", time * 1e3, serial / time);
    }
}

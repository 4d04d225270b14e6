//! One product and nothing else, to measure parmat's memory overhead from outside:
//!
//! ```text
//! cargo build --release --example footprint
//! /usr/bin/time -v target/release/examples/footprint 4096    # "Maximum resident set size"
//! ```
//!
//! It allocates A, B and C (n × n f64 each), fills A and B, runs `par_mul`'s planner into C
//! once, and prints the three matrices' size so the resident-set peak can be compared with
//! it: anything above is the product's own scratch memory (packed blocks, thread stacks).

use parmat::{Matrix, MulStrategy};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(4096, |s| s.parse().expect("a size"));
    let a = Matrix::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
    let b = Matrix::from_fn(n, n, |i, j| ((i * 5 + j) % 13) as f64 - 6.0);
    let mut c = Matrix::<f64>::zeros(n, n);
    // Touch C so that its pages count before the product, like A's and B's.
    c.as_mut_slice().iter_mut().for_each(|x| *x = 1.0);
    let start = std::time::Instant::now();
    parmat::Auto::default()
        .mul_into(a.view(), b.view(), c.view_mut())
        .expect("square shapes fit");
    let seconds = start.elapsed().as_secs_f64();
    let mib = (3 * n * n * std::mem::size_of::<f64>()) as f64 / (1024.0 * 1024.0);
    println!(
        "{n}×{n} f64: {:.1} GFLOP/s, three matrices = {mib:.1} MiB, plan: {}",
        2.0 * (n as f64).powi(3) / seconds / 1e9,
        parmat::plan::<f64>(n, n, n)
    );
    // Keep the result alive and checked so the product is not optimised away.
    assert!(c[(n / 2, n / 3)].is_finite());
}

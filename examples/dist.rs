//! One distributed f64 product by SUMMA, timed, its traffic set against SUMMA's model, and
//! its result checked against a single-process product of the same seeded matrices.
//!
//! ```text
//! cargo build --release --features mpi --example dist
//! mpiexec -n 4 target/release/examples/dist 2048              # n = 2048 on a 2×2 grid
//! mpiexec -n 4 target/release/examples/dist 2048 --panel 256  # narrower panels
//! ```
//!
//! Rank 0 makes A and B (n×n, seeded), scatters them over a near-square grid of all the
//! processes, the grid multiplies them, and rank 0 gathers C and compares it with
//! `a.par_mul(&b)` computed on rank 0 alone. Prints the grid, the time of the product
//! (slowest process), GFLOP/s, and per process the bytes received and sent against the
//! model. Each process uses the threads of its rayon pool (`RAYON_NUM_THREADS`).

use std::process::ExitCode;
use std::time::Instant;

use mpi::traits::*;
use parmat::Matrix;
use parmat::dist::{DistMatrix, Grid, Summa, mpi};

struct Args {
    n: usize,
    panel: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        n: 2048,
        panel: Summa::DEFAULT_PANEL_WIDTH,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--panel" => {
                let value = it.next().ok_or("--panel needs a width")?;
                args.panel = value
                    .parse()
                    .map_err(|_| format!("bad panel width {value:?}"))?;
            }
            size => args.n = size.parse().map_err(|_| format!("bad size {size:?}"))?,
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(why) => {
            eprintln!("dist: {why}\nusage: dist [N] [--panel WIDTH]");
            return ExitCode::FAILURE;
        }
    };
    let universe = parmat::dist::initialize().expect("MPI is initialised once");
    let world = universe.world();
    match run(&world, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("dist: rank {}: {e}", world.rank());
            ExitCode::FAILURE
        }
    }
}

/// Runs the product; `Ok(false)` when the check failed.
fn run(world: &mpi::topology::SimpleCommunicator, args: &Args) -> Result<bool, parmat::Error> {
    let grid = Grid::new(world)?;
    let (p, q) = grid.shape();
    let processes = grid.size();
    let root = grid.rank() == 0;
    let n = args.n;

    let (a, b) = if root {
        let mut rng = fastrand::Rng::with_seed(2026);
        let a = Matrix::from_fn(n, n, |_, _| rng.f64() * 2.0 - 1.0);
        let b = Matrix::from_fn(n, n, |_, _| rng.f64() * 2.0 - 1.0);
        (Some(a), Some(b))
    } else {
        (None, None)
    };
    if root {
        println!(
            "n = {n}, f64, {processes} processes on a {p}×{q} grid, {} threads per process, panels of at most {}",
            rayon::current_num_threads(),
            args.panel
        );
    }

    let started = Instant::now();
    let da = DistMatrix::scatter(&grid, 0, a.as_ref())?;
    let db = DistMatrix::scatter(&grid, 0, b.as_ref())?;
    let scatter_time = started.elapsed();

    grid.communicator().barrier();
    let started = Instant::now();
    let (dc, stats) = Summa::with_panel_width(args.panel).mul(&da, &db)?;
    let own_time = started.elapsed().as_secs_f64();

    // Per process: time, communication, computation, bytes received, bytes sent.
    let mine = [
        own_time,
        stats.communication.as_secs_f64(),
        stats.computation.as_secs_f64(),
        stats.bytes_received as f64,
        stats.bytes_sent as f64,
    ];
    let mut all = vec![0.0f64; 5 * processes];
    grid.communicator().all_gather_into(&mine[..], &mut all[..]);

    let started = Instant::now();
    let gathered = dc.gather(0)?;
    let gather_time = started.elapsed();

    let (Some(a), Some(b), Some(c)) = (a, b, gathered) else {
        return Ok(true);
    };
    let time = all.chunks_exact(5).map(|r| r[0]).fold(0.0, f64::max);
    let flops = 2.0 * (n as f64).powi(3);
    println!(
        "SUMMA: {:.3} s (slowest process), {:.1} GFLOP/s; scatter {:.3} s, gather {:.3} s",
        time,
        flops / time / 1e9,
        scatter_time.as_secs_f64(),
        gather_time.as_secs_f64()
    );

    // SUMMA's model: each process takes part in broadcasts of a row panel of A,
    // (n/p)·n elements, and a column panel of B, n·(n/q): 2·n²/√P on a square grid. Of
    // those it owns 1/q of A's and 1/p of B's, so it receives the rest.
    let element = std::mem::size_of::<f64>() as f64;
    let touched = (n * n) as f64 / p as f64 + (n * n) as f64 / q as f64;
    let from_others = (n * n) as f64 / p as f64 * (1.0 - 1.0 / q as f64)
        + (n * n) as f64 / q as f64 * (1.0 - 1.0 / p as f64);
    println!(
        "model per process: 2·n²/√P = {:.0} elements ({:.1} MiB) in the panels it takes part in; received from others ≈ {:.0} elements ({:.1} MiB)",
        touched,
        touched * element / 1048576.0,
        from_others,
        from_others * element / 1048576.0
    );
    println!(
        "rank  coords  bytes received  ÷ 2n²/√P  ÷ from others  bytes sent  comm s  compute s"
    );
    for (rank, r) in all.chunks_exact(5).enumerate() {
        println!(
            "{rank:>4}  ({},{})   {:>14}  {:>8.3}  {:>13.3}  {:>10}  {:>6.3}  {:>9.3}",
            rank / q,
            rank % q,
            r[3],
            r[3] / (touched * element),
            r[3] / (from_others * element).max(1.0),
            r[4],
            r[1],
            r[2]
        );
    }

    // Not timed: the other processes wait in MPI_Finalize meanwhile, and MPICH's waits
    // spin, so on an oversubscribed machine the time would mean little. `mpiexec -n 1`
    // times the single-process product.
    let reference = a.par_mul(&b)?;
    // Entries are in [-1, 1], so Σ|a||b| ≤ n per cell; bound n·ε·n.
    let bound = (n as f64) * (n as f64) * f64::EPSILON;
    let worst = c
        .as_slice()
        .iter()
        .zip(reference.as_slice())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    let ok = worst <= bound;
    println!(
        "check against par_mul on one process: largest difference {:.2e}, bound n²·ε = {:.2e}: {}",
        worst,
        bound,
        if ok { "ok" } else { "FAILED" }
    );
    Ok(ok)
}

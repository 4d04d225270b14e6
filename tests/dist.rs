//! Distributed products (feature `mpi`), run under MPI on 1, 2 and 4 processes:
//!
//! ```text
//! cargo test --features mpi --test dist --no-run     # prints the binary's path
//! mpiexec -n 4 target/debug/deps/dist-…
//! ```
//!
//! A plain `main` (no test harness): every process runs every check in the same order,
//! the processes agree on each outcome, and rank 0 prints `dist: N passed, M failed`. Any
//! failure on any process makes every process exit with status 1. Checks cover every grid
//! shape the number of processes allows (1×1; 1×2 and 2×1; 1×4, 2×2 and 4×1), sizes not
//! divisible by the grid (1×n and n×1 included), i64 products bit-identical to
//! single-process `par_mul`, f64 products within the error bound of the naive product,
//! the bytes each process receives against SUMMA's count, and bad arguments answered by
//! the same error on every process.

mod common;

use std::process::ExitCode;

use common::{Reference, naive};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use parmat::dist::{DistElement, DistMatrix, Grid, Summa, block_range, mpi};
use parmat::{Error, Matrix};

/// Outcomes of the checks, agreed between the processes.
struct Checks<'w> {
    world: &'w SimpleCommunicator,
    rank: usize,
    size: usize,
    passed: usize,
    failed: usize,
}

impl Checks<'_> {
    /// Records one check. Every process calls this for every check, in the same order; a
    /// check passes when it passed on every process.
    fn record(&mut self, name: &str, outcome: Result<(), String>) {
        if let Err(why) = &outcome {
            eprintln!("rank {}: FAILED {name}: {why}", self.rank);
        }
        let ok = u8::from(outcome.is_ok());
        let mut all = vec![0u8; self.size];
        self.world.all_gather_into(&ok, &mut all[..]);
        if all.iter().all(|&ok| ok == 1) {
            self.passed += 1;
        } else {
            self.failed += 1;
            if self.rank == 0 {
                let ranks: Vec<usize> = (0..self.size).filter(|&r| all[r] == 0).collect();
                eprintln!("FAILED {name} (on ranks {ranks:?})");
            }
        }
    }
}

/// Seeded full-range values, so that i64 products wrap (splitmix64).
fn random_i64(rows: usize, cols: usize, seed: u64) -> Matrix<i64> {
    let mut state = seed;
    Matrix::from_fn(rows, cols, |_, _| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as i64
    })
}

/// Seeded values in [-1, 1).
fn random_f64(rows: usize, cols: usize, seed: u64) -> Matrix<f64> {
    let bits = random_i64(rows, cols, seed);
    Matrix::from_fn(rows, cols, |i, j| {
        (bits[(i, j)] as u64 >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    })
}

/// `got` against the naive product within 2·(k+1)·ε·Σ|a||b| per cell.
fn within_bound(got: &Matrix<f64>, a: &Matrix<f64>, b: &Matrix<f64>) -> Result<(), String> {
    let want = naive(a.view(), b.view());
    if got.shape() != want.shape() {
        return Err(format!("shape {:?}, want {:?}", got.shape(), want.shape()));
    }
    let k = a.cols();
    for i in 0..want.rows() {
        for j in 0..want.cols() {
            let scale: f64 = (0..k)
                .map(|p| a[(i, p)].magnitude() * b[(p, j)].magnitude())
                .sum();
            let bound = 2.0 * (k as f64 + 1.0) * f64::EPSILON * scale;
            if !f64::close(got[(i, j)], want[(i, j)], bound) {
                return Err(format!(
                    "cell ({i}, {j}) is {}, reference {} (bound {bound:e})",
                    got[(i, j)],
                    want[(i, j)]
                ));
            }
        }
    }
    Ok(())
}

/// What SUMMA must send and receive on this process for an `m×k · k×n` product:
/// `(sent, received)` in elements.
fn expected_traffic(grid: &Grid, m: usize, k: usize, n: usize) -> (u64, u64) {
    let (p, q) = grid.shape();
    let (r, c) = grid.coords();
    let rows = block_range(m, p, r).len();
    let cols = block_range(n, q, c).len();
    let a_own = block_range(k, q, c).len();
    let b_own = block_range(k, p, r).len();
    let received = rows * (k - a_own) + cols * (k - b_own);
    let sent = rows * a_own * (q - 1) + cols * b_own * (p - 1);
    (sent as u64, received as u64)
}

/// Scatters `a` and `b` from `root`, multiplies, gathers on `root` and compares there with
/// `compare`; every process checks its traffic against SUMMA's count.
fn product_check<T: DistElement>(
    grid: &Grid,
    root: usize,
    a: &Matrix<T>,
    b: &Matrix<T>,
    summa: Summa,
    compare: impl Fn(&Matrix<T>) -> Result<(), String>,
) -> Result<(), String> {
    let here = grid.rank() == root;
    let da = DistMatrix::scatter(grid, root, here.then_some(a)).map_err(|e| e.to_string())?;
    let db = DistMatrix::scatter(grid, root, here.then_some(b)).map_err(|e| e.to_string())?;
    let (dc, stats) = summa.mul(&da, &db).map_err(|e| e.to_string())?;
    let gathered = dc.gather(root).map_err(|e| e.to_string())?;
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    let (sent, received) = expected_traffic(grid, m, k, n);
    if (stats.elements_sent, stats.elements_received) != (sent, received) {
        return Err(format!(
            "traffic: sent {} and received {} elements, SUMMA needs {sent} and {received}",
            stats.elements_sent, stats.elements_received
        ));
    }
    let size = std::mem::size_of::<T>() as u64;
    if stats.bytes_received != received * size || stats.bytes_sent != sent * size {
        return Err("bytes are not elements × element size".into());
    }
    match gathered {
        Some(c) if here => compare(&c),
        None if !here => Ok(()),
        _ => Err("gather returned a matrix on the wrong process".into()),
    }
}

/// Products of every size on one grid, i64 and f64, from the given root.
fn products_on(checks: &mut Checks<'_>, grid: &Grid, label: &str) {
    // (m, k, n): 1×n and n×1 operands, empty ones, sizes below and not divisible by the grid.
    let sizes = [
        (1, 1, 1),
        (1, 13, 1),
        (13, 1, 13),
        (1, 10, 17),
        (17, 10, 1),
        (2, 3, 5),
        (7, 11, 5),
        (0, 4, 3),
        (3, 0, 4),
        (3, 4, 0),
        (31, 29, 37),
        (64, 64, 64),
        (101, 67, 83),
    ];
    let root = grid.size() - 1; // the last process, so that the root need not be rank 0
    for (index, &(m, k, n)) in sizes.iter().enumerate() {
        let seed = 1000 + index as u64;
        // Narrow panels for some sizes, so that several panels meet inside one block.
        let summa = if index % 2 == 0 {
            Summa::with_panel_width(3)
        } else {
            Summa::default()
        };
        let a = random_i64(m, k, seed);
        let b = random_i64(k, n, seed + 1);
        let outcome = product_check(grid, root, &a, &b, summa, |c| {
            let want = a.par_mul(&b).map_err(|e| e.to_string())?;
            if *c == want {
                Ok(())
            } else {
                Err("i64 product differs from single-process par_mul".into())
            }
        });
        checks.record(&format!("{label}: i64 {m}×{k}·{k}×{n}"), outcome);

        let a = random_f64(m, k, seed);
        let b = random_f64(k, n, seed + 1);
        let outcome = product_check(grid, root, &a, &b, summa, |c| within_bound(c, &a, &b));
        checks.record(&format!("{label}: f64 {m}×{k}·{k}×{n}"), outcome);
    }

    // One larger product with the default panels, from rank 0.
    let (m, k, n) = (160, 530, 140);
    let a = random_i64(m, k, 7);
    let b = random_i64(k, n, 8);
    let outcome = product_check(grid, 0, &a, &b, Summa::default(), |c| {
        (*c == a.par_mul(&b).unwrap())
            .then_some(())
            .ok_or_else(|| "i64 product differs from single-process par_mul".to_string())
    });
    checks.record(&format!("{label}: i64 {m}×{k}·{k}×{n}"), outcome);
}

/// Blocks made where they live agree with the whole matrix, and a scatter/gather round
/// trip returns the matrix.
fn layout_checks(checks: &mut Checks<'_>, grid: &Grid, label: &str) {
    let f = |i: usize, j: usize| (i * 1000 + j) as i32;
    let (rows, cols) = (7, 5);
    let made = DistMatrix::from_fn(grid, rows, cols, f);
    let outcome = made
        .gather(0)
        .map_err(|e| e.to_string())
        .and_then(|whole| match whole {
            Some(w) if w != Matrix::from_fn(rows, cols, f) => Err("gathered blocks differ".into()),
            _ => Ok(()),
        });
    checks.record(
        &format!("{label}: from_fn blocks gather to the matrix"),
        outcome,
    );

    let whole = Matrix::from_fn(rows, cols, f);
    let root = grid.size() / 2;
    let outcome = DistMatrix::scatter(grid, root, (grid.rank() == root).then_some(&whole))
        .and_then(|d| {
            let (r, c) = d.local_ranges();
            let local_ok = d.local().shape() == (r.len(), c.len())
                && (0..r.len()).all(|i| {
                    (0..c.len()).all(|j| d.local()[(i, j)] == f(r.start + i, c.start + j))
                });
            Ok((local_ok, d.gather(root)?))
        })
        .map_err(|e| e.to_string())
        .and_then(|(local_ok, back)| {
            if !local_ok {
                Err("a scattered block holds the wrong elements".to_string())
            } else if grid.rank() == root && back.as_ref() != Some(&whole) {
                Err("scatter then gather changed the matrix".into())
            } else {
                Ok(())
            }
        });
    checks.record(
        &format!("{label}: scatter/gather round trip from rank {root}"),
        outcome,
    );
}

/// Checks that `outcome` is an error satisfying `expected`, and the same error (same
/// message) on every process.
fn same_error<T>(
    world: &SimpleCommunicator,
    outcome: Result<T, Error>,
    expected: impl Fn(&Error) -> bool,
) -> Result<(), String> {
    let message = match &outcome {
        Ok(_) => String::from("(no error)"),
        Err(e) => e.to_string(),
    };
    // FNV-1a of the message, compared across processes.
    let hash = message.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let size = world.size() as usize;
    let mut all = vec![0u64; size];
    world.all_gather_into(&hash, &mut all[..]);
    match outcome {
        Ok(_) => Err("no error".into()),
        Err(e) if !expected(&e) => Err(format!("unexpected error: {e}")),
        Err(e) if all.iter().any(|&h| h != hash) => {
            Err(format!("processes returned different errors; here: {e}"))
        }
        Err(_) => Ok(()),
    }
}

fn error_checks(checks: &mut Checks<'_>, world: &SimpleCommunicator, grid: &Grid) {
    let size = checks.size;
    let rank = checks.rank;

    let a = DistMatrix::<i64>::zeros(grid, 3, 4);
    let b = DistMatrix::<i64>::zeros(grid, 5, 2);
    let outcome = same_error(world, a.mul(&b), |e| {
        *e == Error::ShapeMismatch {
            operation: "multiply",
            left: (3, 4),
            right: (5, 2),
            output: None,
        }
    });
    checks.record("errors: inner dimensions differ", outcome);

    let outcome = same_error(
        world,
        Grid::with_shape(world, size + 1, 1),
        |e| matches!(e, Error::InvalidGrid { rows, processes, .. } if *rows == size + 1 && *processes == size),
    );
    checks.record("errors: grid larger than the processes", outcome);
    let outcome = same_error(world, Grid::with_shape(world, 0, size), |e| {
        matches!(e, Error::InvalidGrid { rows: 0, .. })
    });
    checks.record("errors: grid with no rows", outcome);

    let whole = Matrix::from_fn(4, 4, |i, j| (i + j) as f64);
    let outcome = same_error(
        world,
        DistMatrix::scatter(grid, size, Some(&whole)),
        |e| matches!(e, Error::InvalidRoot { root, .. } if *root == size),
    );
    checks.record("errors: scatter from a root outside the grid", outcome);
    let outcome = same_error(world, DistMatrix::<f64>::scatter(grid, 0, None), |e| {
        matches!(e, Error::InvalidRoot { root: 0, .. })
    });
    checks.record("errors: scatter from a root with no matrix", outcome);
    let c = DistMatrix::<f64>::zeros(grid, 3, 3);
    let outcome = same_error(world, c.gather(size + 3), |e| {
        matches!(e, Error::InvalidRoot { .. })
    });
    checks.record("errors: gather to a root outside the grid", outcome);

    if size > 1 {
        // Processes asking for different things: every one of them gets the same error.
        let shape = if rank == 0 { (1, size) } else { (size, 1) };
        let outcome = same_error(world, Grid::with_shape(world, shape.0, shape.1), |e| {
            matches!(e, Error::ProcessesDisagree { rank: 1, .. })
        });
        checks.record("errors: processes ask for different grids", outcome);

        let root = usize::from(rank != 0);
        let outcome = same_error(world, DistMatrix::scatter(grid, root, Some(&whole)), |e| {
            matches!(
                e,
                Error::ProcessesDisagree {
                    operation: "scatter",
                    ..
                }
            )
        });
        checks.record("errors: processes name different roots", outcome);

        let d = DistMatrix::<f64>::zeros(grid, 4, 4);
        let outcome = if rank == 0 {
            DistMatrix::scatter(grid, 0, Some(&whole)).map(|_| ())
        } else {
            d.gather(0).map(|_| ())
        };
        let outcome = same_error(world, outcome, |e| {
            matches!(e, Error::ProcessesDisagree { .. })
        });
        checks.record(
            "errors: one process scatters while the others gather",
            outcome,
        );

        // Products whose shapes differ between processes, and a product on one process
        // while the others gather: the same error everywhere, no hang.
        let a = DistMatrix::<i64>::zeros(grid, 4, 4);
        let b = DistMatrix::<i64>::zeros(grid, 4, if rank == 0 { 4 } else { 5 });
        let outcome = same_error(world, a.mul(&b), |e| {
            matches!(
                e,
                Error::ProcessesDisagree {
                    operation: "multiplication",
                    rank: 1,
                    ..
                }
            )
        });
        checks.record("errors: processes multiply different shapes", outcome);
        let outcome = if rank == 0 {
            a.mul(&a).map(|_| ())
        } else {
            a.gather(0).map(|_| ())
        };
        let outcome = same_error(world, outcome, |e| {
            matches!(e, Error::ProcessesDisagree { .. })
        });
        checks.record(
            "errors: one process multiplies while the others gather",
            outcome,
        );
    }
}

/// Grids of different shapes cannot be mixed in one product.
fn grid_mismatch_check(
    checks: &mut Checks<'_>,
    world: &SimpleCommunicator,
    one: &Grid,
    other: &Grid,
) {
    let a = DistMatrix::<f64>::zeros(one, 4, 4);
    let b = DistMatrix::<f64>::zeros(other, 4, 4);
    let (left, right) = (one.shape(), other.shape());
    let outcome = same_error(world, Summa::default().mul(&a, &b), |e| {
        *e == Error::GridMismatch { left, right }
    });
    checks.record(
        &format!(
            "errors: {}×{} grid times {}×{} grid",
            left.0, left.1, right.0, right.1
        ),
        outcome,
    );
}

fn main() -> ExitCode {
    let Some(universe) = parmat::dist::initialize() else {
        eprintln!("dist: MPI was initialised already");
        return ExitCode::FAILURE;
    };
    let world = universe.world();
    let size = world.size() as usize;
    let rank = world.rank() as usize;
    let mut checks = Checks {
        world: &world,
        rank,
        size,
        passed: 0,
        failed: 0,
    };
    if rank == 0 {
        println!("dist: {size} processes");
    }

    // Every grid shape the number of processes allows.
    let shapes: Vec<(usize, usize)> = (1..=size)
        .filter(|p| size.is_multiple_of(*p))
        .map(|p| (p, size / p))
        .collect();
    let mut grids = Vec::new();
    for &(p, q) in &shapes {
        let grid = Grid::with_shape(&world, p, q);
        let outcome = match &grid {
            Ok(g) if g.shape() == (p, q) && g.coords() == (rank / q, rank % q) => Ok(()),
            Ok(g) => Err(format!(
                "grid {:?} with coordinates {:?}",
                g.shape(),
                g.coords()
            )),
            Err(e) => Err(e.to_string()),
        };
        checks.record(&format!("grid {p}×{q}"), outcome);
        if let Ok(grid) = grid {
            grids.push(grid);
        }
    }
    let near_square = Grid::new(&world);
    let want = match size {
        1 => (1, 1),
        2 => (1, 2),
        4 => (2, 2),
        _ => near_square.as_ref().map_or((0, 0), Grid::shape),
    };
    checks.record(
        "Grid::new is near-square",
        match &near_square {
            Ok(g) if g.shape() == want => Ok(()),
            Ok(g) => Err(format!("{:?}, want {want:?}", g.shape())),
            Err(e) => Err(e.to_string()),
        },
    );

    if let Some(first) = grids.first() {
        error_checks(&mut checks, &world, first);
    }
    for one in &grids {
        for other in &grids {
            if one.shape() != other.shape() {
                grid_mismatch_check(&mut checks, &world, one, other);
            }
        }
    }
    for grid in &grids {
        let (p, q) = grid.shape();
        let label = format!("grid {p}×{q}");
        layout_checks(&mut checks, grid, &label);
        products_on(&mut checks, grid, &label);
    }

    if rank == 0 {
        println!("dist: {} passed, {} failed", checks.passed, checks.failed);
    }
    drop(grids);
    drop(near_square);
    if checks.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

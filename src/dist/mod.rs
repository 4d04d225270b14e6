//! Products of matrices too large for one machine: block-distributed matrices on a 2-D
//! grid of MPI processes, multiplied by SUMMA (feature `mpi`).
//!
//! The processes of an MPI communicator are arranged as a `p × q` [`Grid`] (an MPI
//! Cartesian communicator). A [`DistMatrix`] of `m × n` gives process `(r, c)` the block of
//! rows [`block_range`]`(m, p, r)` and columns [`block_range`]`(n, q, c)`: any size works,
//! the first `m mod p` block rows (and `n mod q` block columns) having one more than the
//! rest. [`DistMatrix::scatter`] hands out the blocks of a [`Matrix`](crate::Matrix) held
//! by one root process and [`DistMatrix::gather`] brings them back.
//!
//! [`DistMatrix::mul`] (or [`Summa::mul`], which also returns [`CommStats`]) computes
//! `C = A·B` with SUMMA (van de Geijn and Watts, 1997): the depth `k` is cut into panels,
//! and for each panel the process column owning that slice of `A` broadcasts it along the
//! process rows, the process row owning that slice of `B` broadcasts it along the process
//! columns, and every process adds the product of the two panels to its block of `C` with
//! the [`Auto`](crate::Auto) planner, so the threads of each process are used as on one
//! machine. Each process receives about `(1 − 1/√P)·2·n²/√P` elements for an `n × n × n`
//! product on `P` processes in a square grid, and does `n³/P` multiply-adds.
//!
//! Every function here is *collective*: all processes of the grid call it, in the same
//! order, with the same arguments (the matrix of a scatter only on its root). Bad
//! arguments are errors, not hangs: shapes and grids are checked on every process before
//! anything is sent, from values all processes hold (a scatter first shares the root's
//! shape), so every process returns the same [`Error`](crate::Error).
//!
//! Integer products are bit-identical to [`Matrix::par_mul`](crate::Matrix::par_mul) on
//! one process (the crate's integers wrap, so the order of the sums does not matter);
//! floating-point products agree to rounding (each cell is a sum of panel sums).
//!
//! # Examples
//!
//! Run with `mpiexec -n 4 target/release/examples/…`; on one process it works as well.
//!
//! ```no_run
//! use parmat::dist::{DistMatrix, Grid};
//! use parmat::Matrix;
//!
//! let universe = parmat::dist::initialize().expect("MPI is initialised once");
//! let world = universe.world();
//! let grid = Grid::new(&world)?; // near-square: 2×2 on 4 processes
//!
//! // Only the root (rank 0) needs the whole operands.
//! let root = grid.rank() == 0;
//! let a = root.then(|| Matrix::from_fn(500, 300, |i, j| (i + 2 * j) as f64));
//! let b = root.then(|| Matrix::from_fn(300, 400, |i, j| (i * j % 7) as f64));
//! let a = DistMatrix::scatter(&grid, 0, a.as_ref())?;
//! let b = DistMatrix::scatter(&grid, 0, b.as_ref())?;
//!
//! let c = a.mul(&b)?;
//! if let Some(c) = c.gather(0)? {
//!     assert_eq!(c.shape(), (500, 400));
//! }
//! # Ok::<(), parmat::Error>(())
//! ```
//!
//! # Threads inside a process
//!
//! Only the thread that calls this module talks to MPI; the local products run in the
//! current rayon pool, whose workers never call MPI. So MPI must allow threads, with calls
//! from one thread: [`initialize`] asks for that (`Threading::Funneled`). If you
//! initialise MPI yourself, ask for `Funneled` at least, or `Serialized` when the thread
//! that calls parmat is not the one that initialised MPI. Give each process as many
//! threads as the cores it owns (one process per node or per socket, threads inside): see
//! `docs/distributed.md` in the repository.

use std::ops::Range;

mod agree;
mod grid;
mod matrix;
mod summa;

/// The `mpi` crate (rsmpi) this module is built on, for `mpi::initialize` and the
/// communicator types, at the version `parmat` uses.
pub use ::mpi;

pub use grid::Grid;
pub use matrix::DistMatrix;
pub use summa::{CommStats, Summa};

use crate::Element;

/// Initialises MPI for use with this module: with thread support `Funneled` (threads may
/// exist, only the main thread calls MPI), which the rayon threads of the local products
/// need. (Every MPI call of this module is made by the thread that called it; rayon's
/// threads only compute. An MPI library that grants less than `Funneled` is accepted
/// as MPICH and Open MPI in practice allow this; call
/// [`mpi::initialize_with_threading`] yourself to see the level granted.)
/// `None` if MPI was initialised already, as [`mpi::initialize`]. MPI is finalised
/// when the returned `Universe` is dropped: keep it alive (declare it first) while grids
/// and distributed matrices exist.
///
/// # Examples
///
/// ```no_run
/// let universe = parmat::dist::initialize().expect("MPI is initialised once");
/// let grid = parmat::dist::Grid::new(&universe.world())?;
/// # Ok::<(), parmat::Error>(())
/// ```
pub fn initialize() -> Option<mpi::environment::Universe> {
    mpi::initialize_with_threading(mpi::Threading::Funneled).map(|(universe, _provided)| universe)
}

/// Element types that can be distributed: any [`Element`] with an MPI datatype
/// ([`mpi::traits::Equivalence`]). Implemented for all such types: every primitive integer
/// and float, and types of your own that implement `Equivalence` (the `mpi` crate derives
/// it with its `derive` feature).
///
/// # Examples
///
/// ```
/// fn distributable<T: parmat::dist::DistElement>() {}
/// distributable::<i64>();
/// distributable::<f64>();
/// ```
pub trait DistElement: Element + mpi::traits::Equivalence {}

impl<T: Element + mpi::traits::Equivalence> DistElement for T {}

/// The indices that part `index` of `parts` gets when `0..len` is cut into `parts`
/// contiguous blocks whose sizes differ by at most one (the first `len mod parts` blocks
/// are one longer). Blocks of a [`DistMatrix`] are cut this way: process `(r, c)` of a
/// `p × q` grid owns rows `block_range(rows, p, r)` and columns `block_range(cols, q, c)`.
///
/// # Panics
///
/// If `parts` is zero or `index >= parts`.
///
/// # Examples
///
/// ```
/// use parmat::dist::block_range;
/// assert_eq!(block_range(10, 3, 0), 0..4);
/// assert_eq!(block_range(10, 3, 1), 4..7);
/// assert_eq!(block_range(10, 3, 2), 7..10);
/// assert_eq!(block_range(1, 2, 1), 1..1); // more parts than indices: empty blocks last
/// ```
pub fn block_range(len: usize, parts: usize, index: usize) -> Range<usize> {
    assert!(
        index < parts,
        "block {index} of {parts}: the index must be below the number of parts"
    );
    let base = len / parts;
    let longer = len % parts;
    let start = index * base + index.min(longer);
    let size = base + usize::from(index < longer);
    start..start + size
}

/// The block of `block_range(len, parts, ·)` that holds index `at` (`at < len`).
fn block_owner(len: usize, parts: usize, at: usize) -> usize {
    debug_assert!(at < len);
    let base = len / parts;
    let longer = len % parts;
    let in_longer = longer * (base + 1);
    if at < in_longer {
        at / (base + 1)
    } else {
        // `base > 0` here: with `base == 0` every index lies in the longer blocks.
        longer + (at - in_longer) / base
    }
}

/// The largest block `block_range` makes: `⌈len / parts⌉`.
fn largest_block(len: usize, parts: usize) -> usize {
    len.div_ceil(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_and_owners_agree() {
        for len in 0..40 {
            for parts in 1..9 {
                let mut next = 0;
                for index in 0..parts {
                    let range = block_range(len, parts, index);
                    assert_eq!(range.start, next);
                    assert!(range.len() <= largest_block(len, parts));
                    for at in range.clone() {
                        assert_eq!(block_owner(len, parts, at), index);
                    }
                    next = range.end;
                }
                assert_eq!(next, len);
            }
        }
    }
}

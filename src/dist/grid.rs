//! The 2-D grid of processes: an MPI Cartesian communicator and its row and column
//! communicators.

use std::fmt;

use mpi::topology::CartesianCommunicator;
use mpi::traits::Communicator;

use super::agree;
use crate::Error;

/// `p × q` MPI processes arranged as a grid, row by row: rank `r·q + c` of the communicator
/// the grid was made from is process `(r, c)`.
///
/// The grid owns three communicators: the Cartesian communicator of all its processes,
/// one for the processes of each process row and one for each process column, so its
/// messages never mix with the program's own. Drop it before MPI is finalised (declare the
/// `Universe` first, the grid after it).
///
/// # Examples
///
/// ```no_run
/// use parmat::dist::{mpi, Grid};
/// use mpi::traits::*;
///
/// let universe = parmat::dist::initialize().unwrap();
/// let world = universe.world();
/// let grid = Grid::with_shape(&world, 1, world.size() as usize)?; // one process row
/// assert_eq!(grid.shape().0, 1);
/// # Ok::<(), parmat::Error>(())
/// ```
pub struct Grid {
    all: CartesianCommunicator,
    /// The processes of this process's row, ranked by column.
    row: CartesianCommunicator,
    /// The processes of this process's column, ranked by row.
    column: CartesianCommunicator,
    shape: (usize, usize),
    coords: (usize, usize),
    rank: usize,
}

impl fmt::Debug for Grid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grid")
            .field("shape", &self.shape)
            .field("coords", &self.coords)
            .field("rank", &self.rank)
            .finish_non_exhaustive()
    }
}

impl Grid {
    /// A grid of all processes of `comm`, as square as their number allows: `p × q` with
    /// `p ≤ q` and `p` the largest divisor of the size not above its square root (1 × 1,
    /// 1 × 2, 1 × 3, 2 × 2, 2 × 3, …; a prime number of processes makes one row).
    ///
    /// Collective: every process of `comm` calls it.
    ///
    /// # Errors
    ///
    /// As [`Grid::with_shape`] (this never asks for a wrong shape, but another process
    /// may have called [`Grid::with_shape`] with one).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use parmat::dist::Grid;
    ///
    /// let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// println!("process {:?} of a {:?} grid", grid.coords(), grid.shape());
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn new<C: Communicator>(comm: &C) -> Result<Grid, Error> {
        let size = usize::try_from(comm.size()).unwrap_or(1);
        let (rows, cols) = near_square(size);
        Grid::with_shape(comm, rows, cols)
    }

    /// A grid of `rows × cols` processes of `comm`, which must have exactly `rows · cols`
    /// processes.
    ///
    /// Collective: every process of `comm` calls it. The processes first share the shape
    /// they were asked for (one small all-gather), so a disagreement is an error on all of
    /// them rather than a hang.
    ///
    /// # Errors
    ///
    /// On every process alike: [`Error::ProcessesDisagree`] if the processes did not all
    /// ask for the same shape (or some called another collective of this module);
    /// [`Error::InvalidGrid`] if `rows` or `cols` is zero or `rows · cols` is not the
    /// number of processes.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use parmat::dist::Grid;
    /// use parmat::Error;
    ///
    /// let universe = parmat::dist::initialize().unwrap();
    /// let world = universe.world();
    /// // On 2 processes: 2×1 and 1×2 work, 2×2 does not.
    /// let column = Grid::with_shape(&world, 2, 1)?;
    /// assert!(matches!(Grid::with_shape(&world, 2, 2), Err(Error::InvalidGrid { .. })));
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn with_shape<C: Communicator>(comm: &C, rows: usize, cols: usize) -> Result<Grid, Error> {
        let processes = usize::try_from(comm.size()).unwrap_or(0);
        let calls = agree::exchange(
            comm,
            [
                agree::GRID,
                agree::word(rows),
                agree::word(cols),
                0,
                0,
                0,
                0,
                0,
            ],
        );
        agree::check_same(
            &calls,
            &[
                (1, "the number of grid rows"),
                (2, "the number of grid columns"),
            ],
        )?;
        let invalid = |reason| Error::InvalidGrid {
            rows,
            cols,
            processes,
            reason,
        };
        if rows == 0 || cols == 0 {
            return Err(invalid("a grid needs at least one row and one column"));
        }
        if rows.checked_mul(cols) != Some(processes) {
            return Err(invalid(
                "the grid must have exactly one place for each process",
            ));
        }
        // Both fit in an MPI count: they divide the communicator's size.
        let dims = [rows as mpi::Count, cols as mpi::Count];
        let all = comm
            .create_cartesian_communicator(&dims, &[false, false], false)
            .ok_or_else(|| invalid("MPI left this process out of the Cartesian communicator"))?;
        let rank = usize::try_from(all.rank()).unwrap_or(0);
        // Without reordering, Cartesian ranks are the parent's ranks, row by row.
        let coords = (rank / cols, rank % cols);
        let row = all.subgroup(&[false, true]);
        let column = all.subgroup(&[true, false]);
        Ok(Grid {
            all,
            row,
            column,
            shape: (rows, cols),
            coords,
            rank,
        })
    }

    /// `(rows, columns)` of processes.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::Grid;
    /// # let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// let (p, q) = grid.shape();
    /// assert_eq!(p * q, grid.size());
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        self.shape
    }

    /// `(row, column)` of this process in the grid.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::Grid;
    /// # let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// let (r, c) = grid.coords();
    /// assert_eq!(grid.rank(), r * grid.shape().1 + c);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn coords(&self) -> (usize, usize) {
        self.coords
    }

    /// Rank of this process in the grid (the same as in the communicator it was made from).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::Grid;
    /// # let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// if grid.rank() == 0 {
    ///     println!("{}×{} grid", grid.shape().0, grid.shape().1);
    /// }
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Number of processes in the grid.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::Grid;
    /// # let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// assert!(grid.size() >= 1);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn size(&self) -> usize {
        self.shape.0 * self.shape.1
    }

    /// The grid's Cartesian communicator (all its processes), for the program's own
    /// messages next to the grid's.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use parmat::dist::{mpi, Grid};
    /// use mpi::traits::*;
    ///
    /// let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// grid.communicator().barrier();
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn communicator(&self) -> &CartesianCommunicator {
        &self.all
    }

    /// The processes of this process's grid row, ranked by grid column.
    pub(crate) fn row_communicator(&self) -> &CartesianCommunicator {
        &self.row
    }

    /// The processes of this process's grid column, ranked by grid row.
    pub(crate) fn column_communicator(&self) -> &CartesianCommunicator {
        &self.column
    }
}

/// `p × q = size` with `p ≤ q` and `p` as large as possible.
fn near_square(size: usize) -> (usize, usize) {
    let size = size.max(1);
    let mut rows = size.isqrt();
    while !size.is_multiple_of(rows) {
        rows -= 1;
    }
    (rows, size / rows)
}

#[cfg(test)]
mod tests {
    use super::near_square;

    #[test]
    fn near_square_shapes() {
        assert_eq!(near_square(1), (1, 1));
        assert_eq!(near_square(2), (1, 2));
        assert_eq!(near_square(4), (2, 2));
        assert_eq!(near_square(6), (2, 3));
        assert_eq!(near_square(7), (1, 7));
        assert_eq!(near_square(12), (3, 4));
        assert_eq!(near_square(16), (4, 4));
    }
}

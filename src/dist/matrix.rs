//! [`DistMatrix`]: a matrix cut into blocks, one per process of a [`Grid`].

use std::ops::Range;

use mpi::traits::{Communicator, Destination, Source};

use super::{DistElement, Grid, Summa, agree, block_range, largest_block};
use crate::{Error, Matrix};

/// An `m × n` matrix distributed over a `p × q` [`Grid`]: process `(r, c)` holds the
/// block of rows [`block_range`]`(m, p, r)` and columns [`block_range`]`(n, q, c)` as a
/// row-major [`Matrix`]. Every process knows the global shape.
///
/// Made by [`DistMatrix::scatter`] (from a matrix on one process),
/// [`DistMatrix::from_fn`] (each process builds its own block) or [`DistMatrix::zeros`];
/// multiplied by [`DistMatrix::mul`]; collected by [`DistMatrix::gather`].
///
/// # Examples
///
/// ```no_run
/// use parmat::dist::{DistMatrix, Grid};
///
/// let universe = parmat::dist::initialize().unwrap();
/// let grid = Grid::new(&universe.world())?;
/// // No process ever holds all of A or B: each computes its own block.
/// let a = DistMatrix::from_fn(&grid, 3000, 2000, |i, j| (i % 7) as f64 - (j % 5) as f64);
/// let b = DistMatrix::from_fn(&grid, 2000, 1000, |i, j| if i == j { 1.0 } else { 0.0 });
/// let c = a.mul(&b)?;
/// let (rows, cols) = c.local_ranges();
/// println!("I hold rows {rows:?} and columns {cols:?} of C");
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DistMatrix<'g, T> {
    grid: &'g Grid,
    rows: usize,
    cols: usize,
    local: Matrix<T>,
}

/// Tag of the point-to-point messages of scatter and gather (on the grid's own
/// communicator, so no other messages can match it).
const BLOCK_TAG: mpi::Tag = 17;

impl<'g, T: DistElement> DistMatrix<'g, T> {
    /// Distributes `matrix`, held by process `root` of `grid`, over the grid: each process
    /// receives its block (the root keeps its own). Other processes pass `None` (what they
    /// pass is not read).
    ///
    /// Collective. The processes first share their arguments (one small all-gather), so
    /// they all learn the shape from the root and all return the same error when something
    /// is wrong. Then the root sends each process its block, one message per process.
    ///
    /// # Errors
    ///
    /// On every process alike: [`Error::ProcessesDisagree`] if the processes named
    /// different roots (or some called another collective of this module);
    /// [`Error::InvalidRoot`] if `root` is not a process of the grid or passed `None`;
    /// [`Error::TooLargeForMpi`] if a block has more elements than one MPI message can
    /// carry.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use parmat::dist::{DistMatrix, Grid};
    /// use parmat::Matrix;
    ///
    /// let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// let whole = (grid.rank() == 0).then(|| Matrix::from_fn(5, 7, |i, j| (10 * i + j) as i64));
    /// let a = DistMatrix::scatter(&grid, 0, whole.as_ref())?;
    /// assert_eq!(a.shape(), (5, 7)); // on every process
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn scatter(
        grid: &'g Grid,
        root: usize,
        matrix: Option<&Matrix<T>>,
    ) -> Result<DistMatrix<'g, T>, Error> {
        let comm = grid.communicator();
        let (rows, cols) = matrix.map_or((0, 0), Matrix::shape);
        let calls = agree::exchange(
            comm,
            [
                agree::SCATTER,
                agree::word(root),
                u64::from(matrix.is_some()),
                agree::word(rows),
                agree::word(cols),
                0,
                0,
                0,
            ],
        );
        agree::check_same(&calls, &[(1, "the root")])?;
        check_root(grid, root)?;
        let root_call = &calls[root];
        if root_call[2] == 0 {
            return Err(Error::InvalidRoot {
                root,
                processes: grid.size(),
                reason: "the root passed no matrix to scatter",
            });
        }
        let (rows, cols) = (agree::unword(root_call[3]), agree::unword(root_call[4]));
        check_message_size(grid, rows, cols)?;

        let (p, q) = grid.shape();
        let local = match matrix {
            Some(whole) if grid.rank() == root => {
                let mut own = None;
                for dest in 0..grid.size() {
                    let block = whole
                        .view()
                        .submatrix_ranges(
                            block_range(rows, p, dest / q),
                            block_range(cols, q, dest % q),
                        )
                        .to_matrix();
                    if dest == root {
                        own = Some(block);
                    } else {
                        comm.process_at_rank(rank_of(dest))
                            .send_with_tag(block.as_slice(), BLOCK_TAG);
                    }
                }
                own.expect("the root is a process of the grid")
            }
            _ => {
                let (r, c) = grid.coords();
                let (block_rows, block_cols) =
                    (block_range(rows, p, r).len(), block_range(cols, q, c).len());
                let mut data = vec![T::zero(); block_rows * block_cols];
                comm.process_at_rank(rank_of(root))
                    .receive_into_with_tag(&mut data[..], BLOCK_TAG);
                Matrix::from_vec(block_rows, block_cols, data)?
            }
        };
        Ok(DistMatrix {
            grid,
            rows,
            cols,
            local,
        })
    }

    /// Collects the blocks on process `root`: `Some(matrix)` there, `None` on the others.
    ///
    /// Collective. The processes first check that they all name the same root (one small
    /// all-gather); then each sends its block to the root.
    ///
    /// # Errors
    ///
    /// On every process alike: [`Error::ProcessesDisagree`] if the processes named
    /// different roots (or some called another collective of this module);
    /// [`Error::InvalidRoot`] if `root` is not a process of the grid;
    /// [`Error::TooLargeForMpi`] if a block has more elements than one MPI message can
    /// carry.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use parmat::dist::{DistMatrix, Grid};
    ///
    /// let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::from_fn(&grid, 4, 6, |i, j| (i * 6 + j) as i32);
    /// if let Some(whole) = a.gather(0)? {
    ///     assert_eq!(whole[(3, 5)], 23);
    /// }
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn gather(&self, root: usize) -> Result<Option<Matrix<T>>, Error> {
        let grid = self.grid;
        let comm = grid.communicator();
        let calls = agree::exchange(
            comm,
            [
                agree::GATHER,
                agree::word(root),
                agree::word(self.rows),
                agree::word(self.cols),
                0,
                0,
                0,
                0,
            ],
        );
        agree::check_same(
            &calls,
            &[
                (1, "the root"),
                (2, "the number of rows"),
                (3, "the number of columns"),
            ],
        )?;
        check_root(grid, root)?;
        check_message_size(grid, self.rows, self.cols)?;

        if grid.rank() != root {
            comm.process_at_rank(rank_of(root))
                .send_with_tag(self.local.as_slice(), BLOCK_TAG);
            return Ok(None);
        }
        let (p, q) = grid.shape();
        let mut whole = Matrix::zeros(self.rows, self.cols);
        let mut buffer = Vec::new();
        for source in 0..grid.size() {
            let row_range = block_range(self.rows, p, source / q);
            let col_range = block_range(self.cols, q, source % q);
            let block: &[T] = if source == root {
                self.local.as_slice()
            } else {
                buffer.clear();
                buffer.resize(row_range.len() * col_range.len(), T::zero());
                comm.process_at_rank(rank_of(source))
                    .receive_into_with_tag(&mut buffer[..], BLOCK_TAG);
                &buffer
            };
            place_block(&mut whole, row_range, col_range, block);
        }
        Ok(Some(whole))
    }

    /// Multiplies `self · rhs` by SUMMA with the default [`Summa`] settings; the product is
    /// distributed over the same grid.
    ///
    /// Collective. Shapes and grids are checked on every process before anything is sent.
    ///
    /// # Errors
    ///
    /// On every process alike: [`Error::ShapeMismatch`] if `self.cols() != rhs.rows()`;
    /// [`Error::GridMismatch`] if the operands are distributed over grids of different
    /// shapes; [`Error::TooLargeForMpi`] if a panel has more elements than one MPI message
    /// can carry.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use parmat::dist::{DistMatrix, Grid};
    ///
    /// let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::from_fn(&grid, 3, 2, |i, j| (i + j) as i64);
    /// let b = DistMatrix::from_fn(&grid, 2, 3, |i, j| (i * j) as i64);
    /// let c = a.mul(&b)?;
    /// assert_eq!(c.shape(), (3, 3));
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn mul(&self, rhs: &DistMatrix<'g, T>) -> Result<DistMatrix<'g, T>, Error> {
        Summa::default().mul(self, rhs).map(|(product, _)| product)
    }
}

impl<'g, T: crate::Element> DistMatrix<'g, T> {
    /// A distributed `rows × cols` matrix whose element `(i, j)` is `f(i, j)`: each process
    /// calls `f` for the global indices of its own block only. No messages are sent.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use parmat::dist::{DistMatrix, Grid};
    ///
    /// let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::from_fn(&grid, 100, 100, |i, j| if i == j { 1.0 } else { 0.0 });
    /// let (rows, cols) = a.local_ranges();
    /// assert_eq!(a.local().shape(), (rows.len(), cols.len()));
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn from_fn(
        grid: &'g Grid,
        rows: usize,
        cols: usize,
        mut f: impl FnMut(usize, usize) -> T,
    ) -> DistMatrix<'g, T> {
        let (row_range, col_range) = local_ranges(grid, rows, cols);
        let local = Matrix::from_fn(row_range.len(), col_range.len(), |i, j| {
            f(row_range.start + i, col_range.start + j)
        });
        DistMatrix {
            grid,
            rows,
            cols,
            local,
        }
    }

    /// A distributed `rows × cols` matrix of zeros. No messages are sent.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use parmat::dist::{DistMatrix, Grid};
    ///
    /// let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// let z = DistMatrix::<f64>::zeros(&grid, 10, 20);
    /// assert!(z.local().as_slice().iter().all(|&x| x == 0.0));
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn zeros(grid: &'g Grid, rows: usize, cols: usize) -> DistMatrix<'g, T> {
        DistMatrix::from_fn(grid, rows, cols, |_, _| T::zero())
    }

    /// Builds a distributed matrix from this process's block of a `rows × cols` matrix
    /// (used by the product, whose blocks have the right shapes by construction).
    pub(crate) fn from_local_block(
        grid: &'g Grid,
        rows: usize,
        cols: usize,
        local: Matrix<T>,
    ) -> DistMatrix<'g, T> {
        debug_assert_eq!(
            {
                let (r, c) = local_ranges(grid, rows, cols);
                (r.len(), c.len())
            },
            local.shape()
        );
        DistMatrix {
            grid,
            rows,
            cols,
            local,
        }
    }
}

impl<'g, T> DistMatrix<'g, T> {
    /// Global number of rows.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::{DistMatrix, Grid};
    /// # let universe = parmat::dist::initialize().unwrap();
    /// # let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::<i32>::zeros(&grid, 3, 4);
    /// assert_eq!(a.rows(), 3);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Global number of columns.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::{DistMatrix, Grid};
    /// # let universe = parmat::dist::initialize().unwrap();
    /// # let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::<i32>::zeros(&grid, 3, 4);
    /// assert_eq!(a.cols(), 4);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Global `(rows, columns)`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::{DistMatrix, Grid};
    /// # let universe = parmat::dist::initialize().unwrap();
    /// # let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::<i32>::zeros(&grid, 3, 4);
    /// assert_eq!(a.shape(), (3, 4));
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The grid the matrix is distributed over.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::{DistMatrix, Grid};
    /// # let universe = parmat::dist::initialize().unwrap();
    /// # let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::<i32>::zeros(&grid, 3, 4);
    /// assert_eq!(a.grid().shape(), grid.shape());
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn grid(&self) -> &'g Grid {
        self.grid
    }

    /// This process's block, row-major.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::{DistMatrix, Grid};
    /// # let universe = parmat::dist::initialize().unwrap();
    /// # let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::from_fn(&grid, 8, 8, |i, j| (i * 8 + j) as i32);
    /// let (rows, cols) = a.local_ranges();
    /// if !rows.is_empty() && !cols.is_empty() {
    ///     assert_eq!(a.local()[(0, 0)], (rows.start * 8 + cols.start) as i32);
    /// }
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn local(&self) -> &Matrix<T> {
        &self.local
    }

    /// This process's block as a row-major slice, to change in place (its shape is fixed:
    /// [`DistMatrix::local_ranges`]).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::{DistMatrix, Grid};
    /// # let universe = parmat::dist::initialize().unwrap();
    /// # let grid = Grid::new(&universe.world())?;
    /// let mut a = DistMatrix::<f64>::zeros(&grid, 8, 8);
    /// a.local_mut().iter_mut().for_each(|x| *x = 1.0);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn local_mut(&mut self) -> &mut [T] {
        self.local.as_mut_slice()
    }

    /// The global rows and columns of this process's block.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::{DistMatrix, Grid};
    /// # let universe = parmat::dist::initialize().unwrap();
    /// # let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::<u8>::zeros(&grid, 10, 10);
    /// let (rows, cols) = a.local_ranges();
    /// assert!(rows.end <= 10 && cols.end <= 10);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn local_ranges(&self) -> (Range<usize>, Range<usize>) {
        local_ranges(self.grid, self.rows, self.cols)
    }

    /// This process's block, taken out of the distributed matrix.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use parmat::dist::{DistMatrix, Grid};
    /// # let universe = parmat::dist::initialize().unwrap();
    /// # let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::<u8>::zeros(&grid, 10, 10);
    /// let block: parmat::Matrix<u8> = a.into_local();
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn into_local(self) -> Matrix<T> {
        self.local
    }
}

/// Global rows and columns of this process's block of a `rows × cols` matrix.
pub(crate) fn local_ranges(grid: &Grid, rows: usize, cols: usize) -> (Range<usize>, Range<usize>) {
    let (p, q) = grid.shape();
    let (r, c) = grid.coords();
    (block_range(rows, p, r), block_range(cols, q, c))
}

/// The error every process returns when `root` is not one of the grid's.
fn check_root(grid: &Grid, root: usize) -> Result<(), Error> {
    if root < grid.size() {
        Ok(())
    } else {
        Err(Error::InvalidRoot {
            root,
            processes: grid.size(),
            reason: "the root is not a process of the grid",
        })
    }
}

/// Checks that the largest block of a `rows × cols` matrix fits in one MPI message (a
/// count of at most `i32::MAX` elements).
pub(crate) fn check_message_size(grid: &Grid, rows: usize, cols: usize) -> Result<(), Error> {
    let (p, q) = grid.shape();
    let (block_rows, block_cols) = (largest_block(rows, p), largest_block(cols, q));
    let fits = block_rows
        .checked_mul(block_cols)
        .is_some_and(|elements| i32::try_from(elements).is_ok());
    if fits {
        Ok(())
    } else {
        Err(Error::TooLargeForMpi {
            rows: block_rows,
            cols: block_cols,
        })
    }
}

/// Rank of a process of the grid as MPI counts it (grids are no larger than an MPI
/// communicator, whose ranks are `i32`).
pub(crate) fn rank_of(rank: usize) -> mpi::Rank {
    mpi::Rank::try_from(rank).expect("grid ranks are MPI ranks")
}

/// Copies a row-major block into `whole` at the given rows and columns.
fn place_block<T: Copy>(
    whole: &mut Matrix<T>,
    rows: Range<usize>,
    cols: Range<usize>,
    block: &[T],
) {
    let width = cols.len();
    if width == 0 {
        return;
    }
    let stride = whole.cols();
    let data = whole.as_mut_slice();
    for (i, block_row) in rows.zip(block.chunks_exact(width)) {
        data[i * stride + cols.start..i * stride + cols.end].copy_from_slice(block_row);
    }
}

/// `MatRef::submatrix` with ranges.
trait SubmatrixRanges {
    fn submatrix_ranges(self, rows: Range<usize>, cols: Range<usize>) -> Self;
}

impl<T> SubmatrixRanges for crate::MatRef<'_, T> {
    fn submatrix_ranges(self, rows: Range<usize>, cols: Range<usize>) -> Self {
        self.submatrix(rows.start, cols.start, rows.len(), cols.len())
    }
}

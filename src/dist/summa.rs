//! SUMMA: the distributed product, panel by panel, and what it sent.

use std::ops::Range;
use std::time::{Duration, Instant};

use mpi::topology::CartesianCommunicator;
use mpi::traits::{Communicator, Root};

use super::matrix::{check_message_size, local_ranges};
use super::{DistElement, DistMatrix, agree, block_owner, block_range};
use crate::dispatch::add_assign;
use crate::error::check_product;
use crate::{Auto, Error, MatRef, Matrix};

/// Settings of the SUMMA product: how wide the panels of the depth `k` are.
///
/// The depth is cut at every boundary between the blocks of `A`'s columns and of `B`'s
/// rows (so each panel has one owner in each direction), and pieces wider than the panel
/// width are cut further. Wider panels mean fewer, larger local products and broadcasts;
/// narrower ones less memory: each process holds one panel of `A` (its block rows × width)
/// and one of `B` (width × its block columns) besides its blocks, and a buffer the size of
/// its block of the result for the products of panels after the first. The bytes sent do
/// not depend on the width.
///
/// # Examples
///
/// ```no_run
/// use parmat::dist::{DistMatrix, Grid, Summa};
///
/// let universe = parmat::dist::initialize().unwrap();
/// let grid = Grid::new(&universe.world())?;
/// let a = DistMatrix::from_fn(&grid, 1000, 1000, |i, j| (i ^ j) as f64);
/// let (c, stats) = Summa::with_panel_width(128).mul(&a, &a)?;
/// println!("rank {}: received {} bytes in {} broadcasts", grid.rank(), stats.bytes_received, stats.broadcasts);
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summa {
    panel_width: usize,
}

impl Default for Summa {
    /// Panels of at most [`Summa::DEFAULT_PANEL_WIDTH`] columns of `A` (rows of `B`).
    fn default() -> Summa {
        Summa {
            panel_width: Summa::DEFAULT_PANEL_WIDTH,
        }
    }
}

/// What one process sent and received during one distributed product, and where its time
/// went. Counts only the panel broadcasts of the product (not scatter or gather).
///
/// A broadcast's payload counts once per process that receives it: the root of a
/// broadcast to a group of `g` processes "sends" `g − 1` copies of the panel, each other
/// member receives one. How MPI moves them (a tree, or scatter then all-gather for large
/// messages) is its own business; these are the bytes the algorithm asks it to deliver.
/// Broadcasts within a group of one process (a grid with one row or one column) move
/// nothing and are not counted.
///
/// # Examples
///
/// ```no_run
/// use parmat::dist::{DistMatrix, Grid, Summa};
///
/// let universe = parmat::dist::initialize().unwrap();
/// let grid = Grid::new(&universe.world())?;
/// let n = 2048;
/// let a = DistMatrix::from_fn(&grid, n, n, |i, j| (i + j) as f64);
/// let (_, stats) = Summa::default().mul(&a, &a)?;
/// // SUMMA's model: each process uses about 2·n²/√P elements of panels; it receives all
/// // but its own, (1 − 1/√P) of them on a square grid.
/// let root_p = (grid.size() as f64).sqrt();
/// let model = (1.0 - 1.0 / root_p) * 2.0 * (n * n) as f64 / root_p;
/// println!("{} received, model {model}", stats.elements_received);
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct CommStats {
    /// Panels of the depth the product was cut into.
    pub panels: usize,
    /// Broadcasts this process took part in (as root or receiver) within groups of two
    /// processes or more.
    pub broadcasts: usize,
    /// Elements this process broadcast as root, times the number of processes receiving them.
    pub elements_sent: u64,
    /// Elements this process received from other processes' broadcasts.
    pub elements_received: u64,
    /// `elements_sent` in bytes.
    pub bytes_sent: u64,
    /// `elements_received` in bytes.
    pub bytes_received: u64,
    /// Wall time spent in broadcasts (including waiting for the root).
    pub communication: Duration,
    /// Wall time spent in local products and in copying panels.
    pub computation: Duration,
}

impl Summa {
    /// The default panel width: wide enough that each local product runs the blocked
    /// kernels at speed and adding each panel's product into the result (one pass over
    /// the process's block of the result) costs little beside it.
    pub const DEFAULT_PANEL_WIDTH: usize = 512;

    /// SUMMA with panels of at most `panel_width` (at least 1; 0 is taken as 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let narrow = parmat::dist::Summa::with_panel_width(64);
    /// assert_eq!(narrow.panel_width(), 64);
    /// assert_eq!(parmat::dist::Summa::with_panel_width(0).panel_width(), 1);
    /// ```
    pub fn with_panel_width(panel_width: usize) -> Summa {
        Summa {
            panel_width: panel_width.max(1),
        }
    }

    /// The largest panel width this product uses.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::dist::Summa;
    /// assert_eq!(Summa::default().panel_width(), Summa::DEFAULT_PANEL_WIDTH);
    /// ```
    pub fn panel_width(&self) -> usize {
        self.panel_width
    }

    /// `a · b` by SUMMA, distributed over `a`'s grid, with what this process sent and
    /// received.
    ///
    /// For each panel of the depth, the process column owning that slice of `a`'s columns
    /// broadcasts its part along each process row, the process row owning that slice of
    /// `b`'s rows broadcasts its part along each process column, and each process adds the
    /// product of the two panels to its block of the result, with [`Auto`] (so it uses the
    /// threads of the current rayon pool).
    ///
    /// Collective. Shapes and grids are checked on every process, from the shapes every
    /// process holds, before anything is sent.
    ///
    /// # Errors
    ///
    /// On every process alike: [`Error::ShapeMismatch`] if `a.cols() != b.rows()`;
    /// [`Error::GridMismatch`] if `a` and `b` are distributed over grids of different
    /// shapes; [`Error::TooLargeForMpi`] if a block of `a` or `b` has more elements than one
    /// MPI message can carry.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use parmat::dist::{DistMatrix, Grid, Summa};
    ///
    /// let universe = parmat::dist::initialize().unwrap();
    /// let grid = Grid::new(&universe.world())?;
    /// let a = DistMatrix::from_fn(&grid, 300, 200, |i, j| (i * j % 11) as i64);
    /// let b = DistMatrix::from_fn(&grid, 200, 100, |i, j| (i + j) as i64);
    /// let (c, stats) = Summa::default().mul(&a, &b)?;
    /// assert_eq!(c.shape(), (300, 100));
    /// assert_eq!(stats.bytes_received, 8 * stats.elements_received);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn mul<'g, T: DistElement>(
        &self,
        a: &DistMatrix<'g, T>,
        b: &DistMatrix<'g, T>,
    ) -> Result<(DistMatrix<'g, T>, CommStats), Error> {
        // The processes first share what they were asked to multiply (one small all-gather,
        // like every collective of this module), so that a process with other shapes or
        // other grids, or one in another collective, makes every process return the same
        // error instead of a hang. Every check below reads the shared descriptions only.
        let (grid_a, grid_b) = (a.grid().shape(), b.grid().shape());
        let pack = |(rows, cols): (usize, usize)| (agree::word(rows) << 32) | agree::word(cols);
        let calls = agree::exchange(
            a.grid().communicator(),
            [
                agree::MULTIPLY,
                agree::word(a.rows()),
                agree::word(a.cols()),
                agree::word(b.rows()),
                agree::word(b.cols()),
                pack(grid_a),
                pack(grid_b),
                u64::from(std::ptr::eq(a.grid(), b.grid())),
            ],
        );
        agree::check_same(
            &calls,
            &[
                (1, "the rows of A"),
                (2, "the columns of A"),
                (3, "the rows of B"),
                (4, "the columns of B"),
                (5, "A's grid"),
                (6, "B's grid"),
                (7, "whether A and B share one grid"),
            ],
        )?;
        check_product("multiply", a.shape(), b.shape(), None)?;
        if grid_a != grid_b || !std::ptr::eq(a.grid(), b.grid()) {
            return Err(Error::GridMismatch {
                left: grid_a,
                right: grid_b,
            });
        }
        let grid = a.grid();
        let (m, k) = a.shape();
        let n = b.cols();
        check_message_size(grid, m, k)?;
        check_message_size(grid, k, n)?;

        let (p, q) = grid.shape();
        let (r, c) = grid.coords();
        let (rows, cols) = local_ranges(grid, m, n);
        // This process's slices of the depth: columns of its block of A, rows of its block of B.
        let a_depth = block_range(k, q, c);
        let b_depth = block_range(k, p, r);
        let element_bytes = std::mem::size_of::<T>() as u64;

        let mut stats = CommStats::default();
        let mut product = Matrix::zeros(rows.len(), cols.len());
        let mut a_panel: Vec<T> = Vec::new();
        let mut b_panel: Vec<T> = Vec::new();
        let mut panel_product: Option<Matrix<T>> = None;
        for panel in panels(k, p, q, self.panel_width) {
            let width = panel.len();
            stats.panels += 1;

            let started = Instant::now();
            let a_owner = block_owner(k, q, panel.start);
            a_panel.clear();
            if c == a_owner {
                let first = panel.start - a_depth.start;
                for block_row in a.local().as_slice().chunks_exact(a_depth.len()) {
                    a_panel.extend_from_slice(&block_row[first..first + width]);
                }
            } else {
                a_panel.resize(rows.len() * width, T::zero());
            }
            let b_owner = block_owner(k, p, panel.start);
            b_panel.clear();
            if r == b_owner {
                let first = (panel.start - b_depth.start) * cols.len();
                b_panel.extend_from_slice(&b.local().as_slice()[first..first + width * cols.len()]);
            } else {
                b_panel.resize(width * cols.len(), T::zero());
            }
            stats.computation += started.elapsed();

            let started = Instant::now();
            broadcast(grid.row_communicator(), a_owner, &mut a_panel, &mut stats);
            broadcast(
                grid.column_communicator(),
                b_owner,
                &mut b_panel,
                &mut stats,
            );
            stats.communication += started.elapsed();

            let started = Instant::now();
            let a_view = MatRef::from_slice(&a_panel, rows.len(), width)?;
            let b_view = MatRef::from_slice(&b_panel, width, cols.len())?;
            if stats.panels == 1 {
                crate::mul_into(&Auto::default(), a_view, b_view, product.view_mut())?;
            } else {
                // Later panels go through a buffer made once, then are added in the crate's
                // arithmetic (integers wrap, as in every product).
                let panel_product =
                    panel_product.get_or_insert_with(|| Matrix::zeros(rows.len(), cols.len()));
                crate::mul_into(&Auto::default(), a_view, b_view, panel_product.view_mut())?;
                add_assign(product.view_mut(), panel_product.view());
            }
            stats.computation += started.elapsed();
        }
        stats.bytes_sent = stats.elements_sent * element_bytes;
        stats.bytes_received = stats.elements_received * element_bytes;
        Ok((DistMatrix::from_local_block(grid, m, n, product), stats))
    }
}

/// Broadcasts `buffer` from process `root` of `group` to the others, counting it.
fn broadcast<T: DistElement>(
    group: &CartesianCommunicator,
    root: usize,
    buffer: &mut [T],
    stats: &mut CommStats,
) {
    let size = usize::try_from(group.size()).unwrap_or(1);
    if size < 2 {
        return;
    }
    group
        .process_at_rank(super::matrix::rank_of(root))
        .broadcast_into(buffer);
    stats.broadcasts += 1;
    let elements = buffer.len() as u64;
    if usize::try_from(group.rank()).ok() == Some(root) {
        stats.elements_sent += elements * (size as u64 - 1);
    } else {
        stats.elements_received += elements;
    }
}

/// The panels of the depth `0..k`: cut at every block boundary of `k` split `q` ways (A's
/// columns) and `p` ways (B's rows), then into pieces of at most `width`.
fn panels(k: usize, p: usize, q: usize, width: usize) -> Vec<Range<usize>> {
    let mut cuts: Vec<usize> = (0..q)
        .map(|j| block_range(k, q, j).start)
        .chain((0..p).map(|i| block_range(k, p, i).start))
        .chain(std::iter::once(k))
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut panels = Vec::new();
    for pair in cuts.windows(2) {
        let (mut start, end) = (pair[0], pair[1]);
        while start < end {
            let stop = end.min(start + width);
            panels.push(start..stop);
            start = stop;
        }
    }
    panels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_cover_the_depth_with_one_owner_each() {
        for k in 0..30 {
            for p in 1..5 {
                for q in 1..5 {
                    for width in [1, 3, 7, 100] {
                        let panels = panels(k, p, q, width);
                        let mut next = 0;
                        for panel in &panels {
                            assert_eq!(panel.start, next);
                            assert!(!panel.is_empty() && panel.len() <= width);
                            let last = panel.end - 1;
                            assert_eq!(block_owner(k, q, panel.start), block_owner(k, q, last));
                            assert_eq!(block_owner(k, p, panel.start), block_owner(k, p, last));
                            next = panel.end;
                        }
                        assert_eq!(next, k);
                    }
                }
            }
        }
    }
}

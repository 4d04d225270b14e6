//! The per-cell strategy: every output cell is its own unit of work.

use crate::dispatch::{ProductKernel, dispatch};
use crate::element::{Element, ElementClass, Scalar};
use crate::error::Error;
use crate::kernel::{default_dots, dot, pack};
use crate::matrix::{MatMut, MatRef};
use crate::strategy::serial::SerialKernel;
use crate::strategy::{MulStrategy, check_into};
use crate::workers::{
    min_work_per_worker, multiply_adds, run_on_ranges, with_row_major_output, worker_cap,
};

/// Every output cell `C[i, j] = A[i, :] · B[:, j]` is an independent job; cells are grouped
/// into one chunk of consecutive cells per worker so each task carries enough work.
///
/// B is read through a transposed copy, packed once and shared read-only by all workers,
/// so each cell is a dot product of two contiguous slices. This is the model of "one
/// worker per cell" made affordable; it shines when the output has few rows (a row vector
/// times a matrix) and loses to [`Blocked`](crate::Blocked) on large squares, because
/// each cell streams a whole row of A and column of B.
///
/// `PerCell::default()` applies the crate's worker cap; a product too small for two workers
/// in any pool (see [`min_work_per_worker`](crate::plan::min_work_per_worker)) runs the
/// [`Serial`](crate::Serial) loop instead. [`PerCell::with_workers`] always runs the
/// per-cell algorithm.
///
/// Dot products add in a fixed interleaved order (eight partial sums), so float results can
/// differ from [`Serial`](crate::Serial) in the last bits, but never depend on the number of
/// workers.
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, PerCell};
/// let row = Matrix::from_fn(1, 300, |_, j| j as i64);
/// let b = Matrix::from_fn(300, 200, |i, j| (i as i64) - (j as i64));
/// let c = row.mul_with(&b, &PerCell::with_workers(2))?;
/// assert_eq!(c, row.mul_with(&b, &parmat::Serial)?);
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PerCell {
    workers: Option<usize>,
}

impl PerCell {
    /// Exactly `min(workers, cells of the output)` workers (0 is taken as 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::PerCell;
    /// assert_eq!(PerCell::with_workers(8).workers_for::<f32>(2, 100, 3), 6);
    /// ```
    pub fn with_workers(workers: usize) -> Self {
        PerCell {
            workers: Some(workers.max(1)),
        }
    }

    /// The number of workers for an `m×k · k×n` product of `T` in the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::PerCell;
    /// assert_eq!(PerCell::default().workers_for::<f32>(2, 2, 2), 1);
    /// ```
    pub fn workers_for<T: Element>(&self, m: usize, k: usize, n: usize) -> usize {
        worker_cap(
            ElementClass::of::<T>(),
            multiply_adds(m, k, n),
            m.saturating_mul(n),
            self.workers,
        )
    }
}

pub(crate) struct PerCellKernel {
    pub(crate) workers: usize,
}

impl ProductKernel for PerCellKernel {
    fn run<S: Scalar>(&self, a: MatRef<'_, S>, b: MatRef<'_, S>, c: MatMut<'_, S>) {
        let (k, n) = b.shape();
        let a_rows = pack::row_major(a);
        let b_columns = pack::row_major(b.t());
        let (a_rows, b_columns): (&[S], &[S]) = (&a_rows, &b_columns);
        let four = default_dots::<S>();
        if self.workers <= 1 {
            // No split to plan: a small matrix–vector product costs about as much as
            // building the task list below.
            with_row_major_output(c, |out| {
                dot::dot_cells(a_rows, b_columns, k, n, 0..out.len(), out, four);
            });
            return;
        }
        with_row_major_output(c, |out| {
            let cells = out.len();
            run_on_ranges(out, cells, 1, self.workers, |cells, c_chunk| {
                dot::dot_cells(a_rows, b_columns, k, n, cells, c_chunk, four)
            });
        });
    }
}

impl MulStrategy for PerCell {
    fn mul_into<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        check_into(&a, &b, &c)?;
        let workers = self.workers_for::<T>(a.rows(), a.cols(), b.cols());
        let work = multiply_adds(a.rows(), a.cols(), b.cols());
        if self.workers.is_none() && work < 2 * min_work_per_worker(ElementClass::of::<T>()) {
            // Too small for two workers in any pool: run the fastest one-worker loop, so
            // the default is never slower than `Serial`. (Decided by the product alone, not
            // by the pool, so that a float result does not depend on the pool's size.)
            dispatch(&SerialKernel, a, b, c);
        } else {
            dispatch(&PerCellKernel { workers }, a, b, c);
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "per-cell"
    }
}

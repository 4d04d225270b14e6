//! The row-parallel strategy: each worker owns a band of output rows.

use crate::dispatch::{ProductKernel, dispatch};
use crate::element::{Element, ElementClass, Scalar};
use crate::error::Error;
use crate::kernel::{pack, rows};
use crate::matrix::{MatMut, MatRef};
use crate::strategy::serial::SerialKernel;
use crate::strategy::{MulStrategy, check_into};
use crate::workers::{multiply_adds, run_on_ranges, with_row_major_output, worker_cap};

/// Each worker computes a band of consecutive output rows with the serial i-k-j loop.
///
/// A and B are shared read-only by all workers; the output is split into disjoint bands,
/// so no locks are needed. A unit of work is one output row. Results are bit-identical to
/// [`Serial`](crate::Serial) whatever the number of workers.
///
/// `RowParallel::default()` applies the crate's worker cap (see [`plan`](crate::plan())); when
/// the cap leaves a single worker the product runs the [`Serial`](crate::Serial) loop on the
/// calling thread. [`RowParallel::with_workers`] uses exactly `min(n, rows)` workers.
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, RowParallel};
/// let a = Matrix::from_fn(100, 100, |i, j| ((i + j) % 5) as f64);
/// let c = a.mul_with(&a, &RowParallel::default())?;
/// assert_eq!(c, a.mul_with(&a, &parmat::Serial)?);
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RowParallel {
    workers: Option<usize>,
}

impl RowParallel {
    /// Exactly `min(workers, rows of the output)` workers (0 is taken as 1), regardless
    /// of how small the product is: for experiments and measuring the best split.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::RowParallel;
    /// assert_eq!(RowParallel::with_workers(4).workers_for::<f64>(3, 1, 1), 3);
    /// ```
    pub fn with_workers(workers: usize) -> Self {
        RowParallel {
            workers: Some(workers.max(1)),
        }
    }

    /// The number of workers for an `m×k · k×n` product of `T` in the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::RowParallel;
    /// assert_eq!(RowParallel::default().workers_for::<i32>(2, 2, 2), 1);
    /// ```
    pub fn workers_for<T: Element>(&self, m: usize, k: usize, n: usize) -> usize {
        worker_cap(
            ElementClass::of::<T>(),
            multiply_adds(m, k, n),
            m,
            self.workers,
        )
    }
}

struct RowParallelKernel {
    workers: usize,
}

impl ProductKernel for RowParallelKernel {
    fn run<S: Scalar>(&self, a: MatRef<'_, S>, b: MatRef<'_, S>, c: MatMut<'_, S>) {
        let n = b.cols();
        let b_rows = pack::row_major(b);
        let b_rows: &[S] = &b_rows;
        with_row_major_output(c, |out| {
            run_on_ranges(out, a.rows(), n, self.workers, |band, c_band| {
                let a_band = a.submatrix(band.start, 0, band.len(), a.cols());
                rows::multiply_rows(a_band, b_rows, n, c_band);
            });
        });
    }
}

impl MulStrategy for RowParallel {
    fn mul_into<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        check_into(&a, &b, &c)?;
        let workers = self.workers_for::<T>(a.rows(), a.cols(), b.cols());
        if workers == 1 && self.workers.is_none() {
            // One worker: run the serial loop directly. It adds exactly what one band would,
            // without the band bookkeeping, so the default is never slower than `Serial`.
            dispatch(&SerialKernel, a, b, c);
        } else {
            dispatch(&RowParallelKernel { workers }, a, b, c);
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "row-parallel"
    }
}

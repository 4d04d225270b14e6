//! The blocked strategy: packed, cache-blocked loops around a register-tile microkernel.

use crate::element::{Element, ElementClass, ProductKernel, Scalar, dispatch};
use crate::error::Error;
use crate::kernel::blocked::{multiply_blocked, row_tiles};
use crate::matrix::{MatMut, MatRef};
use crate::plan::{multiply_adds, worker_cap};
use crate::strategy::serial::SerialKernel;
use crate::strategy::{MulStrategy, check_into, with_row_major_output};

/// The BLIS design: B is packed block by block into column panels shared read-only by all
/// workers, each worker packs the rows of A it owns into row panels, and a microkernel
/// keeps an `MR × NR` tile of C in registers while it runs along the shared dimension.
///
/// A unit of work is one tile row (`MR` output rows); workers own bands of tile rows, so no
/// locks are taken. Results are bit-identical whatever the number of workers.
///
/// `Blocked::default()` applies the crate's worker cap; when it leaves a single worker the
/// product runs the [`Serial`](crate::Serial) loop instead. [`Blocked::with_workers`] always
/// runs the blocked algorithm.
///
/// # Examples
///
/// ```
/// use parmat::{Blocked, Matrix};
/// let a = Matrix::from_fn(70, 50, |i, j| (i * j % 11) as i32 - 5);
/// let b = Matrix::from_fn(50, 30, |i, j| (i + 2 * j) as i32 % 7);
/// let c = a.mul_with(&b, &Blocked::default())?;
/// assert_eq!(c, a.mul_with(&b, &parmat::Serial)?);
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Blocked {
    workers: Option<usize>,
}

impl Blocked {
    /// Exactly `min(workers, tile rows of the output)` workers (0 is taken as 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::Blocked;
    /// assert_eq!(Blocked::with_workers(2).workers_for::<f64>(512, 512, 512), 2);
    /// ```
    pub fn with_workers(workers: usize) -> Self {
        Blocked {
            workers: Some(workers.max(1)),
        }
    }

    /// The number of workers for an `m×k · k×n` product of `T` in the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::Blocked;
    /// assert_eq!(Blocked::default().workers_for::<f64>(3, 3, 3), 1);
    /// ```
    pub fn workers_for<T: Element>(&self, m: usize, k: usize, n: usize) -> usize {
        worker_cap(
            ElementClass::of::<T>(),
            multiply_adds(m, k, n),
            row_tiles(m),
            self.workers,
        )
    }
}

struct BlockedKernel {
    workers: usize,
}

impl ProductKernel for BlockedKernel {
    fn run<S: Scalar>(&self, a: MatRef<'_, S>, b: MatRef<'_, S>, c: MatMut<'_, S>) {
        with_row_major_output(c, |out| multiply_blocked(a, b, out, self.workers));
    }
}

impl MulStrategy for Blocked {
    fn mul_into<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        check_into(&a, &b, &c)?;
        let workers = self.workers_for::<T>(a.rows(), a.cols(), b.cols());
        if workers == 1 && self.workers.is_none() {
            // The cap says the product is too small to split: run the fastest one-worker
            // loop, so the default is never slower than `Serial`.
            dispatch(&SerialKernel, a, b, c);
        } else {
            dispatch(&BlockedKernel { workers }, a, b, c);
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "blocked"
    }
}

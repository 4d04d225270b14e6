//! The split-k strategy: the shared dimension is cut into parts, each part's partial
//! product is computed on its own, and the partials are added in a fixed order.

use crate::dispatch::{ProductKernel, add_assign, dispatch};
use crate::element::{Element, Scalar};
use crate::error::Error;
use crate::kernel::{Simd, blocked::multiply_blocked};
use crate::kernel::{default_dots, dot, microkernel_for, pack, rows};
use crate::matrix::{MatMut, MatRef, Matrix};
use crate::plan::{OneWorkerKernel, Thresholds, depth_parts, one_worker_kernel, split_k_workers};
use crate::pool::balanced_ranges;
use crate::strategy::blocked::{multiply_direct, runs_direct};
use crate::strategy::{MulStrategy, check_into};
use crate::workers::{run_on_ranges, with_row_major_output};

/// Splits the shared dimension `k` into parts, computes each part's partial product
/// `A[:, part] · B[part, :]` separately and adds the partials in part order,
/// `((P₀ + P₁) + P₂) + …`.
///
/// This is the strategy for reduction-shaped products, whose output is small but whose
/// depth is large (a 16×16 result of depth 1 000 000): splitting rows or columns leaves too
/// few units for the workers, while every worker can take an equal share of `k`. Each part
/// runs the fastest one-worker kernel for its shape. [`Auto`](crate::Auto) picks it by
/// itself for such products (see [`Plan::depth_parts`](crate::Plan::depth_parts)).
///
/// The number of parts decides the result: it is fixed by [`SplitK::with_parts`] or, by
/// default, from the shape alone (never from the pool), and workers only share the parts
/// out, so results are bit-identical whatever the number of workers. Every part keeps its
/// own `m × n` buffer until the final sum: the extra memory is `parts · m · n` elements,
/// small for the shapes it is meant for (asked for before anything runs:
/// [`Error::AllocationFailed`] when it cannot be had).
///
/// Its runtime name is `split-k` (see [`Strategy`](crate::Strategy)). Reach for it directly
/// when you know your product is one of these shapes; [`Auto`](crate::Auto) already picks it
/// for them.
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, MulStrategy, Serial, SplitK};
///
/// let a = Matrix::from_fn(4, 50_000, |i, p| ((i + p) % 7) as i64 - 3);
/// let b = Matrix::from_fn(50_000, 4, |p, j| ((p * j) % 5) as i64 - 2);
/// let split = SplitK::with_workers(2).with_parts(8);
/// assert_eq!(a.mul_with(&b, &split)?, a.mul_with(&b, &Serial)?);
/// assert_eq!(split.name(), "split-k");
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SplitK {
    workers: Option<usize>,
    parts: Option<usize>,
}

impl SplitK {
    /// Exactly `min(workers, parts)` workers (0 is taken as 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::SplitK;
    /// assert_eq!(SplitK::with_workers(3).with_parts(2).workers_for::<f64>(4, 1000, 4), 2);
    /// ```
    pub fn with_workers(workers: usize) -> Self {
        SplitK {
            workers: Some(workers.max(1)),
            parts: None,
        }
    }

    /// The same strategy on exactly `min(workers, parts)` workers, its parts kept.
    pub(crate) fn with_workers_kept_parts(self, workers: usize) -> Self {
        SplitK {
            workers: Some(workers.max(1)),
            ..self
        }
    }

    /// The same strategy with `k` cut into exactly `min(parts, k)` parts (0 is taken as
    /// 1). The number of parts, not of workers, decides the order of the additions.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::SplitK;
    /// assert_eq!(SplitK::default().with_parts(6).parts_for::<f32>(2, 100, 2), 6);
    /// assert_eq!(SplitK::default().with_parts(6).parts_for::<f32>(2, 4, 2), 4);
    /// ```
    pub fn with_parts(self, parts: usize) -> Self {
        SplitK {
            parts: Some(parts.max(1)),
            ..self
        }
    }

    /// The number of depth parts for an `m×k · k×n` product of `T`: the fixed number when
    /// one was given, otherwise the planner's choice from the shape (see
    /// [`Plan::depth_parts`](crate::Plan::depth_parts)). Never more than `k`, at least 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::SplitK;
    /// let parts = SplitK::default().parts_for::<f64>(16, 1_000_000, 16);
    /// assert!(parts > 1);
    /// assert_eq!(parts, parmat::plan::<f64>(16, 1_000_000, 16).depth_parts());
    /// ```
    pub fn parts_for<T: Element>(&self, m: usize, k: usize, n: usize) -> usize {
        match self.parts {
            Some(parts) => parts.clamp(1, k.max(1)),
            None => depth_parts::<T>(m, k, n).max(1),
        }
    }

    /// The number of workers for an `m×k · k×n` product of `T` in the current pool: at
    /// most one per part, and the crate's worker cap unless a number was given.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::SplitK;
    /// assert_eq!(SplitK::default().workers_for::<f64>(4, 4, 4), 1);
    /// ```
    pub fn workers_for<T: Element>(&self, m: usize, k: usize, n: usize) -> usize {
        let parts = self.parts_for::<T>(m, k, n);
        split_k_workers::<T>(m, k, n, parts, &Thresholds::DEFAULT, self.workers)
    }
}

/// Computes the parts' partial products on `workers` workers and sums them in part order.
struct SplitKKernel {
    parts: usize,
    workers: usize,
    kernel: OneWorkerKernel,
}

/// One worker's product `c = a · b` (`c` row-major, overwritten) with the given kernel.
pub(crate) fn one_worker_product<S: Scalar>(
    kernel: OneWorkerKernel,
    a: MatRef<'_, S>,
    b: MatRef<'_, S>,
    c: &mut [S],
) {
    let (k, n) = b.shape();
    match kernel {
        OneWorkerKernel::Rows => {
            let b_rows = pack::row_major(b);
            rows::multiply_rows(a, &b_rows, n, c);
        }
        OneWorkerKernel::Dots => {
            let a_rows = pack::row_major(a);
            let b_columns = pack::row_major(b.t());
            dot::dot_cells(
                &a_rows,
                &b_columns,
                k,
                n,
                0..c.len(),
                c,
                default_dots::<S>(),
            );
        }
        OneWorkerKernel::Blocked => {
            let kernel = microkernel_for::<S>(Simd::default_level());
            if runs_direct(&kernel, a.rows(), k, n) {
                // A small part: the direct form, the same bits without packing.
                let c = MatMut::from_slice(c, a.rows(), n).expect("a part's slot holds m × n");
                multiply_direct(a, b, c, &kernel);
            } else {
                multiply_blocked(a, b, c, 1, kernel);
            }
        }
    }
}

impl ProductKernel for SplitKKernel {
    /// Writes part `p`'s partial product into rows `p·m..(p + 1)·m` of `partials`.
    fn run<S: Scalar>(&self, a: MatRef<'_, S>, b: MatRef<'_, S>, partials: MatMut<'_, S>) {
        let (m, k) = a.shape();
        let n = b.cols();
        let depth = balanced_ranges(k, self.parts);
        let kernel = self.kernel;
        with_row_major_output(partials, |all| {
            if m * n == 0 {
                return;
            }
            run_on_ranges(all, self.parts, m * n, self.workers, |parts, slots| {
                for (part, slot) in parts.zip(slots.chunks_exact_mut(m * n)) {
                    let range = depth[part].clone();
                    let a_part = a.submatrix(0, range.start, m, range.len());
                    let b_part = b.submatrix(range.start, 0, range.len(), n);
                    one_worker_product(kernel, a_part, b_part, slot);
                }
            });
        });
    }
}

impl MulStrategy for SplitK {
    fn mul_into<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        check_into(&a, &b, &c)?;
        let (m, k, n) = (a.rows(), a.cols(), b.cols());
        let parts = self.parts_for::<T>(m, k, n);
        // Every part has its own buffer (rows p·m.. of `partials`), so the order of the
        // final additions is fixed by the parts alone, however they are shared out among
        // the workers. Asked for before anything runs: no memory, an error.
        let mut partials = Matrix::<T>::try_zeros(
            m.checked_mul(parts).ok_or(Error::SizeOverflow {
                rows: m.saturating_mul(parts),
                cols: n,
            })?,
            n,
        )?;
        let workers = self.workers_for::<T>(m, k, n);
        let kernel = one_worker_kernel::<T>(m, k.div_ceil(parts), n);
        dispatch(
            &SplitKKernel {
                parts,
                workers,
                kernel,
            },
            a,
            b,
            partials.view_mut(),
        );
        // ((P₀ + P₁) + P₂) + … into P₀, then into C: C is written only once every part
        // is done, so a panic in a user type's arithmetic leaves it untouched.
        let (mut sum, mut rest) = partials.view_mut().split_at_row(m);
        for _ in 1..parts {
            let (next, after) = rest.split_at_row(m);
            add_assign(sum.rb_mut(), next.rb());
            rest = after;
        }
        let sum = sum.rb();
        let mut c = c;
        c.for_each_mut(|i, j, x| *x = sum[(i, j)]);
        Ok(())
    }

    fn name(&self) -> &'static str {
        "split-k"
    }
}

//! Many independent products at once, under one worker budget: [`par_mul_batch`] and
//! [`mul_batch_into`].
//!
//! Small products (each below the work that two workers need) are shared out among the
//! pool's workers a run of products at a time, each product on one worker; larger ones
//! run one after another, each with the workers its strategy gives it. Every product is
//! computed by the same strategy as it would be alone, so a batch gives the same bits as
//! the products one by one (no strategy's bits depend on its worker count).

use rayon::prelude::*;

use crate::element::Element;
use crate::error::{Error, check_product};
use crate::matrix::{MatMut, MatRef, Matrix};
use crate::strategy::{Auto, MulStrategy};
use crate::workers::{MIN_BLOCKED_WORK_PER_WORKER, multiply_adds, real_multiply_adds_per};

/// Real multiply-adds from which a product of a batch runs on its own, with the workers
/// its strategy gives it, rather than on one worker beside the others: twice the blocked
/// kernels' minimum per worker, the least work that any default strategy shares.
const OWN_WORKERS_FROM: u128 = 2 * MIN_BLOCKED_WORK_PER_WORKER;

/// Real multiply-adds one task of small products should hold at least, so that handing it
/// to a worker costs little beside it.
const TASK_WORK: u128 = 1 << 15;

/// `a[i] · b[i]` for every `i`, with the [`Auto`] strategy, as new matrices.
///
/// Many small products run side by side on the pool's workers, one product per worker
/// at a time; large ones run one after another, each split among the workers (see
/// [`mul_batch_into`]).
///
/// # Errors
///
/// - [`Error::BatchLengthMismatch`] if `a` and `b` have different lengths;
/// - [`Error::InBatch`] naming the first pair whose shapes do not fit, or whose output
///   cannot be counted ([`Error::SizeOverflow`]) or allocated
///   ([`Error::AllocationFailed`]).
///
/// Nothing is computed unless every pair fits and every output is allocated.
///
/// # Examples
///
/// ```
/// use parmat::Matrix;
/// let a: Vec<Matrix<f64>> = (0..100)
///     .map(|i| Matrix::from_fn(4, 3, |r, c| (i + r + c) as f64))
///     .collect();
/// let b: Vec<Matrix<f64>> = (0..100)
///     .map(|i| Matrix::from_fn(3, 2, |r, c| (i * r + c) as f64))
///     .collect();
/// let c = parmat::par_mul_batch(&a, &b)?;
/// assert_eq!(c.len(), 100);
/// assert_eq!(c[7], a[7].mul_with(&b[7], &parmat::Serial)?);
///
/// let err = parmat::par_mul_batch(&a, &b[..99]).unwrap_err();
/// assert!(matches!(err, parmat::Error::BatchLengthMismatch { .. }));
/// # Ok::<(), parmat::Error>(())
/// ```
pub fn par_mul_batch<T: Element>(
    a: &[Matrix<T>],
    b: &[Matrix<T>],
) -> Result<Vec<Matrix<T>>, Error> {
    check_lengths(a.len(), b.len(), None)?;
    let mut out = Vec::with_capacity(a.len());
    for (index, (x, y)) in a.iter().zip(b).enumerate() {
        let in_batch = |error| Error::InBatch {
            index,
            error: Box::new(error),
        };
        check_product("multiply", x.shape(), y.shape(), None).map_err(in_batch)?;
        out.push(Matrix::try_zeros(x.rows(), y.cols()).map_err(in_batch)?);
    }
    let a: Vec<MatRef<'_, T>> = a.iter().map(Matrix::view).collect();
    let b: Vec<MatRef<'_, T>> = b.iter().map(Matrix::view).collect();
    let mut c: Vec<MatMut<'_, T>> = out.iter_mut().map(Matrix::view_mut).collect();
    mul_batch_into(&Auto::default(), &a, &b, &mut c)?;
    drop(c);
    Ok(out)
}

/// Writes `a[i] · b[i]` into `c[i]` for every `i`, with `strategy`, under one worker
/// budget for the whole batch.
///
/// Products below the work two workers need (2¹⁹ real multiply-adds: a complex one counts
/// four) are shared out among the pool's workers, runs of them at a time, each product
/// on one worker; larger ones run one after another, each with the workers `strategy`
/// gives it. Each product is computed exactly as `strategy.mul_into` would compute it
/// alone, so the results do not depend on the batch or the pool.
///
/// # Errors
///
/// - [`Error::BatchLengthMismatch`] unless `a`, `b` and `c` have the same length;
/// - [`Error::InBatch`] naming the first product whose shapes do not fit (its `error` is
///   the [`Error::ShapeMismatch`]).
///
/// Every product is checked before any output is written: on these errors, every `c[i]`
/// is left as it was. An error that `strategy.mul_into` itself returns while the batch
/// runs (such as [`Error::AllocationFailed`] for a buffer) is passed on as it is; the
/// products already computed keep their results.
///
/// # Examples
///
/// ```
/// use parmat::{MatMut, MatRef, Matrix, Serial};
/// let a: Vec<Matrix<i32>> = (0..8)
///     .map(|i| Matrix::from_fn(2, 2, |r, c| i + r as i32 - c as i32))
///     .collect();
/// let mut c: Vec<Matrix<i32>> = (0..8).map(|_| Matrix::zeros(2, 2)).collect();
/// let views: Vec<MatRef<'_, i32>> = a.iter().map(Matrix::view).collect();
/// let mut outs: Vec<MatMut<'_, i32>> = c.iter_mut().map(Matrix::view_mut).collect();
/// // Each matrix times its own transpose.
/// let transposed: Vec<MatRef<'_, i32>> = a.iter().map(|m| m.t()).collect();
/// parmat::mul_batch_into(&Serial, &views, &transposed, &mut outs)?;
/// drop(outs);
/// assert_eq!(c[3], a[3].mul_with(&a[3].t().to_matrix(), &Serial)?);
/// # Ok::<(), parmat::Error>(())
/// ```
pub fn mul_batch_into<T: Element, S: MulStrategy + Sync>(
    strategy: &S,
    a: &[MatRef<'_, T>],
    b: &[MatRef<'_, T>],
    c: &mut [MatMut<'_, T>],
) -> Result<(), Error> {
    check_lengths(a.len(), b.len(), Some(c.len()))?;
    for (index, ((x, y), z)) in a.iter().zip(b).zip(c.iter()).enumerate() {
        check_product("multiply", x.shape(), y.shape(), Some(z.shape())).map_err(|error| {
            Error::InBatch {
                index,
                error: Box::new(error),
            }
        })?;
    }
    let weight = real_multiply_adds_per::<T>();
    let work = |x: &MatRef<'_, T>, y: &MatRef<'_, T>| {
        multiply_adds(x.rows(), x.cols(), y.cols()).saturating_mul(weight)
    };
    let mut small = Vec::new();
    let mut small_work = 0u128;
    for ((x, y), z) in a.iter().zip(b).zip(c.iter_mut()) {
        let w = work(x, y);
        if w >= OWN_WORKERS_FROM {
            strategy.mul_into(*x, *y, z.rb_mut())?;
        } else {
            small_work = small_work.saturating_add(w);
            small.push((*x, *y, z.rb_mut()));
        }
    }
    if small.is_empty() {
        return Ok(());
    }
    if small_work < 2 * TASK_WORK || rayon::current_num_threads() == 1 {
        for (x, y, z) in small {
            strategy.mul_into(x, y, z)?;
        }
        return Ok(());
    }
    // Runs of products of about TASK_WORK each (at least one product).
    let per_product = (small_work / small.len() as u128).max(1);
    let run = usize::try_from(TASK_WORK.div_ceil(per_product))
        .unwrap_or(usize::MAX)
        .clamp(1, small.len());
    small
        .into_par_iter()
        .with_min_len(run)
        .try_for_each(|(x, y, z)| strategy.mul_into(x, y, z))
}

/// [`Error::BatchLengthMismatch`] unless the lengths agree.
fn check_lengths(left: usize, right: usize, outputs: Option<usize>) -> Result<(), Error> {
    if left != right || outputs.is_some_and(|n| n != left) {
        return Err(Error::BatchLengthMismatch {
            left,
            right,
            outputs,
        });
    }
    Ok(())
}

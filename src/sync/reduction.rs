//! Reduction-shaped products (`k` much larger than `m·n`): the depth is split between
//! workers, each computes a partial product, and the partials are summed — either in
//! per-worker buffers reduced in a fixed order, or by adding each into a shared matrix.

use std::ops::Range;

use rayon::prelude::*;

use super::SharedMatrix;
use crate::dispatch::add_assign;
use crate::element::Element;
use crate::error::{Error, check_product};
use crate::matrix::{MatRef, Matrix, element_count};
use crate::products::mul;
use crate::strategy::Serial;

/// How [`mul_by_depth_parts`] sums the partial products of its workers.
///
/// The default is [`FixedOrder`](Reduction::FixedOrder): it is deterministic (the same
/// bits on every run for a given number of parts, whatever the scheduling), and for
/// reduction-shaped products, whose output is small, the two measured within noise of each
/// other on the development machine — the final pass over a small output costs nothing
/// worth trading determinism for. See `docs/concurrency.md` for the numbers.
///
/// # Examples
///
/// ```
/// use parmat::sync::Reduction;
/// assert_eq!(Reduction::default(), Reduction::FixedOrder);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Reduction {
    /// Every worker keeps its partial product in its own buffer; after all have finished
    /// the buffers are added in part order, `((P₀ + P₁) + P₂) + …`. No locks; the result
    /// does not depend on scheduling.
    #[default]
    FixedOrder,
    /// Every worker adds its partial product into one shared, striped matrix
    /// ([`SharedMatrix::accumulate`]) as soon as it is done, stripe by stripe, starting at
    /// a different stripe per worker. The additions overlap other workers' products and
    /// need no final pass, but take locks, and floating-point sums depend on which worker
    /// finishes first (integers are exact either way).
    Shared,
}

/// `A·B` with the depth `k` split into `parts` ranges, one partial product per part, run
/// in parallel in the current rayon pool and summed as `reduction` says.
///
/// This is the shape of product where the inner dimension dwarfs the output (a 16×16 result
/// of depth 100 000): splitting rows or columns leaves too few units for the workers, while
/// splitting `k` gives every worker an equal share. `parts` is clamped to `1..=k` (one part
/// when `k` is 0). Integers wrap on overflow, as everywhere in the crate.
///
/// The strategy [`SplitK`](crate::SplitK) cuts the depth the same way and is what
/// [`Auto`](crate::Auto) uses: it sums in part order without locks. Reach for this function
/// to sum the parts into one shared output under a lock ([`Reduction::Shared`]) or to
/// compare that with the fixed order.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] if `a.cols() != b.rows()`, [`Error::SizeOverflow`] if the
/// result has more elements than `usize` counts.
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, Serial, sync::{mul_by_depth_parts, Reduction}};
///
/// let a = Matrix::from_fn(4, 10_000, |i, p| ((i + p) % 7) as i64 - 3);
/// let b = Matrix::from_fn(10_000, 3, |p, j| ((p * j) % 5) as i64 - 2);
/// let expected = a.mul_with(&b, &Serial)?;
/// assert_eq!(mul_by_depth_parts(a.view(), b.view(), 4, Reduction::FixedOrder)?, expected);
/// assert_eq!(mul_by_depth_parts(a.view(), b.view(), 4, Reduction::Shared)?, expected);
/// # Ok::<(), parmat::Error>(())
/// ```
pub fn mul_by_depth_parts<T: Element>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    parts: usize,
    reduction: Reduction,
) -> Result<Matrix<T>, Error> {
    check_product("multiply", a.shape(), b.shape(), None)?;
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    element_count(m, n)?;
    let parts = parts.clamp(1, k.max(1));
    let depth = |part: usize| -> Range<usize> {
        let at = |p: usize| (k as u128 * p as u128 / parts as u128) as usize;
        at(part)..at(part + 1)
    };
    let partial = |part: usize| -> Matrix<T> {
        let range = depth(part);
        let a_part = a.submatrix(0, range.start, m, range.len());
        let b_part = b.submatrix(range.start, 0, range.len(), n);
        mul(&Serial, a_part, b_part).expect("the parts of a checked product fit")
    };

    match reduction {
        Reduction::FixedOrder => {
            let partials: Vec<Matrix<T>> = if parts == 1 {
                vec![partial(0)]
            } else {
                (0..parts).into_par_iter().map(partial).collect()
            };
            let mut partials = partials.into_iter();
            let mut sum = partials.next().expect("at least one part");
            for next in partials {
                add_assign(sum.view_mut(), next.view());
            }
            Ok(sum)
        }
        Reduction::Shared => {
            // About four stripes per worker, so that workers adding at the same time seldom
            // want the same stripe.
            let block_rows = m.div_ceil(4 * parts).max(1);
            let sum = SharedMatrix::untracked(Matrix::zeros(m, n), block_rows);
            let add = |part: usize| {
                let product = partial(part);
                let stripes = sum.blocks();
                for step in 0..stripes {
                    let stripe = (part * stripes / parts + step) % stripes;
                    let rows = sum.block_range(stripe);
                    let piece = product.view().submatrix(rows.start, 0, rows.len(), n);
                    // Untracked and without a timer: waits until the stripe is free.
                    sum.accumulate(rows.start, piece)
                        .expect("an untracked lock without a timer cannot fail");
                }
            };
            if parts == 1 {
                add(0);
            } else {
                (0..parts).into_par_iter().for_each(add);
            }
            Ok(sum.into_matrix())
        }
    }
}

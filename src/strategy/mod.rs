//! The one multiplication trait, [`MulStrategy`], and the runtime choice [`Strategy`].

use crate::element::{Conjugation, Element};
use crate::error::{Error, check_product};
use crate::matrix::{MatMut, MatRef};

pub(crate) mod auto;
pub(crate) mod blocked;
pub(crate) mod per_cell;
pub(crate) mod row_parallel;
mod runtime;
pub(crate) mod serial;
pub(crate) mod split_k;

pub use auto::{Auto, Calibration};
pub use blocked::Blocked;
pub use per_cell::PerCell;
pub use row_parallel::RowParallel;
pub use runtime::Strategy;
pub use serial::Serial;
pub use split_k::SplitK;

/// A way to compute `C = A · B`.
///
/// Every strategy computes the same product; they differ in how the work is split across
/// workers and in how it walks memory. All of them accept views with any strides, check
/// shapes before touching the output, and run in the current rayon pool.
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, MulStrategy, PerCell, Serial};
///
/// fn both<S: MulStrategy>(s: &S) -> Result<Matrix<i32>, parmat::Error> {
///     let a = parmat::matrix![[1, 2], [3, 4]];
///     let mut c = Matrix::zeros(2, 2);
///     s.mul_into(a.view(), a.t(), c.view_mut())?; // A · Aᵀ
///     Ok(c)
/// }
/// assert_eq!(both(&Serial)?, both(&PerCell::default())?);
/// assert_eq!(Serial.name(), "serial");
/// # Ok::<(), parmat::Error>(())
/// ```
pub trait MulStrategy {
    /// Writes `a · b` into `c`, overwriting it.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless `a` is `m×k`, `b` is `k×n` and `c` is `m×n`; `c` is
    /// then left untouched.
    fn mul_into<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error>;

    /// The strategy's name, as accepted by [`Strategy`]'s `FromStr`.
    fn name(&self) -> &'static str;
}

/// Checks the shapes of `c = a · b`, and that conjugated operands are of a type parmat
/// can conjugate.
pub(crate) fn check_into<T: 'static>(
    a: &MatRef<'_, T>,
    b: &MatRef<'_, T>,
    c: &MatMut<'_, T>,
) -> Result<(), Error> {
    check_product(
        "write the product of",
        a.shape(),
        b.shape(),
        Some(c.shape()),
    )?;
    check_conjugable(a, b)
}

/// [`Error::CannotConjugate`] if `a` or `b` is conjugated and `T`'s conjugate is unknown.
#[inline(always)]
pub(crate) fn check_conjugable<T: 'static>(
    a: &MatRef<'_, T>,
    b: &MatRef<'_, T>,
) -> Result<(), Error> {
    if (a.is_conjugated() || b.is_conjugated()) && Conjugation::of::<T>() == Conjugation::Unknown {
        return Err(Error::CannotConjugate {
            type_name: std::any::type_name::<T>(),
        });
    }
    Ok(())
}

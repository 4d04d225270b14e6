//! Products of a real matrix and a complex one (feature `complex`), without converting
//! the real one to complex.
//!
//! `Complex<T>` is `repr(C)` (re, im), so a complex matrix is two real matrices with every
//! stride doubled, its real parts and its imaginary parts: `A·B` with a real `A` is
//! `A·Re(B) + i·A·Im(B)`, two real products on the real kernels, half the multiply-adds
//! of the complex product of `A` converted to complex. Where `B`'s and `C`'s rows of
//! complex values are contiguous, `Re(B)` and `Im(B)` side by side are one real `k × 2n`
//! matrix and the two products are one.

use num_complex::Complex;

use crate::element::{Conjugation, Element, conjugate};
use crate::error::{Error, check_product};
use crate::matrix::{MatMut, MatRef, Matrix};
use crate::strategy::MulStrategy;

/// Writes `a · b` into `c` for a real `a` (`m × k`) and a complex `b` (`k × n`), with any
/// strategy, as [`mul_into`](crate::mul_into) does for operands of one type.
///
/// The product runs as real products of `a` with the real and the imaginary parts of `b`
/// (one product of `a` with a `k × 2n` real view where the rows of `b` and `c` are
/// contiguous, two otherwise), so it costs half the multiply-adds of converting `a` to
/// complex, and runs on the real kernels. A conjugated `b` ([`MatRef::conj`]) is honoured.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] unless `a` is `m×k`, `b` is `k×n` and `c` is `m×n`;
/// [`Error::CannotConjugate`] for a conjugated `b` of a type parmat cannot conjugate;
/// [`Error::AllocationFailed`] if the buffer of the two-product path cannot be had. `c` is
/// then left untouched.
///
/// # Examples
///
/// ```
/// use num_complex::Complex;
/// use parmat::{Auto, Matrix, matrix};
///
/// let a = matrix![[1.0, 2.0], [0.0, -1.0]];
/// let b = matrix![[Complex::new(1.0, 1.0)], [Complex::new(0.5, -2.0)]];
/// let mut c = Matrix::zeros(2, 1);
/// parmat::mixed::real_by_complex(&Auto::default(), a.view(), b.view(), c.view_mut())?;
/// assert_eq!(c, matrix![[Complex::new(2.0, -3.0)], [Complex::new(-0.5, 2.0)]]);
/// # Ok::<(), parmat::Error>(())
/// ```
pub fn real_by_complex<T: Element, S: MulStrategy>(
    strategy: &S,
    a: MatRef<'_, T>,
    b: MatRef<'_, Complex<T>>,
    c: MatMut<'_, Complex<T>>,
) -> Result<(), Error>
where
    Complex<T>: Element,
{
    check_product(
        "write the product of",
        a.shape(),
        b.shape(),
        Some(c.shape()),
    )?;
    // With `a` real, `a · conj(b)` is the conjugate of `a · b`.
    let conj = conjugated(&b)?;
    let b = b.as_stored();
    let mut c = c;
    if let Some(b_reals) = b.interleaved_reals()
        && let Ok(c_reals) = c.rb_mut().into_interleaved_reals()
    {
        strategy.mul_into(a, b_reals, c_reals)?;
        if conj {
            conjugate_in_place(c);
        }
        return Ok(());
    }
    let (b_re, b_im) = b.real_parts();
    two_products(c, conj, |re, im| {
        strategy.mul_into(a, b_re, re)?;
        strategy.mul_into(a, b_im, im)
    })
}

/// Writes `a · b` into `c` for a complex `a` (`m × k`) and a real `b` (`k × n`), with any
/// strategy, as [`mul_into`](crate::mul_into) does for operands of one type.
///
/// The product runs as real products of the real and the imaginary parts of `a` with `b`
/// (one product, of `bᵀ` with a real view of `aᵀ`, where the columns of `a` and `c` are
/// contiguous, as in column-major storage; two otherwise), half the multiply-adds of
/// converting `b` to complex, on the real kernels. A conjugated `a` is honoured.
///
/// # Errors
///
/// As [`real_by_complex`], for a conjugated `a`.
///
/// # Examples
///
/// ```
/// use num_complex::Complex;
/// use parmat::{Auto, Matrix, matrix};
///
/// let a = matrix![[Complex::new(1.0, 2.0), Complex::new(0.0, -1.0)]];
/// let b = matrix![[2.0, 1.0], [3.0, 0.0]];
/// let mut c = Matrix::zeros(1, 2);
/// parmat::mixed::complex_by_real(&Auto::default(), a.view(), b.view(), c.view_mut())?;
/// assert_eq!(c, matrix![[Complex::new(2.0, 1.0), Complex::new(1.0, 2.0)]]);
/// // With Aᴴ: conjugated, and transposed, without a copy.
/// let mut d = Matrix::zeros(2, 1);
/// parmat::mixed::complex_by_real(&Auto::default(), a.h(), matrix![[1.0]].view(), d.view_mut())?;
/// assert_eq!(d, matrix![[Complex::new(1.0, -2.0)], [Complex::new(0.0, 1.0)]]);
/// # Ok::<(), parmat::Error>(())
/// ```
pub fn complex_by_real<T: Element, S: MulStrategy>(
    strategy: &S,
    a: MatRef<'_, Complex<T>>,
    b: MatRef<'_, T>,
    c: MatMut<'_, Complex<T>>,
) -> Result<(), Error>
where
    Complex<T>: Element,
{
    check_product(
        "write the product of",
        a.shape(),
        b.shape(),
        Some(c.shape()),
    )?;
    // With `b` real, `conj(a) · b` is the conjugate of `a · b`.
    let conj = conjugated(&a)?;
    let a = a.as_stored();
    let mut c = c;
    // Cᵀ = Bᵀ·Aᵀ: a real matrix times a complex one, one real product where Aᵀ's and
    // Cᵀ's rows (A's and C's columns) are contiguous.
    if let Some(at_reals) = a.t().interleaved_reals()
        && let Ok(ct_reals) = c.rb_mut().t().into_interleaved_reals()
    {
        strategy.mul_into(b.t(), at_reals, ct_reals)?;
        if conj {
            conjugate_in_place(c);
        }
        return Ok(());
    }
    let (a_re, a_im) = a.real_parts();
    two_products(c, conj, |re, im| {
        strategy.mul_into(a_re, b, re)?;
        strategy.mul_into(a_im, b, im)
    })
}

/// Whether `view` is conjugated; [`Error::CannotConjugate`] if it is and parmat does not
/// know `Complex<T>`'s conjugate.
fn conjugated<T: 'static>(view: &MatRef<'_, Complex<T>>) -> Result<bool, Error> {
    if !view.is_conjugated() {
        return Ok(false);
    }
    if Conjugation::of::<Complex<T>>() == Conjugation::Unknown {
        return Err(Error::CannotConjugate {
            type_name: std::any::type_name::<Complex<T>>(),
        });
    }
    Ok(true)
}

/// Conjugates every element of `c` (of a type [`conjugated`] accepted).
fn conjugate_in_place<T: Element>(mut c: MatMut<'_, Complex<T>>) {
    c.for_each_mut(|_, _, z| *z = conjugate(*z).expect("a conjugable type"));
}

/// Runs `products` into two new row-major `m × n` buffers (the real parts, the imaginary
/// parts), then writes them into `c` (conjugated with `conj`): `c` is written only once
/// both products have succeeded, and the products write plain row-major outputs, which
/// every strategy writes in place.
fn two_products<T: Element>(
    mut c: MatMut<'_, Complex<T>>,
    conj: bool,
    products: impl FnOnce(MatMut<'_, T>, MatMut<'_, T>) -> Result<(), Error>,
) -> Result<(), Error>
where
    Complex<T>: Element,
{
    let (m, n) = c.shape();
    let mut re = Matrix::<T>::try_zeros(m, n)?;
    let mut im = Matrix::<T>::try_zeros(m, n)?;
    products(re.view_mut(), im.view_mut())?;
    c.for_each_mut(|i, j, z| {
        let value = Complex::new(re[(i, j)], im[(i, j)]);
        *z = if conj {
            conjugate(value).expect("a conjugable type")
        } else {
            value
        };
    });
    Ok(())
}

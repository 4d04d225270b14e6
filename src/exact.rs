//! Integer products beyond wrapping: a checked product that reports overflow, and a
//! widening product that accumulates in a wider type.
//!
//! Every strategy multiplies primitive integers with two's-complement wrapping, which is
//! fast and the same everywhere but silently wrong when a result does not fit. These two
//! entry points are for when it must not be: [`Matrix::checked_par_mul`] returns
//! [`Error::Overflow`] naming the first output cell (in row-major order) whose exact value
//! does not fit the element type, and [`Matrix::widening_par_mul`] returns the product in a
//! wider type (for example `i32 × i32 → i64`) computed with the fast kernels of that type.

use crate::element::Element;
use crate::error::{Error, check_product};
use crate::matrix::{MatMut, MatRef, Matrix};
use crate::strategy::check_into;
use crate::workers::{multiply_adds, run_on_ranges, worker_cap};

mod sealed {
    pub trait Sealed {}
}

/// Primitive integers of at most 64 bits, whose products can be checked exactly.
///
/// Sealed: implemented for `i8`, `i16`, `i32`, `i64`, `isize`, `u8`, `u16`, `u32`, `u64`
/// and `usize`. Each product of two such values fits in `i128`, and a sum of them is
/// accumulated in `i128` with overflow checks, so the exact value of every output cell is
/// known (or known to be far out of range).
///
/// # Examples
///
/// ```
/// fn exact<T: parmat::CheckedInteger>(a: &parmat::Matrix<T>) -> bool {
///     a.checked_par_mul(a).is_ok()
/// }
/// assert!(exact(&parmat::matrix![[1u8, 2], [3, 4]]));
/// assert!(!exact(&parmat::matrix![[16u8, 16], [16, 16]])); // 512 does not fit in u8
/// ```
pub trait CheckedInteger: Element + sealed::Sealed {
    /// The value as an `i128` (always exact).
    fn to_i128(self) -> i128;
    /// The value of `v` as `Self`, if it fits.
    fn from_i128(v: i128) -> Option<Self>;
}

macro_rules! checked_integer {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl CheckedInteger for $t {
            #[inline]
            fn to_i128(self) -> i128 {
                self as i128
            }
            #[inline]
            fn from_i128(v: i128) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
        }
    )*};
}
checked_integer!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

/// Integers with a wider type to accumulate a product in: `i8 → i32`, `i16 → i64`,
/// `i32 → i64`, `u8 → u32`, `u16 → u64`, `u32 → u64`.
///
/// The widened product is exact as long as every output cell's sum of `k` products fits the
/// wide type: always for `i8`/`u8` up to k = 2¹⁷ and `i16`/`u16` up to k = 2³³; for `i32` /
/// `u32` when `k · max|a| · max|b| < 2⁶³` (2⁶⁴ unsigned). Beyond that the wide result
/// wraps like any integer product; [`Matrix::checked_par_mul`] on the widened inputs tells.
///
/// # Examples
///
/// ```
/// use parmat::{Widen, matrix};
/// let a = matrix![[100_000i32, 100_000]];
/// let b = matrix![[100_000i32], [100_000]];
/// assert_eq!(a.widening_par_mul(&b)?, matrix![[20_000_000_000i64]]);
/// # Ok::<(), parmat::Error>(())
/// ```
pub trait Widen: Element + sealed::Sealed {
    /// The type products are accumulated in.
    type Wide: Element;
    /// The value in the wide type (always exact).
    fn widen(self) -> Self::Wide;
}

macro_rules! widen {
    ($($t:ty => $w:ty),*) => {$(
        impl Widen for $t {
            type Wide = $w;
            #[inline]
            fn widen(self) -> $w {
                <$w>::from(self)
            }
        }
    )*};
}
widen!(i8 => i32, i16 => i64, i32 => i64, u8 => u32, u16 => u64, u32 => u64);

impl<T: Widen> Matrix<T> {
    /// `self · rhs` accumulated in the wider type [`Widen::Wide`], with the
    /// [`Auto`](crate::Auto) strategy of that type (so `i32` inputs run the `i64` kernels).
    ///
    /// Reach for it when the products of small integers (pixels, counts, quantised
    /// weights) must not wrap and the wider result is what you want.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if `self.cols() != rhs.rows()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::Matrix;
    /// let a = Matrix::from_fn(2, 3, |i, j| i8::MAX - (i + j) as i8);
    /// let wide: Matrix<i32> = a.widening_par_mul(&a.t().to_matrix())?;
    /// assert_eq!(wide[(0, 0)], 127 * 127 + 126 * 126 + 125 * 125);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn widening_par_mul(&self, rhs: &Matrix<T>) -> Result<Matrix<T::Wide>, Error> {
        check_product("multiply", self.shape(), rhs.shape(), None)?;
        let widen = |m: &Matrix<T>| {
            Matrix::from_vec(
                m.rows(),
                m.cols(),
                m.as_slice().iter().map(|&x| x.widen()).collect(),
            )
            .expect("the same shape")
        };
        widen(self).par_mul(&widen(rhs))
    }
}

impl<T: CheckedInteger> Matrix<T> {
    /// `self · rhs`, or [`Error::Overflow`] naming the first output cell (in row-major
    /// order) whose exact value does not fit in `T`.
    ///
    /// Each cell is summed exactly in `i128`, so the answer does not depend on the order of
    /// the additions: a cell overflows only if its true value is out of range. Rows are
    /// split between workers like [`RowParallel`](crate::RowParallel)'s.
    ///
    /// Reach for it when a wrapped result would be wrong and you need to know: it is far
    /// slower than [`Matrix::par_mul`] (no SIMD kernel), the price of exactness.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if `self.cols() != rhs.rows()`; [`Error::Overflow`] as
    /// above.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Error, matrix};
    /// let a = matrix![[100i8, 1], [1, 1]];
    /// assert_eq!(a.checked_par_mul(&a), Err(Error::Overflow { row: 0, col: 0 })); // 10001
    /// let b = matrix![[10i8, 1], [1, 1]];
    /// assert_eq!(b.checked_par_mul(&b)?, matrix![[101, 11], [11, 2]]);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn checked_par_mul(&self, rhs: &Matrix<T>) -> Result<Matrix<T>, Error> {
        check_product("multiply", self.shape(), rhs.shape(), None)?;
        let mut c = Matrix::try_zeros(self.rows(), rhs.cols())?;
        checked_mul_into(self.view(), rhs.view(), c.view_mut())?;
        Ok(c)
    }
}

/// Writes `a · b` into `c`, or returns [`Error::Overflow`] for the first output cell (in
/// row-major order) whose exact value does not fit in `T` — leaving `c` untouched.
/// [`Matrix::checked_par_mul`] into an existing buffer or view.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] unless `a` is `m×k`, `b` is `k×n` and `c` is `m×n`;
/// [`Error::Overflow`] as above. Either way `c` is not written.
///
/// # Examples
///
/// ```
/// use parmat::{Error, Matrix};
/// let a = Matrix::from_fn(3, 2, |_, _| 200u8);
/// let mut c = Matrix::from_fn(3, 3, |_, _| 7u8);
/// let err = parmat::checked_mul_into(a.view(), a.t(), c.view_mut()).unwrap_err();
/// assert_eq!(err, Error::Overflow { row: 0, col: 0 });
/// assert!(c.as_slice().iter().all(|&x| x == 7)); // untouched
/// ```
pub fn checked_mul_into<T: CheckedInteger>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    mut c: MatMut<'_, T>,
) -> Result<(), Error> {
    check_into(&a, &b, &c)?;
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    let mut out = Matrix::<T>::try_zeros(m, n)?.into_vec();
    // Checked arithmetic is about as costly per multiply-add as a generic type's.
    let workers = worker_cap(
        crate::element::ElementClass::Generic,
        multiply_adds(m, k, n),
        m,
        None,
    );
    let band = |rows: std::ops::Range<usize>, piece: &mut [T]| -> Option<(usize, usize)> {
        for (i, row) in rows.clone().zip(piece.chunks_mut(n.max(1))) {
            for (j, cell) in row.iter_mut().enumerate() {
                match exact_cell(a, b, i, j).and_then(T::from_i128) {
                    Some(v) => *cell = v,
                    None => return Some((i, j)),
                }
            }
        }
        None
    };
    // The first overflowing cell of each band; the earliest band's is the first overall.
    let first = run_on_ranges(&mut out, m, n, workers, band)
        .into_iter()
        .flatten()
        .next();
    if let Some((row, col)) = first {
        return Err(Error::Overflow { row, col });
    }
    c.for_each_mut(|i, j, x| *x = out[i * n + j]);
    Ok(())
}

/// The exact value of cell (`i`, `j`) of `a · b`, or `None` if even `i128` overflows (then
/// the value is far outside every type of at most 64 bits).
fn exact_cell<T: CheckedInteger>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    i: usize,
    j: usize,
) -> Option<i128> {
    (0..a.cols()).try_fold(0i128, |acc, p| {
        let product = a[(i, p)].to_i128().checked_mul(b[(p, j)].to_i128())?;
        acc.checked_add(product)
    })
}

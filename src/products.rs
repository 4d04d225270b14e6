//! Every way to multiply: [`Matrix::par_mul`], [`Matrix::mul_with`], `&a * &b`, and the
//! functions [`mul`], [`mul_into`] and [`gemm`].

use crate::dispatch::{ProductKernel, dispatch};
use crate::element::{Element, Scalar, same_scalar};
use crate::error::{Error, check_product};
use crate::matrix::{MatMut, MatRef, Matrix};
use crate::strategy::MulStrategy;

/// `a · b` into a new matrix, with any strategy and any input strides.
///
/// Reach for it when the operands are views (a transpose, a sub-matrix, an ndarray view)
/// rather than owned matrices; for two `Matrix` values, [`Matrix::mul_with`] says the same.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] if `a.cols() != b.rows()`; [`Error::SizeOverflow`] if the
/// `a.rows() × b.cols()` result cannot be counted in `usize`; [`Error::AllocationFailed`]
/// if its memory cannot be had.
///
/// # Examples
///
/// ```
/// let a = parmat::matrix![[1, 2, 3]];
/// // a · aᵀ, with no transposed copy.
/// let c = parmat::mul(&parmat::Auto::default(), a.view(), a.t())?;
/// assert_eq!(c, parmat::matrix![[14]]);
/// # Ok::<(), parmat::Error>(())
/// ```
pub fn mul<T: Element, S: MulStrategy>(
    strategy: &S,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
) -> Result<Matrix<T>, Error> {
    check_product("multiply", a.shape(), b.shape(), None)?;
    let mut c = Matrix::try_zeros(a.rows(), b.cols())?;
    strategy.mul_into(a, b, c.view_mut())?;
    Ok(c)
}

/// Writes `a · b` into an existing output view (any non-aliasing strides), with any
/// strategy. The same as `strategy.mul_into(a, b, c)`.
///
/// Reach for it in a loop that multiplies many times into the same buffer (no allocation
/// per product), or to write into part of a larger matrix.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] unless `a` is `m×k`, `b` is `k×n` and `c` is `m×n`; `c` is then
/// left untouched.
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, Strategy};
/// let a = Matrix::from_fn(3, 4, |i, j| (i + j) as f64);
/// let b = Matrix::from_fn(4, 2, |i, j| (i * j) as f64);
/// let mut c = Matrix::zeros(3, 2);
/// let s: Strategy = "row-parallel".parse()?;
/// parmat::mul_into(&s, a.view(), b.view(), c.view_mut())?;
/// assert_eq!(c, a.mul_with(&b, &parmat::Serial)?);
/// # Ok::<(), parmat::Error>(())
/// ```
pub fn mul_into<T: Element, S: MulStrategy>(
    strategy: &S,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: MatMut<'_, T>,
) -> Result<(), Error> {
    strategy.mul_into(a, b, c)
}

/// The BLAS operation `C = α·A·B + β·C`, with any strategy and any strides. The strategy
/// comes first, as in [`mul`] and [`mul_into`].
///
/// Reach for it to accumulate into an existing result or to scale the product; for a plain
/// product, [`mul_into`] does less work.
///
/// When `beta` is zero the old contents of `c` are not read, so a NaN or infinity left in
/// `c` does not leak into the result. Integer arithmetic wraps, as everywhere in the crate.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] unless `a` is `m×k`, `b` is `k×n` and `c` is `m×n`; `c` is then
/// left untouched.
///
/// # Examples
///
/// ```
/// use parmat::{Auto, Matrix};
/// let a = parmat::matrix![[1.0, 2.0], [3.0, 4.0]];
/// let mut c = parmat::matrix![[1.0, 1.0], [1.0, 1.0]];
/// // C = 2·Aᵀ·A + 1·C
/// parmat::gemm(&Auto::default(), 2.0, a.t(), a.view(), 1.0, c.view_mut())?;
/// assert_eq!(c, parmat::matrix![[21.0, 29.0], [29.0, 41.0]]);
///
/// let mut d = parmat::matrix![[f64::NAN, 0.0], [0.0, 0.0]];
/// parmat::gemm(&Auto::default(), 1.0, a.view(), a.view(), 0.0, d.view_mut())?;
/// assert_eq!(d, parmat::matrix![[7.0, 10.0], [15.0, 22.0]]); // β = 0: the NaN is ignored
/// # Ok::<(), parmat::Error>(())
/// ```
pub fn gemm<T: Element, S: MulStrategy>(
    strategy: &S,
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) -> Result<(), Error> {
    check_product(
        "accumulate the product of",
        a.shape(),
        b.shape(),
        Some(c.shape()),
    )?;
    let mut product = Matrix::try_zeros(c.rows(), c.cols())?;
    strategy.mul_into(a, b, product.view_mut())?;
    let combine = Combine {
        alpha,
        beta,
        beta_is_zero: beta.is_zero(),
    };
    dispatch(&combine, product.view(), product.view(), c);
    Ok(())
}

/// `c = α·p + β·c` elementwise, in the crate's arithmetic (wrapping for integers).
struct Combine<T> {
    alpha: T,
    beta: T,
    beta_is_zero: bool,
}

impl<T: Element> ProductKernel for Combine<T> {
    fn run<S: Scalar>(&self, p: MatRef<'_, S>, _unused: MatRef<'_, S>, mut c: MatMut<'_, S>) {
        let alpha: S = same_scalar(self.alpha);
        let beta: S = same_scalar(self.beta);
        // All new values first, then the writes: a panic in a user's arithmetic leaves `c`
        // as it was.
        let (rows, cols) = c.shape();
        let mut combined = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                // SAFETY: `p` and `c` have the same shape, so (i, j) is inside both.
                let (p_ij, c_ij) = unsafe { (*p.get_unchecked(i, j), *c.rb().get_unchecked(i, j)) };
                let scaled = alpha.mul(p_ij);
                combined.push(if self.beta_is_zero {
                    scaled
                } else {
                    scaled.add(beta.mul(c_ij))
                });
            }
        }
        c.for_each_mut(|i, j, x| *x = combined[i * cols + j]);
    }
}

impl<T: Element> Matrix<T> {
    /// `self · rhs` with the [`Auto`](crate::Auto) strategy: the planner picks the strategy
    /// and the number of workers (in the current rayon pool).
    ///
    /// The one to reach for first: it is never slower than [`Serial`](crate::Serial) on
    /// small products and close to the best strategy on large ones.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if `self.cols() != rhs.rows()`; [`Error::SizeOverflow`] if
    /// the `self.rows() × rhs.cols()` result cannot be counted in `usize`;
    /// [`Error::AllocationFailed`] if its memory cannot be had.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = parmat::Matrix::from_fn(64, 64, |i, j| (i * j % 7) as f64);
    /// let c = a.par_mul(&a)?;
    /// assert_eq!(c.shape(), (64, 64));
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn par_mul(&self, rhs: &Matrix<T>) -> Result<Matrix<T>, Error> {
        self.mul_with(rhs, &crate::Auto::default())
    }

    /// `self · rhs` with the given strategy.
    ///
    /// Reach for it to fix the strategy or the number of workers (experiments, benchmarks, a
    /// strategy read from the command line as a [`Strategy`](crate::Strategy)).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if `self.cols() != rhs.rows()`; [`Error::SizeOverflow`] if
    /// the `self.rows() × rhs.cols()` result cannot be counted in `usize`;
    /// [`Error::AllocationFailed`] if its memory cannot be had.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Matrix, RowParallel};
    /// let a = Matrix::from_fn(3, 3, |i, j| (i + j) as i32);
    /// let by_rows = a.mul_with(&a, &RowParallel::with_workers(2))?;
    /// assert_eq!(by_rows, a.mul_with(&a, &parmat::Serial)?);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn mul_with<S: MulStrategy>(
        &self,
        rhs: &Matrix<T>,
        strategy: &S,
    ) -> Result<Matrix<T>, Error> {
        mul(strategy, self.view(), rhs.view())
    }
}

impl<T: Element> std::ops::Mul for &Matrix<T> {
    type Output = Matrix<T>;

    /// `&a * &b` with the [`Auto`](crate::Auto) strategy: [`Matrix::par_mul`] for code
    /// that reads like a formula and knows its shapes fit.
    ///
    /// # Panics
    ///
    /// If the shapes do not fit, with the message of [`Error::ShapeMismatch`].
    fn mul(self, rhs: &Matrix<T>) -> Matrix<T> {
        match self.par_mul(rhs) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }
}

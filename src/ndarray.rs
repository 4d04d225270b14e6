//! Interop with [`ndarray`](https://docs.rs/ndarray): conversions and the [`ParMul`]
//! extension trait (feature `ndarray`, on by default).

use ::ndarray::{Array2, Array3, ArrayBase, ArrayView2, ArrayViewMut2, Axis, Data, Ix2, Ix3};

use crate::element::Element;
use crate::error::{Error, check_product};
use crate::matrix::{MatMut, MatRef, Matrix};
use crate::strategy::{Auto, MulStrategy};

impl<T: Clone> From<Array2<T>> for Matrix<T> {
    /// Takes over the buffer of a standard-layout (row-major) array without copying;
    /// copies other layouts into row-major order.
    ///
    /// ```
    /// let a = ndarray::array![[1, 2], [3, 4]];
    /// let m = parmat::Matrix::from(a.t().to_owned());
    /// assert_eq!(m, parmat::matrix![[1, 3], [2, 4]]);
    /// ```
    fn from(array: Array2<T>) -> Self {
        let (rows, cols) = array.dim();
        let data = if array.is_standard_layout() {
            let (mut data, offset) = array.into_raw_vec_and_offset();
            data.drain(..offset.unwrap_or(0).min(data.len()));
            data.truncate(rows * cols);
            data
        } else {
            array.iter().cloned().collect()
        };
        Matrix::from_vec(rows, cols, data)
            .expect("an ndarray array holds exactly rows × cols elements")
    }
}

impl<T> From<Matrix<T>> for Array2<T> {
    /// Moves the buffer into a standard-layout array, without copying.
    ///
    /// ```
    /// let a: ndarray::Array2<i32> = parmat::matrix![[1, 2], [3, 4]].into();
    /// assert_eq!(a, ndarray::array![[1, 2], [3, 4]]);
    /// ```
    fn from(m: Matrix<T>) -> Self {
        let shape = m.shape();
        Array2::from_shape_vec(shape, m.into_vec())
            .expect("a Matrix holds exactly rows × cols elements")
    }
}

impl<'a, T> From<ArrayView2<'a, T>> for MatRef<'a, T> {
    /// A zero-copy view with the array's strides (any, including negative ones).
    ///
    /// ```
    /// use ndarray::s;
    /// let a = ndarray::Array2::from_shape_fn((4, 4), |(i, j)| (4 * i + j) as f64);
    /// let v = parmat::MatRef::from(a.slice(s![..;2, ..;-1]));
    /// assert_eq!(v.get(1, 0), Some(&11.0));
    /// ```
    fn from(view: ArrayView2<'a, T>) -> Self {
        let (rows, cols) = view.dim();
        let strides = view.strides();
        // SAFETY: ndarray guarantees that every in-bounds index of the view addresses an
        // initialised element borrowed for 'a, with these strides.
        unsafe { MatRef::from_raw_parts(view.as_ptr(), rows, cols, strides[0], strides[1]) }
    }
}

impl<'a, T> From<ArrayViewMut2<'a, T>> for MatMut<'a, T> {
    /// A zero-copy mutable view with the array's strides.
    ///
    /// ```
    /// use ndarray::s;
    /// let mut out = ndarray::Array2::<i32>::zeros((2, 4));
    /// let a = parmat::matrix![[1, 2], [3, 4]];
    /// // Write A·A into the even columns of `out`.
    /// parmat::mul_into(&parmat::Serial, a.view(), a.view(), out.slice_mut(s![.., ..;2]).into())?;
    /// assert_eq!(out, ndarray::array![[7, 0, 10, 0], [15, 0, 22, 0]]);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    fn from(mut view: ArrayViewMut2<'a, T>) -> Self {
        let (rows, cols) = view.dim();
        let (row_stride, col_stride) = (view.strides()[0], view.strides()[1]);
        let ptr = view.as_mut_ptr();
        // SAFETY: ndarray guarantees a mutable view's elements are distinct, initialised and
        // exclusively borrowed for 'a, at these strides.
        unsafe { MatMut::from_raw_parts(ptr, rows, cols, row_stride, col_stride) }
    }
}

/// Matrix products on ndarray's two-dimensional arrays and views.
///
/// # Examples
///
/// ```
/// use parmat::ParMul;
/// let a = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
/// let c = a.par_mul(&a.t())?; // any strides, no copies of the inputs
/// assert_eq!(c, ndarray::array![[5.0, 11.0], [11.0, 25.0]]);
/// # Ok::<(), parmat::Error>(())
/// ```
pub trait ParMul<Rhs: ?Sized> {
    /// The element type of the product.
    type Elem;
    /// The product: an `Array2` for two matrices, an `Array3` for two batches.
    type Output;

    /// `self · rhs` with the [`Auto`] strategy.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if the inner dimensions differ; for two batches (3-D
    /// arrays) also [`Error::BatchLengthMismatch`]; [`Error::SizeOverflow`] or
    /// [`Error::AllocationFailed`] if the result cannot be counted or allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::ParMul;
    /// let a = ndarray::Array2::<i64>::ones((2, 3));
    /// assert_eq!(a.par_mul(&a.t())?, ndarray::array![[3, 3], [3, 3]]);
    /// assert!(a.par_mul(&a).is_err());
    /// # Ok::<(), parmat::Error>(())
    /// ```
    fn par_mul(&self, rhs: &Rhs) -> Result<Self::Output, Error>;

    /// `self · rhs` with the given strategy.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if the inner dimensions differ; for two batches (3-D
    /// arrays) also [`Error::BatchLengthMismatch`]; [`Error::SizeOverflow`] or
    /// [`Error::AllocationFailed`] if the result cannot be counted or allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{ParMul, PerCell};
    /// let a = ndarray::Array2::<f32>::eye(3);
    /// assert_eq!(a.mul_with(&a, &PerCell::default())?, a);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    fn mul_with<St: MulStrategy>(&self, rhs: &Rhs, strategy: &St) -> Result<Self::Output, Error>;
}

impl<T, S1, S2> ParMul<ArrayBase<S2, Ix2>> for ArrayBase<S1, Ix2>
where
    T: Element,
    S1: Data<Elem = T>,
    S2: Data<Elem = T>,
{
    type Elem = T;
    type Output = Array2<T>;

    fn par_mul(&self, rhs: &ArrayBase<S2, Ix2>) -> Result<Array2<T>, Error> {
        self.mul_with(rhs, &Auto::default())
    }

    fn mul_with<St: MulStrategy>(
        &self,
        rhs: &ArrayBase<S2, Ix2>,
        strategy: &St,
    ) -> Result<Array2<T>, Error> {
        crate::mul(strategy, self.view().into(), rhs.view().into()).map(Array2::from)
    }
}

/// Batches: `a.par_mul(&b)` on two 3-D arrays multiplies them matrix by matrix along axis
/// 0, as numpy's `matmul` does: `(batch, m, k) · (batch, k, n)` gives `(batch, m, n)`, and
/// a batch of one on either side is broadcast against the other (`(1, m, k) · (b, k, n)`
/// gives `(b, m, n)`).
///
/// `par_mul` shares the batch out under one worker budget (as
/// [`mul_batch_into`](crate::mul_batch_into) with [`Auto`]); `mul_with` runs the products
/// one after another, each with the workers `strategy` gives it.
///
/// # Errors
///
/// [`Error::BatchLengthMismatch`] if the batch lengths differ and neither is 1;
/// [`Error::ShapeMismatch`] if the matrices' inner dimensions differ (`k`);
/// [`Error::SizeOverflow`] if the result's size cannot be counted, [`Error::AllocationFailed`]
/// if its memory cannot be had. Nothing is computed then.
///
/// # Examples
///
/// ```
/// use ndarray::{Array3, array};
/// use parmat::ParMul;
/// let a = Array3::from_shape_fn((4, 2, 3), |(b, i, j)| (b + i + j) as f64);
/// let b = Array3::from_shape_fn((4, 3, 2), |(b, i, j)| (b * i + j) as f64);
/// let c = a.par_mul(&b)?;
/// assert_eq!(c.dim(), (4, 2, 2));
/// let third = |x: &Array3<f64>| x.index_axis(ndarray::Axis(0), 3).to_owned();
/// assert_eq!(third(&c), third(&a).dot(&third(&b)));
///
/// // One matrix against a batch: broadcast.
/// let w = array![[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]; // (1, 2, 3)
/// let picked = w.par_mul(&b)?; // rows 0 and 2 of each matrix of `b`
/// assert_eq!(picked.dim(), (4, 2, 2));
/// assert_eq!(picked[(1, 1, 1)], b[(1, 2, 1)]);
/// # Ok::<(), parmat::Error>(())
/// ```
impl<T, S1, S2> ParMul<ArrayBase<S2, Ix3>> for ArrayBase<S1, Ix3>
where
    T: Element,
    S1: Data<Elem = T>,
    S2: Data<Elem = T>,
{
    type Elem = T;
    type Output = Array3<T>;

    fn par_mul(&self, rhs: &ArrayBase<S2, Ix3>) -> Result<Array3<T>, Error> {
        batch_product(self, rhs, |a, b, c| {
            crate::mul_batch_into(&Auto::default(), a, b, c)
        })
    }

    fn mul_with<St: MulStrategy>(
        &self,
        rhs: &ArrayBase<S2, Ix3>,
        strategy: &St,
    ) -> Result<Array3<T>, Error> {
        batch_product(self, rhs, |a, b, c| {
            for ((x, y), z) in a.iter().zip(b).zip(c.iter_mut()) {
                strategy.mul_into(*x, *y, z.rb_mut())?;
            }
            Ok(())
        })
    }
}

/// The batch product of two 3-D arrays (see the `Ix3` impl of [`ParMul`]): checks the
/// shapes, broadcasts a batch of one, allocates the result and hands the views to `run`.
fn batch_product<T, S1, S2>(
    a: &ArrayBase<S1, Ix3>,
    b: &ArrayBase<S2, Ix3>,
    run: impl FnOnce(&[MatRef<'_, T>], &[MatRef<'_, T>], &mut [MatMut<'_, T>]) -> Result<(), Error>,
) -> Result<Array3<T>, Error>
where
    T: Element,
    S1: Data<Elem = T>,
    S2: Data<Elem = T>,
{
    let ((batch_a, m, k), (batch_b, k2, n)) = (a.dim(), b.dim());
    let batch = match (batch_a, batch_b) {
        (x, y) if x == y => x,
        (1, y) => y,
        (x, 1) => x,
        (x, y) => {
            return Err(Error::BatchLengthMismatch {
                left: x,
                right: y,
                outputs: None,
            });
        }
    };
    check_product("multiply the batches of", (m, k), (k2, n), None)?;
    let cells = batch
        .checked_mul(m)
        .and_then(|x| x.checked_mul(n))
        .filter(|&cells| cells <= isize::MAX as usize / std::mem::size_of::<T>().max(1))
        .ok_or(Error::SizeOverflow {
            rows: batch.saturating_mul(m),
            cols: n,
        })?;
    let mut data = Vec::new();
    data.try_reserve_exact(cells)
        .map_err(|_| Error::AllocationFailed {
            rows: batch * m,
            cols: n,
            bytes: cells * std::mem::size_of::<T>(),
        })?;
    data.resize(cells, T::zero());
    let mut out = Array3::from_shape_vec((batch, m, n), data).expect("batch × m × n elements");
    let pick = |len: usize, i: usize| if len == 1 { 0 } else { i };
    let av: Vec<MatRef<'_, T>> = (0..batch)
        .map(|i| a.index_axis(Axis(0), pick(batch_a, i)).into())
        .collect();
    let bv: Vec<MatRef<'_, T>> = (0..batch)
        .map(|i| b.index_axis(Axis(0), pick(batch_b, i)).into())
        .collect();
    let mut cv: Vec<MatMut<'_, T>> = out.outer_iter_mut().map(MatMut::from).collect();
    run(&av, &bv, &mut cv)?;
    drop(cv);
    Ok(out)
}

//! Interop with [`ndarray`](https://docs.rs/ndarray): conversions and the [`ParMul`]
//! extension trait (feature `ndarray`, on by default).

use ::ndarray::{Array2, ArrayBase, ArrayView2, ArrayViewMut2, Data, Ix2};

use crate::element::Element;
use crate::error::Error;
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

    /// `self · rhs` with the [`Auto`] strategy.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if the inner dimensions differ.
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
    fn par_mul(&self, rhs: &Rhs) -> Result<Array2<Self::Elem>, Error>;

    /// `self · rhs` with the given strategy.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if the inner dimensions differ.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{ParMul, PerCell};
    /// let a = ndarray::Array2::<f32>::eye(3);
    /// assert_eq!(a.mul_with(&a, &PerCell::default())?, a);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    fn mul_with<St: MulStrategy>(
        &self,
        rhs: &Rhs,
        strategy: &St,
    ) -> Result<Array2<Self::Elem>, Error>;
}

impl<T, S1, S2> ParMul<ArrayBase<S2, Ix2>> for ArrayBase<S1, Ix2>
where
    T: Element,
    S1: Data<Elem = T>,
    S2: Data<Elem = T>,
{
    type Elem = T;

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

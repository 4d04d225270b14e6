//! [`MatMut`]: a mutable view with any non-aliasing strides.

use crate::error::Error;
use std::fmt;
use std::marker::PhantomData;

use super::*;

/// A mutable view of a matrix: any row and column strides under which no two elements
/// share memory.
///
/// Products are written into a `MatMut` by [`mul_into`](crate::mul_into) and
/// [`gemm`](crate::gemm). Make one with [`Matrix::view_mut`], [`MatMut::from_slice`],
/// [`MatMut::from_slice_strided`] or (feature `ndarray`) `MatMut::from(array.view_mut())`.
///
/// # Examples
///
/// ```
/// use parmat::{MatMut, Matrix};
///
/// // Write a product into the transposed layout of a caller's buffer.
/// let a = parmat::matrix![[1, 2], [3, 4]];
/// let mut buf = vec![0; 4];
/// let out = MatMut::from_slice(&mut buf, 2, 2)?.t();
/// parmat::mul_into(&parmat::Serial, a.view(), a.view(), out)?;
/// assert_eq!(buf, [7, 15, 10, 22]); // (A·A)ᵀ in row-major order
/// # Ok::<(), parmat::Error>(())
/// ```
pub struct MatMut<'a, T> {
    pub(super) ptr: *mut T,
    pub(super) rows: usize,
    pub(super) cols: usize,
    pub(super) row_stride: isize,
    pub(super) col_stride: isize,
    pub(super) _marker: PhantomData<&'a mut T>,
}

// SAFETY: a `MatMut` is an exclusive borrow of distinct `T`s, exactly like `&mut [T]`.
unsafe impl<T: Send> Send for MatMut<'_, T> {}
// SAFETY: as above; shared access only reads.
unsafe impl<T: Sync> Sync for MatMut<'_, T> {}

impl<T: fmt::Debug> fmt::Debug for MatMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatMut")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("row_stride", &self.row_stride)
            .field("col_stride", &self.col_stride)
            .field("data", &DebugRows(self.rb()))
            .finish()
    }
}

impl<'a, T> MatMut<'a, T> {
    /// A mutable view of a row-major `rows × cols` slice.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] if `data.len() != rows * cols`, [`Error::SizeOverflow`] if
    /// `rows * cols` overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut buf = [0.0; 6];
    /// let mut v = parmat::MatMut::from_slice(&mut buf, 2, 3)?;
    /// *v.get_mut(1, 2).unwrap() = 5.0;
    /// assert_eq!(buf[5], 5.0);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn from_slice(data: &'a mut [T], rows: usize, cols: usize) -> Result<Self, Error> {
        let expected = element_count(rows, cols)?;
        if data.len() != expected {
            return Err(Error::InvalidLength {
                rows,
                cols,
                expected,
                actual: data.len(),
            });
        }
        Ok(MatMut {
            ptr: data.as_mut_ptr(),
            rows,
            cols,
            row_stride: cols as isize,
            col_stride: 1,
            _marker: PhantomData,
        })
    }

    /// A mutable view of `rows × cols` elements of `data`, element (`i`, `j`) at
    /// `data[i * row_stride + j * col_stride]`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] if an element would fall outside `data`;
    /// [`Error::InvalidLayout`] if two elements would share a location (for example a zero
    /// stride), since a product written there would be ill-defined.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut buf = [0; 8];
    /// // The even positions of `buf` as a 2×2 matrix.
    /// let v = parmat::MatMut::from_slice_strided(&mut buf, 2, 2, 4, 2)?;
    /// let id = parmat::Matrix::<i32>::identity(2);
    /// parmat::mul_into(&parmat::Serial, id.view(), id.view(), v)?;
    /// assert_eq!(buf, [1, 0, 0, 0, 0, 0, 1, 0]);
    /// assert!(parmat::MatMut::from_slice_strided(&mut buf, 2, 2, 1, 1).is_err()); // aliasing
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn from_slice_strided(
        data: &'a mut [T],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Result<Self, Error> {
        check_layout(data.len(), rows, cols, row_stride, col_stride, true)?;
        Ok(MatMut {
            ptr: data.as_mut_ptr(),
            rows,
            cols,
            row_stride: row_stride as isize,
            col_stride: col_stride as isize,
            _marker: PhantomData,
        })
    }

    /// A mutable view from a raw pointer and strides (for interop with other libraries).
    ///
    /// # Safety
    ///
    /// For every `i < rows` and `j < cols`, `ptr.offset(i * row_stride + j * col_stride)`
    /// must point to an initialised `T` inside one allocation, valid for reads and writes
    /// and accessed by nothing else during `'a`; distinct (`i`, `j`) must give distinct
    /// locations; the offsets must not overflow `isize`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut data = [0, 0, 0];
    /// // SAFETY: the three elements of the reversed 1×3 view are distinct and inside `data`.
    /// let mut v = unsafe { parmat::MatMut::from_raw_parts(data.as_mut_ptr().add(2), 1, 3, 0, -1) };
    /// *v.get_mut(0, 0).unwrap() = 7;
    /// assert_eq!(data, [0, 0, 7]);
    /// ```
    pub unsafe fn from_raw_parts(
        ptr: *mut T,
        rows: usize,
        cols: usize,
        row_stride: isize,
        col_stride: isize,
    ) -> Self {
        MatMut {
            ptr,
            rows,
            cols,
            row_stride,
            col_stride,
            _marker: PhantomData,
        }
    }

    /// Number of rows. The example of [`shape`](Self::shape) shows it.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns. The example of [`shape`](Self::shape) shows it.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::Matrix::<u8>::zeros(2, 3);
    /// let v = m.view_mut();
    /// assert_eq!((v.rows(), v.cols(), v.shape()), (2, 3, (2, 3)));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// A read-only view of the same elements, borrowed from this one.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::matrix![[1, 2]];
    /// let v = m.view_mut();
    /// assert_eq!(v.rb().get(0, 1), Some(&2));
    /// ```
    pub fn rb(&self) -> MatRef<'_, T> {
        MatRef {
            ptr: self.ptr,
            rows: self.rows,
            cols: self.cols,
            row_stride: self.row_stride,
            col_stride: self.col_stride,
            conjugated: false,
            _marker: PhantomData,
        }
    }

    /// A mutable view of the same elements, borrowed from this one (so `self` can be used
    /// again afterwards).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = parmat::matrix![[2]];
    /// let mut c = parmat::Matrix::<i32>::zeros(1, 1);
    /// let mut out = c.view_mut();
    /// parmat::mul_into(&parmat::Serial, a.view(), a.view(), out.rb_mut())?;
    /// parmat::gemm(&parmat::Serial, 1, a.view(), a.view(), 1, out.rb_mut())?;
    /// assert_eq!(c[(0, 0)], 8);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn rb_mut(&mut self) -> MatMut<'_, T> {
        MatMut {
            ptr: self.ptr,
            rows: self.rows,
            cols: self.cols,
            row_stride: self.row_stride,
            col_stride: self.col_stride,
            _marker: PhantomData,
        }
    }

    /// The transposed mutable view (`cols × rows`), without copying.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::Matrix::<i32>::zeros(1, 2);
    /// *m.view_mut().t().get_mut(1, 0).unwrap() = 3;
    /// assert_eq!(m, parmat::matrix![[0, 3]]);
    /// ```
    pub fn t(self) -> MatMut<'a, T> {
        MatMut {
            ptr: self.ptr,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            _marker: PhantomData,
        }
    }

    /// The element at (`i`, `j`), or `None` outside the view.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::matrix![[1, 2]];
    /// assert_eq!(m.view_mut().get(0, 0), Some(&1));
    /// ```
    pub fn get(&self, i: usize, j: usize) -> Option<&T> {
        self.rb().get(i, j)
    }

    /// The element at (`i`, `j`) for writing, or `None` outside the view.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::matrix![[1, 2]];
    /// *m.view_mut().get_mut(0, 1).unwrap() = 9;
    /// assert_eq!(m, parmat::matrix![[1, 9]]);
    /// ```
    pub fn get_mut(&mut self, i: usize, j: usize) -> Option<&mut T> {
        if i < self.rows && j < self.cols {
            // SAFETY: (i, j) is inside the view and the view is the only access to its
            // elements for as long as `self` is borrowed mutably.
            Some(unsafe {
                &mut *self
                    .ptr
                    .offset(offset(i, j, self.row_stride, self.col_stride))
            })
        } else {
            None
        }
    }

    /// Splits the view into rows `0..row` and `row..rows`.
    ///
    /// # Panics
    ///
    /// If `row > rows`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::Matrix::<i32>::zeros(3, 1);
    /// let (mut top, mut bottom) = m.view_mut().split_at_row(1);
    /// *top.get_mut(0, 0).unwrap() = 1;
    /// *bottom.get_mut(1, 0).unwrap() = 2;
    /// assert_eq!(m, parmat::matrix![[1], [0], [2]]);
    /// ```
    pub fn split_at_row(self, row: usize) -> (MatMut<'a, T>, MatMut<'a, T>) {
        assert!(
            row <= self.rows,
            "split_at_row: row {row} is past the end of a matrix with {} rows",
            self.rows
        );
        let rest = if row == self.rows || self.cols == 0 {
            self.ptr
        } else {
            self.ptr
                .wrapping_offset(offset(row, 0, self.row_stride, self.col_stride))
        };
        let top = MatMut {
            ptr: self.ptr,
            rows: row,
            cols: self.cols,
            row_stride: self.row_stride,
            col_stride: self.col_stride,
            _marker: PhantomData,
        };
        let bottom = MatMut {
            ptr: rest,
            rows: self.rows - row,
            ..self
        };
        (top, bottom)
    }

    /// Splits the view into columns `0..col` and `col..cols`.
    ///
    /// # Panics
    ///
    /// If `col > cols`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::Matrix::<i32>::zeros(1, 3);
    /// let (mut left, mut right) = m.view_mut().split_at_col(2);
    /// *left.get_mut(0, 1).unwrap() = 1;
    /// *right.get_mut(0, 0).unwrap() = 2;
    /// assert_eq!(m, parmat::matrix![[0, 1, 2]]);
    /// ```
    pub fn split_at_col(self, col: usize) -> (MatMut<'a, T>, MatMut<'a, T>) {
        let (left, right) = self.t().split_at_row(col);
        (left.t(), right.t())
    }

    /// The `rows × cols` block whose top-left element is (`row`, `col`), borrowed from
    /// this view.
    ///
    /// # Panics
    ///
    /// If the block does not fit inside the view.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::Matrix::<i32>::zeros(3, 3);
    /// let mut v = m.view_mut();
    /// *v.submatrix_mut(1, 1, 2, 2).get_mut(1, 1).unwrap() = 5;
    /// assert_eq!(m[(2, 2)], 5);
    /// ```
    pub fn submatrix_mut(
        &mut self,
        row: usize,
        col: usize,
        rows: usize,
        cols: usize,
    ) -> MatMut<'_, T> {
        let block = self.rb().submatrix(row, col, rows, cols);
        MatMut {
            ptr: block.ptr.cast_mut(),
            rows,
            cols,
            row_stride: self.row_stride,
            col_stride: self.col_stride,
            _marker: PhantomData,
        }
    }

    /// Distance in elements from one row to the next.
    pub(crate) fn row_stride(&self) -> isize {
        self.row_stride
    }

    /// Distance in elements from one column to the next.
    pub(crate) fn col_stride(&self) -> isize {
        self.col_stride
    }

    /// Pointer to element (0, 0) (dangling when the view is empty).
    pub(crate) fn as_mut_ptr(&mut self) -> *mut T {
        self.ptr
    }

    /// The whole view as one row-major slice, when it is laid out that way.
    pub(crate) fn as_row_major_slice_mut(&mut self) -> Option<&mut [T]> {
        let contiguous = (self.cols <= 1 || self.col_stride == 1)
            && (self.rows <= 1 || self.row_stride == self.cols as isize);
        if !contiguous {
            return None;
        }
        let len = self.rows * self.cols;
        if len == 0 {
            return Some(&mut []);
        }
        // SAFETY: the layout is exactly row-major, so the `rows · cols` elements are
        // consecutive from `ptr`, and the view has exclusive access to them.
        Some(unsafe { std::slice::from_raw_parts_mut(self.ptr, len) })
    }

    /// Calls `f(i, j, &mut element)` for every element, row by row.
    pub(crate) fn for_each_mut(&mut self, mut f: impl FnMut(usize, usize, &mut T)) {
        for i in 0..self.rows {
            for j in 0..self.cols {
                // SAFETY: (i, j) is inside the view; the view has exclusive access and the
                // reference does not outlive this iteration.
                let x = unsafe {
                    &mut *self
                        .ptr
                        .offset(offset(i, j, self.row_stride, self.col_stride))
                };
                f(i, j, x);
            }
        }
    }

    /// Reinterprets the view as one of another element type.
    ///
    /// # Safety
    ///
    /// `U` must have the size and alignment of `T`, every `T` in the view must be a valid
    /// `U` and every `U` written must be a valid `T`.
    pub(crate) unsafe fn cast<U>(self) -> MatMut<'a, U> {
        MatMut {
            ptr: self.ptr.cast::<U>(),
            rows: self.rows,
            cols: self.cols,
            row_stride: self.row_stride,
            col_stride: self.col_stride,
            _marker: PhantomData,
        }
    }
}

#[cfg(feature = "complex")]
impl<'a, T> MatMut<'a, num_complex::Complex<T>> {
    /// [`MatRef::interleaved_reals`] for a mutable view.
    pub(crate) fn into_interleaved_reals(self) -> Result<MatMut<'a, T>, Self> {
        if self.cols > 1 && self.col_stride != 1 {
            return Err(self);
        }
        Ok(MatMut {
            ptr: self.ptr.cast::<T>(),
            rows: self.rows,
            cols: self.cols * 2,
            row_stride: self.row_stride * 2,
            col_stride: 1,
            _marker: PhantomData,
        })
    }
}

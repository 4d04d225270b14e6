//! [`Matrix`], the borrowed views [`MatRef`] and [`MatMut`], and the [`matrix!`](crate::matrix!) macro.
//!
//! Views are a pointer plus a row stride and a column stride (in elements, possibly
//! negative), so a transpose, a sub-matrix or an ndarray view with any strides is a view
//! without a copy. The pointer arithmetic lives here, in a handful of small functions each
//! with its safety argument; everything above them is safe code.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

use num_traits::One;

use crate::error::Error;
use crate::{Element, MulStrategy};

/// Number of elements in a `rows × cols` matrix, or `SizeOverflow`.
pub(crate) fn element_count(rows: usize, cols: usize) -> Result<usize, Error> {
    rows.checked_mul(cols)
        .ok_or(Error::SizeOverflow { rows, cols })
}

/// Offset of the element at (`i`, `j`) for the given strides. Callers keep `i < rows` and
/// `j < cols` of a layout that was validated, so the products cannot overflow.
#[inline(always)]
fn offset(i: usize, j: usize, row_stride: isize, col_stride: isize) -> isize {
    (i as isize) * row_stride + (j as isize) * col_stride
}

/// Validates a strided layout over a buffer of `len` elements starting at index 0:
/// every element must be inside the buffer. With `unique`, no two elements may share an
/// index either (needed for mutable views).
fn check_layout(
    len: usize,
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
    unique: bool,
) -> Result<(), Error> {
    let refuse = |reason| Error::InvalidLayout {
        rows,
        cols,
        row_stride: row_stride as isize,
        col_stride: col_stride as isize,
        reason,
    };
    element_count(rows, cols)?;
    if row_stride > isize::MAX as usize || col_stride > isize::MAX as usize {
        return Err(refuse("a stride exceeds isize::MAX"));
    }
    if rows == 0 || cols == 0 {
        return Ok(());
    }
    // Elements the buffer must hold: one past the last element's index (which can itself
    // be usize::MAX, so the count is checked too).
    let needed = (rows - 1)
        .checked_mul(row_stride)
        .and_then(|r| {
            (cols - 1)
                .checked_mul(col_stride)
                .and_then(|c| r.checked_add(c))
        })
        .and_then(|last| last.checked_add(1))
        .ok_or(Error::SizeOverflow { rows, cols })?;
    if needed > len {
        return Err(Error::InvalidLength {
            rows,
            cols,
            expected: needed,
            actual: len,
        });
    }
    if unique {
        // Sort the two axes by stride; the layout is one-to-one when the smaller stride
        // is non-zero and its whole extent fits below one step of the larger stride.
        let mut axes: Vec<(usize, usize)> = [(row_stride, rows), (col_stride, cols)]
            .into_iter()
            .filter(|&(_, extent)| extent > 1)
            .collect();
        axes.sort_unstable();
        let ok = match axes[..] {
            [] => true,
            [(s, _)] => s > 0,
            [(s_small, n_small), (s_big, _)] => s_small > 0 && s_small * (n_small - 1) < s_big,
            _ => unreachable!("a matrix has two axes"),
        };
        if !ok {
            return Err(refuse("two elements would share one memory location"));
        }
    }
    Ok(())
}

/// A read-only view of a matrix: any row and column strides, no ownership.
///
/// `MatRef` is `Copy`; it is what every multiplication reads. Make one with
/// [`Matrix::view`], [`Matrix::t`], [`MatRef::from_slice`], [`MatRef::from_slice_strided`]
/// or (feature `ndarray`) `MatRef::from(array.view())`.
///
/// # Examples
///
/// ```
/// use parmat::{MatRef, Matrix};
///
/// let data = [1, 2, 3, 4, 5, 6];
/// let v = MatRef::from_slice(&data, 2, 3)?;       // [[1, 2, 3], [4, 5, 6]]
/// assert_eq!(v.get(1, 2), Some(&6));
/// let t = v.t();                                 // 3×2, no copy
/// assert_eq!(t.shape(), (3, 2));
/// assert_eq!(t.get(2, 1), Some(&6));
/// // Every other column: a 2×2 strided view.
/// let cols = MatRef::from_slice_strided(&data, 2, 2, 3, 2)?;
/// assert_eq!(cols.to_matrix(), parmat::matrix![[1, 3], [4, 6]]);
/// # Ok::<(), parmat::Error>(())
/// ```
pub struct MatRef<'a, T> {
    ptr: *const T,
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
    _marker: PhantomData<&'a T>,
}

impl<T> Clone for MatRef<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for MatRef<'_, T> {}

// SAFETY: a `MatRef` is a shared borrow of `T`s, exactly like `&[T]`.
unsafe impl<T: Sync> Send for MatRef<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for MatRef<'_, T> {}

impl<T: fmt::Debug> fmt::Debug for MatRef<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatRef")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("row_stride", &self.row_stride)
            .field("col_stride", &self.col_stride)
            .field("data", &DebugRows(*self))
            .finish()
    }
}

struct DebugRows<'a, T>(MatRef<'a, T>);

impl<T: fmt::Debug> fmt::Debug for DebugRows<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        f.debug_list()
            .entries((0..m.rows).map(|i| DebugRow(m, i)))
            .finish()
    }
}

struct DebugRow<'a, T>(MatRef<'a, T>, usize);

impl<T: fmt::Debug> fmt::Debug for DebugRow<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (m, i) = (self.0, self.1);
        f.debug_list()
            .entries((0..m.cols).map(|j| &m[(i, j)]))
            .finish()
    }
}

impl<'a, T> MatRef<'a, T> {
    /// A view of a row-major `rows × cols` slice.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] if `data.len() != rows * cols`, [`Error::SizeOverflow`] if
    /// `rows * cols` overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// let v = parmat::MatRef::from_slice(&[1.0, 2.0, 3.0, 4.0], 2, 2)?;
    /// assert_eq!(v[(1, 0)], 3.0);
    /// assert!(parmat::MatRef::from_slice(&[1.0, 2.0, 3.0], 2, 2).is_err());
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn from_slice(data: &'a [T], rows: usize, cols: usize) -> Result<Self, Error> {
        let expected = element_count(rows, cols)?;
        if data.len() != expected {
            return Err(Error::InvalidLength {
                rows,
                cols,
                expected,
                actual: data.len(),
            });
        }
        Ok(Self::from_slice_unchecked_layout(data, rows, cols, cols, 1))
    }

    /// A view of `rows × cols` elements of `data`, element (`i`, `j`) at
    /// `data[i * row_stride + j * col_stride]`. Strides may be zero (a broadcast view).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] if an element would fall outside `data`,
    /// [`Error::SizeOverflow`] or [`Error::InvalidLayout`] for strides too large to address.
    ///
    /// # Examples
    ///
    /// ```
    /// // A column-major 2×3 matrix.
    /// let data = [1, 4, 2, 5, 3, 6];
    /// let v = parmat::MatRef::from_slice_strided(&data, 2, 3, 1, 2)?;
    /// assert_eq!(v.to_matrix(), parmat::matrix![[1, 2, 3], [4, 5, 6]]);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn from_slice_strided(
        data: &'a [T],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Result<Self, Error> {
        check_layout(data.len(), rows, cols, row_stride, col_stride, false)?;
        Ok(Self::from_slice_unchecked_layout(
            data, rows, cols, row_stride, col_stride,
        ))
    }

    fn from_slice_unchecked_layout(
        data: &'a [T],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        MatRef {
            ptr: data.as_ptr(),
            rows,
            cols,
            row_stride: row_stride as isize,
            col_stride: col_stride as isize,
            _marker: PhantomData,
        }
    }

    /// A view from a raw pointer and strides (for interop with other matrix libraries).
    ///
    /// # Safety
    ///
    /// For every `i < rows` and `j < cols`, `ptr.offset(i * row_stride + j * col_stride)`
    /// must point to an initialised `T` inside one allocation, readable for `'a` and not
    /// mutated during `'a`; the offsets must not overflow `isize`.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = [1, 2, 3, 4];
    /// // SAFETY: both elements of the reversed 1×2 view lie inside `data`.
    /// let v = unsafe { parmat::MatRef::from_raw_parts(data.as_ptr().add(3), 1, 2, 0, -1) };
    /// assert_eq!(v.to_matrix(), parmat::matrix![[4, 3]]);
    /// ```
    pub unsafe fn from_raw_parts(
        ptr: *const T,
        rows: usize,
        cols: usize,
        row_stride: isize,
        col_stride: isize,
    ) -> Self {
        MatRef {
            ptr,
            rows,
            cols,
            row_stride,
            col_stride,
            _marker: PhantomData,
        }
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Matrix::<u8>::zeros(2, 3).view().rows(), 2);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Matrix::<u8>::zeros(2, 3).view().cols(), 3);
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Matrix::<u8>::zeros(2, 3).t().shape(), (3, 2));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Distance in elements from one row to the next.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::Matrix::<u8>::zeros(2, 3);
    /// assert_eq!((m.view().row_stride(), m.t().row_stride()), (3, 1));
    /// ```
    pub fn row_stride(&self) -> isize {
        self.row_stride
    }

    /// Distance in elements from one column to the next.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::Matrix::<u8>::zeros(2, 3);
    /// assert_eq!((m.view().col_stride(), m.t().col_stride()), (1, 3));
    /// ```
    pub fn col_stride(&self) -> isize {
        self.col_stride
    }

    /// The element at row `i`, column `j`, or `None` outside the matrix.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::matrix![[1, 2], [3, 4]];
    /// assert_eq!(m.view().get(0, 1), Some(&2));
    /// assert_eq!(m.view().get(2, 0), None);
    /// ```
    pub fn get(&self, i: usize, j: usize) -> Option<&'a T> {
        if i < self.rows && j < self.cols {
            // SAFETY: (i, j) is inside the view, whose layout was validated (or promised by
            // the caller of `from_raw_parts`).
            Some(unsafe {
                &*self
                    .ptr
                    .offset(offset(i, j, self.row_stride, self.col_stride))
            })
        } else {
            None
        }
    }

    /// The transposed view (`cols × rows`), without copying.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::matrix![[1, 2, 3]];
    /// assert_eq!(m.view().t().to_matrix(), parmat::matrix![[1], [2], [3]]);
    /// ```
    pub fn t(self) -> MatRef<'a, T> {
        MatRef {
            ptr: self.ptr,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            _marker: PhantomData,
        }
    }

    /// The `rows × cols` block whose top-left element is (`row`, `col`).
    ///
    /// # Panics
    ///
    /// If the block does not fit inside the view.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::matrix![[1, 2, 3], [4, 5, 6], [7, 8, 9]];
    /// assert_eq!(m.view().submatrix(1, 1, 2, 2).to_matrix(), parmat::matrix![[5, 6], [8, 9]]);
    /// ```
    pub fn submatrix(self, row: usize, col: usize, rows: usize, cols: usize) -> MatRef<'a, T> {
        assert!(
            row.checked_add(rows).is_some_and(|end| end <= self.rows)
                && col.checked_add(cols).is_some_and(|end| end <= self.cols),
            "submatrix: a {rows}×{cols} block at ({row}, {col}) does not fit in a {}×{} view",
            self.rows,
            self.cols
        );
        let ptr = if rows == 0 || cols == 0 {
            self.ptr
        } else {
            self.ptr
                .wrapping_offset(offset(row, col, self.row_stride, self.col_stride))
        };
        MatRef {
            ptr,
            rows,
            cols,
            ..self
        }
    }

    /// Row `i` as a slice, when the view's rows are contiguous (column stride 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::matrix![[1, 2], [3, 4]];
    /// assert_eq!(m.view().row(1), Some(&[3, 4][..]));
    /// assert_eq!(m.t().row(1), None); // columns of `m` are strided
    /// ```
    pub fn row(&self, i: usize) -> Option<&'a [T]> {
        if i >= self.rows || (self.col_stride != 1 && self.cols > 1) {
            return None;
        }
        if self.cols == 0 {
            return Some(&[]);
        }
        // SAFETY: the row's `cols` elements are consecutive (column stride 1) and inside the
        // view, so they form one valid slice borrowed for 'a.
        Some(unsafe {
            std::slice::from_raw_parts(self.ptr.offset(offset(i, 0, self.row_stride, 1)), self.cols)
        })
    }

    /// The whole view as one row-major slice, when it is laid out that way.
    pub(crate) fn as_row_major_slice(&self) -> Option<&'a [T]> {
        let contiguous = (self.cols <= 1 || self.col_stride == 1)
            && (self.rows <= 1 || self.row_stride == self.cols as isize);
        if !contiguous {
            return None;
        }
        let len = self.rows * self.cols;
        if len == 0 {
            return Some(&[]);
        }
        // SAFETY: the layout is exactly row-major and every element is inside the view,
        // so the `rows · cols` elements are consecutive from `ptr`.
        Some(unsafe { std::slice::from_raw_parts(self.ptr, len) })
    }

    /// Pointer to element (0, 0) (dangling when the view is empty).
    pub(crate) fn as_ptr(&self) -> *const T {
        self.ptr
    }

    /// Reads element (`i`, `j`) without a bounds check.
    ///
    /// # Safety
    ///
    /// `i < rows` and `j < cols`.
    #[inline(always)]
    pub(crate) unsafe fn get_unchecked(&self, i: usize, j: usize) -> &'a T {
        // SAFETY: the caller keeps (i, j) inside the view.
        unsafe {
            &*self
                .ptr
                .offset(offset(i, j, self.row_stride, self.col_stride))
        }
    }

    /// Reinterprets the view as one of another element type.
    ///
    /// # Safety
    ///
    /// `U` must have the size and alignment of `T`, and every `T` in the view must be a
    /// valid `U`.
    pub(crate) unsafe fn cast<U>(self) -> MatRef<'a, U> {
        MatRef {
            ptr: self.ptr.cast::<U>(),
            rows: self.rows,
            cols: self.cols,
            row_stride: self.row_stride,
            col_stride: self.col_stride,
            _marker: PhantomData,
        }
    }

    /// Copies the view into a new row-major [`Matrix`].
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::matrix![[1, 2], [3, 4]];
    /// assert_eq!(m.t().to_matrix(), parmat::matrix![[1, 3], [2, 4]]);
    /// ```
    pub fn to_matrix(&self) -> Matrix<T>
    where
        T: Clone,
    {
        let data = if let Some(slice) = self.as_row_major_slice() {
            slice.to_vec()
        } else {
            let mut data = Vec::with_capacity(self.rows * self.cols);
            for i in 0..self.rows {
                for j in 0..self.cols {
                    // SAFETY: i < rows, j < cols.
                    data.push(unsafe { self.get_unchecked(i, j) }.clone());
                }
            }
            data
        };
        Matrix {
            data,
            rows: self.rows,
            cols: self.cols,
        }
    }
}

impl<T> Index<(usize, usize)> for MatRef<'_, T> {
    type Output = T;

    /// # Panics
    ///
    /// If (`i`, `j`) is outside the view.
    fn index(&self, (i, j): (usize, usize)) -> &T {
        self.get(i, j).unwrap_or_else(|| {
            panic!(
                "index ({i}, {j}) is out of bounds for a {}×{} matrix",
                self.rows, self.cols
            )
        })
    }
}

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
    ptr: *mut T,
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
    _marker: PhantomData<&'a mut T>,
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

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Matrix::<u8>::zeros(2, 3).view_mut().rows(), 2);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Matrix::<u8>::zeros(2, 3).view_mut().cols(), 3);
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Matrix::<u8>::zeros(2, 3).view_mut().shape(), (2, 3));
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
    /// parmat::gemm(1, a.view(), a.view(), 1, out.rb_mut(), &parmat::Serial)?;
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

/// An owned, row-major, dense matrix.
///
/// # Examples
///
/// ```
/// use parmat::{matrix, Matrix};
///
/// let a = Matrix::from_vec(2, 3, vec![1, 2, 3, 4, 5, 6])?;
/// let b = Matrix::from_fn(3, 2, |i, j| (i + j) as i32);
/// let c = a.par_mul(&b)?;                 // the Auto strategy
/// assert_eq!(c, matrix![[8, 14], [17, 32]]);
/// assert_eq!(&a * &b, c);                 // operators panic on bad shapes
/// println!("{c}");
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Matrix<T> {
    data: Vec<T>,
    rows: usize,
    cols: usize,
}

impl<T> Matrix<T> {
    /// A `rows × cols` matrix from row-major `data`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] if `data.len() != rows * cols`; [`Error::SizeOverflow`] if
    /// `rows * cols` overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::Matrix::from_vec(2, 2, vec![1, 2, 3, 4])?;
    /// assert_eq!(m[(1, 0)], 3);
    /// let err = parmat::Matrix::from_vec(2, 2, vec![1, 2, 3]).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid length: a 2×2 matrix needs 4 elements, the buffer has 3");
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn from_vec(rows: usize, cols: usize, data: Vec<T>) -> Result<Self, Error> {
        let expected = element_count(rows, cols)?;
        if data.len() != expected {
            return Err(Error::InvalidLength {
                rows,
                cols,
                expected,
                actual: data.len(),
            });
        }
        Ok(Matrix { data, rows, cols })
    }

    /// A matrix from a list of rows, all of the same length.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] naming the first row whose length differs from the first
    /// row's (as a `1 × len` shape).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::Matrix::from_rows(vec![vec![1, 2], vec![3, 4]])?;
    /// assert_eq!(m.shape(), (2, 2));
    /// assert!(parmat::Matrix::from_rows(vec![vec![1, 2], vec![3]]).is_err());
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn from_rows(rows: Vec<Vec<T>>) -> Result<Self, Error> {
        let n_rows = rows.len();
        let cols = rows.first().map_or(0, Vec::len);
        if let Some(bad) = rows.iter().find(|r| r.len() != cols) {
            return Err(Error::InvalidLength {
                rows: 1,
                cols,
                expected: cols,
                actual: bad.len(),
            });
        }
        let data: Vec<T> = rows.into_iter().flatten().collect();
        Ok(Matrix {
            data,
            rows: n_rows,
            cols,
        })
    }

    /// A `rows × cols` matrix whose element (`i`, `j`) is `f(i, j)`.
    ///
    /// # Panics
    ///
    /// If `rows * cols` overflows `usize`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::Matrix::from_fn(2, 3, |i, j| 10 * i + j);
    /// assert_eq!(m.as_slice(), &[0, 1, 2, 10, 11, 12]);
    /// ```
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let len = element_count(rows, cols).unwrap_or_else(|e| panic!("{e}"));
        let mut data = Vec::with_capacity(len);
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Matrix { data, rows, cols }
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Matrix::<f64>::zeros(4, 5).rows(), 4);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Matrix::<f64>::zeros(4, 5).cols(), 5);
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Matrix::<f64>::zeros(4, 5).shape(), (4, 5));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The elements in row-major order.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::matrix![[1, 2], [3, 4]].as_slice(), &[1, 2, 3, 4]);
    /// ```
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// The elements in row-major order, for writing.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::matrix![[1, 2], [3, 4]];
    /// m.as_mut_slice()[3] = 0;
    /// assert_eq!(m, parmat::matrix![[1, 2], [3, 0]]);
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// The row-major element buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::matrix![[1, 2], [3, 4]].into_vec(), vec![1, 2, 3, 4]);
    /// ```
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// The element at (`i`, `j`), or `None` outside the matrix.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::matrix![[1, 2], [3, 4]];
    /// assert_eq!(m.get(1, 1), Some(&4));
    /// assert_eq!(m.get(1, 2), None);
    /// ```
    pub fn get(&self, i: usize, j: usize) -> Option<&T> {
        if i < self.rows && j < self.cols {
            self.data.get(i * self.cols + j)
        } else {
            None
        }
    }

    /// The element at (`i`, `j`) for writing, or `None` outside the matrix.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::matrix![[1, 2], [3, 4]];
    /// *m.get_mut(0, 0).unwrap() = 5;
    /// assert_eq!(m[(0, 0)], 5);
    /// ```
    pub fn get_mut(&mut self, i: usize, j: usize) -> Option<&mut T> {
        if i < self.rows && j < self.cols {
            self.data.get_mut(i * self.cols + j)
        } else {
            None
        }
    }

    /// A read-only view of the whole matrix.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::matrix![[1, 2], [3, 4]];
    /// assert_eq!(m.view().submatrix(0, 1, 2, 1).to_matrix(), parmat::matrix![[2], [4]]);
    /// ```
    pub fn view(&self) -> MatRef<'_, T> {
        MatRef::from_slice_unchecked_layout(&self.data, self.rows, self.cols, self.cols, 1)
    }

    /// A mutable view of the whole matrix.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = parmat::Matrix::<i32>::zeros(2, 2);
    /// *m.view_mut().get_mut(1, 1).unwrap() = 1;
    /// assert_eq!(m, parmat::matrix![[0, 0], [0, 1]]);
    /// ```
    pub fn view_mut(&mut self) -> MatMut<'_, T> {
        MatMut {
            ptr: self.data.as_mut_ptr(),
            rows: self.rows,
            cols: self.cols,
            row_stride: self.cols as isize,
            col_stride: 1,
            _marker: PhantomData,
        }
    }

    /// The transposed view (`cols × rows`), without copying.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = parmat::matrix![[1, 2], [3, 4]];
    /// // AᵀA with no transposed copy of A.
    /// let ata = parmat::mul(&parmat::Serial, a.t(), a.view())?;
    /// assert_eq!(ata, parmat::matrix![[10, 14], [14, 20]]);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn t(&self) -> MatRef<'_, T> {
        self.view().t()
    }
}

impl<T: Element> Matrix<T> {
    /// A `rows × cols` matrix of zeros.
    ///
    /// # Panics
    ///
    /// If `rows * cols` overflows `usize`.
    ///
    /// # Examples
    ///
    /// ```
    /// let z = parmat::Matrix::<f32>::zeros(2, 3);
    /// assert!(z.as_slice().iter().all(|&x| x == 0.0));
    /// ```
    pub fn zeros(rows: usize, cols: usize) -> Self {
        let len = element_count(rows, cols).unwrap_or_else(|e| panic!("{e}"));
        Matrix {
            data: vec![T::zero(); len],
            rows,
            cols,
        }
    }

    /// A `rows × cols` matrix of zeros, or an error instead of a panic or an abort when
    /// the size cannot be counted or the memory cannot be had.
    ///
    /// # Errors
    ///
    /// [`Error::SizeOverflow`] if `rows * cols` (or its size in bytes) overflows;
    /// [`Error::AllocationFailed`] if the allocator refuses the memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Error, Matrix};
    /// assert_eq!(Matrix::<f64>::try_zeros(2, 3)?, Matrix::zeros(2, 3));
    /// assert!(matches!(
    ///     Matrix::<f64>::try_zeros(1 << 40, 1 << 10),
    ///     Err(Error::AllocationFailed { .. } | Error::SizeOverflow { .. })
    /// ));
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn try_zeros(rows: usize, cols: usize) -> Result<Self, Error> {
        let len = element_count(rows, cols)?;
        let bytes = len
            .checked_mul(std::mem::size_of::<T>())
            .ok_or(Error::SizeOverflow { rows, cols })?;
        let mut data = Vec::new();
        data.try_reserve_exact(len)
            .map_err(|_| Error::AllocationFailed { rows, cols, bytes })?;
        data.resize(len, T::zero());
        Ok(Matrix { data, rows, cols })
    }

    /// The `n × n` identity matrix.
    ///
    /// # Panics
    ///
    /// If `n * n` overflows `usize`.
    ///
    /// # Examples
    ///
    /// ```
    /// let i = parmat::Matrix::<i64>::identity(2);
    /// assert_eq!(i, parmat::matrix![[1, 0], [0, 1]]);
    /// ```
    pub fn identity(n: usize) -> Self
    where
        T: One,
    {
        let mut m = Self::zeros(n, n);
        for i in 0..n {
            m.data[i * n + i] = T::one();
        }
        m
    }

    /// `self · rhs` with the [`Auto`](crate::Auto) strategy: the planner picks the strategy
    /// and the number of workers (in the current rayon pool).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if `self.cols() != rhs.rows()`.
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
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if `self.cols() != rhs.rows()`.
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
        crate::mul(strategy, self.view(), rhs.view())
    }
}

impl<T> Index<(usize, usize)> for Matrix<T> {
    type Output = T;

    /// # Panics
    ///
    /// If (`i`, `j`) is outside the matrix.
    fn index(&self, (i, j): (usize, usize)) -> &T {
        self.get(i, j).unwrap_or_else(|| {
            panic!(
                "index ({i}, {j}) is out of bounds for a {}×{} matrix",
                self.rows, self.cols
            )
        })
    }
}

impl<T> IndexMut<(usize, usize)> for Matrix<T> {
    /// # Panics
    ///
    /// If (`i`, `j`) is outside the matrix.
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut T {
        let (rows, cols) = (self.rows, self.cols);
        self.get_mut(i, j).unwrap_or_else(|| {
            panic!("index ({i}, {j}) is out of bounds for a {rows}×{cols} matrix")
        })
    }
}

impl<T: Element> std::ops::Mul for &Matrix<T> {
    type Output = Matrix<T>;

    /// `&a * &b` with the [`Auto`](crate::Auto) strategy.
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

impl<T: fmt::Debug> fmt::Debug for Matrix<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matrix")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("data", &DebugRows(self.view()))
            .finish()
    }
}

/// Aligned columns, one row per line; the formatting options (precision, width) apply to
/// every element.
///
/// # Examples
///
/// ```
/// let m = parmat::matrix![[1.0, -2.5], [10.0, 4.0]];
/// assert_eq!(format!("{m:.1}"), "[ 1.0 -2.5]\n[10.0  4.0]");
/// ```
impl<T: fmt::Display> fmt::Display for Matrix<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cells: Vec<String> = self
            .data
            .iter()
            .map(|x| match f.precision() {
                Some(p) => format!("{x:.p$}"),
                None => format!("{x}"),
            })
            .collect();
        let mut widths = vec![0usize; self.cols];
        for (idx, s) in cells.iter().enumerate() {
            let j = idx % self.cols.max(1);
            widths[j] = widths[j].max(s.chars().count());
        }
        for i in 0..self.rows {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "[")?;
            for j in 0..self.cols {
                if j > 0 {
                    write!(f, " ")?;
                }
                write!(f, "{:>w$}", cells[i * self.cols + j], w = widths[j])?;
            }
            write!(f, "]")?;
        }
        Ok(())
    }
}

impl<T: Clone> From<MatRef<'_, T>> for Matrix<T> {
    /// Copies a view into an owned matrix (same as [`MatRef::to_matrix`]).
    fn from(view: MatRef<'_, T>) -> Self {
        view.to_matrix()
    }
}

/// Builds a [`Matrix`] from rows written as nested brackets.
///
/// # Panics
///
/// If the rows have different lengths.
///
/// # Examples
///
/// ```
/// let m = parmat::matrix![[1, 2, 3], [4, 5, 6]];
/// assert_eq!(m.shape(), (2, 3));
/// assert_eq!(m[(1, 0)], 4);
/// ```
#[macro_export]
macro_rules! matrix {
    ($([$($x:expr),* $(,)?]),+ $(,)?) => {
        match $crate::Matrix::from_rows(::std::vec![$(::std::vec![$($x),*]),+]) {
            ::std::result::Result::Ok(m) => m,
            ::std::result::Result::Err(e) => ::std::panic!("matrix!: rows of different lengths ({})", e),
        }
    };
}

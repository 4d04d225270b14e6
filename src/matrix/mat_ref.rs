//! [`MatRef`]: a read-only view with any strides.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Index;

use crate::element::{Conjugation, Element, Scalar, conjugate};
use crate::error::Error;

use super::*;

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
    pub(super) ptr: *const T,
    pub(super) rows: usize,
    pub(super) cols: usize,
    pub(super) row_stride: isize,
    pub(super) col_stride: isize,
    /// Whether the elements are read conjugated (see [`MatRef::conj`]).
    pub(super) conjugated: bool,
    pub(super) _marker: PhantomData<&'a T>,
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
        let mut s = f.debug_struct("MatRef");
        s.field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("row_stride", &self.row_stride)
            .field("col_stride", &self.col_stride);
        // Only said of conjugated views, whose `data` are the elements as stored.
        if self.conjugated {
            s.field("conjugated", &true);
        }
        s.field("data", &DebugRows(*self)).finish()
    }
}

pub(super) struct DebugRows<'a, T>(pub(super) MatRef<'a, T>);

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
        // The stored elements: a conjugated view says so in its `conjugated` field.
        // SAFETY: i < rows (the caller's loop) and j < cols.
        f.debug_list()
            .entries((0..m.cols).map(|j| unsafe { m.get_unchecked(i, j) }))
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

    pub(super) fn from_slice_unchecked_layout(
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
            conjugated: false,
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
            conjugated: false,
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
    /// let m = parmat::Matrix::<u8>::zeros(2, 3);
    /// let t = m.t();
    /// assert_eq!((t.rows(), t.cols(), t.shape()), (3, 2, (3, 2)));
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
    /// assert_eq!((m.view().row_stride(), m.view().col_stride()), (3, 1));
    /// assert_eq!((m.t().row_stride(), m.t().col_stride()), (1, 3)); // a transpose swaps them
    /// ```
    pub fn row_stride(&self) -> isize {
        self.row_stride
    }

    /// Distance in elements from one column to the next. The example of
    /// [`row_stride`](Self::row_stride) shows it.
    pub fn col_stride(&self) -> isize {
        self.col_stride
    }

    /// The element at row `i`, column `j`, or `None` outside the matrix.
    ///
    /// # Panics
    ///
    /// If the view is conjugated ([`is_conjugated`](Self::is_conjugated)): its elements
    /// are not stored as it reads them, so there is nothing to borrow; [`read`](Self::read)
    /// gives them by value.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::matrix![[1, 2], [3, 4]];
    /// assert_eq!(m.view().get(0, 1), Some(&2));
    /// assert_eq!(m.view().get(2, 0), None);
    /// ```
    pub fn get(&self, i: usize, j: usize) -> Option<&'a T> {
        assert!(
            !self.conjugated,
            "MatRef::get: a conjugated view has no stored element to borrow; use MatRef::read"
        );
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
            conjugated: self.conjugated,
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

    /// Row `i` as a slice, when the view's rows are contiguous (column stride 1) and the
    /// view is not conjugated (a conjugated row is not stored as it reads).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::matrix![[1, 2], [3, 4]];
    /// assert_eq!(m.view().row(1), Some(&[3, 4][..]));
    /// assert_eq!(m.t().row(1), None); // columns of `m` are strided
    /// ```
    pub fn row(&self, i: usize) -> Option<&'a [T]> {
        if self.conjugated {
            return None;
        }
        self.stored_row(i)
    }

    /// Row `i` as stored (not conjugated), when the view's rows are contiguous.
    pub(crate) fn stored_row(&self, i: usize) -> Option<&'a [T]> {
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

    /// The whole view as one row-major slice, when it is laid out that way (and not
    /// conjugated).
    pub(crate) fn as_row_major_slice(&self) -> Option<&'a [T]> {
        let contiguous = (self.cols <= 1 || self.col_stride == 1)
            && (self.rows <= 1 || self.row_stride == self.cols as isize)
            && !self.conjugated;
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

    /// Reads element (`i`, `j`) as stored (not conjugated) without a bounds check.
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
            conjugated: self.conjugated,
            _marker: PhantomData,
        }
    }

    /// Copies the view into a new row-major [`Matrix`] (conjugated, if the view is).
    ///
    /// # Panics
    ///
    /// If the view is conjugated and parmat does not know how to conjugate `T` (see
    /// [`conj`](Self::conj)).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::matrix![[1, 2], [3, 4]];
    /// assert_eq!(m.t().to_matrix(), parmat::matrix![[1, 3], [2, 4]]);
    /// ```
    pub fn to_matrix(&self) -> Matrix<T>
    where
        T: Clone + 'static,
    {
        let data = if let Some(slice) = self.as_row_major_slice() {
            slice.to_vec()
        } else {
            let mut data = Vec::with_capacity(self.rows * self.cols);
            for i in 0..self.rows {
                for j in 0..self.cols {
                    // SAFETY: i < rows, j < cols.
                    let stored = unsafe { self.get_unchecked(i, j) }.clone();
                    data.push(if self.conjugated {
                        conjugate_or_panic(stored)
                    } else {
                        stored
                    });
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

impl<'a, T: Element> MatRef<'a, T> {
    /// The complex conjugate of the view, without copying: a view whose elements read as
    /// the conjugates of these. Every strategy honours it (the packing and the loops
    /// conjugate as they read), so `a.conj()` costs a product nothing.
    ///
    /// Which types conjugate:
    /// - the primitive integers and floats are real: `conj` returns the view unchanged, so
    ///   generic code may call it (and [`h`](Self::h)) on any of them;
    /// - `num_complex::Complex<T>` for `T` = `f32`, `f64` or a signed integer (feature
    ///   `complex`, on by default) conjugates: the imaginary part is negated (with
    ///   wrapping for integers);
    /// - any other type is one parmat cannot conjugate: the view is marked conjugated, and
    ///   a product with it returns [`Error::CannotConjugate`] rather than a wrong result.
    ///
    /// A conjugated view cannot lend references to its elements: [`get`](Self::get) and
    /// indexing panic on it; [`read`](Self::read) and [`to_matrix`](Self::to_matrix) give
    /// values. Conjugating twice gives back the plain view.
    ///
    /// # Examples
    ///
    /// ```
    /// use num_complex::Complex;
    /// let z = parmat::matrix![[Complex::new(1.0, 2.0), Complex::new(0.0, -1.0)]];
    /// let zc = z.view().conj();
    /// assert_eq!(zc.read(0, 0), Some(Complex::new(1.0, -2.0)));
    /// assert_eq!(zc.to_matrix(), parmat::matrix![[Complex::new(1.0, -2.0), Complex::new(0.0, 1.0)]]);
    /// assert!(!zc.conj().is_conjugated());
    ///
    /// // Real types: the identity.
    /// let x = parmat::matrix![[1.0, 2.0]];
    /// assert!(!x.view().conj().is_conjugated());
    /// ```
    #[must_use]
    pub fn conj(self) -> MatRef<'a, T> {
        if Conjugation::of::<T>() == Conjugation::Real {
            return self;
        }
        MatRef {
            conjugated: !self.conjugated,
            ..self
        }
    }

    /// The conjugate transpose `Aᴴ` (`t().conj()`), without copying: `a.h()` times `a`
    /// is the Gram matrix `AᴴA`. For real types it is the transpose.
    ///
    /// # Examples
    ///
    /// ```
    /// use num_complex::Complex;
    /// use parmat::{Auto, matrix};
    /// let i = Complex::new(0.0, 1.0);
    /// let one = Complex::new(1.0, 0.0);
    /// let z = matrix![[one, i], [i, one]];
    /// // Aᴴ·A of this unitary-up-to-scale matrix is 2·I.
    /// let g = parmat::mul(&Auto::default(), z.view().h(), z.view())?;
    /// assert_eq!(g, matrix![[one + one, Complex::new(0.0, 0.0)], [Complex::new(0.0, 0.0), one + one]]);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    #[must_use]
    pub fn h(self) -> MatRef<'a, T> {
        self.t().conj()
    }

    /// The element at row `i`, column `j` as the view reads it (conjugated on a
    /// conjugated view), or `None` outside the matrix.
    ///
    /// # Panics
    ///
    /// If the view is conjugated and parmat does not know how to conjugate `T` (see
    /// [`conj`](Self::conj)).
    ///
    /// # Examples
    ///
    /// ```
    /// use num_complex::Complex;
    /// let z = parmat::matrix![[Complex::new(1, 2), Complex::new(3, 4)]];
    /// assert_eq!(z.view().h().read(1, 0), Some(Complex::new(3, -4)));
    /// assert_eq!(z.view().read(0, 1), Some(Complex::new(3, 4)));
    /// assert_eq!(z.view().read(1, 0), None);
    /// ```
    pub fn read(&self, i: usize, j: usize) -> Option<T> {
        if i >= self.rows || j >= self.cols {
            return None;
        }
        // SAFETY: (i, j) is inside the view.
        let stored = *unsafe { self.get_unchecked(i, j) };
        Some(if self.conjugated {
            conjugate_or_panic(stored)
        } else {
            stored
        })
    }
}

impl<'a, T> MatRef<'a, T> {
    /// The same view read as stored (the conjugation flag cleared).
    pub(crate) fn as_stored(self) -> MatRef<'a, T> {
        MatRef {
            conjugated: false,
            ..self
        }
    }

    /// Whether the view reads its elements conjugated ([`conj`](MatRef::conj) or
    /// [`h`](MatRef::h) of a complex view).
    ///
    /// # Examples
    ///
    /// ```
    /// use num_complex::Complex;
    /// let z = parmat::matrix![[Complex::new(1.0f32, 1.0)]];
    /// assert!(z.view().h().is_conjugated());
    /// assert!(!z.view().t().is_conjugated());
    /// ```
    pub fn is_conjugated(&self) -> bool {
        self.conjugated
    }
}

impl<S> MatRef<'_, S> {
    /// Reads element (`i`, `j`) as the view reads it (conjugated on a conjugated view)
    /// without a bounds check.
    ///
    /// # Safety
    ///
    /// `i < rows` and `j < cols`.
    #[inline(always)]
    pub(crate) unsafe fn value_unchecked(&self, i: usize, j: usize) -> S
    where
        S: Scalar,
    {
        // SAFETY: the caller keeps (i, j) inside the view.
        let stored = *unsafe { self.get_unchecked(i, j) };
        if self.reads_conjugated() {
            stored.conj()
        } else {
            stored
        }
    }

    /// Whether reads must conjugate: the view is conjugated and `S` has a conjugate
    /// other than the identity (the test folds away for real types).
    #[inline(always)]
    pub(crate) fn reads_conjugated(&self) -> bool
    where
        S: Scalar,
    {
        S::CONJUGATES && self.conjugated
    }
}

/// The conjugate of a conjugated view's stored element.
///
/// # Panics
///
/// If parmat does not know how to conjugate `T`.
fn conjugate_or_panic<T: 'static>(stored: T) -> T {
    conjugate(stored).unwrap_or_else(|| {
        panic!(
            "parmat cannot conjugate elements of type {}: conjugate them before making the view",
            std::any::type_name::<T>()
        )
    })
}

impl<T> Index<(usize, usize)> for MatRef<'_, T> {
    type Output = T;

    /// # Panics
    ///
    /// If (`i`, `j`) is outside the view, or the view is conjugated (use
    /// [`MatRef::read`]).
    fn index(&self, (i, j): (usize, usize)) -> &T {
        self.get(i, j).unwrap_or_else(|| {
            panic!(
                "index ({i}, {j}) is out of bounds for a {}×{} matrix",
                self.rows, self.cols
            )
        })
    }
}

#[cfg(feature = "complex")]
impl<'a, T> MatRef<'a, num_complex::Complex<T>> {
    /// The real parts and the imaginary parts of the (stored) elements as two views of
    /// `T`: `Complex` is `repr(C)` (re, im), so each is a view with the strides doubled,
    /// the second starting one `T` later. The conjugation flag is not carried over.
    pub(crate) fn real_parts(self) -> (MatRef<'a, T>, MatRef<'a, T>) {
        let part = |offset: usize| MatRef {
            // `wrapping_add`: an empty view's pointer may dangle; a non-empty one's first
            // element has both parts inside its allocation.
            ptr: self.ptr.cast::<T>().wrapping_add(offset),
            rows: self.rows,
            cols: self.cols,
            // A validated layout's offsets are below isize::MAX / size_of::<Complex<T>>(),
            // so twice them stays below isize::MAX / size_of::<T>().
            row_stride: self.row_stride * 2,
            col_stride: self.col_stride * 2,
            conjugated: false,
            _marker: PhantomData,
        };
        (part(0), part(1))
    }

    /// The same elements as a view of `T` with twice the columns, (re, im) side by side,
    /// when each row's complex values are contiguous (column stride 1, or one column).
    pub(crate) fn interleaved_reals(self) -> Option<MatRef<'a, T>> {
        if self.cols > 1 && self.col_stride != 1 {
            return None;
        }
        Some(MatRef {
            ptr: self.ptr.cast::<T>(),
            rows: self.rows,
            cols: self.cols * 2,
            row_stride: self.row_stride * 2,
            col_stride: 1,
            conjugated: false,
            _marker: PhantomData,
        })
    }
}

//! [`Matrix`]: an owned, row-major, dense matrix.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

use num_traits::One;

use crate::element::Element;
use crate::error::Error;

use super::*;

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
    pub(super) data: Vec<T>,
    pub(super) rows: usize,
    pub(super) cols: usize,
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
    /// let m = parmat::Matrix::<f64>::zeros(4, 5);
    /// assert_eq!((m.rows(), m.cols(), m.shape()), (4, 5, (4, 5)));
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
    /// The conjugate transpose (`cols × rows`), without copying: `self.view().h()` (see
    /// [`MatRef::conj`] for which types conjugate; for real types it is [`t`](Self::t)).
    ///
    /// # Examples
    ///
    /// ```
    /// use num_complex::Complex;
    /// let z = parmat::matrix![[Complex::new(1.0, 1.0)], [Complex::new(2.0, -1.0)]];
    /// // ‖z‖² = zᴴz, with no conjugated copy of z.
    /// let norm2 = parmat::mul(&parmat::Serial, z.h(), z.view())?;
    /// assert_eq!(norm2, parmat::matrix![[Complex::new(7.0, 0.0)]]);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn h(&self) -> MatRef<'_, T> {
        self.view().h()
    }

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

impl<T: Clone + 'static> From<MatRef<'_, T>> for Matrix<T> {
    /// Copies a view into an owned matrix (same as [`MatRef::to_matrix`]).
    fn from(view: MatRef<'_, T>) -> Self {
        view.to_matrix()
    }
}

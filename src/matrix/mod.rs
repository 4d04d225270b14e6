//! [`Matrix`], the borrowed views [`MatRef`] and [`MatMut`], and the [`matrix!`](crate::matrix!)
//! macro: one file per type.
//!
//! Views are a pointer plus a row stride and a column stride (in elements, possibly
//! negative), so a transpose, a sub-matrix or an ndarray view with any strides is a view
//! without a copy. The pointer arithmetic lives here, in a handful of small functions each
//! with its safety argument; everything above them is safe code.

use crate::error::Error;

mod mat_mut;
mod mat_ref;
mod owned;

pub use mat_mut::MatMut;
use mat_ref::DebugRows;
pub use mat_ref::MatRef;
pub use owned::Matrix;

/// Number of elements in a `rows × cols` matrix, or `SizeOverflow`.
pub(crate) fn element_count(rows: usize, cols: usize) -> Result<usize, Error> {
    rows.checked_mul(cols)
        .ok_or(Error::SizeOverflow { rows, cols })
}

/// Offset of the element at (`i`, `j`) for the given strides. Callers keep `i < rows` and
/// `j < cols` of a layout that was validated, so the products cannot overflow.
#[inline(always)]
pub(super) fn offset(i: usize, j: usize, row_stride: isize, col_stride: isize) -> isize {
    (i as isize) * row_stride + (j as isize) * col_stride
}

/// Validates a strided layout over a buffer of `len` elements starting at index 0:
/// every element must be inside the buffer. With `unique`, no two elements may share an
/// index either (needed for mutable views).
pub(super) fn check_layout(
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

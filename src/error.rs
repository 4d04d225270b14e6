//! The crate's one error type.

use std::fmt;

/// Everything that can go wrong in a `parmat` call that returns a `Result`.
///
/// Every variant carries the shapes or lengths involved, so the message alone tells
/// what was wrong. Nothing is written to a caller's output when an error is returned.
///
/// # Examples
///
/// ```
/// use parmat::{Error, Matrix};
///
/// let a = Matrix::<i32>::zeros(2, 3);
/// let b = Matrix::<i32>::zeros(2, 3);
/// let err = a.par_mul(&b).unwrap_err();
/// assert!(matches!(err, Error::ShapeMismatch { .. }));
/// assert_eq!(
///     err.to_string(),
///     "shape mismatch: cannot multiply a 2×3 matrix by a 2×3 matrix (inner dimensions 3 and 2 differ)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The operands of a product do not fit together: `a` is `m×k`, `b` must be `k×n`,
    /// and an output `c` (when given) must be `m×n`.
    ShapeMismatch {
        /// What was being done (`"multiply"`, `"write the product into"`, …).
        operation: &'static str,
        /// Shape of the left operand (rows, columns).
        left: (usize, usize),
        /// Shape of the right operand (rows, columns).
        right: (usize, usize),
        /// Shape of the output, where an output was given.
        output: Option<(usize, usize)>,
    },
    /// A buffer's length does not match the shape it should hold.
    InvalidLength {
        /// Rows asked for.
        rows: usize,
        /// Columns asked for.
        cols: usize,
        /// Elements the shape and layout need.
        expected: usize,
        /// Elements the buffer has.
        actual: usize,
    },
    /// `rows × cols` (or a stride product) does not fit in `usize`.
    SizeOverflow {
        /// Rows asked for.
        rows: usize,
        /// Columns asked for.
        cols: usize,
    },
    /// A strided layout is not usable: an element would fall outside the buffer, or
    /// (for a mutable view) two elements would share one memory location.
    InvalidLayout {
        /// Rows of the view.
        rows: usize,
        /// Columns of the view.
        cols: usize,
        /// Distance between rows, in elements.
        row_stride: isize,
        /// Distance between columns, in elements.
        col_stride: isize,
        /// Why the layout was refused.
        reason: &'static str,
    },
    /// Memory for a `rows × cols` result could not be allocated.
    AllocationFailed {
        /// Rows asked for.
        rows: usize,
        /// Columns asked for.
        cols: usize,
        /// Bytes asked for.
        bytes: usize,
    },
    /// The slices of a batch of products ([`par_mul_batch`](crate::par_mul_batch),
    /// [`mul_batch_into`](crate::mul_batch_into)) have different lengths.
    BatchLengthMismatch {
        /// Left operands given.
        left: usize,
        /// Right operands given.
        right: usize,
        /// Outputs given (`None` where the batch allocates them).
        outputs: Option<usize>,
    },
    /// A product of a batch failed its checks: `error` says how, `index` which product
    /// (the first one found). Nothing of the batch was computed.
    InBatch {
        /// Position of the product in the batch.
        index: usize,
        /// What was wrong with it.
        error: Box<Error>,
    },
    /// A checked integer product overflowed at this output cell.
    Overflow {
        /// Row of the first output cell found to overflow.
        row: usize,
        /// Column of the first output cell found to overflow.
        col: usize,
    },
    /// A strategy name that [`Strategy`](crate::Strategy)'s `FromStr` does not know.
    UnknownStrategy {
        /// The name that was given.
        name: String,
    },
    /// A product was given a conjugated view ([`MatRef::conj`](crate::MatRef::conj)) of
    /// an element type whose conjugate parmat does not know (neither a primitive number
    /// nor `num_complex::Complex` of a float or signed integer).
    ///
    /// ```
    /// #[derive(Clone, Copy, Debug, PartialEq)]
    /// struct Gaussian(i64, i64); // a user's own complex integer
    /// # impl std::ops::Add for Gaussian { type Output = Self; fn add(self, o: Self) -> Self { Gaussian(self.0 + o.0, self.1 + o.1) } }
    /// # impl std::ops::Mul for Gaussian { type Output = Self; fn mul(self, o: Self) -> Self { Gaussian(self.0 * o.0 - self.1 * o.1, self.0 * o.1 + self.1 * o.0) } }
    /// # impl num_traits::Zero for Gaussian { fn zero() -> Self { Gaussian(0, 0) } fn is_zero(&self) -> bool { *self == Gaussian(0, 0) } }
    /// let a = parmat::matrix![[Gaussian(1, 2)]];
    /// let err = parmat::mul(&parmat::Serial, a.view().h(), a.view()).unwrap_err();
    /// assert!(matches!(err, parmat::Error::CannotConjugate { .. }));
    /// ```
    CannotConjugate {
        /// The element type, as `std::any::type_name` spells it.
        type_name: &'static str,
    },
    /// An instruction-set name that [`Simd`](crate::Simd)'s `FromStr` does not know.
    UnknownSimd {
        /// The name that was given.
        name: String,
    },
    /// A process grid that the processes cannot form (feature `mpi`): a dimension is zero,
    /// or `rows × cols` is not the number of processes.
    InvalidGrid {
        /// Process rows asked for.
        rows: usize,
        /// Process columns asked for.
        cols: usize,
        /// Processes in the communicator.
        processes: usize,
        /// Why the grid was refused.
        reason: &'static str,
    },
    /// The operands of a distributed product are distributed over different process grids
    /// (feature `mpi`): grids of different shapes, or two `Grid`s of the same shape (both
    /// operands must be on the same one).
    GridMismatch {
        /// Shape (process rows, process columns) of the left operand's grid.
        left: (usize, usize),
        /// Shape of the right operand's grid.
        right: (usize, usize),
    },
    /// The root of a scatter or gather is not usable (feature `mpi`): it is not a process
    /// of the grid, or it has no matrix to scatter.
    InvalidRoot {
        /// The root that was named.
        root: usize,
        /// Processes in the grid.
        processes: usize,
        /// Why the root was refused.
        reason: &'static str,
    },
    /// The processes of a collective call were not all asked the same thing (feature
    /// `mpi`): another root, another grid shape, or another operation. Every process
    /// returns this error instead of waiting for a message that would never come.
    ProcessesDisagree {
        /// The call process 0 made (`"grid creation"`, `"scatter"` or `"gather"`).
        operation: &'static str,
        /// The first process that disagrees with process 0.
        rank: usize,
        /// What differs, with both values.
        detail: String,
    },
    /// A block of a distributed matrix has more elements than one MPI message can carry
    /// (2³¹ − 1; feature `mpi`). A grid with more processes makes the blocks smaller.
    TooLargeForMpi {
        /// Rows of the largest block.
        rows: usize,
        /// Columns of the largest block.
        cols: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ShapeMismatch {
                operation,
                left,
                right,
                output,
            } => {
                write!(
                    f,
                    "shape mismatch: cannot {operation} a {}×{} matrix by a {}×{} matrix",
                    left.0, left.1, right.0, right.1
                )?;
                match output {
                    Some(out) => write!(
                        f,
                        " into a {}×{} output (it must be {}×{})",
                        out.0, out.1, left.0, right.1
                    ),
                    None => write!(f, " (inner dimensions {} and {} differ)", left.1, right.0),
                }
            }
            Error::InvalidLength {
                rows,
                cols,
                expected,
                actual,
            } => write!(
                f,
                "invalid length: a {rows}×{cols} matrix needs {expected} elements, the buffer has {actual}"
            ),
            Error::SizeOverflow { rows, cols } => write!(
                f,
                "size overflow: a {rows}×{cols} matrix has more elements than usize can count"
            ),
            Error::InvalidLayout {
                rows,
                cols,
                row_stride,
                col_stride,
                reason,
            } => write!(
                f,
                "invalid layout: a {rows}×{cols} view with row stride {row_stride} and column stride {col_stride}: {reason}"
            ),
            Error::AllocationFailed { rows, cols, bytes } => write!(
                f,
                "allocation failed: a {rows}×{cols} matrix needs {bytes} bytes"
            ),
            Error::Overflow { row, col } => write!(
                f,
                "integer overflow in the checked product at output cell ({row}, {col})"
            ),
            Error::UnknownStrategy { name } => write!(
                f,
                "unknown strategy {name:?}: expected one of serial, row-parallel, per-cell, blocked, split-k, auto"
            ),
            Error::CannotConjugate { type_name } => write!(
                f,
                "cannot conjugate elements of type {type_name}: parmat knows the conjugates of the primitive numbers and of num_complex::Complex of a float or signed integer; conjugate the data itself before the product"
            ),
            Error::UnknownSimd { name } => write!(
                f,
                "unknown instruction set {name:?}: expected one of portable, neon, avx2, avx512"
            ),
            Error::InvalidGrid {
                rows,
                cols,
                processes,
                reason,
            } => write!(
                f,
                "invalid process grid: a {rows}×{cols} grid of {processes} processes: {reason}"
            ),
            Error::GridMismatch { left, right } if left == right => write!(
                f,
                "grid mismatch: cannot multiply matrices distributed over two different {}×{} process grids (both operands must be on the same Grid)",
                left.0, left.1
            ),
            Error::GridMismatch { left, right } => write!(
                f,
                "grid mismatch: cannot multiply a matrix distributed over a {}×{} process grid by one distributed over a {}×{} grid",
                left.0, left.1, right.0, right.1
            ),
            Error::InvalidRoot {
                root,
                processes,
                reason,
            } => write!(
                f,
                "invalid root: process {root} of a grid of {processes} processes: {reason}"
            ),
            Error::ProcessesDisagree {
                operation,
                rank,
                detail,
            } => write!(
                f,
                "processes disagree in {operation}: process {rank} differs from process 0: {detail}"
            ),
            Error::TooLargeForMpi { rows, cols } => write!(
                f,
                "too large for MPI: a {rows}×{cols} block has more than 2147483647 elements, the most one MPI message can carry"
            ),
            Error::BatchLengthMismatch {
                left,
                right,
                outputs,
            } => {
                write!(
                    f,
                    "batch length mismatch: {left} left operands and {right} right operands"
                )?;
                match outputs {
                    Some(outputs) => write!(f, " for {outputs} outputs"),
                    None => Ok(()),
                }
            }
            Error::InBatch { index, error } => write!(f, "product {index} of the batch: {error}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InBatch { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}

/// Checks that `a` (`m×k`) times `b` (`k×n`) fits, and that the output (if any) is `m×n`.
pub(crate) fn check_product(
    operation: &'static str,
    left: (usize, usize),
    right: (usize, usize),
    output: Option<(usize, usize)>,
) -> Result<(), Error> {
    let inner_ok = left.1 == right.0;
    let out_ok = output.is_none_or(|o| o == (left.0, right.1));
    if inner_ok && out_ok {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            operation,
            left,
            right,
            // An output shape is only worth naming when the inner dimensions agree;
            // otherwise the inner mismatch is the first thing to fix.
            output: if inner_ok { output } else { None },
        })
    }
}

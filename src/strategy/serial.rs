//! The serial strategy: one worker, the cache-blocked i-k-j loop.

use crate::dispatch::{ProductKernel, dispatch};
use crate::element::{Element, Scalar};
use crate::error::Error;
use crate::kernel::{pack, rows};
use crate::matrix::{MatMut, MatRef};
use crate::strategy::{MulStrategy, check_into};
use crate::workers::with_row_major_output;

/// One worker on the calling thread; nothing is handed to rayon.
///
/// The loop is i-k-j: for each row of C it adds multiples of rows of B, so the inner loop
/// runs along contiguous memory and vectorises. It is blocked so that the block of B in use
/// stays in cache while every row reuses it. Each element is summed in the textbook order
/// `((0 + a₀b₀) + a₁b₁) + …`, so for floats it matches the naive triple loop bit for bit.
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, Serial};
/// let a = parmat::matrix![[1.0, 2.0], [3.0, 4.0]];
/// let c = a.mul_with(&a, &Serial)?;
/// assert_eq!(c, parmat::matrix![[7.0, 10.0], [15.0, 22.0]]);
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Serial;

/// The serial loop, also run by the parallel strategies when their worker cap leaves one
/// worker.
pub(crate) struct SerialKernel;

impl ProductKernel for SerialKernel {
    fn run<S: Scalar>(&self, a: MatRef<'_, S>, b: MatRef<'_, S>, c: MatMut<'_, S>) {
        let n = b.cols();
        let b_rows = pack::row_major(b);
        with_row_major_output(c, |out| rows::multiply_rows(a, &b_rows, n, out));
    }
}

/// The serial loop on checked operands: one copy of the machine code for [`Serial`] and
/// for [`Auto`](crate::Auto)'s tiny products, so that a 2×2 product costs both the same.
/// Inlined separately into each, the two copies differed with the code's layout alone, in
/// either direction (measured: docs/tuning-notes.md#tiny-products).
#[inline(never)]
pub(crate) fn serial_product<T: Element>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: MatMut<'_, T>) {
    dispatch(&SerialKernel, a, b, c);
}

impl MulStrategy for Serial {
    fn mul_into<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        check_into(&a, &b, &c)?;
        serial_product(a, b, c);
        Ok(())
    }

    fn name(&self) -> &'static str {
        "serial"
    }
}

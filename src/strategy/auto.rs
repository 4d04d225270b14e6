//! The auto strategy: follow the planner.

use crate::element::Element;
use crate::error::Error;
use crate::matrix::{MatMut, MatRef};
use crate::strategy::{MulStrategy, check_into};

/// Lets the planner choose: [`plan`](crate::plan) decides the strategy and the number of
/// workers from the shape, the element type and the current rayon pool, and `Auto` runs
/// exactly that plan. It is what [`Matrix::par_mul`](crate::Matrix::par_mul) and `&a * &b`
/// use.
///
/// # Examples
///
/// ```
/// use parmat::{Auto, Matrix};
/// let a = Matrix::from_fn(8, 8, |i, j| (i ^ j) as f32);
/// let c = a.mul_with(&a, &Auto::default())?;
/// assert_eq!(c, a.par_mul(&a)?);
/// println!("{}", parmat::plan::<f32>(8, 8, 8)); // why: one worker for a tiny product
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Auto {
    _private: (),
}

impl MulStrategy for Auto {
    fn mul_into<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        check_into(&a, &b, &c)?;
        let (strategy, _workers) = crate::plan::choose::<T>(a.rows(), a.cols(), b.cols());
        strategy.mul_into(a, b, c)
    }

    fn name(&self) -> &'static str {
        "auto"
    }
}

//! The type dispatch from a user's element type to the kernels: one `TypeId` check per
//! product picks the [`Scalar`] arithmetic (the primitive type itself, or [`Generic`]).

use std::any::TypeId;

use crate::element::{Element, Generic, Scalar};
use crate::matrix::{MatMut, MatRef};

/// A computation over the three operands of a product, written once for every [`Scalar`].
pub(crate) trait ProductKernel {
    fn run<S: Scalar>(&self, a: MatRef<'_, S>, b: MatRef<'_, S>, c: MatMut<'_, S>);
}

/// Runs `kernel` at the [`Scalar`] type that matches `T`.
pub(crate) fn dispatch<T: Element, K: ProductKernel>(
    kernel: &K,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: MatMut<'_, T>,
) {
    macro_rules! try_primitive {
        ($($p:ty),*) => {$(
            if TypeId::of::<T>() == TypeId::of::<$p>() {
                // SAFETY: `T` and `$p` are the same type (equal `TypeId`s), so the views'
                // pointers already point at valid `$p` values.
                let (a, b, c) = unsafe { (a.cast::<$p>(), b.cast::<$p>(), c.cast::<$p>()) };
                return kernel.run::<$p>(a, b, c);
            }
        )*};
    }
    try_primitive!(
        f64, f32, i32, i64, u32, u64, i8, u8, i16, u16, i128, u128, isize, usize
    );
    #[cfg(feature = "complex")]
    try_primitive!(num_complex::Complex<f64>, num_complex::Complex<f32>);
    // SAFETY: `Generic<T>` is `repr(transparent)` over `T`, so it has the same size,
    // alignment and valid bit patterns.
    let (a, b, c) = unsafe {
        (
            a.cast::<Generic<T>>(),
            b.cast::<Generic<T>>(),
            c.cast::<Generic<T>>(),
        )
    };
    kernel.run::<Generic<T>>(a, b, c)
}

/// `dst += src`, element by element, with the crate's arithmetic: integers wrap, floats
/// use IEEE addition, other types their own `+`.
///
/// # Panics
///
/// If the shapes differ (a caller's bug: every caller checks shapes first).
pub(crate) fn add_assign<T: Element>(dst: MatMut<'_, T>, src: MatRef<'_, T>) {
    assert_eq!(dst.shape(), src.shape(), "add_assign: shapes differ");

    struct AddAssign;

    impl ProductKernel for AddAssign {
        fn run<S: Scalar>(
            &self,
            src: MatRef<'_, S>,
            _unused: MatRef<'_, S>,
            mut dst: MatMut<'_, S>,
        ) {
            if let (Some(from), Some(to)) = (src.as_row_major_slice(), dst.as_row_major_slice_mut())
            {
                for (x, &y) in to.iter_mut().zip(from) {
                    *x = x.add(y);
                }
            } else {
                dst.for_each_mut(|i, j, x| *x = x.add(src[(i, j)]));
            }
        }
    }

    // `dispatch` runs a kernel over three views; the second is not used here.
    dispatch(&AddAssign, src, src, dst);
}

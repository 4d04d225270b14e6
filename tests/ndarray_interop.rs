//! ndarray interop: conversions both ways, zero-copy views with any strides, `ParMul`.
#![cfg(feature = "ndarray")]

mod common;

use common::assert_matches_reference;
use ndarray::{Array2, ArrayView2, s};
use parmat::{MatMut, MatRef, Matrix, ParMul, Strategy};
use proptest::prelude::*;

#[test]
fn round_trips() {
    let m = Matrix::from_fn(3, 4, |i, j| (i * 4 + j) as i32);
    let a: Array2<i32> = m.clone().into();
    assert_eq!(
        a,
        Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as i32)
    );
    assert_eq!(Matrix::from(a.clone()), m);
    // Non-standard layouts are copied in row-major order.
    let f = a.t().to_owned();
    assert!(!f.is_standard_layout());
    assert_eq!(Matrix::from(f), m.t().to_matrix());
    // A standard-layout array that does not start at its buffer's first element.
    let mut big = Array2::from_shape_fn((5, 4), |(i, j)| (i * 4 + j) as i32 - 4);
    big.slice_collapse(s![1..4, ..]);
    assert!(big.is_standard_layout());
    assert_eq!(Matrix::from(big), m);
    // Empty arrays.
    let e = Array2::<f64>::zeros((0, 3));
    assert_eq!(Matrix::from(e).shape(), (0, 3));
}

#[test]
fn views_with_any_strides_are_zero_copy() {
    let a = Array2::from_shape_fn((6, 5), |(i, j)| (i * 5 + j) as i64);
    let reversed = a.slice(s![..;-2, 1..;2]);
    let v = MatRef::from(reversed);
    assert_eq!(v.shape(), reversed.dim());
    for i in 0..v.rows() {
        for j in 0..v.cols() {
            assert!(std::ptr::eq(&v[(i, j)], &reversed[(i, j)]));
        }
    }
    let b = Array2::from_shape_fn((2, 3), |(i, j)| (i + j) as i64);
    let c = parmat::mul(&Strategy::Serial, v, MatRef::from(b.view())).unwrap();
    assert_eq!(Array2::from(c), reversed.dot(&b));
}

#[test]
fn products_into_strided_ndarray_outputs() {
    let a = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64);
    let b = Array2::from_shape_fn((3, 5), |(i, j)| (i as f64) - (j as f64));
    let want = a.dot(&b);
    for strategy in Strategy::all() {
        let mut out = Array2::<f64>::from_elem((8, 5), f64::NAN);
        strategy
            .mul_into_view(&a, &b, out.slice_mut(s![..;-2, ..]).into())
            .unwrap();
        assert_eq!(out.slice(s![..;-2, ..]), want, "{strategy}");
        // `..;-2` takes rows 7, 5, 3, 1; rows 0, 2, 4, 6 must be untouched.
        assert!(
            out.slice(s![..;2, ..]).iter().all(|x| x.is_nan()),
            "{strategy}"
        );
    }
}

trait IntoView {
    fn mul_into_view(
        &self,
        a: &Array2<f64>,
        b: &Array2<f64>,
        c: MatMut<'_, f64>,
    ) -> Result<(), parmat::Error>;
}
impl IntoView for Strategy {
    fn mul_into_view(
        &self,
        a: &Array2<f64>,
        b: &Array2<f64>,
        c: MatMut<'_, f64>,
    ) -> Result<(), parmat::Error> {
        parmat::mul_into(self, a.view().into(), b.view().into(), c)
    }
}

#[test]
fn par_mul_extension_trait() {
    let a = Array2::from_shape_fn((3, 4), |(i, j)| (i + 2 * j) as i32);
    let b = Array2::from_shape_fn((4, 2), |(i, j)| (i * j) as i32);
    assert_eq!(a.par_mul(&b).unwrap(), a.dot(&b));
    // Views, transposes and mixed storage.
    let bt = b.t().to_owned();
    assert_eq!(a.view().par_mul(&bt.t()).unwrap(), a.dot(&b));
    assert_eq!(
        a.mul_with(&b, &parmat::PerCell::default()).unwrap(),
        a.dot(&b)
    );
    let err = a.par_mul(&a).unwrap_err();
    assert!(matches!(
        err,
        parmat::Error::ShapeMismatch {
            left: (3, 4),
            right: (3, 4),
            ..
        }
    ));
}

fn strided_view<T>(base: &Array2<T>, flip_rows: bool, flip_cols: bool) -> ArrayView2<'_, T> {
    let mut v = base.slice(s![.., ..;2]);
    if flip_rows {
        v.invert_axis(ndarray::Axis(0));
    }
    if flip_cols {
        v.invert_axis(ndarray::Axis(1));
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::proptest_cases(48), failure_persistence: None, ..ProptestConfig::default() })]

    /// Random shapes with strided and negatively strided ndarray views, every strategy.
    #[test]
    fn strided_ndarray_views_match_reference(
        m in 0usize..=20, k in 0usize..=20, n in 0usize..=20,
        flips in any::<(bool, bool, bool, bool)>(),
        seed in any::<u64>(),
    ) {
        let a_base = Array2::from_shape_fn((m, 2 * k), |(i, j)| ((seed as usize).wrapping_add(i * 31 + j * 7) % 97) as f64 - 48.0);
        let b_base = Array2::from_shape_fn((k, 2 * n), |(i, j)| ((seed as usize).wrapping_add(i * 13 + j * 3) % 89) as f64 / 8.0);
        let a = strided_view(&a_base, flips.0, flips.1);
        let b = strided_view(&b_base, flips.2, flips.3);
        for strategy in Strategy::all() {
            let c = a.mul_with(&b, &strategy).unwrap();
            let c = Matrix::from(c);
            assert_matches_reference(c.view(), MatRef::from(a), MatRef::from(b), &strategy.to_string());
        }
    }
}

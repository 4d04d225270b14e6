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

/// `par_mul` on 3-D arrays: batch by batch along axis 0, a batch of one broadcast on either
/// side, any strides (a sliced, reversed batch), and errors before anything is computed.
#[test]
fn batches_of_3d_arrays() {
    use ndarray::{Array3, Axis};
    let a = Array3::from_shape_fn((5, 7, 9), |(t, i, j)| {
        ((t * 13 + i * 5 + j) % 11) as i64 - 5
    });
    let b = Array3::from_shape_fn((5, 9, 4), |(t, i, j)| ((t * 7 + i * 3 + j) % 13) as i64 - 6);
    let each = |x: &ndarray::ArrayView3<'_, i64>, y: &ndarray::ArrayView3<'_, i64>| {
        let batch = x.len_of(Axis(0)).max(y.len_of(Axis(0)));
        (0..batch)
            .map(|t| {
                let pick = |v: &ndarray::ArrayView3<'_, i64>| {
                    v.index_axis(Axis(0), if v.len_of(Axis(0)) == 1 { 0 } else { t })
                        .to_owned()
                };
                pick(x).dot(&pick(y))
            })
            .collect::<Vec<_>>()
    };
    let check = |x: ndarray::ArrayView3<'_, i64>, y: ndarray::ArrayView3<'_, i64>| {
        let want = each(&x, &y);
        for got in [
            x.par_mul(&y).unwrap(),
            x.mul_with(&y, &parmat::PerCell::default()).unwrap(),
        ] {
            assert_eq!(got.len_of(Axis(0)), want.len());
            for (t, w) in want.iter().enumerate() {
                assert_eq!(got.index_axis(Axis(0), t), w, "batch {t}");
            }
        }
    };
    check(a.view(), b.view());
    // Broadcast a batch of one on either side.
    check(a.slice(s![2..3, .., ..]), b.view());
    check(a.view(), b.slice(s![4..5, .., ..]));
    // Strided and reversed batches, transposed matrices inside.
    let bt = Array3::from_shape_fn((5, 4, 9), |(t, j, i)| b[(t, i, j)]);
    let mut b_strided = bt.view().permuted_axes([0, 2, 1]);
    b_strided.invert_axis(Axis(0));
    check(a.slice(s![..;-1, .., ..]), b_strided);
    check(a.slice(s![..;2, .., ..;2]), b.slice(s![..;2, ..;2, ..]));
    // Empty batches and empty matrices.
    let empty = Array3::<i64>::zeros((0, 7, 9));
    assert_eq!(
        empty.par_mul(&b.slice(s![0..0, .., ..])).unwrap().dim(),
        (0, 7, 4)
    );
    assert_eq!(
        Array3::<i64>::zeros((3, 2, 0))
            .par_mul(&Array3::<i64>::zeros((3, 0, 5)))
            .unwrap(),
        Array3::<i64>::zeros((3, 2, 5))
    );
    // Errors.
    let err = a.par_mul(&b.slice(s![0..2, .., ..])).unwrap_err();
    assert_eq!(
        err,
        parmat::Error::BatchLengthMismatch {
            left: 5,
            right: 2,
            outputs: None
        }
    );
    let err = a.par_mul(&a).unwrap_err();
    assert!(
        matches!(
            err,
            parmat::Error::ShapeMismatch {
                left: (7, 9),
                right: (7, 9),
                ..
            }
        ),
        "{err}"
    );
    // Floats: the same bits as each product alone (Auto in the batch and alone).
    let x = Array3::from_shape_fn((6, 40, 30), |(t, i, j)| {
        ((t + i * 3 + j * 7) % 17) as f64 / 3.0
    });
    let y = Array3::from_shape_fn((6, 30, 20), |(t, i, j)| {
        ((t * 5 + i + j * 11) % 19) as f64 / 7.0
    });
    let z = x.par_mul(&y).unwrap();
    for t in 0..6 {
        let alone = x
            .index_axis(Axis(0), t)
            .par_mul(&y.index_axis(Axis(0), t))
            .unwrap();
        assert!(
            z.index_axis(Axis(0), t)
                .iter()
                .zip(&alone)
                .all(|(p, q)| p.to_bits() == q.to_bits()),
            "batch {t}"
        );
    }
}

//! The `Matrix` type and its views: constructors, accessors, formatting, views.

mod common;

use parmat::{MatMut, MatRef, Matrix, matrix};

#[test]
fn constructors_and_accessors() {
    let m = Matrix::from_vec(2, 3, vec![1, 2, 3, 4, 5, 6]).unwrap();
    assert_eq!((m.rows(), m.cols(), m.shape()), (2, 3, (2, 3)));
    assert_eq!(m.as_slice(), &[1, 2, 3, 4, 5, 6]);
    assert_eq!(m.get(1, 2), Some(&6));
    assert_eq!(m.get(2, 0), None);
    assert_eq!(m.get(0, 3), None);
    assert_eq!(m[(1, 0)], 4);
    assert_eq!(m, matrix![[1, 2, 3], [4, 5, 6]]);
    assert_eq!(Matrix::from_fn(2, 3, |i, j| (3 * i + j + 1) as i32), m);
    assert_eq!(m.clone().into_vec(), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(
        Matrix::<u8>::identity(3).as_slice(),
        &[1, 0, 0, 0, 1, 0, 0, 0, 1]
    );
    assert_eq!(Matrix::<u8>::zeros(0, 3).shape(), (0, 3));
    let mut n = m.clone();
    n[(0, 0)] = 10;
    *n.get_mut(1, 1).unwrap() = 50;
    n.as_mut_slice()[5] = 60;
    assert_eq!(n, matrix![[10, 2, 3], [4, 50, 60]]);
}

#[test]
#[should_panic(expected = "index (2, 0) is out of bounds for a 2×3 matrix")]
fn index_out_of_bounds_panics() {
    let m = Matrix::<i32>::zeros(2, 3);
    let _ = m[(2, 0)];
}

#[test]
fn display_aligns_columns() {
    let m = matrix![[1, -20, 3], [400, 5, 6]];
    assert_eq!(m.to_string(), "[  1 -20 3]\n[400   5 6]");
    let f = matrix![[0.5, 10.25]];
    assert_eq!(format!("{f:.2}"), "[0.50 10.25]");
    assert_eq!(Matrix::<i32>::zeros(0, 0).to_string(), "");
    assert_eq!(Matrix::<i32>::zeros(2, 0).to_string(), "[]\n[]");
}

#[test]
fn debug_shows_shape_and_rows() {
    let m = matrix![[1, 2], [3, 4]];
    assert_eq!(
        format!("{m:?}"),
        "Matrix { rows: 2, cols: 2, data: [[1, 2], [3, 4]] }"
    );
    let v = m.t();
    assert_eq!(
        format!("{v:?}"),
        "MatRef { rows: 2, cols: 2, row_stride: 1, col_stride: 2, data: [[1, 3], [2, 4]] }"
    );
}

#[test]
fn transposed_and_sub_views_share_memory() {
    let m = Matrix::from_fn(3, 4, |i, j| 10 * i + j);
    let t = m.t();
    assert_eq!(t.shape(), (4, 3));
    assert_eq!((t.row_stride(), t.col_stride()), (1, 4));
    assert_eq!(t[(3, 2)], 23);
    assert!(std::ptr::eq(t.get(3, 2).unwrap(), m.get(2, 3).unwrap()));
    let s = m.view().submatrix(1, 1, 2, 2);
    assert_eq!(s.to_matrix(), matrix![[11, 12], [21, 22]]);
    assert_eq!(s.row(1), Some(&[21, 22][..]));
    assert_eq!(t.t().to_matrix(), m);
    assert_eq!(Matrix::from(t), Matrix::from_fn(4, 3, |i, j| 10 * j + i));
    assert_eq!(m.view().submatrix(3, 4, 0, 0).shape(), (0, 0));
}

#[test]
#[should_panic(expected = "submatrix: a 2×2 block at (2, 0) does not fit in a 3×4 view")]
fn submatrix_out_of_bounds_panics() {
    let m = Matrix::<i32>::zeros(3, 4);
    let _ = m.view().submatrix(2, 0, 2, 2);
}

#[test]
fn mutable_views() {
    let mut m = Matrix::<i32>::zeros(3, 2);
    {
        let mut v = m.view_mut();
        assert_eq!(v.shape(), (3, 2));
        *v.get_mut(2, 1).unwrap() = 7;
        assert!(v.get_mut(3, 0).is_none());
        let (mut top, mut bottom) = v.split_at_row(2);
        assert_eq!((top.rows(), bottom.rows()), (2, 1));
        *top.get_mut(1, 0).unwrap() = 5;
        *bottom.get_mut(0, 0).unwrap() = 6;
        assert_eq!(bottom.rb().get(0, 1), Some(&7));
    }
    assert_eq!(m, matrix![[0, 0], [5, 0], [6, 7]]);
    let mut t = m.view_mut().t();
    *t.get_mut(1, 0).unwrap() = 1;
    assert_eq!(m[(0, 1)], 1);
}

#[test]
fn views_of_slices() {
    let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let v = MatRef::from_slice(&data, 3, 2).unwrap();
    assert_eq!(v.to_matrix(), matrix![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    // Column-major reading of the same buffer.
    let c = MatRef::from_slice_strided(&data, 2, 3, 1, 2).unwrap();
    assert_eq!(c.to_matrix(), matrix![[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]);
    // A broadcast view: every row is the same.
    let row = MatRef::from_slice_strided(&data, 4, 2, 0, 1).unwrap();
    assert_eq!(
        row.to_matrix(),
        matrix![[1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]
    );
    let mut buf = [0u16; 6];
    let mut w = MatMut::from_slice_strided(&mut buf, 2, 2, 3, 2).unwrap();
    *w.get_mut(1, 1).unwrap() = 9;
    assert_eq!(buf, [0, 0, 0, 0, 0, 9]);
}

#[test]
fn products_from_all_entry_points_agree() {
    let a = Matrix::from_fn(5, 4, |i, j| (i * 4 + j) as i64 - 7);
    let b = Matrix::from_fn(4, 3, |i, j| (i * 3 + j) as i64 % 5);
    let want = a.mul_with(&b, &parmat::Serial).unwrap();
    assert_eq!(a.par_mul(&b).unwrap(), want);
    assert_eq!(&a * &b, want);
    assert_eq!(
        parmat::mul(&parmat::Auto::default(), a.view(), b.view()).unwrap(),
        want
    );
    let mut c = Matrix::zeros(5, 3);
    parmat::mul_into(
        &parmat::PerCell::default(),
        a.view(),
        b.view(),
        c.view_mut(),
    )
    .unwrap();
    assert_eq!(c, want);
    // gemm: C = 2AB - 1C on top of C = AB gives AB.
    parmat::gemm(
        &parmat::Blocked::default(),
        2,
        a.view(),
        b.view(),
        -1,
        c.view_mut(),
    )
    .unwrap();
    assert_eq!(c, want);
}

#[test]
fn gemm_with_beta_zero_ignores_nan_in_output() {
    let a = Matrix::from_fn(6, 5, |i, j| (i + j) as f64 / 4.0);
    let b = Matrix::from_fn(5, 7, |i, j| (i as f64) - (j as f64));
    let want = a.mul_with(&b, &parmat::Serial).unwrap();
    for s in parmat::Strategy::all() {
        let mut c = Matrix::from_fn(6, 7, |_, _| f64::NAN);
        parmat::gemm(&s, 1.0, a.view(), b.view(), 0.0, c.view_mut()).unwrap();
        let scale_err = common::max_abs_error(c.as_slice(), want.as_slice());
        assert!(scale_err < 1e-12, "{s}: {scale_err}");
    }
    // α and β scale; integer gemm wraps.
    let mut c = Matrix::from_fn(1, 1, |_, _| i32::MAX);
    let one = matrix![[1i32]];
    parmat::gemm(&parmat::Serial, 1, one.view(), one.view(), 1, c.view_mut()).unwrap();
    assert_eq!(c[(0, 0)], i32::MIN);
}

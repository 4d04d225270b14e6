//! No `Result`-returning API panics, whatever shapes, lengths and strides it is given: it
//! returns `Ok` or an `Error`.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use parmat::{MatMut, MatRef, Matrix, MulStrategy, Strategy};
use proptest::prelude::*;

fn dim() -> impl proptest::strategy::Strategy<Value = usize> {
    prop_oneof![
        4 => 0usize..=9,
        1 => Just(usize::MAX),
        1 => Just(usize::MAX / 2),
        1 => Just(1usize << 32),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::proptest_cases(256), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn constructors_return_errors_not_panics(
        rows in dim(), cols in dim(), len in 0usize..=40,
        rs in dim(), cs in dim(),
    ) {
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut data = vec![1i32; len];
            let _ = Matrix::from_vec(rows, cols, data.clone());
            let _ = MatRef::from_slice(&data, rows, cols);
            let _ = MatRef::from_slice_strided(&data, rows, cols, rs, cs);
            let _ = MatMut::from_slice(&mut data, rows, cols);
            let _ = MatMut::from_slice_strided(&mut data, rows, cols, rs, cs);
            if rows.saturating_mul(cols) <= 1 << 20 {
                let _ = Matrix::<i32>::try_zeros(rows, cols);
            }
        }));
        prop_assert!(result.is_ok(), "a constructor panicked");
    }

    #[test]
    fn products_return_errors_not_panics(
        (m, k1, k2, n) in (0usize..=6, 0usize..=6, 0usize..=6, 0usize..=6),
        (cm, cn) in (0usize..=7, 0usize..=7),
        which in 0usize..5,
    ) {
        let a = Matrix::from_fn(m, k1, |i, j| (i + j) as i64);
        let b = Matrix::from_fn(k2, n, |i, j| (i * j) as i64);
        let s = Strategy::all()[which];
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut c = Matrix::<i64>::zeros(cm, cn);
            let before = c.clone();
            let into = s.mul_into(a.view(), b.view(), c.view_mut());
            let fits = k1 == k2 && (cm, cn) == (m, n);
            assert_eq!(into.is_ok(), fits);
            if !fits {
                assert_eq!(c, before, "written before an error");
            }
            let _ = parmat::gemm(&s, 2, a.view(), b.view(), 3, c.view_mut());
            let _ = parmat::checked_mul_into(a.view(), b.view(), c.view_mut());
            let _ = a.mul_with(&b, &s);
            let _ = a.checked_par_mul(&b);
            let a32 = Matrix::from_fn(m, k1, |i, j| (i + j) as i32);
            let b32 = Matrix::from_fn(k2, n, |i, j| (i * j) as i32);
            let _ = a32.widening_par_mul(&b32);
        }));
        prop_assert!(result.is_ok(), "a product panicked");
    }
}

/// A layout whose last element sits at index `usize::MAX`: the buffer would need one more
/// element than `usize` can count, which is a size overflow, not an arithmetic panic (the
/// random inputs above found it: 2 rows of 2⁶³ − 1 columns, strides 3 and 2).
#[test]
fn a_last_element_at_usize_max_is_a_size_overflow() {
    let mut data = vec![0i32; 4];
    let (rows, cols) = (2, usize::MAX / 2);
    let expected = parmat::Error::SizeOverflow { rows, cols };
    assert_eq!(
        MatRef::from_slice_strided(&data, rows, cols, 3, 2).unwrap_err(),
        expected
    );
    assert_eq!(
        MatMut::from_slice_strided(&mut data, rows, cols, 3, 2).unwrap_err(),
        expected
    );
    // One element short of that is still a plain length error.
    assert!(matches!(
        MatRef::from_slice_strided(&data, rows, cols, 2, 2),
        Err(parmat::Error::InvalidLength { .. })
    ));
}

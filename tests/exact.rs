//! The checked and the widening integer products against exact `i128` arithmetic.

mod common;

use parmat::{Error, Matrix};
use proptest::prelude::*;

/// Cell values of `a · b` computed exactly (`None`: beyond even `i128`).
fn exact_or_huge<T: Copy + Into<i128>>(a: &Matrix<T>, b: &Matrix<T>) -> Vec<Option<i128>> {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    let mut out = Vec::with_capacity(m * n);
    for i in 0..m {
        for j in 0..n {
            out.push((0..k).try_fold(0i128, |acc, p| {
                acc.checked_add(a[(i, p)].into().checked_mul(b[(p, j)].into())?)
            }));
        }
    }
    out
}

/// Cell values of `a · b` for inputs small enough that `i128` always holds them.
fn exact<T: Copy + Into<i128>>(a: &Matrix<T>, b: &Matrix<T>) -> Vec<i128> {
    exact_or_huge(a, b)
        .into_iter()
        .map(|v| v.expect("fits in i128"))
        .collect()
}

fn matrix_of<T: std::fmt::Debug + Clone>(
    rows: usize,
    cols: usize,
    value: impl Strategy<Value = T>,
) -> impl Strategy<Value = Matrix<T>> {
    prop::collection::vec(value, rows * cols)
        .prop_map(move |d| Matrix::from_vec(rows, cols, d).unwrap())
}

fn pair<T: std::fmt::Debug + Clone>(
    value: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = (Matrix<T>, Matrix<T>)> {
    (0usize..=12, 0usize..=12, 0usize..=12).prop_flat_map(move |(m, k, n)| {
        (
            matrix_of(m, k, value.clone()),
            matrix_of(k, n, value.clone()),
        )
    })
}

/// The checked product is the exact product when every cell fits, and otherwise names the
/// first cell (row-major) that does not; a caller's output is then untouched.
fn check<T>(a: &Matrix<T>, b: &Matrix<T>)
where
    T: parmat::CheckedInteger + Into<i128> + TryFrom<i128> + std::fmt::Debug + PartialEq,
{
    let want = exact_or_huge(a, b);
    let n = b.cols();
    let first_bad = want
        .iter()
        .position(|&v| v.is_none_or(|v| T::try_from(v).is_err()));
    match (a.checked_par_mul(b), first_bad) {
        (Ok(c), None) => {
            let got: Vec<Option<i128>> = c.as_slice().iter().map(|&x| Some(x.into())).collect();
            assert_eq!(got, want);
        }
        (Err(e), Some(idx)) => {
            assert_eq!(
                e,
                Error::Overflow {
                    row: idx / n,
                    col: idx % n
                }
            );
            let sentinel = T::try_from(7).ok().unwrap();
            let mut c = Matrix::from_fn(a.rows(), n, |_, _| sentinel);
            assert!(parmat::checked_mul_into(a.view(), b.view(), c.view_mut()).is_err());
            assert!(
                c.as_slice().iter().all(|&x| x == sentinel),
                "output was written"
            );
        }
        (got, want) => panic!("checked product {got:?}, first overflowing cell {want:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::proptest_cases(96), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn checked_i8((a, b) in pair(any::<i8>())) { check(&a, &b); }

    #[test]
    fn checked_u8_small((a, b) in pair(0u8..=12)) { check(&a, &b); }

    #[test]
    fn checked_i32((a, b) in pair(prop_oneof![any::<i32>(), -50_000i32..50_000])) { check(&a, &b); }

    #[test]
    fn checked_i64((a, b) in pair(prop_oneof![any::<i64>(), -3_000_000_000i64..3_000_000_000])) { check(&a, &b); }

    #[test]
    fn checked_u64((a, b) in pair(prop_oneof![any::<u64>(), 0u64..5_000_000_000])) { check(&a, &b); }

    /// Widening is exact whenever the exact value fits the wide type (always, for these
    /// sizes, from i8 and i16).
    #[test]
    fn widening_i8_i16_is_exact((a, b) in pair(any::<i8>()), (c, d) in pair(any::<i16>())) {
        let wide: Vec<i128> = a.widening_par_mul(&b).unwrap().as_slice().iter().map(|&x| x.into()).collect();
        prop_assert_eq!(wide, exact(&a, &b));
        let wide: Vec<i128> = c.widening_par_mul(&d).unwrap().as_slice().iter().map(|&x| x.into()).collect();
        prop_assert_eq!(wide, exact(&c, &d));
    }

    #[test]
    fn widening_i32_matches_exact_when_it_fits((a, b) in pair(any::<i32>())) {
        let wide = a.widening_par_mul(&b).unwrap();
        for (got, want) in wide.as_slice().iter().zip(exact(&a, &b)) {
            // i32 products sum to at most 12 · 2⁶², well inside i128.
            if let Ok(w) = i64::try_from(want) {
                prop_assert_eq!(*got, w);
            } else {
                prop_assert_eq!(*got, want as i64); // wraps like any integer product
            }
        }
    }
}

#[test]
fn widening_recovers_what_wrapping_loses() {
    let a = Matrix::from_fn(1, 4, |_, _| 50_000i32);
    let b = Matrix::from_fn(4, 1, |_, _| 50_000i32);
    let wrapped = a.par_mul(&b).unwrap();
    // 10¹⁰ wrapped to 32 bits: 10¹⁰ − 2·2³².
    assert_eq!(wrapped[(0, 0)], 1_410_065_408);
    assert_eq!(a.widening_par_mul(&b).unwrap()[(0, 0)], 10_000_000_000i64);
    assert_eq!(
        a.checked_par_mul(&b),
        Err(Error::Overflow { row: 0, col: 0 })
    );
    let u: Matrix<u16> = Matrix::from_fn(3, 3, |i, j| (i * 3 + j) as u16 * 7000);
    let wide: Matrix<u64> = u.widening_par_mul(&u).unwrap();
    assert_eq!(wide[(2, 2)], (6 * 2 + 7 * 5 + 8 * 8) as u64 * 7000 * 7000);
    assert!(u.checked_par_mul(&u).is_err());
}

#[test]
fn checked_and_widening_report_shape_errors() {
    let a = Matrix::<i32>::zeros(2, 3);
    assert!(matches!(
        a.checked_par_mul(&a),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        a.widening_par_mul(&a),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut c = Matrix::<i32>::zeros(3, 3);
    assert!(matches!(
        parmat::checked_mul_into(a.view(), a.t(), c.view_mut()),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn checked_parallel_bands_report_the_first_cell() {
    // Overflows in two bands: the earlier row is reported, whatever the number of bands.
    let mut a = Matrix::from_fn(200, 300, |_, _| 1i32);
    a[(150, 7)] = i32::MAX;
    a[(40, 9)] = i32::MAX;
    let b = Matrix::from_fn(300, 50, |_, _| 2i32);
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let got = pool.install(|| a.checked_par_mul(&b));
        assert_eq!(
            got,
            Err(Error::Overflow { row: 40, col: 0 }),
            "{threads} threads"
        );
    }
}

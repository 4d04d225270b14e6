//! Conjugated and conjugate-transposed views (`MatRef::conj`, `MatRef::h`): every strategy
//! against the naive reference, which reads the views through `MatRef::read`; the views'
//! own API; and the refusal of types parmat cannot conjugate.

// Without `complex`, only the refusals below run; the helpers for the products are idle.
#![cfg_attr(not(feature = "complex"), allow(dead_code, unused_imports))]

mod common;

use common::{LAYOUTS, Layout, ModP, Reference, Stored, assert_matches_reference, strategies};
use num_complex::Complex;
use parmat::{Auto, Blocked, Error, MatRef, Matrix, MulStrategy, Serial, SplitK, Strategy};
use proptest::prelude::*;
use proptest::strategy::Strategy as _;

/// How an operand is seen: as stored, conjugated, or as the conjugate transpose of what is
/// stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Plain,
    Conj,
    H,
}

const OPS: [Op; 3] = [Op::Plain, Op::Conj, Op::H];

/// The stored shape for an operand that reads `rows × cols` through `op`.
fn stored_shape(op: Op, rows: usize, cols: usize) -> (usize, usize) {
    if op == Op::H {
        (cols, rows)
    } else {
        (rows, cols)
    }
}

fn seen<'a, T: parmat::Element>(view: MatRef<'a, T>, op: Op) -> MatRef<'a, T> {
    match op {
        Op::Plain => view,
        Op::Conj => view.conj(),
        Op::H => view.h(),
    }
}

/// The conjugate tests' strategies: the shared list, plus split-k with parts small enough
/// that these shapes are split.
fn conjugate_strategies() -> Vec<Strategy> {
    let mut all = strategies();
    all.push(SplitK::with_workers(2).with_parts(3).into());
    all.push(SplitK::with_workers(1).with_parts(2).into());
    all
}

/// Every strategy on `op_a(A) · op_b(B)` with A and B stored in the given layouts, against
/// the naive reference, and no write outside the output view.
fn check_ops<T: Reference>(
    a: &Matrix<T>,
    b: &Matrix<T>,
    (op_a, op_b): (Op, Op),
    (la, lb, lc): (Layout, Layout, Layout),
    strategies: &[Strategy],
) {
    let sa = Stored::new(a, la);
    let sb = Stored::new(b, lb);
    let (va, vb) = (seen(sa.view(), op_a), seen(sb.view(), op_b));
    for strategy in strategies {
        let mut sc = Stored::<T>::output(va.rows(), vb.cols(), lc);
        strategy
            .mul_into(va, vb, sc.view_mut())
            .expect("shapes fit");
        let what = format!("{strategy:?} on {op_a:?}(A {la:?}) · {op_b:?}(B {lb:?}), C {lc:?}");
        assert_matches_reference(sc.view(), va, vb, &what);
        for g in sc.gaps() {
            assert!(
                T::close(sc.data[g], T::poison(), 0.0),
                "{what}: wrote outside the output view"
            );
        }
    }
}

fn matrix_of<T: std::fmt::Debug + Clone>(
    (rows, cols): (usize, usize),
    value: impl proptest::strategy::Strategy<Value = T>,
) -> impl proptest::strategy::Strategy<Value = Matrix<T>> {
    prop::collection::vec(value, rows * cols)
        .prop_map(move |data| Matrix::from_vec(rows, cols, data).unwrap())
}

/// Random `m×k · k×n` shapes (0..=70, edges over-represented), an op for each operand,
/// and the stored operands for them.
#[allow(clippy::type_complexity)]
fn conjugated_operands<T: std::fmt::Debug + Clone>(
    value: impl proptest::strategy::Strategy<Value = T> + Clone,
) -> impl proptest::strategy::Strategy<Value = ((Op, Op), Matrix<T>, Matrix<T>)> {
    let dim = prop_oneof![1 => Just(0usize), 1 => Just(1usize), 6 => 0usize..=70];
    let op = prop::sample::select(OPS.to_vec());
    (dim.clone(), dim.clone(), dim, op.clone(), op).prop_flat_map(move |(m, k, n, oa, ob)| {
        (
            Just((oa, ob)),
            matrix_of(stored_shape(oa, m, k), value.clone()),
            matrix_of(stored_shape(ob, k, n), value.clone()),
        )
    })
}

fn layouts() -> impl proptest::strategy::Strategy<Value = (Layout, Layout, Layout)> {
    let l = prop::sample::select(LAYOUTS.to_vec());
    (l.clone(), l.clone(), l)
}

#[cfg(feature = "complex")]
proptest! {
    #![proptest_config(ProptestConfig { cases: common::proptest_cases(48), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn complex_f64_conjugated_views(
        (ops, a, b) in conjugated_operands((-10.0f64..10.0, -10.0f64..10.0).prop_map(|(re, im)| Complex::new(re, im))),
        l in layouts(),
    ) {
        check_ops(&a, &b, ops, l, &conjugate_strategies());
    }

    #[test]
    fn complex_f32_conjugated_views(
        (ops, a, b) in conjugated_operands((-10.0f32..10.0, -10.0f32..10.0).prop_map(|(re, im)| Complex::new(re, im))),
        l in layouts(),
    ) {
        check_ops(&a, &b, ops, l, &conjugate_strategies());
    }
}

fn value64(x: usize) -> Complex<f64> {
    Complex::new((x % 13) as f64 / 4.0 - 1.5, (x % 7) as f64 / 2.0 - 1.0)
}

/// Shapes past the tiles and depth blocks, where the blocked kernels pack A and B by
/// depth blocks (and, for a plain B, pack it while running), on one and two workers.
#[cfg(feature = "complex")]
#[test]
fn larger_conjugated_products_on_the_blocked_paths() {
    let strategies: Vec<Strategy> = vec![
        Auto::default().into(),
        Blocked::with_workers(1).into(),
        Blocked::with_workers(2).into(),
        Strategy::Serial,
    ];
    for &(m, k, n) in &[(67, 301, 45), (130, 70, 129)] {
        for op_a in OPS {
            for op_b in OPS {
                let (ra, ca) = stored_shape(op_a, m, k);
                let (rb, cb) = stored_shape(op_b, k, n);
                let a = Matrix::from_fn(ra, ca, |i, j| value64(i * 31 + j * 7));
                let b = Matrix::from_fn(rb, cb, |i, j| value64(i * 17 + j * 5 + 3));
                for layouts in [
                    (Layout::RowMajor, Layout::RowMajor, Layout::RowMajor),
                    (Layout::Transposed, Layout::Strided, Layout::Transposed),
                ] {
                    check_ops(&a, &b, (op_a, op_b), layouts, &strategies);
                }
            }
        }
    }
}

/// Complex integers conjugate too (through the generic kernels), exactly.
#[cfg(feature = "complex")]
#[test]
fn complex_integers_conjugate_exactly() {
    let a = Matrix::from_fn(9, 13, |i, j| Complex::new(i as i64 - 4, j as i64 * 3 - 7));
    let b = Matrix::from_fn(9, 5, |i, j| Complex::new((i * j) as i64 % 5 - 2, i as i64));
    let want = Matrix::from_fn(13, 5, |i, j| {
        (0..9).fold(Complex::new(0, 0), |acc, p| {
            acc + a[(p, i)].conj() * b[(p, j)]
        })
    });
    for strategy in conjugate_strategies() {
        let got = parmat::mul(&strategy, a.h(), b.view()).unwrap();
        assert_eq!(got, want, "{strategy:?}");
    }
    // The imaginary part wraps rather than overflowing.
    let min = Matrix::from_vec(1, 1, vec![Complex::new(1i32, i32::MIN)]).unwrap();
    assert_eq!(
        min.view().conj().read(0, 0),
        Some(Complex::new(1, i32::MIN))
    );
}

/// A·Aᴴ of a product that is Hermitian by construction: every strategy's result is
/// Hermitian to rounding and real on the diagonal.
#[cfg(feature = "complex")]
#[test]
fn gram_matrices_are_hermitian() {
    let a = Matrix::from_fn(23, 40, |i, j| value64(i * 40 + j));
    for strategy in conjugate_strategies() {
        let g = parmat::mul(&strategy, a.view(), a.h()).unwrap();
        for i in 0..23 {
            assert!(
                g[(i, i)].im.abs() <= 1e-12,
                "{strategy:?}: diagonal ({i}, {i})"
            );
            for j in 0..23 {
                assert!(
                    (g[(i, j)] - g[(j, i)].conj()).norm() <= 1e-12,
                    "{strategy:?}: ({i}, {j})"
                );
            }
        }
    }
}

#[cfg(feature = "complex")]
#[test]
fn gemm_and_batches_take_conjugated_views() {
    let a = Matrix::from_fn(7, 9, |i, j| value64(i * 9 + j));
    let b = Matrix::from_fn(7, 11, |i, j| value64(i * 11 + j + 5));
    let c0 = Matrix::from_fn(9, 11, |i, j| value64(i + 3 * j));
    let (alpha, beta) = (Complex::new(0.5, -2.0), Complex::new(-1.25, 0.75));
    let product = common::naive(a.h(), b.view());
    let want = Matrix::from_fn(9, 11, |i, j| alpha * product[(i, j)] + beta * c0[(i, j)]);
    for strategy in Strategy::all() {
        let mut c = c0.clone();
        parmat::gemm(&strategy, alpha, a.h(), b.view(), beta, c.view_mut()).unwrap();
        assert!(
            c.as_slice()
                .iter()
                .zip(want.as_slice())
                .all(|(x, y)| (x - y).norm() <= 1e-12),
            "{strategy:?}"
        );
    }
    let views_a = [a.h(), a.view().t()];
    let views_b = [b.view(), b.view().conj()];
    let mut outs = [Matrix::zeros(9, 11), Matrix::zeros(9, 11)];
    let mut out_views: Vec<_> = outs.iter_mut().map(Matrix::view_mut).collect();
    parmat::mul_batch_into(&Auto::default(), &views_a, &views_b, &mut out_views).unwrap();
    assert_matches_reference(outs[0].view(), views_a[0], views_b[0], "batch, first");
    assert_matches_reference(outs[1].view(), views_a[1], views_b[1], "batch, second");
}

#[cfg(all(feature = "ndarray", feature = "complex"))]
#[test]
fn ndarray_views_conjugate_through_matref() {
    let z = ndarray::Array2::from_shape_fn((6, 4), |(i, j)| value64(i * 4 + j));
    let view = MatRef::from(z.view());
    let g = parmat::mul(&Auto::default(), view.h(), view).unwrap();
    let want = z.t().mapv(|x| x.conj()).dot(&z);
    for i in 0..4 {
        for j in 0..4 {
            assert!((g[(i, j)] - want[(i, j)]).norm() <= 1e-12);
        }
    }
}

#[test]
fn real_and_integer_views_do_not_conjugate() {
    let a = Matrix::from_fn(3, 4, |i, j| (i * 4 + j) as f64);
    assert!(!a.view().conj().is_conjugated());
    assert_eq!(a.h().to_matrix(), a.t().to_matrix());
    assert_eq!(a.h()[(2, 1)], a.t()[(2, 1)]);
    let x = Matrix::from_fn(2, 2, |i, j| (i + j) as u8);
    assert_eq!(
        parmat::mul(&Serial, x.h(), x.view()).unwrap(),
        parmat::mul(&Serial, x.t(), x.view()).unwrap()
    );
}

#[test]
fn views_of_unknown_types_are_refused_with_an_error() {
    let a = Matrix::from_fn(4, 4, |i, j| ModP((i * 4 + j) as u64));
    // parmat does not know a ModP's conjugate: the view is marked, and products refuse it.
    assert!(a.view().conj().is_conjugated());
    for strategy in conjugate_strategies() {
        let mut c = Matrix::from_fn(4, 4, |_, _| ModP(5));
        for (x, y) in [(a.h(), a.view()), (a.view(), a.view().conj())] {
            let err = strategy.mul_into(x, y, c.view_mut()).unwrap_err();
            assert!(
                matches!(err, Error::CannotConjugate { type_name } if type_name.ends_with("ModP")),
                "{strategy:?}: {err:?}"
            );
            assert!(
                err.to_string()
                    .contains("cannot conjugate elements of type")
            );
        }
        assert!(
            c.as_slice().iter().all(|&x| x == ModP(5)),
            "{strategy:?} wrote C"
        );
    }
    // Conjugating twice is the plain view, which multiplies.
    assert!(parmat::mul(&Serial, a.view().conj().conj(), a.view()).is_ok());
}

#[cfg(feature = "complex")]
#[test]
fn conjugated_views_read_by_value() {
    let z = Matrix::from_fn(2, 3, |i, j| Complex::new(i as f64, j as f64 + 1.0));
    let h = z.h();
    assert_eq!(h.shape(), (3, 2));
    assert!(h.is_conjugated() && !h.conj().is_conjugated());
    assert_eq!(h.read(2, 1), Some(Complex::new(1.0, -3.0)));
    assert_eq!(h.read(3, 0), None);
    assert_eq!(h.row(0), None);
    assert_eq!(
        h.t().to_matrix(),
        Matrix::from_fn(2, 3, |i, j| z[(i, j)].conj())
    );
    assert_eq!(
        h.submatrix(1, 0, 2, 1).to_matrix(),
        Matrix::from_fn(2, 1, |i, _| z[(0, i + 1)].conj())
    );
    assert!(format!("{h:?}").contains("conjugated: true"));
}

#[cfg(feature = "complex")]
#[test]
#[should_panic(expected = "conjugated view has no stored element")]
fn indexing_a_conjugated_view_panics() {
    let z = Matrix::from_fn(2, 2, |i, j| Complex::new(i as f32, j as f32));
    let _ = z.h()[(0, 1)];
}

/// Without the `complex` feature parmat cannot name `num_complex`, so it does not know the
/// conjugate of a `Complex`: a conjugated complex view is refused like any unknown type's.
#[cfg(not(feature = "complex"))]
#[test]
fn without_the_complex_feature_complex_views_are_refused() {
    let z = Matrix::from_fn(2, 2, |i, j| Complex::new(i as f64, j as f64));
    let err = parmat::mul(&Auto::default(), z.h(), z.view()).unwrap_err();
    assert!(matches!(err, Error::CannotConjugate { .. }), "{err:?}");
}

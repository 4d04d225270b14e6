//! Real × complex and complex × real products (`parmat::mixed`) against the naive complex
//! product of the real operand converted to complex: random shapes, every layout of each
//! operand and of the output, conjugated and conjugate-transposed complex operands.
#![cfg(feature = "complex")]

mod common;

use common::{LAYOUTS, Layout, Reference, Stored, assert_matches_reference};
use num_complex::Complex;
use parmat::{Auto, Blocked, Error, MatRef, Matrix, PerCell, RowParallel, Serial, Strategy};
use proptest::prelude::*;

fn strategies() -> Vec<Strategy> {
    vec![
        Strategy::Serial,
        Auto::default().into(),
        Blocked::with_workers(1).into(),
        Blocked::with_workers(2).into(),
        RowParallel::with_workers(2).into(),
        PerCell::with_workers(2).into(),
    ]
}

/// How the complex operand is read.
#[derive(Clone, Copy, Debug)]
enum Op {
    Plain,
    Conj,
    H,
}

fn seen<'a, T: parmat::Element>(view: MatRef<'a, T>, op: Op) -> MatRef<'a, T> {
    match op {
        Op::Plain => view,
        Op::Conj => view.conj(),
        Op::H => view.h(),
    }
}

fn as_complex(m: &Matrix<f64>) -> Matrix<Complex<f64>> {
    Matrix::from_fn(m.rows(), m.cols(), |i, j| Complex::new(m[(i, j)], 0.0))
}

/// Both orders for one set of operands: `real · op(z)` and `op(z) · real`, where the
/// stored `z` has the shape that makes `op(z)` fit.
fn check(
    real: &Matrix<f64>,
    z: &Matrix<Complex<f64>>,
    op: Op,
    layouts: [Layout; 3],
    real_first: bool,
) {
    let [lr, lz, lc] = layouts;
    let sr = Stored::new(real, lr);
    let sz = Stored::new(z, lz);
    let zv = seen(sz.view(), op);
    let real_c = as_complex(real);
    for strategy in strategies() {
        let what = format!(
            "{strategy:?}, real {lr:?}, {op:?}(z {lz:?}), C {lc:?}, real first: {real_first}"
        );
        let (rows, cols) = if real_first {
            (real.rows(), zv.cols())
        } else {
            (zv.rows(), real.cols())
        };
        let mut sc = Stored::<Complex<f64>>::output(rows, cols, lc);
        if real_first {
            parmat::mixed::real_by_complex(&strategy, sr.view(), zv, sc.view_mut()).unwrap();
            assert_matches_reference(sc.view(), real_c.view(), zv, &what);
        } else {
            parmat::mixed::complex_by_real(&strategy, zv, sr.view(), sc.view_mut()).unwrap();
            assert_matches_reference(sc.view(), zv, real_c.view(), &what);
        }
        for g in sc.gaps() {
            assert!(
                <Complex<f64> as Reference>::close(sc.data[g], Complex::<f64>::poison(), 0.0),
                "{what}: wrote outside the output view"
            );
        }
    }
}

fn ops() -> impl proptest::strategy::Strategy<Value = Op> {
    prop::sample::select(vec![Op::Plain, Op::Conj, Op::H])
}

fn layouts() -> impl proptest::strategy::Strategy<Value = [Layout; 3]> {
    let l = prop::sample::select(LAYOUTS.to_vec());
    [l.clone(), l.clone(), l]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::proptest_cases(48), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mixed_products_match_the_complex_product(
        (m, k, n) in (0usize..=40, 0usize..=40, 0usize..=40),
        op in ops(),
        layouts in layouts(),
        real_first in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut value = || rng.f64() * 20.0 - 10.0;
        // The complex operand reads k × n (real first) or m × k; `H` stores its transpose.
        let (zr, zc) = if real_first { (k, n) } else { (m, k) };
        let (zr, zc) = if matches!(op, Op::H) { (zc, zr) } else { (zr, zc) };
        let z = Matrix::from_fn(zr, zc, |_, _| Complex::new(value(), value()));
        let real = if real_first {
            Matrix::from_fn(m, k, |_, _| value())
        } else {
            Matrix::from_fn(k, n, |_, _| value())
        };
        check(&real, &z, op, layouts, real_first);
    }
}

/// Past the kernels' tiles and depth blocks, in the layouts of both paths (one product
/// through interleaved views, two through the parts).
#[test]
fn larger_mixed_products_on_both_paths() {
    let real = Matrix::from_fn(70, 300, |i, j| ((i * 7 + j * 3) % 19) as f64 - 9.0);
    let z = Matrix::from_fn(300, 45, |i, j| {
        Complex::new((i % 5) as f64, (j % 7) as f64 - 3.0)
    });
    for layouts in [
        [Layout::RowMajor; 3],
        [Layout::Transposed; 3],
        [Layout::RowMajor, Layout::Strided, Layout::Transposed],
    ] {
        check(&real, &z, Op::Plain, layouts, true);
        check(&real, &z, Op::Conj, layouts, true);
    }
    let real_t = Matrix::from_fn(45, 70, |i, j| ((i + j * 5) % 11) as f64 - 5.0);
    let z_t = Matrix::from_fn(45, 300, |i, j| Complex::new((i % 3) as f64, (j % 9) as f64));
    // The last layouts give the one-product path for a complex A (A's and C's columns
    // contiguous), with zᴴ of a row-major z.
    for layouts in [
        [Layout::RowMajor; 3],
        [Layout::Transposed; 3],
        [Layout::RowMajor, Layout::RowMajor, Layout::Transposed],
    ] {
        // zᴴ (45×300) times a 300×70 real; then a 300×45 complex times a 45×70 real.
        check(&real.t().to_matrix(), &z, Op::H, layouts, false);
        check(&real_t, &z_t.t().to_matrix(), Op::Plain, layouts, false);
    }
}

/// Integers are exact: Complex<i64> through both paths.
#[test]
fn complex_integers_are_exact() {
    let real = Matrix::from_fn(9, 11, |i, j| (i * 3 + j) as i64 - 10);
    let z = Matrix::from_fn(11, 6, |i, j| Complex::new(i as i64 - 5, (j * 2) as i64 - 3));
    let want = Matrix::from_fn(9, 6, |i, j| {
        (0..11).fold(Complex::new(0, 0), |acc, p| {
            acc + z[(p, j)].conj() * real[(i, p)]
        })
    });
    let mut c = Matrix::zeros(9, 6);
    parmat::mixed::real_by_complex(&Serial, real.view(), z.view().conj(), c.view_mut()).unwrap();
    assert_eq!(c, want);
    // Strided output: the two-product path.
    let mut wide = Matrix::zeros(9, 12);
    let out =
        parmat::MatMut::from_slice_strided(&mut wide.as_mut_slice()[..], 9, 6, 12, 2).unwrap();
    parmat::mixed::real_by_complex(&Auto::default(), real.view(), z.view().conj(), out).unwrap();
    assert_eq!(Matrix::from_fn(9, 6, |i, j| wide[(i, 2 * j)]), want);
}

#[test]
fn bad_shapes_and_unknown_conjugates_are_errors_and_write_nothing() {
    let real = Matrix::from_fn(2, 3, |i, j| (i + j) as f64);
    let z = Matrix::from_fn(2, 2, |i, j| Complex::new(i as f64, j as f64));
    let mut c = Matrix::from_fn(2, 2, |_, _| Complex::new(7.0, 7.0));
    let err = parmat::mixed::real_by_complex(&Serial, real.view(), z.view(), c.view_mut());
    assert!(matches!(err, Err(Error::ShapeMismatch { .. })), "{err:?}");
    let err = parmat::mixed::complex_by_real(&Serial, z.view(), real.t(), c.view_mut());
    assert!(matches!(err, Err(Error::ShapeMismatch { .. })), "{err:?}");
    assert!(c.as_slice().iter().all(|&x| x == Complex::new(7.0, 7.0)));
    // Unsigned complex numbers have no conjugate parmat knows.
    let real = Matrix::from_fn(2, 2, |i, j| (i + j) as u32);
    let zu = Matrix::from_fn(2, 2, |i, j| Complex::new(i as u32, j as u32));
    let mut cu = Matrix::from_fn(2, 2, |_, _| Complex::new(7u32, 7));
    let err = parmat::mixed::real_by_complex(&Serial, real.view(), zu.h(), cu.view_mut());
    assert!(matches!(err, Err(Error::CannotConjugate { .. })), "{err:?}");
    let err = parmat::mixed::complex_by_real(&Serial, zu.h(), real.view(), cu.view_mut());
    assert!(matches!(err, Err(Error::CannotConjugate { .. })), "{err:?}");
    assert!(cu.as_slice().iter().all(|&x| x == Complex::new(7, 7)));
}

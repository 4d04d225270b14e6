//! Batches of products: `par_mul_batch` and `mul_batch_into` against the naive reference
//! and against the same products one by one, their errors, and their independence from
//! the pool.

mod common;

use common::{
    LAYOUTS, Layout, Reference, Stored, assert_matches_reference, bits, float_matrix, lcg_matrix,
    pool,
};
use parmat::{
    Auto, Blocked, Error, MatMut, MatRef, Matrix, MulStrategy, PerCell, RowParallel, Serial,
    SplitK, Strategy,
};
use proptest::prelude::*;

/// Runs `mul_batch_into` with `strategy` on the stored operands into outputs of the given
/// layout, checks every product against the naive one and that no gap was written.
fn check_batch<T: Reference + Send + Sync>(
    strategy: &Strategy,
    operands: &[(Matrix<T>, Matrix<T>)],
    layouts: &[(Layout, Layout, Layout)],
) {
    let stored: Vec<(Stored<T>, Stored<T>)> = operands
        .iter()
        .zip(layouts)
        .map(|((a, b), &(la, lb, _))| (Stored::new(a, la), Stored::new(b, lb)))
        .collect();
    let mut outputs: Vec<Stored<T>> = operands
        .iter()
        .zip(layouts)
        .map(|((a, b), &(_, _, lc))| Stored::<T>::output(a.rows(), b.cols(), lc))
        .collect();
    let a: Vec<MatRef<'_, T>> = stored.iter().map(|(a, _)| a.view()).collect();
    let b: Vec<MatRef<'_, T>> = stored.iter().map(|(_, b)| b.view()).collect();
    let mut c: Vec<MatMut<'_, T>> = outputs.iter_mut().map(Stored::view_mut).collect();
    parmat::mul_batch_into(strategy, &a, &b, &mut c).expect("every pair fits");
    drop(c);
    for (i, (out, (sa, sb))) in outputs.iter().zip(&stored).enumerate() {
        let what = format!("{} product {i} of {}", strategy.name(), operands.len());
        assert_matches_reference(out.view(), sa.view(), sb.view(), &what);
        for g in out.gaps() {
            assert!(
                T::close(out.data[g], T::poison(), 0.0),
                "{what}: wrote outside its output"
            );
        }
    }
}

fn strategies() -> Vec<Strategy> {
    vec![
        Auto::default().into(),
        Strategy::Serial,
        RowParallel::with_workers(2).into(),
        PerCell::with_workers(3).into(),
        Blocked::with_workers(2).into(),
        SplitK::with_workers(2).with_parts(3).into(),
    ]
}

/// One product of a batch: its shape `(m, k, n)` and the layouts of A, B and C.
type Item = ((usize, usize, usize), (Layout, Layout, Layout));

fn shapes_and_layouts() -> impl proptest::strategy::Strategy<Value = Vec<Item>> {
    let dim = prop_oneof![1 => Just(0usize), 1 => Just(1usize), 6 => 0usize..=40];
    let layout = prop::sample::select(LAYOUTS.to_vec());
    prop::collection::vec(
        (
            (dim.clone(), dim.clone(), dim),
            (layout.clone(), layout.clone(), layout),
        ),
        0..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::proptest_cases(32), failure_persistence: None, ..ProptestConfig::default() })]

    /// Batches of mixed shapes and layouts, every strategy, integers (exact) and floats.
    #[test]
    fn batches_match_the_reference(items in shapes_and_layouts(), seed in any::<u64>()) {
        let layouts: Vec<_> = items.iter().map(|&(_, l)| l).collect();
        let ints: Vec<_> = items
            .iter()
            .enumerate()
            .map(|(i, &((m, k, n), _))| {
                (lcg_matrix(m, k, seed ^ i as u64), lcg_matrix(k, n, seed ^ !(i as u64)))
            })
            .collect();
        let floats: Vec<_> = items
            .iter()
            .enumerate()
            .map(|(i, &((m, k, n), _))| {
                (float_matrix(m, k, seed ^ i as u64), float_matrix(k, n, seed ^ !(i as u64)))
            })
            .collect();
        for strategy in strategies() {
            check_batch(&strategy, &ints, &layouts);
            check_batch(&strategy, &floats, &layouts);
        }
    }
}

/// Many small products and a few large ones: the same bits as each product alone, in any
/// pool, from both entry points.
#[test]
fn a_batch_gives_the_bits_of_its_products_alone() {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for i in 0..200 {
        let n = 1 + i % 17;
        a.push(float_matrix(n, n + 3, i as u64));
        b.push(float_matrix(n + 3, n, 1000 + i as u64));
        if i % 60 == 0 {
            // Large enough to run on its own, with its own workers.
            a.push(float_matrix(130, 140, i as u64));
            b.push(float_matrix(140, 120, 2000 + i as u64));
        }
    }
    let alone: Vec<Matrix<f64>> = a
        .iter()
        .zip(&b)
        .map(|(x, y)| x.par_mul(y).unwrap())
        .collect();
    for threads in [1, 2, 4] {
        let batch = pool(threads).install(|| parmat::par_mul_batch(&a, &b).unwrap());
        assert_eq!(batch.len(), alone.len());
        for (i, (got, want)) in batch.iter().zip(&alone).enumerate() {
            assert_eq!(bits(got), bits(want), "product {i}, {threads} threads");
        }
    }
    // The same through mul_batch_into with an explicit strategy.
    let strategy = Blocked::with_workers(2);
    let mut out: Vec<Matrix<f64>> = a
        .iter()
        .zip(&b)
        .map(|(x, y)| Matrix::zeros(x.rows(), y.cols()))
        .collect();
    let av: Vec<_> = a.iter().map(Matrix::view).collect();
    let bv: Vec<_> = b.iter().map(Matrix::view).collect();
    let mut cv: Vec<_> = out.iter_mut().map(Matrix::view_mut).collect();
    pool(3)
        .install(|| parmat::mul_batch_into(&strategy, &av, &bv, &mut cv))
        .unwrap();
    drop(cv);
    for (i, (got, (x, y))) in out.iter().zip(a.iter().zip(&b)).enumerate() {
        assert_eq!(
            bits(got),
            bits(&x.mul_with(y, &strategy).unwrap()),
            "product {i}"
        );
    }
}

#[test]
fn empty_batches_and_empty_products() {
    let none: Vec<Matrix<i32>> = Vec::new();
    assert_eq!(parmat::par_mul_batch(&none, &none).unwrap(), Vec::new());
    let mut no_outputs: Vec<MatMut<'_, i32>> = Vec::new();
    parmat::mul_batch_into(&Serial, &[], &[], &mut no_outputs).unwrap();
    let a = vec![Matrix::<i32>::zeros(0, 3), Matrix::zeros(2, 0)];
    let b = vec![Matrix::<i32>::zeros(3, 4), Matrix::zeros(0, 5)];
    let c = parmat::par_mul_batch(&a, &b).unwrap();
    assert_eq!(c, vec![Matrix::zeros(0, 4), Matrix::zeros(2, 5)]);
}

/// Bad batches are refused before anything is written, naming what was wrong.
#[test]
fn bad_batches_are_refused_before_anything_is_written() {
    let a: Vec<Matrix<i64>> = (0..6).map(|i| lcg_matrix(3, 4, i)).collect();
    let mut b: Vec<Matrix<i64>> = (0..6).map(|i| lcg_matrix(4, 2, 100 + i)).collect();

    let err = parmat::par_mul_batch(&a, &b[..5]).unwrap_err();
    assert_eq!(
        err,
        Error::BatchLengthMismatch {
            left: 6,
            right: 5,
            outputs: None
        }
    );
    assert!(
        err.to_string().contains("6 left operands and 5 right"),
        "{err}"
    );

    // Product 4's inner dimensions differ.
    b[4] = lcg_matrix(5, 2, 7);
    let err = parmat::par_mul_batch(&a, &b).unwrap_err();
    let Error::InBatch { index, error } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*index, 4);
    assert!(matches!(**error, Error::ShapeMismatch { .. }), "{error}");
    assert!(
        err.to_string()
            .starts_with("product 4 of the batch: shape mismatch"),
        "{err}"
    );
    let source = std::error::Error::source(&err).expect("the product's own error");
    assert_eq!(source.to_string(), error.to_string());

    // Into outputs: a wrong output shape at index 2, and too few outputs; every output
    // keeps its old contents.
    b[4] = lcg_matrix(4, 2, 104);
    let mut outputs: Vec<Matrix<i64>> = (0..6).map(|_| Matrix::from_fn(3, 2, |_, _| -9)).collect();
    outputs[2] = Matrix::from_fn(3, 3, |_, _| -9);
    let av: Vec<_> = a.iter().map(Matrix::view).collect();
    let bv: Vec<_> = b.iter().map(Matrix::view).collect();
    let mut cv: Vec<_> = outputs.iter_mut().map(Matrix::view_mut).collect();
    let err = parmat::mul_batch_into(&Auto::default(), &av, &bv, &mut cv).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::InBatch { index: 2, error } if matches!(**error, Error::ShapeMismatch { output: Some((3, 3)), .. })
        ),
        "{err:?}"
    );
    let err = parmat::mul_batch_into(&Auto::default(), &av, &bv, &mut cv[..4]).unwrap_err();
    assert_eq!(
        err,
        Error::BatchLengthMismatch {
            left: 6,
            right: 6,
            outputs: Some(4)
        }
    );
    drop(cv);
    assert!(
        outputs
            .iter()
            .all(|c| c.as_slice().iter().all(|&x| x == -9))
    );
}

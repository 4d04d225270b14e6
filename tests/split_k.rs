//! Split-k and the planner's shape families: every path against the naive reference, in
//! every layout, and bit-identical results whatever the number of workers.

mod common;

use common::{
    LAYOUTS, Reference, Stored, assert_matches_reference, bits, float_matrix, lcg_matrix, pool,
};
use parmat::{Auto, Matrix, MulStrategy, Simd, SplitK, Strategy, plan};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: common::proptest_cases(64), failure_persistence: None, ..ProptestConfig::default() })]

    /// Any number of parts and workers, any layout of the operands and of the output: the
    /// naive product (exact for integers, within the error bound for floats), and nothing
    /// written outside the output view.
    #[test]
    fn split_k_matches_reference(
        m in 0usize..7, k in 0usize..300, n in 0usize..7,
        parts in 0usize..12, workers in 0usize..4,
        layout_a in 0usize..3, layout_b in 0usize..3, layout_c in 0usize..3,
        seed in any::<u64>(),
    ) {
        let strategy = SplitK::with_workers(workers).with_parts(parts);
        let (a, b) = (lcg_matrix(m, k, seed), lcg_matrix(k, n, seed ^ 1));
        let (sa, sb) = (Stored::new(&a, LAYOUTS[layout_a]), Stored::new(&b, LAYOUTS[layout_b]));
        let mut sc = Stored::<i64>::output(m, n, LAYOUTS[layout_c]);
        strategy.mul_into(sa.view(), sb.view(), sc.view_mut()).unwrap();
        assert_matches_reference(sc.view(), a.view(), b.view(), "split-k i64");
        for g in sc.gaps() {
            prop_assert!(sc.data[g] == i64::poison(), "split-k i64 wrote outside its output");
        }

        let (x, y) = (float_matrix(m, k, seed), float_matrix(k, n, seed ^ 2));
        let (sx, sy) = (Stored::new(&x, LAYOUTS[layout_a]), Stored::new(&y, LAYOUTS[layout_b]));
        let mut sz = Stored::<f64>::output(m, n, LAYOUTS[layout_c]);
        strategy.mul_into(sx.view(), sy.view(), sz.view_mut()).unwrap();
        assert_matches_reference(sz.view(), x.view(), y.view(), "split-k f64");
        for g in sz.gaps() {
            prop_assert!(sz.data[g].is_nan(), "split-k f64 wrote outside its output");
        }
    }

    /// The planner's shape families, through `par_mul`, against the reference.
    #[test]
    fn auto_matches_reference_on_every_family(
        family in 0usize..8, s in 1usize..40, seed in any::<u64>(),
    ) {
        let (m, k, n) = match family {
            0 => (s, s, s),
            1 => (16 * s, 64, 16),
            2 => (16, 64, 16 * s),
            3 => (s, 1, s),
            4 => (s, s, 1),
            5 => (1, s, s),
            6 => (4, 500 * s, 4),
            _ => (16, 300 * s, 16),
        };
        let (a, b) = (lcg_matrix(m, k, seed), lcg_matrix(k, n, seed ^ 3));
        let c = a.par_mul(&b).unwrap();
        assert_matches_reference(c.view(), a.view(), b.view(), &format!("auto {m}×{k}×{n} i64"));
        let (x, y) = (float_matrix(m, k, seed), float_matrix(k, n, seed ^ 4));
        let z = x.par_mul(&y).unwrap();
        assert_matches_reference(z.view(), x.view(), y.view(), "auto f64");
    }
}

#[test]
fn split_k_edge_cases() {
    // k = 0: the output is all zeros, whatever was in it.
    let a = Matrix::<f64>::zeros(3, 0);
    let b = Matrix::<f64>::zeros(0, 2);
    let mut c = Matrix::from_fn(3, 2, |_, _| f64::NAN);
    SplitK::with_workers(2)
        .with_parts(4)
        .mul_into(a.view(), b.view(), c.view_mut())
        .unwrap();
    assert_eq!(c, Matrix::zeros(3, 2));
    // Empty outputs.
    for (m, n) in [(0, 5), (5, 0), (0, 0)] {
        let a = lcg_matrix(m, 9, 1);
        let b = lcg_matrix(9, n, 2);
        let c = a
            .mul_with(&b, &SplitK::with_workers(3).with_parts(5))
            .unwrap();
        assert_eq!(c.shape(), (m, n));
    }
    // More parts than k: one part per step of k.
    assert_eq!(
        SplitK::default().with_parts(50).parts_for::<i64>(2, 7, 2),
        7
    );
    let (a, b) = (lcg_matrix(2, 7, 3), lcg_matrix(7, 2, 4));
    let c = a
        .mul_with(&b, &SplitK::with_workers(8).with_parts(50))
        .unwrap();
    assert_matches_reference(c.view(), a.view(), b.view(), "one part per step");
    // Shapes are checked before the output is touched.
    let mut c = Matrix::from_fn(2, 2, |_, _| 7i64);
    let err = SplitK::default()
        .mul_into(a.view(), a.view(), c.view_mut())
        .unwrap_err();
    assert!(matches!(err, parmat::Error::ShapeMismatch { .. }), "{err}");
    assert_eq!(c, Matrix::from_fn(2, 2, |_, _| 7i64));
}

/// The number of parts fixes the order of the additions; workers only share them out.
#[test]
fn split_k_results_do_not_depend_on_worker_count() {
    let (a, b) = (float_matrix(5, 20_000, 11), float_matrix(20_000, 6, 12));
    for parts in [1, 3, 8] {
        let strategy = |w| SplitK::with_workers(w).with_parts(parts);
        let one = a.mul_with(&b, &strategy(1)).unwrap();
        for w in 2..=8 {
            let many = pool(w).install(|| a.mul_with(&b, &strategy(w)).unwrap());
            assert_eq!(bits(&many), bits(&one), "{parts} parts, {w} workers");
        }
    }
}

/// A reduction-shaped product is split along k by `Auto`, with the same bits in every pool.
#[test]
fn auto_splits_reduction_shapes_deterministically() {
    let (a, b) = (float_matrix(4, 200_000, 5), float_matrix(200_000, 4, 6));
    let p = plan::<f64>(4, 200_000, 4);
    assert!(p.depth_parts() > 1, "{p}");
    assert!(p.to_string().starts_with("split-k: 4×200000×4"), "{p}");
    let one = pool(1).install(|| a.par_mul(&b).unwrap());
    for threads in 2..=8 {
        let (c, p) = pool(threads).install(|| (a.par_mul(&b).unwrap(), plan::<f64>(4, 200_000, 4)));
        assert_eq!(bits(&c), bits(&one), "{threads} threads");
        assert!(p.workers() <= threads.min(p.depth_parts()), "{p}");
        assert_eq!(p.depth_parts(), plan::<f64>(4, 200_000, 4).depth_parts());
    }
    // The same bits as the strategy the plan names, run directly.
    let split = SplitK::default().with_parts(p.depth_parts());
    assert_eq!(bits(&a.mul_with(&b, &split).unwrap()), bits(&one));
    assert_matches_reference(one.view(), a.view(), b.view(), "auto split-k");
}

/// The families of shapes get the strategies the sweep measured best for them.
#[test]
fn shape_families_get_their_strategies() {
    pool(2).install(|| {
        // Matrix–vector: dot products; row vector times a matrix: the serial loop.
        let matvec = plan::<f64>(2048, 2048, 1);
        assert_eq!(matvec.strategy().name(), "per-cell", "{matvec}");
        assert!(matvec.to_string().contains("matrix–vector"), "{matvec}");
        // Outer products are worth two workers once the output is large.
        let outer = plan::<f64>(1024, 1, 1024);
        assert_eq!(outer.workers(), 2, "{outer}");
        assert_eq!(plan::<f64>(16, 1, 16).workers(), 1);
        if Simd::default_level() == Simd::Portable {
            eprintln!("skipping the blocked families: this CPU has no hand-written kernels");
            return;
        }
        let vecmat = plan::<f64>(1, 2048, 2048);
        assert_eq!(vecmat.strategy(), Strategy::Serial, "{vecmat}");
        // Squares and thin shapes run the blocked kernels.
        for (m, k, n) in [(512, 512, 512), (4096, 64, 16), (16, 64, 4096)] {
            let p = plan::<i32>(m, k, n);
            assert_eq!(p.strategy().name(), "blocked", "{p}");
            assert_eq!(p.depth_parts(), 1, "{p}");
        }
    });
}

#[test]
fn calibrated_auto_measures_and_computes_the_same_products() {
    let auto = Auto::calibrated();
    let calibration = auto.calibration().expect("calibrated");
    assert!(calibration.min_blocked_work_per_worker() >= 1);
    assert!(
        calibration.to_string().contains("second worker"),
        "{calibration}"
    );
    // The calibration is measured once per process.
    assert_eq!(Auto::calibrated().calibration(), Some(calibration));
    for (m, k, n) in [(3, 3, 3), (64, 64, 64), (300, 40, 200), (4, 50_000, 4)] {
        let (a, b) = (lcg_matrix(m, k, 9), lcg_matrix(k, n, 10));
        let c = a.mul_with(&b, &auto).unwrap();
        assert_matches_reference(
            c.view(),
            a.view(),
            b.view(),
            &format!("calibrated {m}×{k}×{n}"),
        );
        let p = pool(3).install(|| auto.plan::<i64>(m, k, n));
        assert!((1..=3).contains(&p.workers()), "{p}");
    }
    assert_eq!(Auto::default().calibration(), None);
    // Measured minimums set worker counts only: float products keep the constants' bits,
    // split ones included.
    for (m, k, n) in [(64, 64, 64), (300, 40, 200), (4, 50_000, 4), (2, 3_000, 1)] {
        let (a, b) = (float_matrix(m, k, 11), float_matrix(k, n, 12));
        for threads in [1, 2, 3] {
            let (calibrated, constants) = pool(threads).install(|| {
                (
                    a.mul_with(&b, &auto).unwrap(),
                    a.mul_with(&b, &Auto::default()).unwrap(),
                )
            });
            assert_eq!(calibrated, constants, "{m}×{k}×{n} on {threads} threads");
        }
    }
}

//! Properties of the planner: worker counts stay within the pool and the units of work,
//! never shrink as a product grows, and tiny products get one worker.

mod common;

use common::pool;
use parmat::{Matrix, MulStrategy, Strategy, plan};
use proptest::prelude::*;

fn workers<T: parmat::Element>(m: usize, k: usize, n: usize) -> usize {
    plan::<T>(m, k, n).workers()
}

/// A plan's explanation with its line breaks and indents as single spaces, so that a phrase
/// is found wherever the text wraps.
fn words(plan: &parmat::Plan) -> String {
    plan.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::proptest_cases(128), failure_persistence: None, ..ProptestConfig::default() })]

    /// Half the shapes are small outputs of a large depth, which the planner splits along
    /// `k` (`depth_parts` > 1): their workers are bounded by the parts, not the cells.
    #[test]
    fn workers_within_pool_and_units(
        threads in 1usize..=8,
        (m, k, n) in prop_oneof![
            (0usize..3000, 0usize..3000, 0usize..3000),
            (1usize..8, 20_000usize..2_000_000, 1usize..8),
        ],
    ) {
        pool(threads).install(|| {
            for p in [plan::<f64>(m, k, n), plan::<i32>(m, k, n), plan::<u8>(m, k, n)] {
                prop_assert!(p.workers() >= 1);
                prop_assert!(p.workers() <= threads, "{p}");
                prop_assert!(p.workers() <= (m * n).max(1) * p.depth_parts(), "{p}");
                if p.depth_parts() > 1 {
                    prop_assert!(p.workers() <= p.depth_parts(), "{p}");
                    prop_assert!(p.to_string().starts_with("split-k"), "{p}");
                }
                prop_assert_eq!(p.strategy().workers_for::<f64>(m, k, n) >= 1, true);
                prop_assert_eq!(p.threads(), threads);
                prop_assert!(p.depth_parts().is_power_of_two() && p.depth_parts() <= 16, "{p}");
            }
            Ok(())
        })?;
    }

    #[test]
    fn workers_never_decrease_as_a_dimension_grows(
        threads in 1usize..=8,
        m in 1usize..1500, k in 1usize..1500, n in 1usize..1500,
        grow in 1usize..1500, which in 0usize..3,
    ) {
        pool(threads).install(|| {
            let (mut m2, mut k2, mut n2) = (m, k, n);
            match which {
                0 => m2 += grow,
                1 => k2 += grow,
                _ => n2 += grow,
            }
            for (small, large) in [
                (workers::<f64>(m, k, n), workers::<f64>(m2, k2, n2)),
                (workers::<i64>(m, k, n), workers::<i64>(m2, k2, n2)),
                (workers::<i16>(m, k, n), workers::<i16>(m2, k2, n2)),
            ] {
                prop_assert!(small <= large, "{m}×{k}×{n}: {small} workers, {m2}×{k2}×{n2}: {large}");
            }
            Ok(())
        })?;
    }
}

#[test]
fn tiny_products_get_one_worker_on_the_calling_thread() {
    for threads in [2, 4, 8] {
        pool(threads).install(|| {
            for n in 1..=16 {
                assert_eq!(workers::<f64>(n, n, n), 1);
                assert_eq!(workers::<i32>(n, n, n), 1);
                // Below 16³ packing does not pay: the hand-written kernel reading A and B
                // in place where the type has one, the serial loop otherwise (from a depth
                // of 4 a matrix–vector product gets one worker's dot products instead).
                if n < 16 {
                    let expected = if parmat::Blocked::default().kernel_level::<f64>()
                        == parmat::Simd::Portable
                    {
                        Strategy::Serial
                    } else {
                        Strategy::Blocked(parmat::Blocked::with_workers(1))
                    };
                    assert_eq!(plan::<f64>(n, n, n).strategy(), expected);
                    assert_eq!(plan::<i16>(n, n, n).strategy(), Strategy::Serial);
                }
            }
            let one_column = |k| plan::<i16>(8, k, 1).strategy();
            assert_eq!(one_column(3), Strategy::Serial);
            assert_eq!(
                one_column(4),
                Strategy::PerCell(parmat::PerCell::with_workers(1))
            );
            // And a few hundred multiply-adds of any shape never leave the calling thread.
            for (m, k, n) in [(1, 1, 1), (1, 300, 1), (300, 1, 1), (1, 1, 300), (2, 50, 3)] {
                let p = plan::<f64>(m, k, n);
                assert_eq!(p.workers(), 1, "{p}");
                assert_eq!(p.depth_parts(), 1, "{p}");
            }
        });
    }
}

#[test]
fn auto_follows_its_plan_and_explains_it() {
    pool(2).install(|| {
        let p = plan::<f64>(300, 300, 300);
        assert_eq!(p.workers(), 2);
        assert_eq!(p.strategy().name(), "blocked");
        let text = p.to_string();
        assert!(
            text.starts_with("blocked: 300×300×300 is 27000000 multiply-adds"),
            "{text}"
        );
        assert!(
            words(&p).contains("2 workers of the pool's 2 threads"),
            "{text}"
        );
        // One line of decision, then reasons on lines a terminal shows whole.
        assert_eq!(
            text.lines().next(),
            Some("blocked: 300×300×300 is 27000000 multiply-adds, 2 workers")
        );
        assert!(
            text.lines().all(|line| line.chars().count() <= 92),
            "{text}"
        );
        // It names the kernels it runs: this CPU's level for f64 (NEON on aarch64).
        let level = parmat::Blocked::default().kernel_level::<f64>();
        eprintln!("f64 kernels on this CPU: {level}");
        assert!(
            words(&p).contains(&format!("enough for the packed {level} kernels")),
            "{text}"
        );
        // Auto's result equals that of the strategy its plan names.
        let a = Matrix::from_fn(300, 300, |i, j| ((i * 7 + j) % 13) as f64);
        let by_plan = a.mul_with(&a, &p.strategy()).unwrap();
        assert_eq!(a.par_mul(&a).unwrap(), by_plan);
    });
    // A type without hand-written kernels never runs the blocked strategy's portable one.
    let generic = plan::<std::num::Wrapping<i64>>(200, 200, 200);
    assert_ne!(generic.strategy().name(), "blocked", "{generic}");
    // Complex types have kernels on x86-64 (with the default `complex` feature).
    let complex = plan::<num_complex::Complex<f64>>(200, 200, 200);
    let complex_level = parmat::Blocked::default().kernel_level::<num_complex::Complex<f64>>();
    eprintln!("c64 kernels on this CPU: {complex_level}");
    assert_eq!(
        complex.strategy().name() == "blocked",
        complex_level != parmat::Simd::Portable,
        "{complex}"
    );
    if complex_level != parmat::Simd::Portable {
        let text = words(&complex);
        assert!(
            text.contains("real (a complex one counts four) multiply-adds")
                && text.contains("for complex elements"),
            "{text}"
        );
    }
}

/// The region where the planner switches between dot products, split-k and the blocked
/// kernels (few output cells, deep products): workers still never shrink as a dimension
/// grows, for integers (which have the extra dot-product rule) and floats.
#[test]
fn workers_never_decrease_for_small_deep_products() {
    for threads in [2, 4, 8, 16] {
        pool(threads).install(|| {
            for m in (1..=12).chain([100, 500]) {
                for n in (1..=6).chain([100]) {
                    for k in (64..=400_000).step_by(4_093) {
                        for (name, here, grown) in [
                            ("m", workers::<i32>(m, k, n), workers::<i32>(m + 1, k, n)),
                            ("n", workers::<i32>(m, k, n), workers::<i32>(m, k, n + 1)),
                            ("k", workers::<i32>(m, k, n), workers::<i32>(m, k + 4_093, n)),
                            ("m", workers::<f64>(m, k, n), workers::<f64>(m + 1, k, n)),
                            ("n", workers::<f64>(m, k, n), workers::<f64>(m, k, n + 1)),
                            ("k", workers::<f64>(m, k, n), workers::<f64>(m, k + 4_093, n)),
                        ] {
                            assert!(
                                here <= grown,
                                "{m}×{k}×{n} on {threads} threads: {here} workers, {grown} after growing {name}"
                            );
                        }
                    }
                }
            }
        });
    }
}

/// Where the planner changes kernel or starts splitting `k`, on pools up to 16 threads: a
/// matrix–vector product growing a second and third column; depths around `8·max(m, n)`
/// (where an earlier rule started splitting), around `256·2ʲ` (where the least part depth
/// stops halving the parts) and around the dot-product depth; outer products around 96²
/// cells. An earlier planner lost workers here (512×3000×1 had 5 workers on 16 threads,
/// 512×3000×2 only 4; 500×3999×1 had 7 on 8 threads, 500×4001×1 only 4), which random
/// shapes rarely hit.
#[test]
fn workers_never_decrease_across_kernel_and_split_boundaries() {
    fn check<T: parmat::Element>(
        threads: usize,
        (m, k, n): (usize, usize, usize),
        grown: (usize, usize, usize),
    ) {
        let (here, there) = (
            workers::<T>(m, k, n),
            workers::<T>(grown.0, grown.1, grown.2),
        );
        assert!(
            here <= there,
            "{} on {threads} threads: {m}×{k}×{n} gets {here} workers, {}×{}×{} only {there}",
            std::any::type_name::<T>(),
            grown.0,
            grown.1,
            grown.2
        );
    }
    for threads in [2, 4, 8, 16] {
        pool(threads).install(|| {
            for m in [1, 4, 5, 9, 64, 100, 300, 500, 512, 1000, 2000] {
                for k in [8, 100, 1000, 3000, 3999, 10_000, 100_000] {
                    for n in 1..=3 {
                        check::<f64>(threads, (m, k, n), (m, k, n + 1));
                        check::<i32>(threads, (m, k, n), (m, k, n + 1));
                        check::<i64>(threads, (m, k, n), (m, k, n + 1));
                    }
                }
                for n in [1, 2, 3, 16, 17, 40] {
                    let edges = [8 * m.max(n), 4]
                        .into_iter()
                        .chain((0..7).map(|j| 256 << j));
                    for edge in edges {
                        for k in edge.saturating_sub(3).max(1)..edge + 3 {
                            check::<f64>(threads, (m, k, n), (m, k + 1, n));
                            check::<i32>(threads, (m, k, n), (m, k + 1, n));
                            check::<f64>(threads, (m, k, n), (m + 1, k, n));
                            check::<i32>(threads, (m, k, n), (m, k, n + 1));
                        }
                    }
                }
            }
            // Outer products around the limits of the i-k-j loop (cells; 16 MiB of i32
            // output; 24 MiB of output) and around two workers (i32 on the blocked kernels
            // from 417², f64 on the loop from 512², f32 from 713²).
            let limits = [(70, 82), (140, 148), (155, 165), (220, 228), (412, 422)];
            let sides = limits
                .into_iter()
                .chain([(506, 518), (708, 726), (1770, 1776)])
                .chain([(2044, 2052), (2504, 2512)])
                .flat_map(|(from, to)| from..=to);
            for side in sides {
                for k in 1..=3 {
                    for (here, grown) in [
                        ((side, k, side), (side + 1, k, side)),
                        ((side, k, side), (side, k, side + 1)),
                        ((side, k, side), (side, k + 1, side)),
                    ] {
                        check::<f64>(threads, here, grown);
                        check::<f32>(threads, here, grown);
                        check::<i32>(threads, here, grown);
                    }
                }
            }
        });
    }
}

/// An outer product's time is all writes of C: floats of depth 1 run the i-k-j loop, which
/// writes each row once, from 96 KiB of C (below, the blocked kernels' direct form) up to
/// 24 MiB (in two row bands from 2 MiB of C on two threads, B's rows counted as whole
/// vectors: 512² for f64, 713² for f32); other outer products run the blocked kernels from a
/// few thousand cells, except 32-bit integer ones of at least 16 rows from 16 to 24 MiB of
/// C, which run the loop again.
#[test]
fn outer_products_of_floats_run_the_row_loop() {
    pool(2).install(|| {
        // Where the CPU has a direct form for f64 (a 16³ product uses it).
        if words(&plan::<f64>(16, 16, 16)).contains("read A and B in place") {
            for side in [64, 96, 110] {
                let p = plan::<f64>(side, 1, side);
                assert_eq!(
                    p.strategy(),
                    Strategy::Blocked(parmat::Blocked::with_workers(1))
                );
                assert!(words(&p).contains("read A and B in place"), "{p}");
            }
        }
        for (m, n, strategy) in [
            (111, 111, Strategy::Serial),
            (128, 128, Strategy::Serial),
            (511, 512, Strategy::Serial),
            (
                512,
                512,
                Strategy::RowParallel(parmat::RowParallel::with_workers(2)),
            ),
            (
                720,
                720,
                Strategy::RowParallel(parmat::RowParallel::with_workers(2)),
            ),
            (
                1773,
                1773,
                Strategy::RowParallel(parmat::RowParallel::with_workers(2)),
            ),
        ] {
            let p = plan::<f64>(m, 1, n);
            assert_eq!(p.strategy(), strategy, "{p}");
            assert!(
                words(&p).contains("an outer product: the i-k-j loop"),
                "{p}"
            );
        }
        let past_l3 = plan::<f64>(1774, 1, 1774);
        assert!(
            matches!(past_l3.strategy(), Strategy::Blocked(_)),
            "{past_l3}"
        );
        assert!(matches!(
            plan::<f32>(2048, 1, 2048).strategy(),
            Strategy::RowParallel(_)
        ));
        // 32-bit integers run the loop again from 16 MiB of C to 24 MiB.
        for (m, n, on_rows) in [
            (2047, 2048, false),
            (2048, 2048, true),
            (2508, 2508, true),
            (2509, 2509, false),
        ] {
            let p = plan::<i32>(m, 1, n);
            assert_eq!(
                matches!(p.strategy(), Strategy::RowParallel(_)),
                on_rows,
                "{p}"
            );
            assert_eq!(p.workers(), 2, "{p}");
        }
        if parmat::Blocked::default().kernel_level::<i64>() == parmat::Simd::Portable {
            eprintln!("skipping the i64 outer product: no hand-written i64 kernel on this CPU");
        } else {
            assert!(matches!(
                plan::<i64>(2048, 1, 2048).strategy(),
                Strategy::Blocked(_)
            ));
        }
        let deeper = plan::<f64>(512, 2, 512);
        assert!(
            matches!(deeper.strategy(), Strategy::Blocked(_)),
            "{deeper}"
        );
        assert_eq!(plan::<i32>(159, 1, 159).strategy(), Strategy::Serial);
        let integers = plan::<i32>(160, 1, 160);
        assert!(
            matches!(integers.strategy(), Strategy::Blocked(_)),
            "{integers}"
        );
    });
    // Across 16 MiB of i32 output, where 32-bit integers go back to the loop when the
    // output has enough rows: a few long rows must keep the blocked kernels' workers.
    for m in 5..=17 {
        let n = (16 << 20) / 4 / m;
        for n in n - 1..=n + 1 {
            for threads in [2, 4, 16] {
                pool(threads).install(|| {
                    for grown in [(m + 1, 1, n), (m, 1, n + 1)] {
                        let (here, there) = (
                            workers::<i32>(m, 1, n),
                            workers::<i32>(grown.0, grown.1, grown.2),
                        );
                        assert!(here <= there, "{m}×1×{n}: {here}, {grown:?}: {there}");
                    }
                });
            }
        }
    }
    for m in [3, 4, 5, 8, 9, 16, 17] {
        for k in 1..=3 {
            for n in [10_000, 100_000, 1_000_000] {
                for threads in [2, 4, 16] {
                    pool(threads).install(|| {
                        for grown in [(m + 1, k, n), (m, k + 1, n), (m, k, n + 1)] {
                            for (here, there) in [
                                (
                                    workers::<f64>(m, k, n),
                                    workers::<f64>(grown.0, grown.1, grown.2),
                                ),
                                (
                                    workers::<i32>(m, k, n),
                                    workers::<i32>(grown.0, grown.1, grown.2),
                                ),
                            ] {
                                assert!(here <= there, "{m}×{k}×{n}: {here}, {grown:?}: {there}");
                            }
                        }
                    });
                }
            }
        }
    }
}

/// Many random shapes, each grown by a small step along one dimension, on pools of 2 to 16
/// threads: the steps that cross a planner boundary (a kernel change, the start of a
/// split) are where workers used to be lost, and uniform random shapes rarely land there.
/// Shapes mix tiny, small, medium and large sides so that every boundary is visited.
#[test]
fn workers_never_decrease_on_small_random_steps() {
    let mut rng = fastrand::Rng::with_seed(2026);
    let side = |rng: &mut fastrand::Rng| match rng.u32(0..4) {
        0 => rng.usize(1..20),
        1 => rng.usize(1..300),
        2 => rng.usize(1..5000),
        _ => rng.usize(1..200_000),
    };
    for threads in [2, 3, 4, 8, 16] {
        pool(threads).install(|| {
            for _ in 0..6_000 {
                let (m, k, n) = (side(&mut rng), side(&mut rng), side(&mut rng));
                let step = [1, 1, 2, 7, 100][rng.usize(0..5)];
                let grown = match rng.u32(0..3) {
                    0 => (m + step, k, n),
                    1 => (m, k + step, n),
                    _ => (m, k, n + step),
                };
                for (here, there, name) in [
                    (workers::<f64>(m, k, n), workers::<f64>(grown.0, grown.1, grown.2), "f64"),
                    (workers::<f32>(m, k, n), workers::<f32>(grown.0, grown.1, grown.2), "f32"),
                    (workers::<i32>(m, k, n), workers::<i32>(grown.0, grown.1, grown.2), "i32"),
                    (workers::<i64>(m, k, n), workers::<i64>(grown.0, grown.1, grown.2), "i64"),
                    (workers::<i16>(m, k, n), workers::<i16>(grown.0, grown.1, grown.2), "i16"),
                ] {
                    assert!(
                        here <= there,
                        "{name} on {threads} threads: {m}×{k}×{n} gets {here} workers, {grown:?} only {there}"
                    );
                }
            }
        });
    }
}

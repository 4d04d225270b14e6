//! The loop nest against a naive product: edge tiles, depth blocks, every way of reading
//! A and B, and any number of workers.

use super::*;
use crate::element::Generic;
use crate::kernel::{Simd, microkernel_for};

/// The textbook triple loop in the crate's arithmetic.
fn naive<S: Scalar>(a: &[S], b: &[S], m: usize, k: usize, n: usize) -> Vec<S> {
    let mut c = vec![S::zero(); m * n];
    for i in 0..m {
        for j in 0..n {
            c[i * n + j] = (0..k).fold(S::zero(), |acc, p| a[i * k + p].mul_add(b[p * n + j], acc));
        }
    }
    c
}

/// `len` values from a seeded xorshift, each `from` an integer in `-1000..=1000`.
pub(in crate::kernel) fn values<S: Scalar>(
    len: usize,
    seed: u64,
    from: impl Fn(i64) -> S,
) -> Vec<S> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            from((state % 2001) as i64 - 1000)
        })
        .collect()
}

/// Every edge size around the register tile (m ≤ 2·MR + 1, n ≤ 2·NR + 1) at small
/// depths, and the tile edges at depths around kc, for one element type and level.
fn check_edges<S: Scalar + PartialEq + std::fmt::Debug>(
    simd: Simd,
    from: impl Fn(i64) -> S + Copy,
    close: impl Fn(S, S, usize) -> bool,
) {
    let kernel = microkernel_for::<S>(simd);
    let Blocking { kc, .. } = Blocking::new(&kernel);
    let (mr, nr) = (kernel.mr, kernel.nr);
    let edge = |t: usize| [0, 1, t - 1, t, t + 1, 2 * t + 1];
    let mut shapes = Vec::new();
    for m in 0..=2 * mr + 1 {
        for n in 0..=2 * nr + 1 {
            for k in [0, 1, 5] {
                shapes.push((m, k, n));
            }
        }
    }
    for m in edge(mr) {
        for n in edge(nr) {
            for k in [kc - 1, kc, kc + 1] {
                shapes.push((m, k, n));
            }
        }
    }
    for (m, k, n) in shapes {
        let a = values(m * k, (m * 31 + k) as u64, from);
        let b = values(k * n, (n * 17 + k) as u64, from);
        let want = naive(&a, &b, m, k, n);
        // A stored transposed: read through `.t()`, so the loop packs it instead of
        // reading its rows in place.
        let stored = StoredA::new(&a, m, k, from(977));
        for (workers, layout) in A_LAYOUTS.iter().flat_map(|l| [(1, l), (2, l)]) {
            let mut c = values(m * n, 99, from); // garbage to be overwritten
            let av = stored.view(layout);
            let bv = MatRef::from_slice(&b, k, n).unwrap();
            multiply_blocked(av, bv, &mut c, workers, kernel);
            for (idx, (&got, &w)) in c.iter().zip(&want).enumerate() {
                assert!(
                    close(got, w, k),
                    "{simd} {m}×{k}×{n} ({workers} workers, A by {layout}): cell {idx} is {got:?}, want {w:?}"
                );
            }
        }
    }
}

/// The levels with hand-written kernels that this CPU supports; the others are named on
/// stderr as skipped.
fn hand_written_levels() -> Vec<Simd> {
    Simd::ALL
        .into_iter()
        .filter(|&simd| simd != Simd::Portable)
        .filter(|&simd| {
            let available = simd.is_available();
            if !available {
                eprintln!("skipping {simd}: not supported by this CPU");
            }
            available
        })
        .collect()
}

/// The ways the tests store A: row-major (read in place by rows), transposed (read in
/// place by columns while they are close, packed otherwise) and with column stride 2
/// (packed).
const A_LAYOUTS: [&str; 3] = ["rows", "columns", "strided"];

/// `a` (`m × k`, row-major) stored in each of [`A_LAYOUTS`].
struct StoredA<S> {
    rows: Vec<S>,
    columns: Vec<S>,
    strided: Vec<S>,
    m: usize,
    k: usize,
}

impl<S: Scalar> StoredA<S> {
    /// `filler` fills the gaps of the strided copy (a value the product must not see).
    fn new(a: &[S], m: usize, k: usize, filler: S) -> Self {
        let columns = (0..k * m).map(|idx| a[(idx % m) * k + idx / m]).collect();
        let strided = (0..(2 * m * k).max(1))
            .map(|idx| {
                if idx % 2 == 0 && idx / 2 < m * k {
                    a[idx / 2]
                } else {
                    filler
                }
            })
            .collect();
        StoredA {
            rows: a.to_vec(),
            columns,
            strided,
            m,
            k,
        }
    }

    fn view(&self, layout: &str) -> MatRef<'_, S> {
        let (m, k) = (self.m, self.k);
        match layout {
            "rows" => MatRef::from_slice(&self.rows, m, k).unwrap(),
            "columns" => MatRef::from_slice(&self.columns, k, m).unwrap().t(),
            _ => MatRef::from_slice_strided(&self.strided, m, k, 2 * k, 2).unwrap(),
        }
    }
}

fn exact<S: PartialEq>(got: S, want: S, _k: usize) -> bool {
    got == want
}

/// A product too tall for the deeper block runs shallower depth blocks, chosen by its
/// rows alone; results match the reference around both depths for any worker count.
#[test]
fn tall_products_run_shallower_depth_blocks() {
    for simd in hand_written_levels() {
        let kernel = microkernel_for::<i64>(simd);
        let deep = Blocking::new(&kernel);
        let tallest = crate::kernel::budgets().deep_a_slice / (deep.kc * 8);
        assert_eq!(Blocking::for_rows(&kernel, 1), deep);
        assert_eq!(Blocking::for_rows(&kernel, tallest), deep);
        let shallow = Blocking::for_rows(&kernel, tallest + 1);
        assert!(shallow.kc <= deep.kc);
        if simd == Simd::Avx512 {
            // On the caches the blocking was tuned for (a 32 KiB L1): 512 deep, then 256.
            let zen4 = crate::kernel::caches::Budgets::for_caches(&crate::kernel::Caches {
                l1d: 32 * 1024,
                l2: 1024 * 1024,
                l3: Some(32 * 1024 * 1024),
                source: crate::kernel::CacheSource::Sysfs,
            });
            let tuned = |rows| Blocking::for_rows_with(&kernel, rows, &zen4).kc;
            let tallest_there = zen4.deep_a_slice / (512 * 8);
            assert_eq!((tuned(tallest_there), tuned(tallest_there + 1)), (512, 256));
        }
        // The planner counts the deep blocking's units; the shallow one cuts as many.
        let nr = kernel.nr;
        for m in [tallest + 1, 3 * tallest] {
            for n in (1..1200).step_by(37) {
                let counted = deep.units(m, n, nr);
                for workers in (2..=counted).filter(|&w| w <= 32) {
                    let cut =
                        shallow.row_chunks(m) * shallow.column_blocks(m, n, nr, workers).len();
                    assert!(cut >= workers, "{m}×{n}: {cut} units for {workers}");
                }
            }
        }
        for (m, k, n) in [
            (tallest + 1, shallow.kc + 1, 19),
            (tallest + 3, deep.kc + 1, 5),
        ] {
            let a = values(m * k, (m + k) as u64, |v| v);
            let b = values(k * n, (n + k) as u64, |v| v);
            let want = naive(&a, &b, m, k, n);
            for workers in [1, 2, 3] {
                let mut c = vec![7i64; m * n];
                let av = MatRef::from_slice(&a, m, k).unwrap();
                let bv = MatRef::from_slice(&b, k, n).unwrap();
                multiply_blocked(av, bv, &mut c, workers, kernel);
                assert!(c == want, "{simd} {m}×{k}×{n}, {workers} workers");
            }
        }
    }
}

/// Where B's rows are contiguous, the first tile row of each column block packs B
/// while it runs; with B stored transposed, B is packed in a pass of its own. Both must
/// give the naive product, bit for bit the same, around the tile's edges (a short
/// first tile row, computed into the tile buffer; a narrow last panel, packed apart),
/// across column blocks and depth blocks, with A read in place or packed (stored
/// transposed), for 1 to 3 workers.
fn check_packing_b_while_running<S: Scalar + PartialEq + std::fmt::Debug>(
    simd: Simd,
    from: impl Fn(i64) -> S + Copy,
    close: impl Fn(S, S, usize) -> bool,
) {
    let kernel = microkernel_for::<S>(simd);
    if kernel.simd != simd {
        eprintln!(
            "skipping {} at {simd}: no hand-written kernel",
            std::any::type_name::<S>()
        );
        return;
    }
    assert!(kernel.packs_b_while_running(), "{simd}");
    let Blocking { kc, nc, .. } = Blocking::new(&kernel);
    let (mr, nr) = (kernel.mr, kernel.nr);
    for m in [1, mr - 1, mr, mr + 1, 3 * mr + 2] {
        for n in [nr - 1, nr, nr + 1, nc + nr + 3] {
            for k in [1, 7, kc + 1] {
                let a = values(m * k, (m * 7 + k) as u64, from);
                let b = values(k * n, (n * 3 + k) as u64, from);
                let b_transposed: Vec<S> =
                    (0..n * k).map(|idx| b[(idx % k) * n + idx / k]).collect();
                let stored = StoredA::new(&a, m, k, from(977));
                let want = naive(&a, &b, m, k, n);
                let runs = A_LAYOUTS.iter().flat_map(|l| [(1, l), (2, l)]);
                for (workers, layout) in runs.chain([(3, &"rows")]) {
                    let av = stored.view(layout);
                    let mut while_running = values(m * n, 3, from);
                    let bv = MatRef::from_slice(&b, k, n).unwrap();
                    multiply_blocked(av, bv, &mut while_running, workers, kernel);
                    let mut apart = values(m * n, 4, from);
                    let bv = MatRef::from_slice(&b_transposed, n, k).unwrap().t();
                    multiply_blocked(av, bv, &mut apart, workers, kernel);
                    let what = format!("{simd} {m}×{k}×{n}, {workers} workers, A by {layout}");
                    assert!(while_running == apart, "{what}: the two packings differ");
                    for (idx, (&got, &w)) in while_running.iter().zip(&want).enumerate() {
                        assert!(
                            close(got, w, k),
                            "{what}: cell {idx} is {got:?}, want {w:?}"
                        );
                    }
                }
            }
        }
    }
}

/// Columns of A are read in place while they lie less than `A_COLUMNS_STRIDE_BYTES`
/// apart, packed beyond; the product is exact on both sides of the bound.
#[test]
fn columns_of_a_are_read_in_place_while_close() {
    for simd in hand_written_levels() {
        // i32: every level has a hand-written kernel for it.
        let kernel = microkernel_for::<i32>(simd);
        let nearest_far = A_COLUMNS_STRIDE_BYTES / 4;
        for (m, access) in [
            (nearest_far - 1, AAccess::Columns),
            (nearest_far, AAccess::Packed),
        ] {
            for k in [9, Blocking::new(&kernel).kc + 1] {
                let n = kernel.nr + 1;
                let a = values(m * k, (m + k) as u64, |v| v as i32);
                let b = values(k * n, (n + k) as u64, |v| v as i32);
                let want = naive(&a, &b, m, k, n);
                let stored = StoredA::new(&a, m, k, 977);
                let av = stored.view("columns");
                assert_eq!(a_access(av, &kernel), access, "{simd} m = {m}");
                let bv = MatRef::from_slice(&b, k, n).unwrap();
                for workers in [1, 2] {
                    let mut c = vec![5i32; m * n];
                    multiply_blocked(av, bv, &mut c, workers, kernel);
                    assert!(c == want, "{simd} {m}×{k}×{n}, {workers} workers");
                }
            }
        }
        let data = [0.0f64; 12];
        let columns = MatRef::from_slice(&data, 3, 4).unwrap().t();
        let kernel = microkernel_for::<f64>(simd);
        assert_eq!(a_access(columns, &kernel), AAccess::Columns);
        assert_eq!(a_access(columns, &Microkernel::portable()), AAccess::Packed);
    }
}

#[test]
fn packing_b_while_running_gives_the_bits_of_packing_it_first() {
    for simd in hand_written_levels() {
        // Multiples of 1/64 below 16 in magnitude: every f64 sum here is exact.
        check_packing_b_while_running::<f64>(simd, |v| v as f64 / 64.0, exact);
        check_packing_b_while_running::<f32>(
            simd,
            |v| v as f32 / 64.0,
            |g, w, k| (g - w).abs() <= 2.0 * (k as f32 + 1.0) * f32::EPSILON * 256.0 * k as f32,
        );
        check_packing_b_while_running::<i32>(simd, |v| v as i32, exact);
        check_packing_b_while_running::<i64>(simd, |v| v * 1_000_003, exact);
    }
    assert!(!microkernel_for::<f64>(Simd::Portable).packs_b_while_running());
}

#[test]
fn every_kernel_on_edge_sizes() {
    for simd in [Simd::Portable].into_iter().chain(hand_written_levels()) {
        check_edges::<i32>(simd, |v| v as i32, exact);
        check_edges::<u32>(simd, |v| (v as u32).wrapping_mul(2_654_435_761), exact);
        check_edges::<i64>(simd, |v| v * 1_000_003, exact);
        check_edges::<u64>(
            simd,
            |v| (v as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            exact,
        );
        check_edges::<f64>(
            simd,
            |v| v as f64 / 64.0,
            |g, w, k| {
                (g - w).abs() <= 2.0 * (k as f64 + 1.0) * f64::EPSILON * 16.0 * 16.0 * k as f64
            },
        );
        check_edges::<f32>(
            simd,
            |v| v as f32 / 64.0,
            |g, w, k| {
                (g - w).abs() <= 2.0 * (k as f32 + 1.0) * f32::EPSILON * 16.0 * 16.0 * k as f32
            },
        );
        // Parts in eighths below 8: every product and sum here is exact in both widths.
        #[cfg(feature = "complex")]
        {
            use num_complex::Complex;
            let eighths = |v: i64| ((v % 64) as f64 / 8.0, ((v * 7 + 3) % 64) as f64 / 8.0);
            check_edges::<Complex<f64>>(
                simd,
                |v| {
                    let (re, im) = eighths(v);
                    Complex::new(re, im)
                },
                exact,
            );
            check_edges::<Complex<f32>>(
                simd,
                |v| {
                    let (re, im) = eighths(v);
                    Complex::new(re as f32, im as f32)
                },
                exact,
            );
        }
    }
}

/// Shallow products with enough rows take the whole-B path (row-major units, every
/// worker packing all of B's depth block): with f64 on AVX-512 (8 × 16 tiles, nc =
/// 512), 100×1×1000 and 100×7×700 for up to 3 workers, 64×40×600 for up to 2 and
/// 300×2×700 for all 4 (`whole_b_needs_rows_and_several_blocks` checks the rule).
/// Outputs of a few tile rows (6×1000×240, 9×300×1025, 1×513×40)
/// are cut into narrow column blocks for several workers. Products deeper than kc
/// (37×1100×70, 300×600×100 and the short ones) take the path where each worker runs
/// all depth blocks of its units alone. All give the naive product and the same bits
/// for every worker count.
#[test]
fn shallow_and_short_products_for_any_worker_count() {
    let kernel = microkernel_for::<f64>(Simd::default_level());
    let ikernel = microkernel_for::<i64>(Simd::default_level());
    for (m, k, n) in [
        (100, 1, 1000),
        (100, 7, 700),
        (64, 40, 600),
        (300, 2, 700),
        (37, 1100, 70),
        (300, 600, 100),
        (257, 3, 70),
        (6, 1000, 240),
        (9, 300, 1025),
        (1, 513, 40),
    ] {
        let a = values(m * k, (m + k) as u64, |v| v);
        let b = values(k * n, (k * n) as u64, |v| v);
        let want = naive(&a, &b, m, k, n);
        let af: Vec<f64> = a.iter().map(|&v| v as f64 / 8.0).collect();
        let bf: Vec<f64> = b.iter().map(|&v| v as f64 / 8.0).collect();
        let mut first: Option<Vec<f64>> = None;
        for workers in 1..=4 {
            let mut c = values(m * n, 5, |v| v);
            let (av, bv) = (
                MatRef::from_slice(&a, m, k).unwrap(),
                MatRef::from_slice(&b, k, n).unwrap(),
            );
            multiply_blocked(av, bv, &mut c, workers, ikernel);
            assert_eq!(c, want, "{m}×{k}×{n}, {workers} workers");
            let mut cf = vec![f64::NAN; m * n];
            let (av, bv) = (
                MatRef::from_slice(&af, m, k).unwrap(),
                MatRef::from_slice(&bf, k, n).unwrap(),
            );
            multiply_blocked(av, bv, &mut cf, workers, kernel);
            for (idx, (&got, &w)) in cf.iter().zip(&want).enumerate() {
                let w = w as f64 / 64.0;
                assert!(
                    (got - w).abs() <= 1e-9 * w.abs().max(1.0),
                    "{m}×{k}×{n}, {workers} workers: cell {idx} is {got}, want {w}"
                );
            }
            match &first {
                None => first = Some(cf),
                Some(one) => assert_eq!(
                    one.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    cf.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "{m}×{k}×{n}: {workers} workers changed the bits"
                ),
            }
        }
    }
}

/// The whole-B path is taken exactly when B's depth block has more than one column
/// block, fits the L2 budget, and every worker has 4 row chunks.
#[test]
fn whole_b_needs_rows_and_several_blocks() {
    let kernel = microkernel_for::<f64>(Simd::default_level());
    let blocking = Blocking::new(&kernel);
    let (mc, nr, nc) = (blocking.mc, kernel.nr, blocking.nc);
    let whole_b = |m: usize, depth: usize, n: usize, workers: usize| {
        let mut c = vec![0.0f64; m * n];
        let band = MatMut::from_slice(&mut c, m, n).unwrap();
        cut_units(&blocking, nr, m, band, depth, workers).1
    };
    let wide = nc + 3 * nr;
    for workers in 1..=4 {
        let rows = 4 * workers * mc;
        assert!(
            whole_b(rows, 2, wide, workers),
            "{rows} rows, {workers} workers"
        );
        assert!(!whole_b(rows - mc, 2, wide, workers), "one row chunk short");
        // One column block (a worker's share of rows is then all its work anyway).
        assert!(!whole_b(rows, 2, nr, workers));
        // A depth block of B over the budget.
        let deep = crate::kernel::budgets().l2 / (wide.next_multiple_of(nr) * 8) + 1;
        assert!(!whole_b(rows, deep, wide, workers));
    }
}

#[test]
fn units_never_shrink_and_never_exceed_the_cut() {
    let kernel = microkernel_for::<f64>(Simd::default_level());
    let blocking = Blocking::new(&kernel);
    let nr = kernel.nr;
    for m in 1..300 {
        for n in (1..1200).step_by(7) {
            let counted = blocking.units(m, n, nr);
            for workers in (1..=counted).filter(|&w| w <= 32) {
                let cut = blocking.row_chunks(m) * blocking.column_blocks(m, n, nr, workers).len();
                assert!(
                    cut >= workers,
                    "{m}×{n}: {cut} units cut for {workers} workers"
                );
            }
            assert!(
                counted <= blocking.units(m + 1, n, nr),
                "{m}×{n}: grows in m"
            );
            assert!(
                counted <= blocking.units(m, n + 7, nr),
                "{m}×{n}: grows in n"
            );
            let blocks = blocking.column_blocks(m, n, nr, 3);
            assert_eq!(blocks.iter().map(|b| b.1).sum::<usize>(), n);
            assert!(
                blocks
                    .iter()
                    .all(|(first, width)| first % nr == 0 && width > 0)
            );
        }
    }
}

#[test]
fn generic_and_small_types_use_the_portable_kernel() {
    assert_eq!(
        microkernel_for::<Generic<u8>>(Simd::Avx512).simd,
        Simd::Portable
    );
    assert_eq!(microkernel_for::<i16>(Simd::Avx512).simd, Simd::Portable);
    check_edges::<i16>(Simd::Avx512, |v| v as i16, exact);
}

#[test]
fn simd_kernels_are_chosen_when_available() {
    for simd in hand_written_levels() {
        for level in [
            microkernel_for::<f64>(simd).simd,
            microkernel_for::<f32>(simd).simd,
            microkernel_for::<i32>(simd).simd,
            microkernel_for::<u32>(simd).simd,
        ] {
            assert_eq!(level, simd);
        }
        // NEON has no 64-bit integer multiply: i64 and u64 run the portable kernel there.
        let wide = if simd == Simd::Neon {
            Simd::Portable
        } else {
            simd
        };
        assert_eq!(microkernel_for::<i64>(simd).simd, wide);
        assert_eq!(microkernel_for::<u64>(simd).simd, wide);
        // Every hand-written level has complex kernels.
        #[cfg(feature = "complex")]
        {
            use num_complex::Complex;
            assert_eq!(microkernel_for::<Complex<f64>>(simd).simd, simd);
            assert_eq!(microkernel_for::<Complex<f32>>(simd).simd, simd);
        }
    }
}

/// The blocks come from the detected caches: `for_rows` is `for_rows_with` the detected
/// caches' budgets, and other caches give other blocks (smaller L1d, shallower blocks;
/// larger L2, wider ones).
#[test]
fn blocks_are_cut_to_the_detected_caches() {
    use crate::kernel::Caches;
    use crate::kernel::caches::Budgets;
    let kernel = microkernel_for::<f64>(Simd::Portable);
    let detected = Budgets::for_caches(&Caches::detected());
    for m in [1, 100, 100_000] {
        assert_eq!(
            Blocking::for_rows(&kernel, m),
            Blocking::for_rows_with(&kernel, m, &detected)
        );
    }
    let caches = |l1d: usize, l2: usize| Caches {
        l1d,
        l2,
        l3: Some(32 << 20),
        ..Caches::FALLBACK
    };
    let base = Blocking::for_rows_with(
        &kernel,
        100,
        &Budgets::for_caches(&caches(32 << 10, 1 << 20)),
    );
    let small_l1 = Blocking::for_rows_with(
        &kernel,
        100,
        &Budgets::for_caches(&caches(16 << 10, 1 << 20)),
    );
    let big_l2 = Blocking::for_rows_with(
        &kernel,
        100,
        &Budgets::for_caches(&caches(32 << 10, 2 << 20)),
    );
    assert_eq!(small_l1.kc * 2, base.kc, "{small_l1:?} vs {base:?}");
    assert!(big_l2.nc > base.nc, "{big_l2:?} vs {base:?}");
    assert_eq!(big_l2.kc, base.kc);
}

/// Each blocked product takes the buffers the thread's last one kept: a deep product
/// leaves large ones, and the next products (other kernels, so other tiles, both smaller
/// and larger; more or fewer workers; then another type, so buffers of another type) must
/// not read anything left in them. Values in 64ths keep every f64 sum exact.
#[test]
fn kept_buffers_serve_any_next_product() {
    fn check<S: Scalar + PartialEq + std::fmt::Debug>(
        levels: &[Simd],
        from: impl Fn(i64) -> S + Copy,
        poison: S,
    ) {
        let shapes = [(70, 600, 90), (13, 5, 17), (40, 33, 9), (7, 1, 300)];
        for (seed, &(m, k, n)) in shapes.iter().enumerate() {
            // Largest tiles first, then back up from the smallest.
            for &simd in levels.iter().rev().chain(levels) {
                for workers in [2, 1, 3] {
                    let a = values(m * k, seed as u64, from);
                    let b = values(k * n, seed as u64 + 100, from);
                    let mut c = vec![poison; m * n];
                    let a_view = MatRef::from_slice(&a, m, k).unwrap();
                    let b_view = MatRef::from_slice(&b, k, n).unwrap();
                    multiply_blocked(a_view, b_view, &mut c, workers, microkernel_for(simd));
                    assert_eq!(c, naive(&a, &b, m, k, n), "{m}×{k}×{n} {simd} {workers}");
                }
            }
        }
    }
    let levels: Vec<Simd> = [Simd::Portable]
        .into_iter()
        .chain(hand_written_levels())
        .collect();
    check::<f64>(&levels, |v| v as f64 / 64.0, f64::NAN);
    check::<i32>(&levels, |v| v as i32, i32::MIN);
    check::<f64>(&levels, |v| v as f64 / 64.0, f64::NAN);
}

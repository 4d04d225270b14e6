//! One check run on every registered kernel instance, every form, against a naive tile.
//!
//! Products over whole matrices (edge tiles, depths around `kc`, the loop nest's paths) are
//! checked in `blocked/tests.rs`; this file checks each kernel on its own: every form on
//! exact values, the float kernels' order of operations bit for bit, and the table of
//! registered instances.

use super::*;
use crate::matrix::{MatMut, MatRef};

/// Values whose products and sums of up to a few hundred terms are exact in every element
/// type checked here (multiples of 1/8 below 8 in magnitude for floats).
trait Exact: Scalar + PartialEq + std::fmt::Debug {
    fn from_seed(v: i64) -> Self;
}
impl Exact for f64 {
    fn from_seed(v: i64) -> Self {
        (v % 64) as f64 / 8.0
    }
}
impl Exact for f32 {
    fn from_seed(v: i64) -> Self {
        (v % 64) as f32 / 8.0
    }
}
impl Exact for i32 {
    fn from_seed(v: i64) -> Self {
        (v as i32).wrapping_mul(40_503)
    }
}
impl Exact for u32 {
    fn from_seed(v: i64) -> Self {
        (v as u32).wrapping_mul(2_654_435_761)
    }
}
impl Exact for i64 {
    fn from_seed(v: i64) -> Self {
        v.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64)
    }
}
impl Exact for u64 {
    fn from_seed(v: i64) -> Self {
        (v as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

#[cfg(feature = "complex")]
impl Exact for num_complex::Complex<f64> {
    fn from_seed(v: i64) -> Self {
        num_complex::Complex::new(f64::from_seed(v), f64::from_seed(v.wrapping_mul(31) + 7))
    }
}
#[cfg(feature = "complex")]
impl Exact for num_complex::Complex<f32> {
    fn from_seed(v: i64) -> Self {
        num_complex::Complex::new(f32::from_seed(v), f32::from_seed(v.wrapping_mul(31) + 7))
    }
}

fn values<S: Exact>(len: usize, seed: u64) -> Vec<S> {
    blocked::tests::values(len, seed, S::from_seed)
}

/// The depths checked: every count of steps up to past the packing form's prefetch
/// distance twice over, so every remainder and the prefetch's wrap onto the next panel run.
const DEPTHS: std::ops::RangeInclusive<usize> = 0..=2 * tile::B_PREFETCH_ROWS + 3;

/// Extra values between rows of C (a strided tile) and of A and B, which no form may
/// touch or read into the result.
const GAP: usize = 3;

/// Runs every form of `kernel` at every depth, overwriting and adding, into a strided C,
/// and compares each against the naive tile and each other; the packing forms' panel of B
/// must equal the packed panel.
fn check_a_kernel<S: Exact>(kernel: Microkernel<S>, what: &str) {
    let (mr, nr) = (kernel.mr, kernel.nr);
    let ldc = nr + GAP;
    for depth in DEPTHS {
        let what = format!("{what}, depth {depth}");
        // A: `mr × depth`, row-major with gaps; B: `depth × nr`, row-major with gaps.
        let (lda, ldb) = (depth + GAP, nr + GAP);
        let a_rows: Vec<S> = values(mr * lda, depth as u64 * 7 + 1);
        let b_rows: Vec<S> = values(depth * ldb, depth as u64 * 5 + 2);
        let a_at = |i: usize, p: usize| a_rows[i * lda + p];
        let b_at = |p: usize, j: usize| b_rows[p * ldb + j];
        // The same A as packed panels and as columns (`mr + GAP` apart); B as a panel.
        let a_panel: Vec<S> = (0..depth * mr).map(|x| a_at(x % mr, x / mr)).collect();
        let a_columns_stride = mr + GAP;
        let a_columns: Vec<S> = (0..depth * a_columns_stride)
            .map(|x| {
                let (p, i) = (x / a_columns_stride, x % a_columns_stride);
                if i < mr {
                    a_at(i, p)
                } else {
                    S::from_seed(977)
                }
            })
            .collect();
        let b_panel: Vec<S> = (0..depth * nr).map(|x| b_at(x / nr, x % nr)).collect();
        let c_start: Vec<S> = values(mr * ldc, 99);
        for overwrite in [true, false] {
            let want: Vec<S> = (0..mr * ldc)
                .map(|x| {
                    let (i, j) = (x / ldc, x % ldc);
                    if j >= nr {
                        return c_start[x];
                    }
                    let sum =
                        (0..depth).fold(S::zero(), |acc, p| a_at(i, p).mul_add(b_at(p, j), acc));
                    if overwrite { sum } else { c_start[x].add(sum) }
                })
                .collect();
            let a_view = MatRef::from_slice_strided(&a_rows, mr, depth, lda, 1).unwrap();
            let a_cols_view =
                MatRef::from_slice_strided(&a_columns, mr, depth, 1, a_columns_stride).unwrap();
            let b_view = MatRef::from_slice_strided(&b_rows, depth, nr, ldb, 1).unwrap();
            let mut results: Vec<(&str, Vec<S>, Vec<S>)> = Vec::new();
            let mut run = |form: &'static str, f: &dyn Fn(MatMut<'_, S>, &mut [S])| {
                let mut c = c_start.clone();
                let mut b_out = vec![S::from_seed(555); depth * nr];
                f(tile_view(&mut c, mr, nr, ldc), &mut b_out);
                results.push((form, c, b_out));
            };
            run("packed", &|c, _| {
                kernel.run_tile(depth, &a_panel, &b_panel, c, overwrite)
            });
            run("rows", &|c, _| {
                kernel.run_tile_rows(a_view, &b_panel, c, overwrite)
            });
            if kernel.reads_a_columns() {
                run("columns", &|c, _| {
                    kernel.run_tile_columns(a_cols_view, &b_panel, c, overwrite)
                });
            }
            if kernel.packs_b_while_running() {
                run("packed, packing B", &|c, b_out| {
                    kernel.run_tile_packing_b(depth, &a_panel, b_view, b_out, c, overwrite)
                });
                run("rows, packing B", &|c, b_out| {
                    kernel.run_tile_rows_packing_b(a_view, b_view, b_out, c, overwrite)
                });
                run("columns, packing B", &|c, b_out| {
                    kernel.run_tile_columns_packing_b(a_cols_view, b_view, b_out, c, overwrite)
                });
            }
            for (form, c, b_out) in &results {
                assert!(
                    *c == want,
                    "{what}, {form} form, overwrite {overwrite}: got {c:?}, want {want:?}"
                );
                if form.ends_with("packing B") {
                    assert!(
                        *b_out == b_panel,
                        "{what}, {form} form: the packed panel of B is wrong"
                    );
                }
            }
        }
    }
}

/// The `mr × nr` tile at the start of `c`, rows `ldc` apart.
fn tile_view<S>(c: &mut [S], mr: usize, nr: usize, ldc: usize) -> MatMut<'_, S> {
    MatMut::from_slice_strided(c, mr, nr, ldc, 1).unwrap()
}

/// Checks `S`'s kernel at `level` if that level registers one.
fn check_level<S: Exact>(level: Simd, type_name: &str, checked: &mut Vec<String>) {
    if let Some(kernel) = simd_kernel::<S>(level) {
        assert_eq!(kernel.simd, level);
        check_a_kernel(
            kernel,
            &format!("{level} {type_name} {}×{}", kernel.mr, kernel.nr),
        );
        checked.push(format!("{level} {type_name}"));
    }
}

#[test]
fn every_kernel_instance_computes_its_tile() {
    let mut checked = Vec::new();
    check_a_kernel(Microkernel::<f64>::portable(), "portable f64");
    check_a_kernel(Microkernel::<i32>::portable(), "portable i32");
    for level in Simd::ALL.into_iter().filter(|&l| l != Simd::Portable) {
        if !level.is_available() {
            eprintln!("skipping the {level} kernels: this CPU does not support {level}");
            continue;
        }
        check_level::<f64>(level, "f64", &mut checked);
        check_level::<f32>(level, "f32", &mut checked);
        check_level::<i32>(level, "i32", &mut checked);
        check_level::<u32>(level, "u32", &mut checked);
        check_level::<i64>(level, "i64", &mut checked);
        check_level::<u64>(level, "u64", &mut checked);
        #[cfg(feature = "complex")]
        {
            use num_complex::Complex;
            check_level::<Complex<f64>>(level, "c64", &mut checked);
            check_level::<Complex<f32>>(level, "c32", &mut checked);
        }
    }
    eprintln!("checked kernels: {}", checked.join(", "));
}

/// Floats whose products and sums round: the hand-written kernels must still give the bits
/// of one fused multiply-add per step, in step order, then one addition to C. A complex
/// kernel keeps two such sums per element of C (`re(a)·b` and `im(a)·b`, each fused part by
/// part) and combines them once at the end.
trait Fused: Scalar + PartialEq + std::fmt::Debug {
    fn inexact(v: i64) -> Self;
    /// `Σ aₚ·bₚ` in the order and rounding the kernels promise.
    fn dot(terms: impl Iterator<Item = (Self, Self)>) -> Self;
}
impl Fused for f64 {
    fn inexact(v: i64) -> Self {
        v as f64 / 7.3
    }
    fn dot(terms: impl Iterator<Item = (Self, Self)>) -> Self {
        terms.fold(0.0, |acc, (a, b)| a.mul_add(b, acc))
    }
}
impl Fused for f32 {
    fn inexact(v: i64) -> Self {
        v as f32 / 7.3
    }
    fn dot(terms: impl Iterator<Item = (Self, Self)>) -> Self {
        terms.fold(0.0, |acc, (a, b)| a.mul_add(b, acc))
    }
}
#[cfg(feature = "complex")]
macro_rules! fused_complex {
    ($t:ty) => {
        impl Fused for num_complex::Complex<$t> {
            fn inexact(v: i64) -> Self {
                num_complex::Complex::new(<$t>::inexact(v), <$t>::inexact(v * 13 + 5))
            }
            fn dot(terms: impl Iterator<Item = (Self, Self)>) -> Self {
                // (Σ re(a)·re(b), Σ re(a)·im(b)) and (Σ im(a)·re(b), Σ im(a)·im(b)).
                let (mut re_a, mut im_a) = ([0.0 as $t; 2], [0.0 as $t; 2]);
                for (a, b) in terms {
                    re_a = [a.re.mul_add(b.re, re_a[0]), a.re.mul_add(b.im, re_a[1])];
                    im_a = [a.im.mul_add(b.re, im_a[0]), a.im.mul_add(b.im, im_a[1])];
                }
                num_complex::Complex::new(re_a[0] - im_a[1], re_a[1] + im_a[0])
            }
        }
    };
}
#[cfg(feature = "complex")]
fused_complex!(f64);
#[cfg(feature = "complex")]
fused_complex!(f32);

/// A way to run a kernel into a tile, given the tile and a buffer for B's panel.
type TileForm<'k, S> = dyn Fn(MatMut<'_, S>, &mut [S]) + 'k;

/// Every form of a hand-written float kernel against a fused reference, bit for bit, on
/// values whose arithmetic rounds: a change of the order of the steps or of the final
/// addition shows here, where the exact values of `check_a_kernel` hide it.
fn check_fused_order<S: Fused>(kernel: Microkernel<S>, what: &str) {
    let (mr, nr) = (kernel.mr, kernel.nr);
    for depth in [1, 7, 2 * tile::B_PREFETCH_ROWS + 3] {
        let inexact = |len: usize, seed: u64| blocked::tests::values(len, seed, S::inexact);
        let a_rows: Vec<S> = inexact(mr * depth, depth as u64 * 3 + 1);
        let b_rows: Vec<S> = inexact(depth * nr, depth as u64 * 3 + 2);
        let c_start: Vec<S> = inexact(mr * nr, depth as u64 * 3 + 3);
        let a_panel: Vec<S> = (0..depth * mr)
            .map(|x| a_rows[(x % mr) * depth + x / mr])
            .collect();
        let a_view = MatRef::from_slice(&a_rows, mr, depth).unwrap();
        let a_cols_view = MatRef::from_slice(&a_panel, depth, mr).unwrap().t();
        let b_view = MatRef::from_slice(&b_rows, depth, nr).unwrap();
        for overwrite in [true, false] {
            let want: Vec<S> = (0..mr * nr)
                .map(|x| {
                    let (i, j) = (x / nr, x % nr);
                    let sum =
                        S::dot((0..depth).map(|p| (a_rows[i * depth + p], b_rows[p * nr + j])));
                    if overwrite { sum } else { c_start[x].add(sum) }
                })
                .collect();
            let forms: [(&str, &TileForm<S>); 6] = [
                ("packed", &|c, _| {
                    kernel.run_tile(depth, &a_panel, &b_rows, c, overwrite)
                }),
                ("rows", &|c, _| {
                    kernel.run_tile_rows(a_view, &b_rows, c, overwrite)
                }),
                ("columns", &|c, _| {
                    kernel.run_tile_columns(a_cols_view, &b_rows, c, overwrite)
                }),
                ("packed, packing B", &|c, b_out| {
                    kernel.run_tile_packing_b(depth, &a_panel, b_view, b_out, c, overwrite)
                }),
                ("rows, packing B", &|c, b_out| {
                    kernel.run_tile_rows_packing_b(a_view, b_view, b_out, c, overwrite)
                }),
                ("columns, packing B", &|c, b_out| {
                    kernel.run_tile_columns_packing_b(a_cols_view, b_view, b_out, c, overwrite)
                }),
            ];
            for (form, run) in forms {
                let mut c = c_start.clone();
                let mut b_out = vec![S::zero(); depth * nr];
                run(MatMut::from_slice(&mut c, mr, nr).unwrap(), &mut b_out);
                assert!(
                    c == want,
                    "{what}, depth {depth}, {form}, overwrite {overwrite}"
                );
            }
        }
    }
}

#[test]
fn hand_written_float_kernels_fuse_each_step_in_order() {
    for level in Simd::ALL.into_iter().filter(|&l| l != Simd::Portable) {
        if !level.is_available() {
            eprintln!("skipping the {level} kernels: this CPU does not support {level}");
            continue;
        }
        if let Some(kernel) = simd_kernel::<f64>(level) {
            check_fused_order(kernel, &format!("{level} f64"));
        }
        if let Some(kernel) = simd_kernel::<f32>(level) {
            check_fused_order(kernel, &format!("{level} f32"));
        }
        #[cfg(feature = "complex")]
        {
            use num_complex::Complex;
            if let Some(kernel) = simd_kernel::<Complex<f64>>(level) {
                check_fused_order(kernel, &format!("{level} c64"));
            }
            if let Some(kernel) = simd_kernel::<Complex<f32>>(level) {
                check_fused_order(kernel, &format!("{level} c32"));
            }
        }
    }
}

/// The instances each level registers, with their tiles: a registration line lost or
/// changed fails here, and so does a level that stops being found by the fallback the
/// blocked loops use.
#[test]
fn registered_instances() {
    fn tile<S: 'static>(level: Simd) -> Option<(usize, usize)> {
        simd_kernel::<S>(level).map(|k| (k.mr, k.nr))
    }
    // Tiles of f64, f32, i32, u32, i64 and u64 per level (`None`: the portable kernel).
    let expected = [
        (
            Simd::Avx512,
            [
                Some((8, 16)),
                Some((8, 32)),
                Some((8, 32)),
                Some((8, 32)),
                Some((8, 16)),
                Some((8, 16)),
            ],
        ),
        (
            Simd::Avx2,
            [
                Some((6, 8)),
                Some((6, 16)),
                Some((6, 16)),
                Some((6, 16)),
                Some((4, 8)),
                Some((4, 8)),
            ],
        ),
        (
            Simd::Neon,
            [
                Some((6, 8)),
                Some((6, 16)),
                Some((6, 16)),
                Some((6, 16)),
                None,
                None,
            ],
        ),
    ];
    assert_eq!(
        expected.len(),
        Simd::ALL.len() - 1,
        "a level is missing here"
    );
    for (level, tiles) in expected {
        if !level.is_available() {
            eprintln!("skipping the {level} kernels: this CPU does not support {level}");
            assert!(
                simd_kernel::<f64>(level).is_none(),
                "{level} is not available"
            );
            continue;
        }
        let got = [
            tile::<f64>(level),
            tile::<f32>(level),
            tile::<i32>(level),
            tile::<u32>(level),
            tile::<i64>(level),
            tile::<u64>(level),
        ];
        assert_eq!(got, tiles, "{level}: f64, f32, i32, u32, i64, u64");
        assert_eq!(microkernel_for::<f64>(level).simd, level);
        let wide = if tiles[5].is_some() {
            level
        } else {
            Simd::Portable
        };
        assert_eq!(kernel_level_for::<u64>(level), wide);
    }
}

/// The complex instances each level registers, with their tiles (`None`: the portable
/// kernel).
#[cfg(feature = "complex")]
#[test]
fn registered_complex_instances() {
    use num_complex::Complex;
    fn tile<S: 'static>(level: Simd) -> Option<(usize, usize)> {
        simd_kernel::<S>(level).map(|k| (k.mr, k.nr))
    }
    let expected = [
        (Simd::Avx512, Some((6, 8)), Some((6, 16))),
        (Simd::Avx2, Some((3, 4)), Some((2, 8))),
        (Simd::Neon, Some((3, 4)), Some((3, 8))),
    ];
    assert_eq!(
        expected.len(),
        Simd::ALL.len() - 1,
        "a level is missing here"
    );
    for (level, c64, c32) in expected {
        if !level.is_available() {
            eprintln!("skipping the {level} kernels: this CPU does not support {level}");
            continue;
        }
        let got = (tile::<Complex<f64>>(level), tile::<Complex<f32>>(level));
        assert_eq!(got, (c64, c32), "{level}: c64, c32");
        let want = if c64.is_some() { level } else { Simd::Portable };
        assert_eq!(kernel_level_for::<Complex<f64>>(level), want);
    }
}

/// Types without an instance get none at any level and run the portable kernel.
#[test]
fn the_registry_answers_by_type() {
    for level in Simd::ALL.into_iter().filter(|l| l.is_available()) {
        assert!(simd_kernel::<i16>(level).is_none());
        assert!(simd_kernel::<crate::element::Generic<f64>>(level).is_none());
        assert_eq!(kernel_level_for::<i16>(level), Simd::Portable);
        for kernel_level in [
            kernel_level_for::<f64>(level),
            kernel_level_for::<u64>(level),
        ] {
            assert!(kernel_level <= level);
        }
    }
    assert!(same_arithmetic::<u32, i32>() && same_arithmetic::<u64, i64>());
    assert!(!same_arithmetic::<i32, u32>() && !same_arithmetic::<f32, i32>());
}

/// The `row_vector` form against the i-k-j loop's sums (from zero, `p` increasing, each
/// product rounded before it is added), bit for bit, for depths around its passes of 8, 4,
/// 2 and 1 rows and widths around its vectors, with A strided, and with prefetches; no
/// value of C past its `n` is written.
fn check_row_vector<S: Scalar + PartialEq + std::fmt::Debug>(
    kernel: Microkernel<S>,
    from: impl Fn(i64) -> S + Copy,
    what: &str,
) -> bool {
    let Some(row_vector) = kernel.row_vector() else {
        return false;
    };
    let lanes = kernel.nr / 2;
    let widths: Vec<usize> = (1..=3 * lanes + 1).chain([8 * lanes - 1, 100]).collect();
    for k in (1..=19).chain([32, 33]) {
        for &n in &widths {
            for (x_step, ahead) in [(1usize, 0), (3, 0), (1, 5)] {
                let x: Vec<S> = blocked::tests::values(k * x_step, k as u64 * 11 + 1, from);
                let ldb = n + GAP;
                let b: Vec<S> = blocked::tests::values(k * ldb, n as u64 * 13 + 2, from);
                let poison = from(777);
                let mut c = vec![poison; n + GAP];
                // SAFETY: x holds k values `x_step` apart, b k rows of `ldb ≥ n`, c `n +
                // GAP` values of its own; k, n ≥ 1; the form comes from a registered kernel
                // of a level this CPU supports (the caller checks).
                unsafe {
                    row_vector(
                        k,
                        x.as_ptr(),
                        x_step as isize,
                        b.as_ptr(),
                        ldb,
                        n,
                        c.as_mut_ptr(),
                        ahead,
                    )
                };
                let want: Vec<S> = (0..n)
                    .map(|j| {
                        (0..k).fold(S::zero(), |acc, p| {
                            x[p * x_step].mul_add(b[p * ldb + j], acc)
                        })
                    })
                    .chain([poison; GAP])
                    .collect();
                assert!(
                    c == want,
                    "{what}: k {k}, n {n}, x step {x_step}, ahead {ahead}"
                );
            }
        }
    }
    true
}

/// `S`'s kernel at `level`, which every level has for `f64`, `f32`, `i32` and `u32`.
fn kernel<S: 'static>(level: Simd) -> Microkernel<S> {
    simd_kernel(level).expect("every level has f64, f32, i32 and u32 kernels")
}

#[test]
fn every_row_vector_form_matches_the_loop_bit_for_bit() {
    let mut checked = Vec::new();
    for level in Simd::ALL.into_iter().filter(|&l| l != Simd::Portable) {
        if !level.is_available() {
            eprintln!("skipping the {level} kernels: this CPU does not support {level}");
            continue;
        }
        let mut check = |found: bool, type_name: &str| {
            if found {
                checked.push(format!("{level} {type_name}"));
            }
        };
        check(
            check_row_vector::<f64>(kernel(level), |v| v as f64 / 7.3, "f64"),
            "f64",
        );
        check(
            check_row_vector::<f32>(kernel(level), |v| v as f32 / 7.3, "f32"),
            "f32",
        );
        check(
            check_row_vector::<i32>(kernel(level), i32::from_seed, "i32"),
            "i32",
        );
        check(
            check_row_vector::<u32>(kernel(level), u32::from_seed, "u32"),
            "u32",
        );
        if let Some(k64) = simd_kernel::<i64>(level) {
            check(check_row_vector(k64, i64::from_seed, "i64"), "i64");
        }
        #[cfg(feature = "complex")]
        assert!(
            simd_kernel::<num_complex::Complex<f64>>(level)
                .is_none_or(|kernel| kernel.row_vector().is_none()),
            "complex kernels mix lanes and have no row_vector form"
        );
    }
    eprintln!("checked row_vector forms: {}", checked.join(", "));
    if Simd::detected() != Simd::Portable {
        assert!(checked.iter().any(|c| c.ends_with("f64")));
    }
}

//! The kernels' direct form (small products read in place): against the naive product and,
//! bit for bit, against the packed loop nest it stands in for, at every level this CPU
//! has, on every layout and on shapes around each tile and depth block.

use super::*;
use crate::matrix::Matrix;

/// Values for the checks: exact sums for the integer types, and for floats values whose
/// sums round, so that a different order of additions shows in the bits.
trait Sample: Scalar + PartialEq + std::fmt::Debug {
    fn sample(seed: u64) -> Self;
    /// The naive product's element: `Σ a·b` in depth order, rounded per step for floats.
    fn close(got: Self, want: Self, depth: usize) -> bool;
}

macro_rules! float_sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            fn sample(seed: u64) -> Self {
                ((seed % 2001) as $t - 1000.0) / 7.0
            }
            fn close(got: Self, want: Self, depth: usize) -> bool {
                // Fused and unfused sums of `depth` terms below 143² in magnitude.
                let bound = (depth as $t + 1.0) * 143.0 * 143.0 * 4.0 * <$t>::EPSILON;
                (got - want).abs() <= bound
            }
        }
    )*};
}
float_sample!(f32, f64);

macro_rules! int_sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            fn sample(seed: u64) -> Self {
                seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) as $t
            }
            fn close(got: Self, want: Self, _depth: usize) -> bool {
                got == want
            }
        }
    )*};
}
int_sample!(i32, u32, i64, u64);

fn matrix<S: Sample>(rows: usize, cols: usize, seed: u64) -> Matrix<S> {
    Matrix::from_fn(rows, cols, |i, j| {
        S::sample(seed.wrapping_add((i * 7919 + j * 104_729) as u64))
    })
}

/// How an operand is laid out: its own row-major storage, the transpose of a column-major
/// one, or a window of a larger matrix (neither stride 1).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Rows,
    Columns,
    Window,
}

const LAYOUTS: [Layout; 3] = [Layout::Rows, Layout::Columns, Layout::Window];

/// Storage holding an `rows × cols` operand in `layout`, filled from `values`.
fn storage<S: Sample>(values: &Matrix<S>, layout: Layout) -> Matrix<S> {
    let (rows, cols) = values.shape();
    match layout {
        Layout::Rows => values.clone(),
        Layout::Columns => Matrix::from_fn(cols, rows, |j, i| values[(i, j)]),
        // Every other row and column of a matrix twice as large, plus one.
        Layout::Window => Matrix::from_fn(2 * rows + 1, 2 * cols + 1, |i, j| {
            if i % 2 == 1 && j % 2 == 1 {
                values[(i / 2, j / 2)]
            } else {
                S::sample(1_000_003 + (i * 31 + j) as u64)
            }
        }),
    }
}

fn view<S: Sample>(stored: &Matrix<S>, layout: Layout, rows: usize, cols: usize) -> MatRef<'_, S> {
    match layout {
        Layout::Rows => stored.view(),
        Layout::Columns => stored.view().t(),
        Layout::Window => {
            let window = MatRef::from_slice_strided(
                &stored.as_slice()[(2 * cols + 1) + 1..],
                rows,
                cols,
                2 * (2 * cols + 1),
                2,
            );
            window.expect("inside the storage")
        }
    }
}

fn view_mut<S: Sample>(
    stored: &mut Matrix<S>,
    layout: Layout,
    rows: usize,
    cols: usize,
) -> MatMut<'_, S> {
    match layout {
        Layout::Rows => stored.view_mut(),
        Layout::Columns => stored.view_mut().t(),
        Layout::Window => {
            let window = MatMut::from_slice_strided(
                &mut stored.as_mut_slice()[(2 * cols + 1) + 1..],
                rows,
                cols,
                2 * (2 * cols + 1),
                2,
            );
            window.expect("inside the storage")
        }
    }
}

/// `a·b` naively, in depth order, with the crate's arithmetic (rounded per step).
fn naive<S: Sample>(a: &Matrix<S>, b: &Matrix<S>) -> Matrix<S> {
    Matrix::from_fn(a.rows(), b.cols(), |i, j| {
        (0..a.cols()).fold(S::zero(), |acc, p| a[(i, p)].mul_add(b[(p, j)], acc))
    })
}

/// One product by the direct form on `kernel`, operands and output in the given layouts;
/// checks it against the naive product and, bit for bit, against the packed nest on the
/// same kernel, and that C's storage outside the product is untouched.
fn check_product<S: Sample + BitsEq>(
    kernel: &Microkernel<S>,
    (m, k, n): (usize, usize, usize),
    layouts: (Layout, Layout, Layout),
    seed: u64,
) {
    let what = format!("{m}×{k}×{n} {layouts:?} {:?}", kernel.simd);
    let (a, b) = (matrix::<S>(m, k, seed), matrix::<S>(k, n, seed ^ 0x5555));
    let (a_stored, b_stored) = (storage(&a, layouts.0), storage(&b, layouts.1));
    let c_values = matrix::<S>(m, n, seed ^ 0xAAAA);
    let mut c_stored = storage(&c_values, layouts.2);
    let before = c_stored.clone();
    multiply_direct(
        view(&a_stored, layouts.0, m, k),
        view(&b_stored, layouts.1, k, n),
        view_mut(&mut c_stored, layouts.2, m, n),
        kernel,
    );
    let mut packed = vec![S::zero(); m * n];
    multiply_blocked(a.view(), b.view(), &mut packed, 1, *kernel);
    let want = naive(&a, &b);
    let mut inside = vec![false; c_stored.as_slice().len()];
    {
        let base = c_stored.as_slice().as_ptr();
        let got = view(&c_stored, layouts.2, m, n);
        for i in 0..m {
            for j in 0..n {
                let x = got[(i, j)];
                assert!(
                    S::close(x, want[(i, j)], k),
                    "{what}: ({i}, {j}) {x:?} vs naive {:?}",
                    want[(i, j)]
                );
                assert!(
                    x.to_bits_eq(packed[i * n + j]),
                    "{what}: ({i}, {j}) {x:?} vs the packed nest's {:?}",
                    packed[i * n + j]
                );
                // SAFETY: `got[(i, j)]` is an element of `c_stored`'s slice.
                let offset = unsafe { (&got[(i, j)] as *const S).offset_from(base) };
                inside[offset as usize] = true;
            }
        }
    }
    for (index, (x, y)) in c_stored
        .as_slice()
        .iter()
        .zip(before.as_slice())
        .enumerate()
    {
        assert!(
            inside[index] || x.to_bits_eq(*y),
            "{what}: wrote outside C at {index}"
        );
    }
}

/// Bit equality (`==` would call a float's `-0.0` and `0.0` equal).
trait BitsEq {
    fn to_bits_eq(self, other: Self) -> bool;
}
macro_rules! bits_eq {
    ($($t:ty => $bits:ident),*) => {$(
        impl BitsEq for $t {
            fn to_bits_eq(self, other: Self) -> bool {
                self.$bits() == other.$bits()
            }
        }
    )*};
}
bits_eq!(f32 => to_bits, f64 => to_bits);
macro_rules! int_bits_eq {
    ($($t:ty),*) => {$(
        impl BitsEq for $t {
            fn to_bits_eq(self, other: Self) -> bool {
                self == other
            }
        }
    )*};
}
int_bits_eq!(i32, u32, i64, u64);

/// The hand-written kernels of `S` with a direct form, one per level this CPU has.
fn direct_kernels<S: Sample>() -> Vec<Microkernel<S>> {
    let kernels: Vec<_> = Simd::ALL
        .into_iter()
        .filter(|&level| level != Simd::Portable && level.supported() == level)
        .filter_map(crate::kernel::simd_kernel::<S>)
        .filter(|kernel| kernel.has_direct())
        .collect();
    if kernels.is_empty() {
        eprintln!(
            "skipped: no hand-written {} kernel on this CPU",
            std::any::type_name::<S>()
        );
    }
    kernels
}

fn check_type<S: Sample + BitsEq>() {
    for kernel in direct_kernels::<S>() {
        // The lanes of a vector: every hand-written tile is two vectors wide.
        let lanes = kernel.nr / 2;
        // Rows around the direct form's tiles (8, then 4, 2, 1), columns around one, two and
        // three vectors (the last columns' panel of three, masked or not, after panels of
        // two or none), depths around nothing, one step and the smallest depth block.
        let rows = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17];
        let columns = [
            0,
            1,
            lanes - 1,
            lanes,
            lanes + 1,
            2 * lanes - 1,
            2 * lanes,
            2 * lanes + 3,
            3 * lanes,
            3 * lanes + 1,
            4 * lanes + 1,
            5 * lanes,
        ];
        let depths = [0, 1, 2, 5, 31, 32, 33];
        let mut seed = 1;
        for &m in &rows {
            for &n in &columns {
                for &k in &depths {
                    seed += 1;
                    check_product(
                        &kernel,
                        (m, k, n),
                        (Layout::Rows, Layout::Rows, Layout::Rows),
                        seed,
                    );
                }
            }
        }
        // Every layout on a few shapes (the transposed form, B copied, C through a buffer).
        for (m, k, n) in [
            (1, 3, 1),
            (3, 7, 1),
            (1, 5, 9),
            (11, 6, 2 * lanes + 1),
            (9, 33, 5),
        ] {
            for la in LAYOUTS {
                for lb in LAYOUTS {
                    for lc in LAYOUTS {
                        seed += 1;
                        check_product(&kernel, (m, k, n), (la, lb, lc), seed);
                    }
                }
            }
        }
    }
}

#[test]
fn direct_form_matches_naive_and_packed_f64() {
    check_type::<f64>();
}

#[test]
fn direct_form_matches_naive_and_packed_f32() {
    check_type::<f32>();
}

#[test]
fn direct_form_matches_naive_and_packed_integers() {
    check_type::<i32>();
    check_type::<u32>();
    check_type::<i64>();
    check_type::<u64>();
}

/// Deeper than a depth block: the direct form stops its sums where the packed nest does, so
/// the bits still agree.
#[test]
fn direct_form_agrees_with_packed_past_a_depth_block() {
    fn deep<S: Sample + BitsEq>() {
        for kernel in direct_kernels::<S>() {
            let kc = Blocking::for_rows(&kernel, 5).kc;
            for k in [kc - 1, kc, kc + 1, 2 * kc + 3] {
                check_product(
                    &kernel,
                    (5, k, 19),
                    (Layout::Rows, Layout::Rows, Layout::Rows),
                    k as u64,
                );
                check_product(
                    &kernel,
                    (19, k, 3),
                    (Layout::Columns, Layout::Rows, Layout::Columns),
                    k as u64,
                );
            }
        }
    }
    deep::<f64>();
    deep::<f32>();
    deep::<i64>();
}

/// Which kernels have the form: every lane-wise type's hand-written kernel; no complex one.
#[test]
fn lane_wise_kernels_have_a_direct_form() {
    for level in Simd::ALL {
        if level == Simd::Portable || level.supported() != level {
            continue;
        }
        if let Some(kernel) = crate::kernel::simd_kernel::<f64>(level) {
            assert!(kernel.has_direct(), "{level:?} f64");
        }
        if let Some(kernel) = crate::kernel::simd_kernel::<u32>(level) {
            assert!(kernel.has_direct(), "{level:?} u32");
        }
        #[cfg(feature = "complex")]
        if let Some(kernel) = crate::kernel::simd_kernel::<num_complex::Complex<f64>>(level) {
            assert!(!kernel.has_direct(), "{level:?} complex");
        }
    }
    assert!(!Microkernel::<f64>::portable().has_direct());
}

//! Naive reference implementations and shared helpers for the integration tests.
#![allow(dead_code)]

use std::ops::{Add, Mul};

use num_complex::Complex;
use parmat::{Blocked, Element, MatMut, MatRef, Matrix, PerCell, RowParallel, Simd, Strategy};

/// Arithmetic of the naive reference: the crate's documented semantics, written out.
pub trait Reference: Element + std::fmt::Debug + PartialEq {
    fn r_add(self, o: Self) -> Self;
    fn r_mul(self, o: Self) -> Self;
    /// Magnitude used for float error bounds (0 for exact types).
    fn magnitude(self) -> f64;
    /// Unit roundoff of the type (0 for exact types).
    const EPS: f64;
    /// A value that must never be read into a result (written around strided views).
    fn poison() -> Self;
    fn close(got: Self, want: Self, bound: f64) -> bool;
}

macro_rules! exact_int {
    ($($t:ty),*) => {$(
        impl Reference for $t {
            fn r_add(self, o: Self) -> Self { self.wrapping_add(o) }
            fn r_mul(self, o: Self) -> Self { self.wrapping_mul(o) }
            fn magnitude(self) -> f64 { 0.0 }
            const EPS: f64 = 0.0;
            fn poison() -> Self { <$t>::MAX / 3 }
            fn close(got: Self, want: Self, _bound: f64) -> bool { got == want }
        }
    )*};
}
exact_int!(i8, i16, i32, i64, i128, u8, u16, u32, u64, usize);

macro_rules! float {
    ($($t:ty),*) => {$(
        impl Reference for $t {
            fn r_add(self, o: Self) -> Self { self + o }
            fn r_mul(self, o: Self) -> Self { self * o }
            fn magnitude(self) -> f64 { (self as f64).abs() }
            const EPS: f64 = <$t>::EPSILON as f64;
            fn poison() -> Self { <$t>::NAN }
            fn close(got: Self, want: Self, bound: f64) -> bool {
                if want.is_nan() { return got.is_nan(); }
                ((got - want) as f64).abs() <= bound
            }
        }
    )*};
}
float!(f32, f64);

macro_rules! complex {
    ($($t:ty),*) => {$(
        impl Reference for Complex<$t> {
            fn r_add(self, o: Self) -> Self {
                self + o
            }
            fn r_mul(self, o: Self) -> Self {
                self * o
            }
            fn magnitude(self) -> f64 {
                self.norm() as f64
            }
            const EPS: f64 = <$t>::EPSILON as f64;
            fn poison() -> Self {
                Complex::new(<$t>::NAN, <$t>::NAN)
            }
            fn close(got: Self, want: Self, bound: f64) -> bool {
                if want.is_nan() {
                    return got.is_nan();
                }
                (got - want).norm() as f64 <= bound
            }
        }
    )*};
}
complex!(f32, f64);

/// A user-defined element type: integers modulo a prime, with no SIMD path in the crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ModP(pub u64);

pub const P: u64 = 1_000_003;

impl Add for ModP {
    type Output = ModP;
    fn add(self, o: ModP) -> ModP {
        ModP((self.0 + o.0) % P)
    }
}
impl Mul for ModP {
    type Output = ModP;
    fn mul(self, o: ModP) -> ModP {
        ModP((self.0 * o.0) % P)
    }
}
impl num_traits::Zero for ModP {
    fn zero() -> ModP {
        ModP(0)
    }
    fn is_zero(&self) -> bool {
        self.0 == 0
    }
}
impl Reference for ModP {
    fn r_add(self, o: Self) -> Self {
        self + o
    }
    fn r_mul(self, o: Self) -> Self {
        self * o
    }
    fn magnitude(self) -> f64 {
        0.0
    }
    const EPS: f64 = 0.0;
    fn poison() -> Self {
        ModP(P - 1)
    }
    fn close(got: Self, want: Self, _bound: f64) -> bool {
        got == want
    }
}

/// Element (`i`, `j`) as the view reads it (conjugated on a conjugated view).
fn at<T: Element>(m: MatRef<'_, T>, i: usize, j: usize) -> T {
    m.read(i, j).expect("inside the view")
}

/// The textbook i-j-k triple loop, reading through views with any strides (conjugated
/// views included).
pub fn naive<T: Reference>(a: MatRef<'_, T>, b: MatRef<'_, T>) -> Matrix<T> {
    assert_eq!(a.cols(), b.rows());
    Matrix::from_fn(a.rows(), b.cols(), |i, j| {
        (0..a.cols()).fold(T::zero(), |acc, p| {
            acc.r_add(at(a, i, p).r_mul(at(b, p, j)))
        })
    })
}

/// Asserts `got` equals `naive(a, b)`: exactly for exact types, within
/// 2·k·ε·Σ|a||b| per cell for floats (the bound for two summation orders).
pub fn assert_matches_reference<T: Reference>(
    got: MatRef<'_, T>,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    what: &str,
) {
    let want = naive(a, b);
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let k = a.cols();
    for i in 0..want.rows() {
        for j in 0..want.cols() {
            let scale: f64 = (0..k)
                .map(|p| at(a, i, p).magnitude() * at(b, p, j).magnitude())
                .sum();
            let bound = 2.0 * (k as f64 + 1.0) * T::EPS * scale;
            assert!(
                T::close(at(got, i, j), want[(i, j)], bound),
                "{what}: cell ({i}, {j}) of a {}×{}·{}×{} product is {:?}, reference {:?}",
                a.rows(),
                a.cols(),
                b.rows(),
                b.cols(),
                at(got, i, j),
                want[(i, j)]
            );
        }
    }
}

/// How an operand is laid out in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    RowMajor,
    /// Stored as the transpose, read through `.t()`.
    Transposed,
    /// Every other column of a wider buffer, rows padded: strides (2·cols + 3, 2).
    Strided,
}

pub const LAYOUTS: [Layout; 3] = [Layout::RowMajor, Layout::Transposed, Layout::Strided];

/// Storage for one operand in a given layout, with poison values in every gap.
pub struct Stored<T> {
    pub data: Vec<T>,
    pub rows: usize,
    pub cols: usize,
    pub layout: Layout,
}

impl<T: Reference> Stored<T> {
    pub fn new(m: &Matrix<T>, layout: Layout) -> Self {
        let (rows, cols) = m.shape();
        let data = match layout {
            Layout::RowMajor => m.as_slice().to_vec(),
            Layout::Transposed => m.t().to_matrix().into_vec(),
            Layout::Strided => {
                let (rs, cs) = strided_strides(cols);
                let len = strided_len(rows, cols);
                let mut data = vec![T::poison(); len];
                for i in 0..rows {
                    for j in 0..cols {
                        data[i * rs + j * cs] = m[(i, j)];
                    }
                }
                data
            }
        };
        Stored {
            data,
            rows,
            cols,
            layout,
        }
    }

    /// A buffer of zeros (where elements go) and poison (in gaps) for an output.
    pub fn output(rows: usize, cols: usize, layout: Layout) -> Self {
        let mut s = Stored::new(&Matrix::zeros(rows, cols), layout);
        if layout != Layout::Strided {
            s.data.iter_mut().for_each(|x| *x = T::poison());
        } else {
            let (rs, cs) = strided_strides(cols);
            for i in 0..rows {
                for j in 0..cols {
                    s.data[i * rs + j * cs] = T::poison();
                }
            }
        }
        s
    }

    pub fn view(&self) -> MatRef<'_, T> {
        match self.layout {
            Layout::RowMajor => MatRef::from_slice(&self.data, self.rows, self.cols).unwrap(),
            Layout::Transposed => MatRef::from_slice(&self.data, self.cols, self.rows)
                .unwrap()
                .t(),
            Layout::Strided => {
                let (rs, cs) = strided_strides(self.cols);
                MatRef::from_slice_strided(&self.data, self.rows, self.cols, rs, cs).unwrap()
            }
        }
    }

    pub fn view_mut(&mut self) -> MatMut<'_, T> {
        match self.layout {
            Layout::RowMajor => MatMut::from_slice(&mut self.data, self.rows, self.cols).unwrap(),
            Layout::Transposed => MatMut::from_slice(&mut self.data, self.cols, self.rows)
                .unwrap()
                .t(),
            Layout::Strided => {
                let (rs, cs) = strided_strides(self.cols);
                MatMut::from_slice_strided(&mut self.data, self.rows, self.cols, rs, cs).unwrap()
            }
        }
    }

    /// Positions of the buffer that are not elements of the view.
    pub fn gaps(&self) -> Vec<usize> {
        if self.layout != Layout::Strided {
            return Vec::new();
        }
        let (rs, cs) = strided_strides(self.cols);
        let mut used = vec![false; self.data.len()];
        for i in 0..self.rows {
            for j in 0..self.cols {
                used[i * rs + j * cs] = true;
            }
        }
        (0..self.data.len()).filter(|&p| !used[p]).collect()
    }
}

fn strided_strides(cols: usize) -> (usize, usize) {
    (2 * cols + 3, 2)
}

fn strided_len(rows: usize, cols: usize) -> usize {
    let (rs, cs) = strided_strides(cols);
    if rows == 0 || cols == 0 {
        0
    } else {
        (rows - 1) * rs + (cols - 1) * cs + 1
    }
}

/// Deterministic pseudo-random values for fixed-size tests.
pub fn lcg_matrix(rows: usize, cols: usize, seed: u64) -> Matrix<i64> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    Matrix::from_fn(rows, cols, |_, _| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % 201) as i64 - 100
    })
}

/// Proptest's case count for a property that runs `full` cases natively, scaled by the
/// environment variable `PARMAT_PROPTEST_SCALE` (a factor in (0, 1], for slow runs such
/// as an emulated target: scripts/cross-test.sh), and never below one case.
///
/// # Panics
///
/// If the variable is set to anything but a number in (0, 1].
pub fn proptest_cases(full: u32) -> u32 {
    let scale = match std::env::var("PARMAT_PROPTEST_SCALE") {
        Err(_) => 1.0,
        Ok(text) => match text.parse::<f64>() {
            Ok(scale) if scale > 0.0 && scale <= 1.0 => scale,
            _ => panic!("PARMAT_PROPTEST_SCALE={text:?}: expected a number in (0, 1]"),
        },
    };
    ((f64::from(full) * scale).ceil() as u32).max(1)
}

/// The largest absolute difference between `got` and `want`, element by element, with any
/// NaN difference (a NaN in either) counted as an infinite error, and so are slices of
/// different lengths: a NaN leaking into a result cannot pass a bound on this measure, as it
/// would through `fold(0.0, f64::max)`, which drops NaNs.
pub fn max_abs_error(got: &[f64], want: &[f64]) -> f64 {
    if got.len() != want.len() {
        return f64::INFINITY;
    }
    got.iter()
        .zip(want)
        .map(|(x, y)| {
            let d = (x - y).abs();
            if d.is_nan() { f64::INFINITY } else { d }
        })
        .fold(0.0, f64::max)
}

/// A rayon pool of `threads` threads.
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// A `rows × cols` matrix of floats in [-1, 1), from `seed`.
pub fn float_matrix(rows: usize, cols: usize, seed: u64) -> Matrix<f64> {
    let mut rng = fastrand::Rng::with_seed(seed);
    Matrix::from_fn(rows, cols, |_, _| rng.f64() * 2.0 - 1.0)
}

/// The bits of every element, for comparisons that promise identical floats.
pub fn bits(m: &Matrix<f64>) -> Vec<u64> {
    m.as_slice().iter().map(|x| x.to_bits()).collect()
}

/// The strategies under test: defaults plus explicit worker counts (so that small
/// products still take the parallel paths).
pub fn strategies() -> Vec<Strategy> {
    let mut all = Strategy::all().to_vec();
    for w in [1, 2, 3, 7] {
        all.push(RowParallel::with_workers(w).into());
        all.push(PerCell::with_workers(w).into());
        all.push(Blocked::with_workers(w).into());
    }
    // Every microkernel level this CPU has (each falls back to the best one below it).
    for &simd in Simd::all() {
        all.push(Blocked::with_workers(1).with_simd(simd).into());
        all.push(Blocked::with_workers(3).with_simd(simd).into());
    }
    all
}

//! Random products through every strategy and kernel level, checked against a naive
//! reference: random shapes, strides (row/column, transposed), offsets into the buffer
//! (so views start unaligned), element types and worker counts. Runs until a time or
//! execution budget is spent and exits non-zero on the first mismatch.
//!
//! ```text
//! cargo run --release --example fuzz -- --seconds 600            # ten minutes
//! cargo run --release --example fuzz -- --executions 1000000 --seed 7
//! ```

use std::time::{Duration, Instant};

use parmat::{Blocked, Element, MatMut, MatRef, MulStrategy, PerCell, RowParallel, Simd, Strategy};

/// One operand layout: where element (i, j) of a `rows × cols` view lives in a buffer.
#[derive(Debug, Clone, Copy)]
struct Layout {
    offset: usize,
    row_stride: usize,
    col_stride: usize,
    transposed: bool,
}

impl Layout {
    fn random(rng: &mut fastrand::Rng, rows: usize, cols: usize) -> Self {
        let transposed = rng.bool();
        // Store the transpose when asked: the buffer then holds a cols × rows matrix.
        let (r, c) = if transposed {
            (cols, rows)
        } else {
            (rows, cols)
        };
        let col_stride = if rng.u8(0..4) == 0 {
            rng.usize(2..=3)
        } else {
            1
        };
        let row_stride = c * col_stride + rng.usize(0..=3);
        let _ = r;
        Layout {
            offset: rng.usize(0..=3),
            row_stride,
            col_stride,
            transposed,
        }
    }

    fn len(&self, rows: usize, cols: usize) -> usize {
        let (r, c) = if self.transposed {
            (cols, rows)
        } else {
            (rows, cols)
        };
        if r == 0 || c == 0 {
            self.offset
        } else {
            self.offset + (r - 1) * self.row_stride + (c - 1) * self.col_stride + 1
        }
    }

    fn index(&self, i: usize, j: usize) -> usize {
        let (i, j) = if self.transposed { (j, i) } else { (i, j) };
        self.offset + i * self.row_stride + j * self.col_stride
    }

    fn view<'a, T>(&self, data: &'a [T], rows: usize, cols: usize) -> MatRef<'a, T> {
        let (r, c) = if self.transposed {
            (cols, rows)
        } else {
            (rows, cols)
        };
        let v = MatRef::from_slice_strided(
            &data[self.offset..],
            r,
            c,
            self.row_stride,
            self.col_stride,
        )
        .expect("a valid layout");
        if self.transposed { v.t() } else { v }
    }

    fn view_mut<'a, T>(&self, data: &'a mut [T], rows: usize, cols: usize) -> MatMut<'a, T> {
        let (r, c) = if self.transposed {
            (cols, rows)
        } else {
            (rows, cols)
        };
        let v = MatMut::from_slice_strided(
            &mut data[self.offset..],
            r,
            c,
            self.row_stride,
            self.col_stride,
        )
        .expect("a valid layout");
        if self.transposed { v.t() } else { v }
    }
}

trait Sample: Element + std::fmt::Debug + PartialEq {
    fn random(rng: &mut fastrand::Rng) -> Self;
    fn sentinel() -> Self;
    fn is_sentinel(self) -> bool;
    /// The reference product of one cell, and how far a correct result may be from it.
    fn reference(a: &[Self], b: &[Self]) -> (Self, f64);
    fn distance(x: Self, y: Self) -> f64;
}

macro_rules! float {
    ($t:ty) => {
        impl Sample for $t {
            fn random(rng: &mut fastrand::Rng) -> Self {
                (rng.f64() * 4.0 - 2.0) as $t
            }
            fn sentinel() -> Self {
                <$t>::NAN
            }
            fn is_sentinel(self) -> bool {
                self.is_nan()
            }
            fn reference(a: &[Self], b: &[Self]) -> (Self, f64) {
                let sum = a.iter().zip(b).fold(0.0 as $t, |s, (&x, &y)| s + x * y);
                let scale: f64 = a
                    .iter()
                    .zip(b)
                    .map(|(&x, &y)| (x as f64 * y as f64).abs())
                    .sum();
                (
                    sum,
                    2.0 * (a.len() as f64 + 1.0) * (<$t>::EPSILON as f64) * scale,
                )
            }
            fn distance(x: Self, y: Self) -> f64 {
                (x as f64 - y as f64).abs()
            }
        }
    };
}
float!(f64);
float!(f32);

macro_rules! int {
    ($t:ty) => {
        impl Sample for $t {
            fn random(rng: &mut fastrand::Rng) -> Self {
                if rng.bool() {
                    rng.i64(-100..=100) as $t
                } else {
                    rng.u64(..) as $t
                }
            }
            fn sentinel() -> Self {
                <$t>::MAX / 3
            }
            fn is_sentinel(self) -> bool {
                self == Self::sentinel()
            }
            fn reference(a: &[Self], b: &[Self]) -> (Self, f64) {
                (
                    a.iter()
                        .zip(b)
                        .fold(0, |s: $t, (&x, &y)| s.wrapping_add(x.wrapping_mul(y))),
                    0.0,
                )
            }
            fn distance(x: Self, y: Self) -> f64 {
                if x == y { 0.0 } else { f64::INFINITY }
            }
        }
    };
}
int!(i32);
int!(i64);
int!(u32);
int!(i16);

fn strategy(rng: &mut fastrand::Rng) -> Strategy {
    let workers = rng.usize(1..=5);
    let simd = Simd::all()[rng.usize(0..Simd::all().len())];
    match rng.u8(0..8) {
        0 => Strategy::Serial,
        1 => RowParallel::with_workers(workers).into(),
        2 => PerCell::with_workers(workers).into(),
        3 | 4 => Blocked::with_workers(workers).with_simd(simd).into(),
        5 => Blocked::default().into(),
        _ => Strategy::Auto(Default::default()),
    }
}

/// One random product; `Err` describes a mismatch.
fn execute<T: Sample>(rng: &mut fastrand::Rng) -> Result<(), String> {
    let big = rng.u8(0..16) == 0;
    let dim = |rng: &mut fastrand::Rng| {
        if big {
            rng.usize(0..=300)
        } else {
            rng.usize(0..=40)
        }
    };
    let (m, k, n) = (dim(rng), dim(rng), dim(rng));
    let (la, lb, lc) = (
        Layout::random(rng, m, k),
        Layout::random(rng, k, n),
        Layout::random(rng, m, n),
    );
    let a_data: Vec<T> = (0..la.len(m, k)).map(|_| T::random(rng)).collect();
    let b_data: Vec<T> = (0..lb.len(k, n)).map(|_| T::random(rng)).collect();
    let mut c_data: Vec<T> = vec![T::sentinel(); lc.len(m, n)];
    let s = strategy(rng);
    let (a, b) = (la.view(&a_data, m, k), lb.view(&b_data, k, n));
    s.mul_into(a, b, lc.view_mut(&mut c_data, m, n))
        .map_err(|e| format!("{s:?}: unexpected error {e}"))?;
    let mut written = vec![false; c_data.len()];
    for i in 0..m {
        let row: Vec<T> = (0..k).map(|p| a[(i, p)]).collect();
        for j in 0..n {
            let col: Vec<T> = (0..k).map(|p| b[(p, j)]).collect();
            let (want, tolerance) = T::reference(&row, &col);
            let at = lc.index(i, j);
            written[at] = true;
            let got = c_data[at];
            if T::distance(got, want) > tolerance {
                return Err(format!(
                    "{s:?} {m}×{k}×{n} A {la:?} B {lb:?} C {lc:?}: cell ({i}, {j}) is {got:?}, want {want:?}"
                ));
            }
        }
    }
    for (p, &w) in written.iter().enumerate() {
        if !w && !c_data[p].is_sentinel() {
            return Err(format!(
                "{s:?} {m}×{k}×{n} C {lc:?}: wrote outside the output at {p}"
            ));
        }
    }
    Ok(())
}

fn main() {
    let (mut seconds, mut executions, mut seed) = (60.0, u64::MAX, 1u64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().expect("a value");
        match arg.as_str() {
            "--seconds" => seconds = value.parse().expect("seconds"),
            "--executions" => executions = value.parse().expect("a count"),
            "--seed" => seed = value.parse().expect("a seed"),
            other => panic!("unknown argument {other}"),
        }
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let start = Instant::now();
    let budget = Duration::from_secs_f64(seconds);
    let mut done = 0u64;
    while done < executions && start.elapsed() < budget {
        let result = match rng.u8(0..6) {
            0 => execute::<f64>(&mut rng),
            1 => execute::<f32>(&mut rng),
            2 => execute::<i32>(&mut rng),
            3 => execute::<i64>(&mut rng),
            4 => execute::<u32>(&mut rng),
            _ => execute::<i16>(&mut rng),
        };
        if let Err(message) = result {
            eprintln!("FAILED after {done} executions (seed {seed}): {message}");
            std::process::exit(1);
        }
        done += 1;
    }
    println!(
        "fuzz: {done} executions in {:.1} s (seed {seed}), 0 failures; kernels up to {}",
        start.elapsed().as_secs_f64(),
        Simd::detected()
    );
}

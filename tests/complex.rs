//! Complex elements beyond the plain product (which tests/strategies.rs checks for every
//! strategy and layout): `gemm` with complex α and β, and ndarray views of complex arrays.

use num_complex::Complex;
use parmat::{MulStrategy, Strategy, gemm};

type C64 = Complex<f64>;

fn value(x: usize) -> C64 {
    Complex::new((x % 13) as f64 / 4.0 - 1.5, (x % 7) as f64 / 2.0 - 1.0)
}

/// `α·a·b + β·c` computed naively, cell by cell.
fn naive_gemm(
    alpha: C64,
    a: &parmat::Matrix<C64>,
    b: &parmat::Matrix<C64>,
    beta: C64,
    c: &parmat::Matrix<C64>,
) -> parmat::Matrix<C64> {
    parmat::Matrix::from_fn(a.rows(), b.cols(), |i, j| {
        let dot = (0..a.cols()).fold(C64::new(0.0, 0.0), |acc, p| acc + a[(i, p)] * b[(p, j)]);
        alpha * dot + beta * c[(i, j)]
    })
}

#[test]
fn gemm_with_complex_alpha_and_beta_on_every_strategy() {
    let (alpha, beta) = (C64::new(0.5, -2.0), C64::new(-1.25, 0.75));
    // Around the AVX-512 tile (6 × 8) and the AVX2 ones (3 × 4, 2 × 8), and past a depth block.
    for &(m, k, n) in &[(1, 1, 1), (7, 9, 17), (13, 40, 9), (64, 300, 33)] {
        let a = parmat::Matrix::from_fn(m, k, |i, j| value(i * 31 + j * 7));
        let b = parmat::Matrix::from_fn(k, n, |i, j| value(i * 17 + j * 5 + 3));
        let c0 = parmat::Matrix::from_fn(m, n, |i, j| value(i * 3 + j * 11 + 1));
        let want = naive_gemm(alpha, &a, &b, beta, &c0);
        for strategy in Strategy::all() {
            let mut c = c0.clone();
            gemm(&strategy, alpha, a.view(), b.view(), beta, c.view_mut()).unwrap();
            for i in 0..m {
                for j in 0..n {
                    let err = (c[(i, j)] - want[(i, j)]).norm();
                    // Any NaN fails: `!(err <= bound)`.
                    assert!(
                        err <= 1e-9 * (k as f64 + 1.0),
                        "{} {m}×{k}×{n}: cell ({i}, {j}) is {}, want {}",
                        strategy.name(),
                        c[(i, j)],
                        want[(i, j)]
                    );
                }
            }
        }
    }
}

#[cfg(feature = "ndarray")]
#[test]
fn ndarray_views_of_complex_arrays() {
    use ndarray::{Array2, s};
    use parmat::ParMul;
    let a = Array2::from_shape_fn((37, 50), |(i, j)| value(i * 50 + j));
    let b = Array2::from_shape_fn((50, 41), |(i, j)| value(i * 3 + j * 29 + 1));
    let want = a.dot(&b);
    let got = a.par_mul(&b).unwrap();
    assert!(
        got.iter().zip(&want).all(|(g, w)| (g - w).norm() <= 1e-9),
        "plain product"
    );
    // A transposed, strided view of each operand: no copy on the way in.
    let at = a.t().to_owned();
    let bs = Array2::from_shape_fn((50, 82), |(i, j)| b[(i, j / 2)]);
    let b_strided = bs.slice(s![.., ..;2]);
    let got = at.t().par_mul(&b_strided).unwrap();
    assert!(
        got.iter().zip(&want).all(|(g, w)| (g - w).norm() <= 1e-9),
        "transposed and strided views"
    );
    let blocked = a.mul_with(&b, &parmat::Blocked::with_workers(2)).unwrap();
    assert!(
        blocked
            .iter()
            .zip(&want)
            .all(|(g, w)| (g - w).norm() <= 1e-9)
    );
}

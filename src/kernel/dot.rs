//! The dot product of one row of A with one column of B (as a row of Bᵀ).

use crate::element::Scalar;

/// Independent partial sums: enough to hide the latency of the adds and let the compiler
/// keep them in vector registers.
const LANES: usize = 8;

/// `Σ x[p]·y[p]`, accumulated in `LANES` interleaved partial sums combined pairwise at the
/// end. The order of additions depends only on the length, never on threads.
#[inline]
pub(crate) fn dot<S: Scalar>(x: &[S], y: &[S]) -> S {
    debug_assert_eq!(x.len(), y.len());
    let mut acc = [S::zero(); LANES];
    let xs = x.chunks_exact(LANES);
    let ys = y.chunks_exact(LANES);
    let (x_tail, y_tail) = (xs.remainder(), ys.remainder());
    for (xc, yc) in xs.zip(ys) {
        for l in 0..LANES {
            acc[l] = xc[l].mul_add(yc[l], acc[l]);
        }
    }
    let mut tail = S::zero();
    for (&a, &b) in x_tail.iter().zip(y_tail) {
        tail = a.mul_add(b, tail);
    }
    let quads = [
        acc[0].add(acc[4]),
        acc[1].add(acc[5]),
        acc[2].add(acc[6]),
        acc[3].add(acc[7]),
    ];
    quads[0].add(quads[2]).add(quads[1].add(quads[3])).add(tail)
}

/// Writes `out[x] = A[i, :] · B[:, j]` for the output cells `cells` (row-major cell
/// indices of an `m × n` output, `cell = i·n + j`), from A's rows and B's columns, each `k`
/// long and contiguous.
pub(crate) fn dot_cells<S: Scalar>(
    a_rows: &[S],
    b_columns: &[S],
    k: usize,
    n: usize,
    cells: std::ops::Range<usize>,
    out: &mut [S],
) {
    for (cell, c_ij) in cells.zip(out.iter_mut()) {
        let (i, j) = (cell / n, cell % n);
        *c_ij = dot(&a_rows[i * k..(i + 1) * k], &b_columns[j * k..(j + 1) * k]);
    }
}

#[cfg(test)]
mod tests {
    use super::dot;

    #[test]
    fn matches_plain_sum_for_integers() {
        for len in 0..40 {
            let x: Vec<i64> = (0..len).map(|v| v * 3 - 7).collect();
            let y: Vec<i64> = (0..len).map(|v| 11 - v).collect();
            let expected: i64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
            assert_eq!(dot(&x, &y), expected, "length {len}");
        }
    }
}

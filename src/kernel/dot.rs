//! The dot product of one row of A with one column of B (as a row of Bᵀ).

use crate::element::Scalar;

/// Independent partial sums: enough to hide the latency of the adds and let the compiler
/// keep them in vector registers. The hand-written form (`tile::dots`) keeps the same
/// eight, so that its sums are this function's.
pub(crate) const LANES: usize = 8;

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
    combine(acc, tail)
}

/// The end of [`dot`]: the partial sums combined pairwise, then the tail's sum added.
#[inline(always)]
pub(crate) fn combine<S: Scalar>(acc: [S; LANES], tail: S) -> S {
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
///
/// With `four`, cells go four at a time where they can: four rows against B's one column
/// (`n = 1`), or one row of A against four columns. The bits are the same either way.
pub(crate) fn dot_cells<S: Scalar>(
    a_rows: &[S],
    b_columns: &[S],
    k: usize,
    n: usize,
    cells: std::ops::Range<usize>,
    out: &mut [S],
    four: Option<crate::kernel::DotsFn<S>>,
) {
    assert!(a_rows.len() >= cells.end.div_ceil(n.max(1)) * k && b_columns.len() >= n * k);
    assert_eq!(out.len(), cells.len());
    let mut done = 0;
    if let Some(four) = four {
        // The rows of A these cells read, and B's columns.
        let streamed = (cells.len().div_ceil(n.max(1)) + n).saturating_mul(k);
        let ahead = crate::kernel::stream_ahead::<S>(streamed.saturating_mul(size_of::<S>()));
        let mut cell = cells.start;
        while cell < cells.end {
            let (i, j) = (cell / n, cell % n);
            let (x, ys, stride) = if n == 1 {
                // Rows i..i + 4 against the column.
                (&b_columns[..k], &a_rows[i * k..], k)
            } else if j + 4 <= n {
                // Row i against columns j..j + 4.
                (&a_rows[i * k..(i + 1) * k], &b_columns[j * k..], k)
            } else {
                // The last columns of a row: one at a time.
                out[cell - cells.start] =
                    dot(&a_rows[i * k..(i + 1) * k], &b_columns[j * k..(j + 1) * k]);
                cell += 1;
                done = cell - cells.start;
                continue;
            };
            if cell + 4 > cells.end || ys.len() < 3 * stride + k {
                break;
            }
            // SAFETY: `x` holds k values; the four rows of `ys` start `stride` apart and each
            // holds k values (checked just above); `out` holds the four cells from `cell`
            // (cell + 4 ≤ cells.end); a `DotsFn` comes from a kernel the CPU supports.
            unsafe {
                four(
                    k,
                    x.as_ptr(),
                    ys.as_ptr(),
                    stride,
                    out[cell - cells.start..].as_mut_ptr(),
                    ahead,
                )
            };
            cell += 4;
            done = cell - cells.start;
        }
    }
    for (cell, c_ij) in (cells.start + done..cells.end).zip(out[done..].iter_mut()) {
        let (i, j) = (cell / n, cell % n);
        *c_ij = dot(&a_rows[i * k..(i + 1) * k], &b_columns[j * k..(j + 1) * k]);
    }
}

#[cfg(test)]
mod tests {
    use super::{dot, dot_cells};
    use crate::element::Scalar;
    use crate::kernel::{DotsFn, Simd, simd_kernel};

    /// Every four-dots form this CPU has for `S` (at the levels whose lanes divide 8).
    fn four_dots<S: Scalar>() -> Vec<(Simd, DotsFn<S>)> {
        let forms: Vec<_> = Simd::ALL
            .into_iter()
            .filter(|&level| level != Simd::Portable && level.supported() == level)
            .filter_map(|level| Some((level, simd_kernel::<S>(level)?.dots()?)))
            .collect();
        if forms.is_empty() {
            eprintln!(
                "skipped: no four-dots form for {} here",
                std::any::type_name::<S>()
            );
        }
        forms
    }

    /// The hand-written form gives `dot`'s bits, cell by cell, on every path of
    /// `dot_cells` (four rows against one column, one row against four columns, the
    /// columns left over, ranges that start and stop mid-row), at depths around 8.
    fn same_bits<S: Scalar + std::fmt::Debug>(value: impl Fn(usize) -> S, bits: impl Fn(S) -> u64) {
        for (level, four) in four_dots::<S>() {
            for k in [0, 1, 7, 8, 9, 16, 23, 64, 67] {
                for (m, n) in [(9, 1), (1, 9), (3, 6), (5, 4), (2, 13)] {
                    let a: Vec<S> = (0..m * k).map(&value).collect();
                    let b: Vec<S> = (0..n * k).map(|x| value(x * 7 + 3)).collect();
                    for (start, end) in [(0, m * n), (1, m * n), (0, m * n - 1), (2, m * n - 3)] {
                        if start >= end {
                            continue;
                        }
                        let mut plain = vec![S::zero(); end - start];
                        let mut fast = plain.clone();
                        dot_cells(&a, &b, k, n, start..end, &mut plain, None);
                        dot_cells(&a, &b, k, n, start..end, &mut fast, Some(four));
                        for (cell, (x, y)) in plain.iter().zip(&fast).enumerate() {
                            assert_eq!(
                                bits(*x),
                                bits(*y),
                                "{level:?} {m}×{k}×{n} cells {start}..{end}, cell {}: {x:?} vs {y:?}",
                                start + cell
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn four_dots_give_the_bits_of_one() {
        same_bits(|x| ((x * 7919) % 2001) as f64 / 7.0 - 140.0, f64::to_bits);
        same_bits(
            |x| ((x * 7919) % 2001) as f32 / 7.0 - 140.0,
            |v: f32| u64::from(v.to_bits()),
        );
        same_bits(|x| (x as i32).wrapping_mul(40_503), |v: i32| v as u64);
        same_bits(
            |x| (x as i64).wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64),
            |v: i64| v as u64,
        );
    }

    /// The form called directly, with and without prefetches (which `dot_cells` asks for
    /// only on data beyond L2): `dot`'s bits either way.
    #[test]
    fn four_dots_with_prefetches_give_the_same_bits() {
        for (level, four) in four_dots::<f64>() {
            for k in [0, 8, 67] {
                let x: Vec<f64> = (0..k).map(|v| v as f64 / 7.0 - 3.0).collect();
                let ys: Vec<f64> = (0..4 * k).map(|v| (v % 13) as f64 / 3.0 - 2.0).collect();
                let want: Vec<u64> = (0..4)
                    .map(|r| dot(&x, &ys[r * k..(r + 1) * k]).to_bits())
                    .collect();
                for ahead in [0, 5, 32] {
                    let mut out = [0.0f64; 4];
                    // SAFETY: x holds k values, ys four rows of k, `k` apart; out four
                    // values; the form is one this CPU supports (`four_dots`).
                    unsafe { four(k, x.as_ptr(), ys.as_ptr(), k, out.as_mut_ptr(), ahead) };
                    let got: Vec<u64> = out.iter().map(|v| v.to_bits()).collect();
                    assert_eq!(got, want, "{level:?}, k {k}, ahead {ahead}");
                }
            }
        }
    }

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

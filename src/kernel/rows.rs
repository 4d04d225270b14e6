//! The i-k-j loop over a band of output rows, blocked for the caches.
//!
//! For every row i of the band, `C[i, :] += A[i, p] · B[p, :]` for p in order: the inner
//! loop runs along contiguous rows of B and C, so it vectorises, and it never walks down a
//! column of B. Columns are taken in blocks that keep a row segment of C in L1, and p in
//! blocks that keep the matching block of B in L2 while every row of the band reuses it.

use crate::element::Scalar;
use crate::kernel::{L1_BUDGET_BYTES, L2_BUDGET_BYTES};
use crate::matrix::MatRef;

/// `c = a · b` for one band: `a` is `rows × k` (any strides), `b` is `k × n` row-major,
/// `c` is `rows × n` row-major and is overwritten.
///
/// Every element of C is `((0 + a₀b₀) + a₁b₁) + …` with p increasing, whatever the
/// blocking, so the result equals the textbook loop's bit for bit.
pub(crate) fn multiply_rows<S: Scalar>(a: MatRef<'_, S>, b: &[S], n: usize, c: &mut [S]) {
    let (m, k) = a.shape();
    assert!(b.len() == k * n && c.len() == m * n);
    c.fill(S::zero());
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    let size = std::mem::size_of::<S>().max(1);
    let nc = (L1_BUDGET_BYTES / size).clamp(16, n.max(16));
    let kc = (L2_BUDGET_BYTES / (size * nc.min(n))).max(4);

    for jc in (0..n).step_by(nc) {
        let width = nc.min(n - jc);
        for pc in (0..k).step_by(kc) {
            let depth = kc.min(k - pc);
            for i in 0..m {
                let c_row = &mut c[i * n + jc..i * n + jc + width];
                // SAFETY (all `get_unchecked` below): i < m = a.rows() and every p used is
                // in pc..pc + depth ⊆ 0..k = 0..a.cols().
                let a_at = |p: usize| *unsafe { a.get_unchecked(i, p) };
                let b_row = |p: usize| &b[p * n + jc..p * n + jc + width];
                let mut p = pc;
                while p + 4 <= pc + depth {
                    let (a0, a1, a2, a3) = (a_at(p), a_at(p + 1), a_at(p + 2), a_at(p + 3));
                    let rows4 = b_row(p)
                        .iter()
                        .zip(b_row(p + 1))
                        .zip(b_row(p + 2))
                        .zip(b_row(p + 3));
                    for (cij, (((&b0, &b1), &b2), &b3)) in c_row.iter_mut().zip(rows4) {
                        *cij = a3.mul_add(b3, a2.mul_add(b2, a1.mul_add(b1, a0.mul_add(b0, *cij))));
                    }
                    p += 4;
                }
                while p < pc + depth {
                    let a0 = a_at(p);
                    for (cij, &b0) in c_row.iter_mut().zip(b_row(p)) {
                        *cij = a0.mul_add(b0, *cij);
                    }
                    p += 1;
                }
            }
        }
    }
}

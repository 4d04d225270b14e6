//! The portable register-tile microkernel: an `MR × NR` block of C accumulated in a fixed
//! size array the compiler keeps in registers, for every [`Scalar`].

use crate::element::Scalar;

/// Rows of the portable register tile.
pub(crate) const MR: usize = 4;
/// Columns of the portable register tile.
pub(crate) const NR: usize = 4;

/// Computes the `MR × NR` tile `Σ_p a_panel[p] ⊗ b_panel[p]` over `depth` steps, and stores
/// its top-left `rows × cols` part into `c` (row-major with row stride `ldc`): overwriting
/// when `overwrite`, adding otherwise.
///
/// `a_panel` holds `depth` groups of `MR` values (one column of an A panel each), `b_panel`
/// `depth` groups of `NR` values (one row of a B panel each), as packed by
/// [`pack_a_panels`](super::pack::pack_a_panels) and
/// [`pack_b_panels`](super::pack::pack_b_panels).
#[inline]
#[allow(clippy::too_many_arguments)]
pub(crate) fn microkernel<S: Scalar>(
    depth: usize,
    a_panel: &[S],
    b_panel: &[S],
    c: &mut [S],
    ldc: usize,
    rows: usize,
    cols: usize,
    overwrite: bool,
) {
    let a_panel = &a_panel[..depth * MR];
    let b_panel = &b_panel[..depth * NR];
    let mut acc = [[S::zero(); NR]; MR];
    for (a, b) in a_panel.chunks_exact(MR).zip(b_panel.chunks_exact(NR)) {
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] = a[i].mul_add(b[j], acc[i][j]);
            }
        }
    }
    for (i, acc_row) in acc.iter().enumerate().take(rows) {
        let c_row = &mut c[i * ldc..i * ldc + cols];
        for (cij, &v) in c_row.iter_mut().zip(acc_row) {
            *cij = if overwrite { v } else { cij.add(v) };
        }
    }
}

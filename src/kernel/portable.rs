//! The portable register-tile microkernel: an `MR × NR` block of C accumulated in a fixed
//! size array that the compiler keeps in registers, for every [`Scalar`].

use crate::element::Scalar;

/// Computes the `MR × NR` tile `Σ_p a_panel[p] ⊗ b_panel[p]` over `depth` steps and writes
/// it to the tile at `c` (rows `ldc` apart): overwriting when `overwrite`, adding otherwise.
///
/// `a` holds `depth` groups of `MR` values (one column of an A panel each), `b` `depth`
/// groups of `NR` values (one row of a B panel each), as packed by
/// [`pack_a_panel`](super::pack::pack_a_panel) and [`pack_b_panels`](super::pack::pack_b_panels).
///
/// # Safety
///
/// `a` is readable for `depth · MR` values and `b` for `depth · NR`; `c` points to an
/// `MR × NR` tile, rows `ldc` apart, readable and writable, that nothing else accesses
/// during the call.
pub(crate) unsafe fn tile<S: Scalar, const MR: usize, const NR: usize>(
    depth: usize,
    a: *const S,
    b: *const S,
    c: *mut S,
    ldc: usize,
    overwrite: bool,
) {
    // SAFETY: the caller guarantees both panels hold `depth` steps.
    let (a, b) = unsafe {
        (
            std::slice::from_raw_parts(a, depth * MR),
            std::slice::from_raw_parts(b, depth * NR),
        )
    };
    let mut acc = [[S::zero(); NR]; MR];
    for (a, b) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] = a[i].mul_add(b[j], acc[i][j]);
            }
        }
    }
    for (i, acc_row) in acc.iter().enumerate() {
        // SAFETY: row i of the tile is NR values at `c + i·ldc`, exclusively ours.
        let c_row = unsafe { std::slice::from_raw_parts_mut(c.add(i * ldc), NR) };
        for (c_ij, &v) in c_row.iter_mut().zip(acc_row) {
            *c_ij = if overwrite { v } else { c_ij.add(v) };
        }
    }
}

/// [`tile`] with A read straight from `MR` rows of a row-major matrix, `lda` apart.
///
/// # Safety
///
/// As for [`tile`], with A given as `MR` rows `lda` apart, each readable for `depth`
/// consecutive values from `a + i·lda`.
pub(crate) unsafe fn tile_rows<S: Scalar, const MR: usize, const NR: usize>(
    depth: usize,
    a: *const S,
    lda: usize,
    b: *const S,
    c: *mut S,
    ldc: usize,
    overwrite: bool,
) {
    // SAFETY: the caller guarantees MR rows of `depth` values and `depth` steps of B.
    let (rows, b): ([&[S]; MR], &[S]) = unsafe {
        (
            std::array::from_fn(|i| std::slice::from_raw_parts(a.add(i * lda), depth)),
            std::slice::from_raw_parts(b, depth * NR),
        )
    };
    let mut acc = [[S::zero(); NR]; MR];
    for (p, b) in b.chunks_exact(NR).enumerate() {
        for i in 0..MR {
            let a_ip = rows[i][p];
            for j in 0..NR {
                acc[i][j] = a_ip.mul_add(b[j], acc[i][j]);
            }
        }
    }
    for (i, acc_row) in acc.iter().enumerate() {
        // SAFETY: row i of the tile is NR values at `c + i·ldc`, exclusively ours.
        let c_row = unsafe { std::slice::from_raw_parts_mut(c.add(i * ldc), NR) };
        for (c_ij, &v) in c_row.iter_mut().zip(acc_row) {
            *c_ij = if overwrite { v } else { c_ij.add(v) };
        }
    }
}

//! Packing: copies of operands in the layouts the loops read fastest.

use std::borrow::Cow;

use crate::element::Scalar;
use crate::matrix::MatRef;

/// The view as a row-major slice: borrowed when it already is one, copied otherwise
/// (conjugated, for a conjugated view).
pub(crate) fn row_major<'a, S: Scalar>(m: MatRef<'a, S>) -> Cow<'a, [S]> {
    match m.as_row_major_slice() {
        Some(slice) => Cow::Borrowed(slice),
        None => {
            let mut out = Vec::with_capacity(m.rows() * m.cols());
            for i in 0..m.rows() {
                for j in 0..m.cols() {
                    // SAFETY: i < rows and j < cols.
                    out.push(unsafe { m.value_unchecked(i, j) });
                }
            }
            Cow::Owned(out)
        }
    }
}

/// Copies `src` into `dst` (of the same length), conjugating each value if `conj`.
#[inline(always)]
fn copy_values<S: Scalar>(dst: &mut [S], src: &[S], conj: bool) {
    if conj {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = s.conj();
        }
    } else {
        dst.copy_from_slice(src);
    }
}

/// Packs rows `row0..row0 + height` (`height ≤ mr`) and columns `col0..col0 + depth` of `a`
/// (conjugated, for a conjugated view) into one panel: for every column p, its `mr` values (rows past `height` are zeros).
/// `out` holds exactly `depth · mr` values.
pub(crate) fn pack_a_panel<S: Scalar>(
    a: MatRef<'_, S>,
    row0: usize,
    height: usize,
    col0: usize,
    depth: usize,
    mr: usize,
    out: &mut [S],
) {
    assert!(height <= mr && out.len() == depth * mr);
    assert!(row0 + height <= a.rows() && col0 + depth <= a.cols());
    // Full panels of contiguous rows (the common case) take the unrolled path.
    if height == mr && a.col_stride() == 1 {
        match mr {
            4 => return pack_a_rows::<S, 4>(a, row0, col0, depth, out),
            6 => return pack_a_rows::<S, 6>(a, row0, col0, depth, out),
            8 => return pack_a_rows::<S, 8>(a, row0, col0, depth, out),
            _ => {}
        }
    }
    if height < mr {
        out.fill(S::zero());
    }
    // Contiguous columns (a transposed row-major A, as in AᵀB): each step's values of the
    // panel are side by side in A already, so the panel is a copy of short runs. Walking
    // row by row instead reads A a whole column apart at every value, which was slower
    // (measured: docs/tuning-notes.md#a-stored-transposed).
    if depth > 0 && (a.row_stride() == 1 || a.rows() <= 1) {
        let (columns, conj) = (a.t(), a.reads_conjugated());
        for (p, step) in out.chunks_exact_mut(mr).enumerate() {
            let column = columns
                .stored_row(col0 + p)
                .expect("columns with row stride 1 are slices");
            copy_values(&mut step[..height], &column[row0..row0 + height], conj);
        }
        return;
    }
    for r in 0..height {
        for p in 0..depth {
            // SAFETY: row0 + r < a.rows() and col0 + p < a.cols() (asserted above).
            out[p * mr + r] = unsafe { a.value_unchecked(row0 + r, col0 + p) };
        }
    }
}

/// [`pack_a_panel`] for `MR` full rows with column stride 1: walks the `MR` rows side by
/// side, so reads and writes both run forward through memory.
fn pack_a_rows<S: Scalar, const MR: usize>(
    a: MatRef<'_, S>,
    row0: usize,
    col0: usize,
    depth: usize,
    out: &mut [S],
) {
    let rows: [&[S]; MR] = std::array::from_fn(|r| {
        let row = a
            .stored_row(row0 + r)
            .expect("rows with column stride 1 are slices");
        &row[col0..col0 + depth]
    });
    let conj = a.reads_conjugated();
    for (p, group) in out.chunks_exact_mut(MR).enumerate() {
        for (r, slot) in group.iter_mut().enumerate() {
            let value = rows[r][p];
            *slot = if conj { value.conj() } else { value };
        }
    }
}

/// Packs rows `row0..row0 + depth` and columns `col0..col0 + cols` of `b` (conjugated, for
/// a conjugated view) into panels of `nr` columns: panel after panel, each holding, for every row p, its `nr` values of row p.
/// A last, narrow panel is padded with zeros.
pub(crate) fn pack_b_panels<S: Scalar>(
    b: MatRef<'_, S>,
    row0: usize,
    depth: usize,
    col0: usize,
    cols: usize,
    nr: usize,
    out: &mut Vec<S>,
) {
    assert!(row0 + depth <= b.rows() && col0 + cols <= b.cols());
    let panels = cols.div_ceil(nr);
    // Every element is written below: panels of full width from B, the padding of the
    // last one with zeros.
    out.resize(panels * nr * depth, S::zero());
    let panel_len = nr * depth;
    if let (true, 8 | 16 | 32) = (b.col_stride() == 1 || b.cols() <= 1, nr) {
        // Panel by panel: each panel is written front to back while the rows of B are
        // read in order, one short piece each.
        for (panel, dst) in out.chunks_exact_mut(panel_len).enumerate() {
            let width = nr.min(cols - panel * nr);
            pack_b_panel(b, row0, depth, col0 + panel * nr, width, nr, dst);
        }
        return;
    }
    for p in 0..depth {
        for c in 0..panels * nr {
            let value = if c < cols {
                // SAFETY: row0 + p < b.rows() and col0 + c < col0 + cols <= b.cols()
                // (asserted above).
                unsafe { b.value_unchecked(row0 + p, col0 + c) }
            } else {
                S::zero()
            };
            out[(c / nr) * panel_len + p * nr + c % nr] = value;
        }
    }
}

/// Packs one panel of [`pack_b_panels`]: rows `row0..row0 + depth` and columns
/// `col0..col0 + width` (`width ≤ nr`) of `b`, whose rows are contiguous, into `out`
/// (`depth · nr` values), padded with zeros past `width`.
pub(crate) fn pack_b_panel<S: Scalar>(
    b: MatRef<'_, S>,
    row0: usize,
    depth: usize,
    col0: usize,
    width: usize,
    nr: usize,
    out: &mut [S],
) {
    assert!(width <= nr && out.len() == depth * nr);
    let conj = b.reads_conjugated();
    for (p, step) in out.chunks_exact_mut(nr).enumerate() {
        let row = b
            .stored_row(row0 + p)
            .expect("rows with column stride 1 are slices");
        copy_values(&mut step[..width], &row[col0..col0 + width], conj);
        step[width..].fill(S::zero());
    }
}

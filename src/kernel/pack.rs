//! Packing: copies of operands in the layouts the loops read fastest.

use std::borrow::Cow;

use crate::element::Scalar;
use crate::matrix::MatRef;

/// The view as a row-major slice: borrowed when it already is one, copied otherwise.
pub(crate) fn row_major<'a, S: Scalar>(m: MatRef<'a, S>) -> Cow<'a, [S]> {
    match m.as_row_major_slice() {
        Some(slice) => Cow::Borrowed(slice),
        None => {
            let mut out = Vec::with_capacity(m.rows() * m.cols());
            for i in 0..m.rows() {
                for j in 0..m.cols() {
                    // SAFETY: i < rows and j < cols.
                    out.push(*unsafe { m.get_unchecked(i, j) });
                }
            }
            Cow::Owned(out)
        }
    }
}

/// Packs rows `row0..row0 + height` (`height ≤ mr`) and columns `col0..col0 + depth` of `a`
/// into one panel: for every column p, its `mr` values (rows past `height` are zeros).
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
    if height < mr {
        out.fill(S::zero());
    }
    for r in 0..height {
        match a.row(row0 + r) {
            Some(row) => {
                for (p, &value) in row[col0..col0 + depth].iter().enumerate() {
                    out[p * mr + r] = value;
                }
            }
            None => {
                for p in 0..depth {
                    // SAFETY: row0 + r < a.rows() and col0 + p < a.cols() (asserted above).
                    out[p * mr + r] = *unsafe { a.get_unchecked(row0 + r, col0 + p) };
                }
            }
        }
    }
}

/// Packs rows `row0..row0 + depth` and columns `col0..col0 + cols` of `b` into panels of
/// `nr` columns: panel after panel, each holding, for every row p, its `nr` values of row p.
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
    out.clear();
    out.reserve(cols.div_ceil(nr) * nr * depth);
    for panel in (0..cols).step_by(nr) {
        let width = nr.min(cols - panel);
        for p in 0..depth {
            match b.row(row0 + p) {
                Some(row) => out.extend_from_slice(&row[col0 + panel..col0 + panel + width]),
                None => {
                    for c in 0..width {
                        // SAFETY: row0 + p < b.rows() and col0 + panel + c < col0 + cols
                        // <= b.cols() (asserted above).
                        out.push(*unsafe { b.get_unchecked(row0 + p, col0 + panel + c) });
                    }
                }
            }
            out.extend(std::iter::repeat_n(S::zero(), nr - width));
        }
    }
}

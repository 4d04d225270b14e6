//! The i-k-j loop over a band of output rows, blocked for the caches.
//!
//! For every row i of the band, `C[i, :] += A[i, p] · B[p, :]` for p in order: the inner
//! loop runs along contiguous rows of B and C, so it vectorises, and it never walks down a
//! column of B. Columns are taken in blocks that keep a row segment of C in L1, and p in
//! blocks that keep the matching block of B in L2 while every row of the band reuses it.

use std::mem::MaybeUninit;

use crate::element::{ElementClass, Scalar};
use crate::kernel::{RowVectorFn, budgets, default_row_vector, stream_ahead};
use crate::matrix::MatRef;

/// `c = a · b` for one band: `a` is `rows × k` (any strides, read conjugated if the view
/// is), `b` is `k × n` row-major,
/// `c` is `rows × n` row-major and is overwritten.
///
/// Every element of C is `((0 + a₀b₀) + a₁b₁) + …` with p increasing, whatever the
/// blocking, so the result equals the textbook loop's bit for bit.
pub(crate) fn multiply_rows<S: Scalar>(a: MatRef<'_, S>, b: &[S], n: usize, c: &mut [S]) {
    let (m, k) = a.shape();
    assert!(b.len() == k * n && c.len() == m * n);
    // One row of A at any depth, shallow ones too: the form's vectors are the CPU's widest,
    // where the shallow loop is compiled for the baseline (no 32- or 64-bit integer
    // vector multiply there).
    if m == 1
        && n > 0
        && k > 0
        && !a.reads_conjugated()
        && let Some(row_vector) = default_row_vector::<S>()
    {
        return multiply_row_vector(a, b, n, c, row_vector);
    }
    if (1..=SHALLOW_MAX_DEPTH).contains(&k) && n > 0 {
        return multiply_shallow_rows(a, b, n, c);
    }
    c.fill(S::zero());
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    let size = std::mem::size_of::<S>().max(1);
    let budgets = budgets();
    let nc = (budgets.l1 / size).clamp(16, n.max(16));
    let kc = (budgets.l2 / (size * nc.min(n))).max(4);

    // Short row segments take a path of their own, for two reasons:
    // - For floats, a short segment is one chain of dependent additions per vector, too
    //   few to keep the adders busy. Float rows of up to SHORT_SEGMENT_BYTES are therefore
    //   advanced ROW_GROUP at a time, whose chains are independent. Integer additions take
    //   one cycle, and grouping paid only for the shortest integer rows, so only those
    //   are grouped.
    // - Several of those rows share a cache line. When row bands of two workers meet
    //   inside one, writing C every few steps of p makes the line bounce between the
    //   cores. Grouped rows are therefore summed in a buffer on the stack and written to C
    //   once per block of p.
    //   (Both measured: docs/tuning-notes.md#short-rows-on-the-loop.)
    // A single row has nothing to group and nobody to share lines with, and products
    // shallower than NARROW_MIN_DEPTH are so short that the copies in and out would show:
    // both keep the plain loop.
    let segment_bytes = nc.min(n) * size;
    let narrow = m >= 2
        && k >= NARROW_MIN_DEPTH
        && std::mem::align_of::<S>() <= std::mem::align_of::<StackWord>()
        && match ElementClass::of::<S>() {
            ElementClass::Float => segment_bytes <= SHORT_SEGMENT_BYTES,
            ElementClass::Integer => segment_bytes <= SHORT_INTEGER_SEGMENT_BYTES,
            ElementClass::Generic => false,
        };
    if narrow {
        return multiply_short_rows(a, b, n, c, nc, kc);
    }
    for jc in (0..n).step_by(nc) {
        let width = nc.min(n - jc);
        for pc in (0..k).step_by(kc) {
            let depth = kc.min(k - pc);
            for i in 0..m {
                let c_row = &mut c[i * n + jc..i * n + jc + width];
                // SAFETY (all `value_unchecked` below): i < m = a.rows() and every p used is
                // in pc..pc + depth ⊆ 0..k = 0..a.cols().
                let a_at = |p: usize| unsafe { a.value_unchecked(i, p) };
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

/// [`multiply_rows`] for one row of A (`k, n > 0`), by the hand-written kernel's
/// `row_vector` form: the same sums, with vectors as wide as the CPU has (the loop above is
/// compiled for the baseline instruction set). C is taken in blocks of columns of the L1
/// budget (half of L1), so that its block stays there while the rows of B stream past.
fn multiply_row_vector<S: Scalar>(
    a: MatRef<'_, S>,
    b: &[S],
    n: usize,
    c: &mut [S],
    row_vector: RowVectorFn<S>,
) {
    let k = a.cols();
    assert!(a.rows() == 1 && k > 0 && n > 0 && b.len() == k * n && c.len() == n);
    let size = std::mem::size_of::<S>().max(1);
    let nc = (budgets().l1 / size).max(64);
    let ahead = stream_ahead::<S>(std::mem::size_of_val(b));
    for jc in (0..n).step_by(nc) {
        let width = nc.min(n - jc);
        // SAFETY: A's k values are readable through its column stride (a 1 × k view); B is
        // k rows of n values (asserted), of which columns jc..jc + width are read; C's
        // values jc..jc + width are written, borrowed mutably, so nothing else accesses
        // them, and they overlap neither A nor B (shared borrows); k, width ≥ 1; the form
        // comes from a `Microkernel`, whose instructions this CPU has.
        unsafe {
            row_vector(
                k,
                a.as_ptr(),
                a.col_stride(),
                b.as_ptr().add(jc),
                n,
                width,
                c.as_mut_ptr().add(jc),
                ahead,
            )
        };
    }
}

/// [`multiply_rows`] on one to three steps of p (outer products and their like), `n > 0`:
/// each row of C is written in one pass over the rows of B it needs, with no blocks (no
/// row of B is read twice per row of C) and no zeroing first. The loop of `multiply_rows`
/// zeroes C, works out its blocks and has a four-step body that such a product never
/// enters. Out of line, because inline it slowed the deeper products of `multiply_rows`
/// (measured: docs/tuning-notes.md#shallow-products-on-the-loop).
#[inline(never)]
fn multiply_shallow_rows<S: Scalar>(a: MatRef<'_, S>, b: &[S], n: usize, c: &mut [S]) {
    let (m, k) = a.shape();
    assert!((1..=SHALLOW_MAX_DEPTH).contains(&k) && n > 0 && b.len() == k * n && c.len() == m * n);
    let zero = S::zero();
    let (b0, b12) = b.split_at(n);
    let (b1, b2) = b12.split_at(b12.len().min(n));
    for (i, c_row) in c.chunks_exact_mut(n).enumerate() {
        // SAFETY: i < m = a.rows() (c has m rows of n) and every p used is below k =
        // a.cols() (the match arm is chosen by k).
        let at = |p: usize| unsafe { a.value_unchecked(i, p) };
        match k {
            1 => {
                let a0 = at(0);
                for (cij, &x0) in c_row.iter_mut().zip(b0) {
                    *cij = a0.mul_add(x0, zero);
                }
            }
            2 => {
                let (a0, a1) = (at(0), at(1));
                for (cij, (&x0, &x1)) in c_row.iter_mut().zip(b0.iter().zip(b1)) {
                    *cij = a1.mul_add(x1, a0.mul_add(x0, zero));
                }
            }
            _ => {
                let (a0, a1, a2) = (at(0), at(1), at(2));
                let rows = b0.iter().zip(b1).zip(b2);
                for (cij, ((&x0, &x1), &x2)) in c_row.iter_mut().zip(rows) {
                    *cij = a2.mul_add(x2, a1.mul_add(x1, a0.mul_add(x0, zero)));
                }
            }
        }
    }
}

/// Deepest product [`multiply_shallow_rows`] takes: one less than the steps of p that the
/// loop of [`multiply_rows`] advances at once, so that it never enters that body.
const SHALLOW_MAX_DEPTH: usize = 3;

/// [`multiply_rows`] on short row segments (see the reasons there), with the blocks `nc`
/// and `kc` it chose. Out of line, so that the plain loop of small products stays as
/// short as it was: inline, its stack buffer and four row groups slowed tiny products
/// (measured: docs/tuning-notes.md#short-rows-on-the-loop).
#[inline(never)]
fn multiply_short_rows<S: Scalar>(
    a: MatRef<'_, S>,
    b: &[S],
    n: usize,
    c: &mut [S],
    nc: usize,
    kc: usize,
) {
    let (m, k) = a.shape();
    // Room for ROW_GROUP segments of SHORT_SEGMENT_BYTES, aligned for S, whatever S is.
    let mut stack = [MaybeUninit::<StackWord>::uninit(); STACK_WORDS];
    assert!(
        std::mem::align_of::<S>() <= std::mem::align_of::<StackWord>()
            && ROW_GROUP * nc.min(n) * std::mem::size_of::<S>() <= std::mem::size_of_val(&stack),
        "the stack buffer holds ROW_GROUP segments of S"
    );
    for jc in (0..n).step_by(nc) {
        let width = nc.min(n - jc);
        for pc in (0..k).step_by(kc) {
            let depth = kc.min(k - pc);
            let mut i = 0;
            while i < m {
                let rows = ROW_GROUP.min(m - i);
                let band = Band {
                    a,
                    b,
                    n,
                    jc,
                    width,
                    first_row: i,
                    steps: pc..pc + depth,
                };
                // SAFETY: `stack` is aligned for S and holds `rows · width` values of S
                // (asserted above: rows ≤ ROW_GROUP, width ≤ nc.min(n)), all of it
                // uninitialised `MaybeUninit`, which any bytes may be.
                let slots = unsafe {
                    std::slice::from_raw_parts_mut(
                        stack.as_mut_ptr().cast::<MaybeUninit<S>>(),
                        rows * width,
                    )
                };
                for (r, row_slots) in slots.chunks_exact_mut(width).enumerate() {
                    let row = &c[(i + r) * n + jc..(i + r) * n + jc + width];
                    for (slot, &value) in row_slots.iter_mut().zip(row) {
                        slot.write(value);
                    }
                }
                // SAFETY: every one of the `rows · width` slots was written just above;
                // `S` is `Copy`, so nothing is left to drop.
                let sums = unsafe {
                    std::slice::from_raw_parts_mut(slots.as_mut_ptr().cast::<S>(), rows * width)
                };
                match rows {
                    4 => band.run::<4>(sums),
                    3 => band.run::<3>(sums),
                    2 => band.run::<2>(sums),
                    _ => band.run::<1>(sums),
                }
                for (r, row_sums) in sums.chunks_exact(width).enumerate() {
                    c[(i + r) * n + jc..(i + r) * n + jc + width].copy_from_slice(row_sums);
                }
                i += rows;
            }
        }
    }
}

/// Rows advanced together on short segments (see [`multiply_rows`]).
const ROW_GROUP: usize = 4;

/// Bytes of a float row segment of C up to which rows are grouped. This loop is compiled
/// for the baseline instruction set (16-byte vectors): 512 bytes is 32 of them (measured:
/// docs/tuning-notes.md#short-rows-on-the-loop).
const SHORT_SEGMENT_BYTES: usize = 512;

/// The unit of the narrow path's stack buffer: its alignment (16) is the most a type may
/// need to use the buffer.
type StackWord = u128;

/// Words in the narrow path's stack buffer: `ROW_GROUP` segments of
/// [`SHORT_SEGMENT_BYTES`] (2 KiB).
const STACK_WORDS: usize = ROW_GROUP * SHORT_SEGMENT_BYTES / std::mem::size_of::<StackWord>();

/// Bytes of a row segment up to which integer rows are grouped as well: grouping longer
/// integer rows was slower (measured: docs/tuning-notes.md#short-rows-on-the-loop).
const SHORT_INTEGER_SEGMENT_BYTES: usize = 32;

/// Depth from which short segments take the narrow path: shallower products are so short
/// that copying the sums in and out would show.
const NARROW_MIN_DEPTH: usize = 16;

/// Columns `jc..jc + width` of `R` consecutive rows of C from `first_row`, over the steps
/// of p in `steps`.
struct Band<'a, S> {
    a: MatRef<'a, S>,
    b: &'a [S],
    n: usize,
    jc: usize,
    width: usize,
    first_row: usize,
    steps: std::ops::Range<usize>,
}

impl<S: Scalar> Band<'_, S> {
    /// Adds the band's steps into `sums` (`R` row segments, `width` apart). The rows are
    /// interleaved step by step, so their chains of additions overlap; each element still
    /// adds its terms with p increasing.
    #[inline(always)]
    fn run<const R: usize>(&self, sums: &mut [S]) {
        let Band {
            a,
            b,
            n,
            jc,
            width,
            first_row,
            ..
        } = *self;
        let mut rows = sums.chunks_exact_mut(width);
        let mut segments: [&mut [S]; R] =
            std::array::from_fn(|_| rows.next().expect("R row segments"));
        // SAFETY (all `value_unchecked` below): every row is below first_row + R ≤ a.rows(),
        // and every p used is in `steps` ⊆ 0..a.cols().
        let a_at = |r: usize, p: usize| unsafe { a.value_unchecked(first_row + r, p) };
        let b_row = |p: usize| &b[p * n + jc..p * n + jc + width];
        let (start, end) = (self.steps.start, self.steps.end);
        let mut p = start;
        while p + 4 <= end {
            let rows4 = || {
                b_row(p)
                    .iter()
                    .zip(b_row(p + 1))
                    .zip(b_row(p + 2))
                    .zip(b_row(p + 3))
            };
            for (r, c_row) in segments.iter_mut().enumerate() {
                let (a0, a1, a2, a3) = (a_at(r, p), a_at(r, p + 1), a_at(r, p + 2), a_at(r, p + 3));
                for (cij, (((&b0, &b1), &b2), &b3)) in c_row.iter_mut().zip(rows4()) {
                    *cij = a3.mul_add(b3, a2.mul_add(b2, a1.mul_add(b1, a0.mul_add(b0, *cij))));
                }
            }
            p += 4;
        }
        while p < end {
            for (r, c_row) in segments.iter_mut().enumerate() {
                let a0 = a_at(r, p);
                for (cij, &b0) in c_row.iter_mut().zip(b_row(p)) {
                    *cij = a0.mul_add(b0, *cij);
                }
            }
            p += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook loop: every element `((0 + a₀b₀) + a₁b₁) + …`, p increasing.
    fn textbook<S: Scalar>(a: MatRef<'_, S>, b: &[S], n: usize) -> Vec<S> {
        let (m, k) = a.shape();
        let mut c = vec![S::zero(); m * n];
        for i in 0..m {
            for j in 0..n {
                // SAFETY: i < m and p < k.
                c[i * n + j] = (0..k).fold(S::zero(), |acc, p| {
                    unsafe { *a.get_unchecked(i, p) }.mul_add(b[p * n + j], acc)
                });
            }
        }
        c
    }

    fn values<S>(len: usize, seed: usize, from: impl Fn(i64) -> S) -> Vec<S> {
        (0..len)
            .map(|i| from(((i * 7919 + seed * 104_729) % 2001) as i64 - 1000))
            .collect()
    }

    /// Checks `multiply_rows` against the textbook loop, bit for bit, with A row-major and
    /// transposed, and C at every offset from the start of a larger buffer (so that its rows
    /// start anywhere in a cache line).
    fn check<S: Scalar + PartialEq + std::fmt::Debug>(
        m: usize,
        k: usize,
        n: usize,
        from: impl Fn(i64) -> S + Copy,
    ) {
        let a = values(m * k, 1, from);
        let b = values(k * n, 2, from);
        let a_t: Vec<S> = (0..k * m).map(|idx| a[(idx % m) * k + idx / m]).collect();
        for a_view in [
            MatRef::from_slice(&a, m, k).unwrap(),
            MatRef::from_slice_strided(&a_t, m, k, 1, m.max(1)).unwrap(),
        ] {
            let want = textbook(a_view, &b, n);
            for offset in 0..3 {
                let mut buffer = values(m * n + offset, 3, from);
                multiply_rows(a_view, &b, n, &mut buffer[offset..]);
                assert_eq!(
                    buffer[offset..],
                    want[..],
                    "{m}×{k}×{n}, C at offset {offset}"
                );
            }
        }
    }

    /// Shapes on both sides of the narrow path's limits: one row and several (whole groups
    /// of 4 and remainders), depths of the shallow loop (below 4) and around
    /// `NARROW_MIN_DEPTH`, segments around 32 and 512 bytes, and depths past one block of p
    /// on the narrowest and widest narrow segments.
    #[test]
    fn every_path_adds_in_textbook_order() {
        let float = |v: i64| v as f64 / 7.0;
        let single = |v: i64| v as f32 / 7.0;
        for m in [0, 1, 2, 3, 4, 5, 7, 8, 9] {
            for k in [0, 1, 2, 3, 4, 15, 16, 17, 40] {
                for n in [1, 2, 3, 4, 5, 8, 9, 16, 63, 64, 65, 129] {
                    check::<f64>(m, k, n, float);
                    check::<f32>(m, k, n, single);
                    check::<i32>(m, k, n, |v| v as i32);
                    check::<i64>(m, k, n, |v| v);
                    check::<i8>(m, k, n, |v| v as i8);
                }
            }
        }
        // Past one block of p: kc = 16384 at 4 f64 columns and 1024 at 64.
        check::<f64>(6, 16_500, 4, float);
        check::<f64>(5, 1_100, 64, float);
        check::<f32>(5, 1_100, 128, single);
        check::<i32>(5, 2_100, 8, |v| v as i32);
    }
}

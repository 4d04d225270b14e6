//! The computational kernels, written once over the crate's private `Scalar` arithmetic.
//!
//! - [`pack`]: copying operands into the layouts the loops want (row-major, transposed,
//!   MR-row and NR-column panels).
//! - [`rows`]: the cache-blocked i-k-j loop over a band of output rows (serial and
//!   row-parallel strategies).
//! - [`dot`]: the dot product of one row of A with one column of B (per-cell strategy).
//! - [`blocked`]: the BLIS-style loop nest around a register-tile microkernel ([`portable`]).
//!
//! Threading is not done here: the strategies split the work and call these loops on
//! disjoint parts of the output.

pub(crate) mod blocked;
pub(crate) mod dot;
pub(crate) mod pack;
pub(crate) mod portable;
pub(crate) mod rows;

/// Bytes of the per-core level-2 cache the blocked loops aim to fill about half of.
///
/// Zen 4 has 1 MiB of L2 per core; most current x86-64 and ARM cores have 512 KiB – 2 MiB.
/// Half of 1 MiB keeps the reused panel resident while C and A stream past it.
pub(crate) const L2_BUDGET_BYTES: usize = 512 * 1024;

/// Bytes of the per-core level-1 data cache the innermost working set should fit in.
pub(crate) const L1_BUDGET_BYTES: usize = 16 * 1024;

/// Splits `0..total` into `parts` consecutive ranges whose lengths differ by at most one.
pub(crate) fn balanced_ranges(total: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.max(1);
    let (base, extra) = (total / parts, total % parts);
    let mut start = 0;
    (0..parts)
        .map(|p| {
            let len = base + usize::from(p < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

/// Splits `data` into consecutive pieces of `lens[i]` elements each.
pub(crate) fn split_lengths<S>(
    mut data: &mut [S],
    lens: impl IntoIterator<Item = usize>,
) -> Vec<&mut [S]> {
    let mut pieces = Vec::new();
    for len in lens {
        let (head, tail) = std::mem::take(&mut data).split_at_mut(len);
        pieces.push(head);
        data = tail;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_ranges_cover_and_balance() {
        for total in 0..40 {
            for parts in 1..10 {
                let r = balanced_ranges(total, parts);
                assert_eq!(r.len(), parts);
                assert_eq!(r.first().unwrap().start, 0);
                assert_eq!(r.last().unwrap().end, total);
                for w in r.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                }
                let lens: Vec<usize> = r.iter().map(|x| x.len()).collect();
                assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
            }
        }
    }
}

//! The BLIS-style loop nest: blocks of B (`kc × nc`) packed once and shared by every
//! worker, blocks of A (`mc × kc`) packed by the worker that owns those rows, and the
//! register-tile microkernel over each `MR × NR` tile of C.
//!
//! ```text
//! for jc in 0..n step nc            (B block columns)
//!   for pc in 0..k step kc          (depth; first block overwrites C, the rest add)
//!     pack B[pc.., jc..] into NR-column panels      — shared, read-only
//!     for each worker's band of rows (in parallel)
//!       for ic in band step mc
//!         pack A[ic.., pc..] into MR-row panels     — private to the worker
//!         for jr in 0..nc step NR, ir in 0..mc step MR: microkernel
//! ```
//!
//! Every element of C is the sum over p of the same products in the same order whatever
//! the number of workers: the bands only decide who computes a row, not how.

use std::ops::Range;

use rayon::prelude::*;

use crate::element::Scalar;
use crate::kernel::pack::{pack_a_panels, pack_b_panels};
use crate::kernel::portable::{MR, NR, microkernel};
use crate::kernel::{L2_BUDGET_BYTES, balanced_ranges, split_lengths};
use crate::matrix::MatRef;

/// Block sizes for one element size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blocking {
    pub(crate) mc: usize,
    pub(crate) kc: usize,
    pub(crate) nc: usize,
}

impl Blocking {
    /// kc so that one `kc × NR` B panel and one `MR × kc` A panel stay in L1 while the
    /// `mc × kc` A block stays in L2; nc bounds the shared packed B block.
    pub(crate) fn for_size(size: usize) -> Blocking {
        let size = size.max(1);
        let kc = (8 * 1024 / (size * NR.max(MR))).clamp(16, 512) / 4 * 4;
        let mc = (L2_BUDGET_BYTES / (size * kc)).clamp(MR, 512) / MR * MR;
        let nc = (4 * 1024 * 1024 / (size * kc)).clamp(NR, 4096) / NR * NR;
        Blocking { mc, kc, nc }
    }
}

/// Number of independent row tiles: the units of work of the blocked strategy.
pub(crate) fn row_tiles(m: usize) -> usize {
    m.div_ceil(MR)
}

/// `c = a · b` with `workers` bands of rows; `c` is `m × n` row-major and overwritten.
pub(crate) fn multiply_blocked<S: Scalar>(
    a: MatRef<'_, S>,
    b: MatRef<'_, S>,
    c: &mut [S],
    workers: usize,
) {
    let (m, k) = a.shape();
    let n = b.cols();
    assert!(b.rows() == k && c.len() == m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.fill(S::zero());
        return;
    }
    let blocking = Blocking::for_size(std::mem::size_of::<S>());
    // Bands in whole MR-row tiles, balanced across workers.
    let bands: Vec<Range<usize>> = balanced_ranges(row_tiles(m), workers)
        .into_iter()
        .map(|t| (t.start * MR).min(m)..(t.end * MR).min(m))
        .filter(|r| !r.is_empty())
        .collect();

    let mut b_packed = Vec::new();
    for jc in (0..n).step_by(blocking.nc) {
        let width = blocking.nc.min(n - jc);
        for pc in (0..k).step_by(blocking.kc) {
            let depth = blocking.kc.min(k - pc);
            pack_b_panels(b, pc, depth, jc, width, NR, &mut b_packed);
            let block = Block {
                b_packed: &b_packed,
                jc,
                width,
                pc,
                depth,
                n,
                blocking,
            };
            if bands.len() == 1 {
                block.run_band(a, bands[0].clone(), c);
            } else {
                let pieces = split_lengths(&mut *c, bands.iter().map(|r| r.len() * n));
                pieces
                    .into_par_iter()
                    .zip(bands.par_iter())
                    .for_each(|(c_band, rows)| block.run_band(a, rows.clone(), c_band));
            }
        }
    }
}

/// One (jc, pc) iteration: a packed B block and where it sits.
struct Block<'b, S> {
    b_packed: &'b [S],
    jc: usize,
    width: usize,
    pc: usize,
    depth: usize,
    n: usize,
    blocking: Blocking,
}

impl<S: Scalar> Block<'_, S> {
    /// Multiplies rows `rows` of A by the packed B block into `c_band` (those rows of C).
    fn run_band(&self, a: MatRef<'_, S>, rows: Range<usize>, c_band: &mut [S]) {
        let mut a_packed = Vec::new();
        let overwrite = self.pc == 0;
        for ic in (rows.start..rows.end).step_by(self.blocking.mc) {
            let height = self.blocking.mc.min(rows.end - ic);
            pack_a_panels(a, ic, height, self.pc, self.depth, MR, &mut a_packed);
            for (jp, jr) in (0..self.width).step_by(NR).enumerate() {
                let b_panel = &self.b_packed[jp * NR * self.depth..];
                let cols = NR.min(self.width - jr);
                for (ip, ir) in (0..height).step_by(MR).enumerate() {
                    let a_panel = &a_packed[ip * MR * self.depth..];
                    let tile_rows = MR.min(height - ir);
                    let row_in_band = ic - rows.start + ir;
                    let c_tile = &mut c_band[row_in_band * self.n + self.jc + jr..];
                    microkernel(
                        self.depth, a_panel, b_panel, c_tile, self.n, tile_rows, cols, overwrite,
                    );
                }
            }
        }
    }
}

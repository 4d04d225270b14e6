//! The BLIS-style loop nest around a register-tile microkernel.
//!
//! The microkernel keeps an `MR × NR` tile of C in registers while it runs along the shared
//! dimension: each step broadcasts MR values of A and loads NR values of B (one row of C's
//! tile is a whole number of vectors). Around it:
//!
//! ```text
//! for pc in 0..k step kc                       depth block; the first overwrites C
//!   for ic in 0..m step mc_big                 rows of A packed at a time (≤ 8 MiB)
//!     pack A[ic.., pc..] into MR-row panels    shared, read-only; packed in parallel
//!     units = (column block of ≤ nc) × (row chunk of mc), column-block-major
//!       (narrower blocks for several workers on a few tile rows; row-major when the
//!       whole depth block of B fits a worker's L2: see below)
//!     each worker takes a contiguous range of units:
//!       when its column block changes: pack B[pc.., jc..] into NR-column panels  (private, L2)
//!         (where B's rows are contiguous: by the first tile row, see below)
//!       for each MR-row panel of the chunk     (A micro-panel: L1/L2)
//!         for each NR-column panel of B        (B micro-panel: L2)
//!           microkernel → C tile
//! ```
//!
//! This is BLIS's nest for the transposed product (C is row-major, so vectors run along
//! rows of C): the block of B that a worker packs stays in its L2 while every A micro-panel
//! of its row chunk streams past, and each micro-panel of A is reused from L1 and L2 across
//! a whole column block. A is packed once per depth block and shared by all workers; when
//! its rows are contiguous, or its columns are and lie close together (a transposed A), it
//! is read in place instead, and then nothing shared changes between depth blocks: the
//! units are shared out once and each worker runs every depth block of its own units
//! without meeting the others.
//!
//! Where B's rows are contiguous, a column block of B is not packed in a pass of its own:
//! the first tile row of the block runs the kernel's packing form, which loads each row of
//! B from B itself, uses it, and writes it to the panel that the later tile rows read. B
//! then goes through the core once instead of twice, and its trip from memory overlaps the
//! multiply-adds (see `DepthBlock::packs_b_while_running`).
//!
//! A shallow depth block of B (an outer product, `k` of a few dozen) is packed whole by
//! every worker, which then takes a band of whole rows of C.
//!
//! Every tile is computed by the same instructions in the same order whatever the number of
//! workers: the split decides who computes a tile, never how.

use crate::element::Scalar;
use crate::kernel::caches::Budgets;
use crate::kernel::pack::{pack_a_panel, pack_b_panel, pack_b_panels};
use crate::kernel::{Microkernel, budgets};
use crate::matrix::{MatMut, MatRef};
use crate::pool::{balanced_ranges, run_shares, split_lengths};

// The cache budgets behind the blocks (`Budgets`, src/kernel/caches.rs) are fractions of
// the detected caches; what each one sizes and why:
// - `a_panel` (half of L1d): an A micro-panel (`MR × kc`), which sets the depth of a block
//   (`kc`), for the portable kernel and for the hand-written kernels on products too tall
//   for the deep panel (measured: docs/tuning-notes.md#depth-blocks).
// - `deep_a_panel` (all of L1d): the hand-written kernels' A micro-panel while A's depth
//   slice (`m × kc`) takes at most `deep_a_slice` (half of L3): `kc` is then 512 for every
//   one of them on a 32 KiB L1d. The panel does not stay in L1 either way (each
//   microkernel call streams an `NR × kc` panel of B through it as well); the depth decides
//   how often C is read back and written, once per depth block, and the deeper block was
//   ahead at every height up to that slice (docs/tuning-notes.md#depth-blocks-on-tall-products).
// - `b_block` (all of L2): a worker's packed block of B (`kc × nc`); each A micro-panel is
//   reused across that many tiles (docs/tuning-notes.md#the-b-block).
// - `a_block` (a quarter of L3): the most bytes of packed A held at once.

/// Columns of a column-major A (a transposed row-major one) are read in place while they
/// lie less than this many bytes apart; further apart, every step of a micro-panel is on a
/// page of its own, and a power-of-two stride maps them all to a few cache sets, so A is
/// packed. Reading in place won below a 4 KiB stride and not from it (measured:
/// docs/tuning-notes.md#a-stored-transposed).
const A_COLUMNS_STRIDE_BYTES: usize = 4096;
/// Block sizes for one microkernel and element size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Blocking {
    /// Depth of a block (columns of A, rows of B).
    pub(crate) kc: usize,
    /// Columns of a B block: a multiple of NR.
    pub(crate) nc: usize,
    /// Rows of a unit of work: one MR-row tile, so that even small products split evenly.
    pub(crate) mc: usize,
    /// Rows of A packed at once: a multiple of `mc`.
    pub(crate) mc_big: usize,
}

impl Blocking {
    /// The blocking the planner counts on: that of a product of up to
    /// `deep_a_slice` bytes of A per depth block ([`Budgets`]). A taller product's shallower depth
    /// blocks (see [`Blocking::for_rows`]) cut at least as many units of work: its row
    /// chunks are no fewer, and its column blocks are cut as [`Blocking::column_blocks`]
    /// says, whatever their width.
    pub(crate) fn new<S>(kernel: &Microkernel<S>) -> Blocking {
        Self::new_with(kernel, budgets())
    }

    /// [`Blocking::new`] for the caches behind `budgets`.
    pub(crate) fn new_with<S>(kernel: &Microkernel<S>, budgets: &Budgets) -> Blocking {
        let deep = if kernel.simd == crate::kernel::Simd::Portable {
            budgets.a_panel
        } else {
            budgets.deep_a_panel
        };
        Self::with_panel(kernel, deep, budgets)
    }

    /// The blocking [`multiply_blocked`] runs a product of `m` rows with: [`Blocking::new`]'s
    /// while A's depth slice (`m × kc`) takes at most `deep_a_slice` bytes, the depth of an
    /// `a_panel` beyond ([`Budgets`]). It depends on `m` alone, so every worker count runs the
    /// same depth blocks (and gets the same bits).
    pub(crate) fn for_rows<S>(kernel: &Microkernel<S>, m: usize) -> Blocking {
        Self::for_rows_with(kernel, m, budgets())
    }

    /// [`Blocking::for_rows`] for the caches behind `budgets`.
    pub(crate) fn for_rows_with<S>(
        kernel: &Microkernel<S>,
        m: usize,
        budgets: &Budgets,
    ) -> Blocking {
        let deep = Self::new_with(kernel, budgets);
        let size = std::mem::size_of::<S>().max(1);
        if m.saturating_mul(deep.kc * size) <= budgets.deep_a_slice {
            deep
        } else {
            Self::with_panel(kernel, budgets.a_panel, budgets)
        }
    }

    fn with_panel<S>(kernel: &Microkernel<S>, panel_bytes: usize, budgets: &Budgets) -> Blocking {
        let size = std::mem::size_of::<S>().max(1);
        let (mr, nr) = (kernel.mr, kernel.nr);
        let kc = (panel_bytes / (mr * size)).clamp(MIN_DEPTH_BLOCK, 512);
        let nc = ((budgets.b_block / (kc * size)) / nr).clamp(1, 4096 / nr) * nr;
        let mc = mr;
        let mc_big = ((budgets.a_block / (kc * size)) / mc).max(1) * mc;
        Blocking { kc, nc, mc, mc_big }
    }

    /// The column blocks of an output `m × n` for `workers` workers: `(first column,
    /// width)`, each a whole number of NR panels (but the last), as even as whole panels
    /// allow. One worker gets `⌈n ÷ nc⌉` blocks; several get at least 4 units each where
    /// the panels allow, so an output of a few tile rows is cut into narrower blocks (a
    /// 6×1000×240 product has one row chunk: 1 unit alone, 8 on two workers), while a tall
    /// one keeps blocks as wide as `nc`.
    pub(crate) fn column_blocks(
        &self,
        m: usize,
        n: usize,
        nr: usize,
        workers: usize,
    ) -> ColumnBlocks {
        let panels = n.div_ceil(nr);
        let mut blocks = n.div_ceil(self.nc);
        if workers > 1 {
            blocks = blocks.max((UNITS_PER_WORKER * workers).div_ceil(self.row_chunks(m)));
        }
        ColumnBlocks {
            n,
            nr,
            panels,
            count: blocks.min(panels).max(1),
        }
    }

    /// Row chunks (units of rows) of a band of an output `m` rows high.
    fn row_chunks(&self, m: usize) -> usize {
        m.min(self.mc_big).div_ceil(self.mc).max(1)
    }

    /// Independent units of work of an `m × n` output (per depth block) that the planner
    /// may count on: `max(row chunks × ⌈n ÷ nc⌉, min(16, row chunks × panels))`. For any
    /// number of workers up to this count, the nest cuts at least as many units (see
    /// [`Blocking::column_blocks`]); and the count never shrinks as `m` or `n` grows.
    pub(crate) fn units(&self, m: usize, n: usize, nr: usize) -> usize {
        if m == 0 || n == 0 {
            return 1;
        }
        let rows = self.row_chunks(m);
        let by_width = rows * n.div_ceil(self.nc);
        let by_panels = MIN_UNITS.min(rows.saturating_mul(n.div_ceil(nr)));
        by_width.max(by_panels)
    }
}

/// The column blocks of [`Blocking::column_blocks`], computed on demand (a product of 16³
/// takes well under a microsecond, so the nest avoids allocating where it can).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnBlocks {
    n: usize,
    nr: usize,
    panels: usize,
    count: usize,
}

impl ColumnBlocks {
    /// Number of blocks.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Block `b`: `(first column, width)`; the first column is a multiple of NR.
    pub(crate) fn get(&self, b: usize) -> (usize, usize) {
        let first = b * self.panels / self.count * self.nr;
        let end = ((b + 1) * self.panels / self.count * self.nr).min(self.n);
        (first, end - first)
    }

    /// Every block in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..self.count).map(|b| self.get(b))
    }
}

/// Units of work the planner counts on wherever the output has that many tiles, whatever
/// the shape: see [`Blocking::units`].
const MIN_UNITS: usize = 16;

/// Units each of several workers gets at least, where the output's panels allow, so that
/// units of unequal work still share out evenly.
const UNITS_PER_WORKER: usize = 4;

/// Row chunks each worker must have before the workers pack all of a shallow depth block of
/// B each (see `Nest::multiply_block`): the copy is then at most 1/(4·MR) of a worker's
/// multiply-adds.
const WHOLE_B_ROW_CHUNKS_PER_WORKER: usize = 4;

/// `c = a · b` with `workers` workers; `c` is `m × n` row-major and overwritten.
pub(crate) fn multiply_blocked<S: Scalar>(
    a: MatRef<'_, S>,
    b: MatRef<'_, S>,
    c: &mut [S],
    workers: usize,
    kernel: Microkernel<S>,
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
    let c = MatMut::from_slice(c, m, n).expect("the output holds m × n values");
    let Buffers { a_packed, workers } = Buffers::take(workers.max(1), &kernel);
    let mut nest = Nest {
        a,
        b,
        c,
        kernel,
        blocking: Blocking::for_rows(&kernel, m),
        a_packed,
        buffers: workers,
    };
    nest.run();
    Buffers {
        a_packed: nest.a_packed,
        workers: nest.buffers,
    }
    .keep();
}

/// The packing buffers of one blocked product: the shared packed A and each worker's own.
struct Buffers<S> {
    a_packed: Vec<S>,
    workers: Vec<WorkerBuffers<S>>,
}

thread_local! {
    /// The buffers of this thread's last blocked product, kept for its next one. Fresh
    /// buffers of a few MiB are fresh pages from the allocator, whose first touch costs a
    /// page fault each; two workers faulting at once were slower still (measured:
    /// docs/tuning-notes.md#packing-buffers-kept-between-products). What is kept is at
    /// most one product's blocks: a quarter of L3 of packed A and about an L2 per worker.
    static SPARE_BUFFERS: std::cell::RefCell<Option<Box<dyn std::any::Any>>> =
        const { std::cell::RefCell::new(None) };
}

impl<S: Scalar> Buffers<S> {
    /// This thread's spare buffers if they hold `S` (else new ones), with one set per
    /// worker sized for `kernel`.
    fn take(workers: usize, kernel: &Microkernel<S>) -> Self {
        let spare = SPARE_BUFFERS
            .try_with(|slot| slot.borrow_mut().take())
            .ok()
            .flatten()
            .and_then(|spare| spare.downcast::<Buffers<S>>().ok());
        let mut buffers = spare.map_or_else(
            || Buffers {
                a_packed: Vec::new(),
                workers: Vec::new(),
            },
            |spare| *spare,
        );
        buffers.workers.truncate(workers);
        for worker in &mut buffers.workers {
            // The tile buffer is sized for the kernel (the last product's may differ).
            worker.tile.clear();
            worker.tile.resize(kernel.mr * kernel.nr, S::zero());
        }
        while buffers.workers.len() < workers {
            buffers.workers.push(WorkerBuffers::new(kernel));
        }
        buffers
    }

    /// Keeps the buffers for this thread's next blocked product (in place of any kept).
    fn keep(self) {
        // During the thread's teardown there is nothing to keep them for.
        let _ = SPARE_BUFFERS.try_with(|slot| *slot.borrow_mut() = Some(Box::new(self)));
    }
}

/// The shallowest depth block (`kc`) of any blocking: a product no deeper than this is one
/// depth block whatever its shape and kernel.
pub(crate) const MIN_DEPTH_BLOCK: usize = 32;

/// One blocked product: the operands, the kernel and its blocking, the packed A that all
/// workers share, and each worker's own buffers.
struct Nest<'p, S> {
    a: MatRef<'p, S>,
    b: MatRef<'p, S>,
    c: MatMut<'p, S>,
    kernel: Microkernel<S>,
    blocking: Blocking,
    a_packed: Vec<S>,
    buffers: Vec<WorkerBuffers<S>>,
}

/// What one worker packs for itself.
struct WorkerBuffers<S> {
    b_block: Vec<S>,
    tile: Vec<S>,
    a_panel: Vec<S>,
}

impl<S: Scalar> WorkerBuffers<S> {
    fn new(kernel: &Microkernel<S>) -> Self {
        WorkerBuffers {
            b_block: Vec::new(),
            tile: vec![S::zero(); kernel.mr * kernel.nr],
            a_panel: Vec::new(),
        }
    }
}

/// A unit of work: rows `row0..` (relative to the packed A block) of one column block.
struct Unit<'c, S> {
    row0: usize,
    jc: usize,
    c: MatMut<'c, S>,
}

impl<S: Scalar> Nest<'_, S> {
    /// Runs the loop nest of the module docs: depth blocks, row blocks of packed A, and the
    /// units shared out among the workers; or, where A is read in place and there are
    /// several depth blocks, each worker's units through every depth block on its own.
    fn run(&mut self) {
        let (m, k) = self.a.shape();
        let Blocking { kc, mc_big, .. } = self.blocking;
        let access = a_access(self.a, &self.kernel);
        if access != AAccess::Packed && self.buffers.len() > 1 && k > kc {
            self.run_without_meeting(access);
            return;
        }
        for pc in (0..k).step_by(kc) {
            let depth = kc.min(k - pc);
            for ic in (0..m).step_by(mc_big) {
                let height = mc_big.min(m - ic);
                if access == AAccess::Packed {
                    self.pack_a(ic, height, pc, depth);
                }
                self.multiply_block(access, ic, height, pc, depth);
            }
        }
    }

    /// Packs rows `ic..ic + height`, columns `pc..pc + depth` of A into MR-row panels.
    fn pack_a(&mut self, ic: usize, height: usize, pc: usize, depth: usize) {
        let (a, mr) = (self.a, self.kernel.mr);
        let panel_len = mr * depth;
        // Every element is overwritten by the packing below, so values left from the
        // previous depth block need no clearing.
        self.a_packed
            .resize(height.div_ceil(mr) * panel_len, S::zero());
        let panels = height.div_ceil(mr);
        // Each worker packs a run of consecutive panels.
        let runs = balanced_ranges(panels, self.buffers.len().min(panels));
        let outs = split_lengths(&mut self.a_packed, runs.iter().map(|r| r.len() * panel_len));
        run_shares(runs.into_iter().zip(outs).collect(), |(run, out)| {
            for (p, panel) in run.zip(out.chunks_mut(panel_len)) {
                let row0 = ic + p * mr;
                pack_a_panel(a, row0, mr.min(ic + height - row0), pc, depth, mr, panel);
            }
        });
    }

    /// Multiplies A's rows `ic..ic + height` (packed, or read as `access` says) by B's
    /// rows `pc..pc + depth` into C's rows `ic..ic + height`.
    fn multiply_block(
        &mut self,
        access: AAccess,
        ic: usize,
        height: usize,
        pc: usize,
        depth: usize,
    ) {
        let workers = self.buffers.len();
        let (units, whole_b) = cut_units(
            &self.blocking,
            self.kernel.nr,
            self.a.rows(),
            self.c.submatrix_mut(ic, 0, height, self.b.cols()),
            depth,
            workers,
        );
        let workers = workers.min(units.len());
        let mut shares = share_by_work(units, workers);
        let block = DepthBlock {
            a: self.a,
            b: self.b,
            a_packed: &self.a_packed,
            access,
            kernel: self.kernel,
            ic,
            pc,
            depth,
            whole_b,
        };
        let buffers = &mut self.buffers[..workers];
        let work: Vec<_> = shares.iter_mut().zip(buffers).collect();
        run_shares(work, |(share, buffers)| block.run(share, buffers));
    }

    /// The whole product for several workers when A is read in place: the units
    /// are shared out once, and each worker runs every depth block of its own units
    /// without waiting for the others in between. Nothing is shared that changes between
    /// depth blocks (no packed A), so the workers have no reason to meet; each tile still
    /// goes through the depth blocks in order, so the bits are those of the other path.
    fn run_without_meeting(&mut self, access: AAccess) {
        let (m, k) = self.a.shape();
        let kc = self.blocking.kc;
        let workers = self.buffers.len();
        let (units, whole_b) = cut_units(
            &self.blocking,
            self.kernel.nr,
            m,
            self.c.submatrix_mut(0, 0, m, self.b.cols()),
            kc.min(k),
            workers,
        );
        let workers = workers.min(units.len());
        let mut shares = share_by_work(units, workers);
        let (a, b, kernel) = (self.a, self.b, self.kernel);
        let run_share = |share: &mut Vec<Unit<'_, S>>, buffers: &mut WorkerBuffers<S>| {
            for pc in (0..k).step_by(kc) {
                let block = DepthBlock {
                    a,
                    b,
                    a_packed: &[],
                    access,
                    kernel,
                    ic: 0,
                    pc,
                    depth: kc.min(k - pc),
                    // Every later depth block is no deeper than the first.
                    whole_b,
                };
                block.run(share, buffers);
            }
        };
        let work: Vec<_> = shares
            .iter_mut()
            .zip(&mut self.buffers[..workers])
            .collect();
        run_shares(work, |(share, buffers)| run_share(share, buffers));
    }
}

/// Cuts `band` (rows of C, the whole width) into units of work for `workers` workers:
/// row chunks × column blocks, in the order they are shared out, and whether the workers
/// pack all of B's depth block (`depth` deep) each.
fn cut_units<'c, S: Scalar>(
    blocking: &Blocking,
    nr: usize,
    m: usize,
    band: MatMut<'c, S>,
    depth: usize,
    workers: usize,
) -> (Vec<Unit<'c, S>>, bool) {
    let (height, n) = band.shape();
    let mc = blocking.mc;
    let blocks = blocking.column_blocks(m, n, nr, workers);
    let mut grid: Vec<Vec<Unit<'c, S>>> = Vec::new();
    let mut rest_rows = band;
    for row0 in (0..height).step_by(mc) {
        let (chunk, rest) = rest_rows.split_at_row(mc.min(height - row0));
        rest_rows = rest;
        let mut row_units = Vec::new();
        let mut rest_cols = chunk;
        for (jc, width) in blocks.iter() {
            let (block, rest) = rest_cols.split_at_col(width);
            rest_cols = rest;
            row_units.push(Unit { row0, jc, c: block });
        }
        grid.push(row_units);
    }
    // A shallow depth block of B that fits one worker's L2 is packed whole by every
    // worker, and the units go row-major, so that each worker owns a band of whole rows
    // of C. Column-block-major order would give each worker part of every row: for an
    // outer product (k = 1) that is all the work, and two workers writing halves of the
    // same rows were slower than two row bands (measured:
    // docs/tuning-notes.md#whole-b-for-shallow-blocks). The copies cost `depth × n` per
    // worker, so each worker must have several row chunks to pay for them.
    let row_chunks = grid.len();
    let whole_b = blocks.len() > 1
        && depth * n.next_multiple_of(nr) * std::mem::size_of::<S>() <= budgets().l2
        && row_chunks >= WHOLE_B_ROW_CHUNKS_PER_WORKER * workers;
    let units = if whole_b {
        grid.into_iter().flatten().collect()
    } else {
        let mut columns: Vec<std::vec::IntoIter<Unit<'c, S>>> =
            grid.into_iter().map(Vec::into_iter).collect();
        let mut units = Vec::with_capacity(row_chunks * blocks.len());
        for _ in 0..blocks.len() {
            units.extend(columns.iter_mut().filter_map(Iterator::next));
        }
        units
    };
    (units, whole_b)
}

/// Splits `units` (in order) into `workers` consecutive shares of about equal work (output
/// elements), so that narrow edge blocks do not leave one worker with more than its part.
fn share_by_work<S>(units: Vec<Unit<'_, S>>, workers: usize) -> Vec<Vec<Unit<'_, S>>> {
    let total: usize = units.iter().map(|u| u.c.rows() * u.c.cols()).sum();
    let mut shares: Vec<Vec<Unit<'_, S>>> = (0..workers).map(|_| Vec::new()).collect();
    let (mut done, mut worker) = (0usize, 0usize);
    let remaining = units.len();
    for (index, unit) in units.into_iter().enumerate() {
        // Move to the next worker once this one has its share, but never leave a later
        // worker without a unit.
        let units_left = remaining - index;
        let workers_left = workers - worker;
        if worker + 1 < workers
            && !shares[worker].is_empty()
            && (done * workers >= (worker + 1) * total || units_left < workers_left)
        {
            worker += 1;
        }
        done += unit.c.rows() * unit.c.cols();
        shares[worker].push(unit);
    }
    shares
}

/// One depth block of A (rows `ic..`, columns `pc..pc + depth`) and B, as every worker
/// reads it: the operands, how A is read, the kernel and whether B is packed whole.
struct DepthBlock<'w, S> {
    a: MatRef<'w, S>,
    b: MatRef<'w, S>,
    /// Packed A (used only when `access` is `Packed`).
    a_packed: &'w [S],
    /// How full tile rows read A (see [`a_access`]).
    access: AAccess,
    kernel: Microkernel<S>,
    ic: usize,
    pc: usize,
    depth: usize,
    /// Whether each worker packs all of B's depth block at once (see `multiply_block`).
    whole_b: bool,
}

/// Where a row tile's values of A come from.
enum APanel<'x, S> {
    Packed(&'x [S]),
    Rows(MatRef<'x, S>),
    Columns(MatRef<'x, S>),
}

impl<S: Scalar> APanel<'_, S> {
    /// Runs `kernel` on these `depth` steps of A and the panel `b_panel` into `target`.
    /// Always inlined: on a shallow product the tile's work is a few hundred
    /// multiply-adds, and a call per tile would show (measured:
    /// docs/tuning-notes.md#inlined-tile-wrappers).
    #[inline(always)]
    fn run(
        &self,
        kernel: &Microkernel<S>,
        depth: usize,
        b_panel: &[S],
        target: MatMut<'_, S>,
        overwrite: bool,
    ) {
        match self {
            APanel::Packed(a) => kernel.run_tile(depth, a, b_panel, target, overwrite),
            APanel::Rows(a) => kernel.run_tile_rows(*a, b_panel, target, overwrite),
            APanel::Columns(a) => kernel.run_tile_columns(*a, b_panel, target, overwrite),
        }
    }

    /// [`APanel::run`] with B read from its rows `b` (`depth × NR`) and packed to `b_out`
    /// on the way (see [`Microkernel::run_tile_rows_packing_b`]).
    fn run_packing_b(
        &self,
        kernel: &Microkernel<S>,
        b: MatRef<'_, S>,
        b_out: &mut [S],
        target: MatMut<'_, S>,
        overwrite: bool,
    ) {
        match self {
            APanel::Packed(a) => {
                kernel.run_tile_packing_b(b.rows(), a, b, b_out, target, overwrite)
            }
            APanel::Rows(a) => kernel.run_tile_rows_packing_b(*a, b, b_out, target, overwrite),
            APanel::Columns(a) => {
                kernel.run_tile_columns_packing_b(*a, b, b_out, target, overwrite)
            }
        }
    }
}

/// How the kernels read A's full tile rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AAccess {
    /// From a packed copy, shared by the workers and packed again for each depth block.
    Packed,
    /// In place, from MR rows of a row-major A.
    Rows,
    /// In place, from the columns of a column-major A.
    Columns,
}

/// How `kernel` reads `a`: in place where it can, from a packed copy otherwise. When A's
/// rows are contiguous, an A micro-panel is MR short runs of consecutive values, which the
/// kernel streams as well as a packed panel; when its columns are (a transposed row-major
/// A, as in AᵀB), less than [`A_COLUMNS_STRIDE_BYTES`] apart, and the kernel has a form
/// for them, each step's MR values are side by side, as in a packed panel. Skipping the
/// copy removes a pass over A and the join that waits for it before each depth block.
fn a_access<S: Scalar>(a: MatRef<'_, S>, kernel: &Microkernel<S>) -> AAccess {
    let close_columns = || {
        usize::try_from(a.col_stride())
            .is_ok_and(|lda| lda * std::mem::size_of::<S>() < A_COLUMNS_STRIDE_BYTES)
    };
    if a.reads_conjugated() {
        // The in-place forms read A as stored; the packing conjugates.
        AAccess::Packed
    } else if a.row_stride() >= 0 && (a.col_stride() == 1 || a.cols() <= 1) {
        AAccess::Rows
    } else if kernel.reads_a_columns() && (a.row_stride() == 1 || a.rows() <= 1) && close_columns()
    {
        AAccess::Columns
    } else {
        AAccess::Packed
    }
}

impl<S: Scalar> DepthBlock<'_, S> {
    /// Multiplies one worker's share of this block's units, with that worker's buffers.
    fn run(&self, share: &mut [Unit<'_, S>], buffers: &mut WorkerBuffers<S>) {
        let nr = self.kernel.nr;
        if self.whole_b {
            let n = self.b.cols();
            pack_b_panels(self.b, self.pc, self.depth, 0, n, nr, &mut buffers.b_block);
            for unit in share.iter_mut() {
                // Column blocks start on panel boundaries.
                let first_panel = unit.jc / nr;
                self.multiply_unit(unit, first_panel, false, buffers);
            }
            return;
        }
        let pack_while_running = self.packs_b_while_running();
        let mut packed_block = None;
        for unit in share.iter_mut() {
            let mut packing = false;
            if packed_block != Some(unit.jc) {
                let width = unit.c.cols();
                if pack_while_running {
                    // The first tile row of the block packs each panel as it uses it.
                    buffers
                        .b_block
                        .resize(width.div_ceil(nr) * nr * self.depth, S::zero());
                    packing = true;
                } else {
                    pack_b_panels(
                        self.b,
                        self.pc,
                        self.depth,
                        unit.jc,
                        width,
                        nr,
                        &mut buffers.b_block,
                    );
                }
                packed_block = Some(unit.jc);
            }
            self.multiply_unit(unit, 0, packing, buffers);
        }
    }

    /// Whether a column block's panels of B are packed by the first tile row that uses
    /// them (the kernel loads each row of B once, for both) instead of in a pass of their
    /// own before it: where the kernel has that form and B's rows are contiguous and read
    /// as stored (the form copies them as they are).
    fn packs_b_while_running(&self) -> bool {
        self.kernel.packs_b_while_running()
            && self.b.col_stride() == 1
            && self.b.row_stride() >= 0
            && !self.b.reads_conjugated()
    }

    /// Multiplies one unit, whose first NR panel of B is panel `first_panel` of the packed
    /// block. With `packing`, the block's panels are not packed yet: the first tile row
    /// packs each one (see [`DepthBlock::packs_b_while_running`]).
    fn multiply_unit(
        &self,
        unit: &mut Unit<'_, S>,
        first_panel: usize,
        mut packing: bool,
        buffers: &mut WorkerBuffers<S>,
    ) {
        let Microkernel { mr, nr, .. } = self.kernel;
        let (rows, cols) = unit.c.shape();
        let overwrite = self.pc == 0;
        let (a_len, b_len) = (mr * self.depth, nr * self.depth);
        let WorkerBuffers {
            b_block,
            tile,
            a_panel,
        } = buffers;
        for ir in (0..rows).step_by(mr) {
            let tile_rows = mr.min(rows - ir);
            let row0 = self.ic + unit.row0 + ir;
            let a_source = match self.access {
                AAccess::Packed => {
                    let panel = (unit.row0 + ir) / mr;
                    APanel::Packed(&self.a_packed[panel * a_len..(panel + 1) * a_len])
                }
                _ if tile_rows < mr => {
                    // A short last tile row: pack it, padded with zeros.
                    a_panel.resize(a_len, S::zero());
                    pack_a_panel(self.a, row0, tile_rows, self.pc, self.depth, mr, a_panel);
                    APanel::Packed(a_panel.as_slice())
                }
                AAccess::Rows => APanel::Rows(self.a.submatrix(row0, self.pc, mr, self.depth)),
                AAccess::Columns => {
                    APanel::Columns(self.a.submatrix(row0, self.pc, mr, self.depth))
                }
            };
            let (kernel, depth) = (&self.kernel, self.depth);
            for (jp, jr) in (0..cols).step_by(nr).enumerate() {
                let panel = first_panel + jp;
                let tile_cols = nr.min(cols - jr);
                let full = tile_rows == mr && tile_cols == nr;
                if packing {
                    let b_panel = &mut b_block[panel * b_len..(panel + 1) * b_len];
                    if tile_cols == nr {
                        let b = self.b.submatrix(self.pc, unit.jc + jr, depth, nr);
                        if full {
                            let target = unit.c.submatrix_mut(ir, jr, mr, nr);
                            a_source.run_packing_b(kernel, b, b_panel, target, overwrite);
                        } else {
                            let target = register_tile(tile, mr, nr);
                            a_source.run_packing_b(kernel, b, b_panel, target, true);
                            let edge = unit.c.submatrix_mut(ir, jr, tile_rows, tile_cols);
                            keep_edge(tile, nr, edge, overwrite);
                        }
                        continue;
                    }
                    // A narrow last panel: packed (padded with zeros) before its tile.
                    let col0 = unit.jc + jr;
                    pack_b_panel(self.b, self.pc, depth, col0, tile_cols, nr, b_panel);
                }
                let b_panel = &b_block[panel * b_len..(panel + 1) * b_len];
                if full {
                    let target = unit.c.submatrix_mut(ir, jr, mr, nr);
                    a_source.run(kernel, depth, b_panel, target, overwrite);
                } else {
                    // An edge tile: compute the whole register tile into a buffer, then
                    // keep the part inside C.
                    let target = register_tile(tile, mr, nr);
                    a_source.run(kernel, depth, b_panel, target, true);
                    let edge = unit.c.submatrix_mut(ir, jr, tile_rows, tile_cols);
                    keep_edge(tile, nr, edge, overwrite);
                }
            }
            packing = false;
        }
    }
}

/// The worker's `MR × NR` buffer for an edge tile, as a view.
fn register_tile<S>(tile: &mut [S], mr: usize, nr: usize) -> MatMut<'_, S> {
    MatMut::from_slice(tile, mr, nr).expect("the tile buffer holds MR × NR values")
}

/// Keeps the part of a register tile computed into `tile` (row-major, `nr` wide) that lies
/// inside C: written to `edge` when `overwrite`, added to it otherwise.
fn keep_edge<S: Scalar>(tile: &[S], nr: usize, mut edge: MatMut<'_, S>, overwrite: bool) {
    edge.for_each_mut(|i, j, c_ij| {
        let value = tile[i * nr + j];
        *c_ij = if overwrite { value } else { c_ij.add(value) };
    });
}

/// Runs `$body` with `kernel` bound to `T`'s microkernel at `$simd` (the kernel of the
/// primitive type itself, or the portable one for other types).
macro_rules! with_kernel_of {
    ($t:ty, $simd:expr, |$kernel:ident| $body:expr) => {
        with_kernel_of!(@each $t, $simd, $kernel, $body,
            f64, f32, i32, i64, u32, u64, i8, u8, i16, u16, i128, u128, isize, usize)
    };
    (@each $t:ty, $simd:expr, $kernel:ident, $body:expr, $($p:ty),*) => {{
        use crate::kernel::microkernel_for;
        use std::any::TypeId;
        $(
            if TypeId::of::<$t>() == TypeId::of::<$p>() {
                let $kernel = microkernel_for::<$p>($simd);
                return $body;
            }
        )*
        #[cfg(feature = "complex")]
        {
            use num_complex::Complex;
            if TypeId::of::<$t>() == TypeId::of::<Complex<f64>>() {
                let $kernel = microkernel_for::<Complex<f64>>($simd);
                return $body;
            }
            if TypeId::of::<$t>() == TypeId::of::<Complex<f32>>() {
                let $kernel = microkernel_for::<Complex<f32>>($simd);
                return $body;
            }
        }
        let $kernel = microkernel_for::<crate::element::Generic<$t>>($simd);
        $body
    }};
}

/// Units of work [`multiply_blocked`] splits an `m × n` output of `T` into at `simd`.
pub(crate) fn units_for<T: crate::Element>(simd: crate::kernel::Simd, m: usize, n: usize) -> usize {
    with_kernel_of!(T, simd, |kernel| Blocking::new(&kernel)
        .units(m, n, kernel.nr))
}

/// The blocking of a blocked product of `m` rows for `T`'s microkernel at `simd` (what
/// [`multiply_blocked`] runs with).
pub(crate) fn blocking_for<T: crate::Element>(simd: crate::kernel::Simd, m: usize) -> Blocking {
    with_kernel_of!(T, simd, |kernel| Blocking::for_rows(&kernel, m))
}

/// The depth of a block (`kc`) for `T`'s microkernel at `simd`: every `kc` of depth, each
/// worker of a blocked product packs its block of B again (and, when A is packed, the
/// workers meet). That of [`Blocking::new`]: a product too tall for the deeper block runs
/// shallower ones (see [`Blocking::for_rows`]).
pub(crate) fn depth_block_for<T: crate::Element>(simd: crate::kernel::Simd) -> usize {
    with_kernel_of!(T, simd, |kernel| Blocking::new(&kernel).kc)
}

/// The register tile and depth block `(MR, NR, kc)` of `T`'s microkernel at `simd`, in one
/// lookup (the planner asks for them on every product).
pub(crate) fn tile_and_depth_for<T: crate::Element>(
    simd: crate::kernel::Simd,
) -> (usize, usize, usize) {
    with_kernel_of!(T, simd, |kernel| (
        kernel.mr,
        kernel.nr,
        Blocking::new(&kernel).kc
    ))
}

/// The register tile `(MR, NR)` of `T`'s microkernel at `simd`.
pub(crate) fn tile_for<T: crate::Element>(simd: crate::kernel::Simd) -> (usize, usize) {
    with_kernel_of!(T, simd, |kernel| (kernel.mr, kernel.nr))
}

#[cfg(test)]
pub(super) mod tests;

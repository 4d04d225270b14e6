//! The register-tile microkernel, written once over the [`TileArithmetic`] trait.
//!
//! A kernel computes one full `MR × NR` tile of C: NR is `NV` vectors along a row of C,
//! and each of the MR rows broadcasts one value of A per step. The accumulators stay in
//! vector registers for the whole depth and are written to C once. Four forms differ only
//! in where they read A (and B):
//!
//! - [`packed`]: A from a packed panel (the MR values of a step side by side);
//! - [`rows`]: A straight from MR rows of a row-major matrix;
//! - [`columns`]: A straight from the columns of a column-major matrix;
//! - [`packing_b`]: A through two strides, B straight from its rows, which it also writes
//!   to a packed panel for the later tiles of the block.
//!
//! Lane-wise types ([`Vector`]) have a fifth form, [`direct`], which computes a whole small
//! product in place, tile by tile, with masked loads and stores for the last columns.
//!
//! An instruction set supplies a [`Vector`] (lane-wise types) or [`TileArithmetic`]
//! (complex types) implementation per element type and compiles
//! these forms with its features enabled ([`instruction_set_kernels!`]); how to add one is
//! in docs/design.md ("Adding a kernel").

use crate::element::Scalar;

/// How many rows of B ahead the [`packing_b`] form prefetches: B's rows lie a page or more
/// apart, where the hardware prefetchers do not follow
/// (measured: docs/tuning-notes.md#b-prefetch-distance).
pub(crate) const B_PREFETCH_ROWS: usize = 16;

/// The vector operations a register-tile kernel is written in, for one element type on one
/// instruction set. Implemented by a zero-sized marker type per (type, instruction set).
///
/// Every method is `#[inline(always)]` in its implementations and is only ever called from
/// a kernel compiled with the instruction set's features enabled, into which it is
/// inlined.
///
/// The operations work lane by lane. Integers wrap, as everywhere in the crate; floats use
/// IEEE arithmetic, and `mul_add` is fused (one rounding) in the x86-64 instances, so a
/// hand-written kernel's float bits can differ from the portable kernel's in the last
/// place, while every form of one kernel gives the same bits.
///
/// # Safety
///
/// `Register` holds exactly `LANES` values of `Elem`; `load` reads and `store` writes
/// exactly `LANES` values at the pointer, with any alignment; and no method uses an
/// instruction beyond those of the instruction set whose kernels call it.
pub(crate) unsafe trait Vector {
    /// The element type.
    type Elem: Scalar;
    /// A vector register of `LANES` elements.
    type Register: Copy;
    /// Elements in one register.
    const LANES: usize;

    /// All lanes zero.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    unsafe fn zero() -> Self::Register;
    /// `LANES` values read from `p` (any alignment).
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set; `p` is readable for `LANES` values.
    unsafe fn load(p: *const Self::Elem) -> Self::Register;
    /// Writes the lanes to `p` (any alignment).
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set; `p` is writable for `LANES` values.
    unsafe fn store(p: *mut Self::Elem, v: Self::Register);
    /// `x` in every lane.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    unsafe fn splat(x: Self::Elem) -> Self::Register;
    /// `acc + a · b`.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    unsafe fn mul_add(acc: Self::Register, a: Self::Register, b: Self::Register) -> Self::Register;
    /// `a + b`.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    unsafe fn add(a: Self::Register, b: Self::Register) -> Self::Register;

    /// `acc + a · b` with the product rounded before the sum, as the crate's portable
    /// arithmetic does (`Scalar::mul_add`). Integer arithmetic is exact (wrapping), so
    /// only float vectors, whose `mul_add` is fused, override this.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    #[inline(always)]
    unsafe fn mul_then_add(
        acc: Self::Register,
        a: Self::Register,
        b: Self::Register,
    ) -> Self::Register {
        // SAFETY: the caller's contract.
        unsafe { Self::mul_add(acc, a, b) }
    }

    /// The first `count` values at `p` in the low lanes and zero in the others, reading
    /// nothing past them. Instruction sets with masked loads override this copy through
    /// a buffer.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set; `1 ≤ count ≤ LANES ≤ 16`; `p` is readable for
    /// `count` values.
    #[inline(always)]
    unsafe fn load_first(p: *const Self::Elem, count: usize) -> Self::Register {
        let mut buffer = [Self::Elem::zero(); 16];
        // SAFETY: `count ≤ 16` values, readable at `p` (the caller's contract), into the
        // buffer; the buffer holds `LANES ≤ 16` values to load.
        unsafe {
            std::ptr::copy_nonoverlapping(p, buffer.as_mut_ptr(), count);
            Self::load(buffer.as_ptr())
        }
    }

    /// Writes the low `count` lanes of `v` to the first `count` values at `p`, and nothing
    /// past them. Instruction sets with masked stores override this copy through a buffer.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set; `1 ≤ count ≤ LANES ≤ 16`; `p` is writable for
    /// `count` values.
    #[inline(always)]
    unsafe fn store_first(p: *mut Self::Elem, v: Self::Register, count: usize) {
        let mut buffer = [Self::Elem::zero(); 16];
        // SAFETY: the buffer holds `LANES ≤ 16` values to store into; `count` of them go
        // to `p`, writable for that many (the caller's contract).
        unsafe {
            Self::store(buffer.as_mut_ptr(), v);
            std::ptr::copy_nonoverlapping(buffer.as_ptr(), p, count);
        }
    }
}

/// The arithmetic the register-tile kernel is written in: loads and stores of registers of
/// `LANES` values, a value of A spread for multiplying a register of B ([`broadcast`]), and
/// accumulators that become a register of C once, after the depth loop ([`finish`]).
///
/// Every lane-wise [`Vector`] is one as it is (the broadcast is a splat, the accumulator a
/// register). Types whose product mixes lanes implement it themselves: a complex register
/// holds interleaved (re, im) pairs and accumulates `re(a)·b` and `im(a)·b` apart, combined
/// by `finish` (docs/design.md, "Complex kernels").
///
/// [`broadcast`]: TileArithmetic::broadcast
/// [`finish`]: TileArithmetic::finish
///
/// # Safety
///
/// As for [`Vector`]; and `finish(acc)` holds, lane by lane, the sum over the steps of the
/// `a · b` products that `mul_add` accumulated into `acc` (starting from `zero_acc`).
pub(crate) unsafe trait TileArithmetic {
    /// The element type.
    type Elem: Scalar;
    /// A vector register of `LANES` elements.
    type Register: Copy;
    /// One value of A, ready to multiply a register of B.
    type Broadcast: Copy;
    /// A register's worth of partial sums.
    type Accumulator: Copy;
    /// Elements in one register.
    const LANES: usize;

    /// All lanes zero.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    unsafe fn zero() -> Self::Register;
    /// `LANES` values read from `p` (any alignment).
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set; `p` is readable for `LANES` values.
    unsafe fn load(p: *const Self::Elem) -> Self::Register;
    /// Writes the lanes to `p` (any alignment).
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set; `p` is writable for `LANES` values.
    unsafe fn store(p: *mut Self::Elem, v: Self::Register);
    /// Lane-wise `a + b`.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    unsafe fn add(a: Self::Register, b: Self::Register) -> Self::Register;
    /// `x`, ready to multiply a register.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    unsafe fn broadcast(x: Self::Elem) -> Self::Broadcast;
    /// Empty partial sums.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    unsafe fn zero_acc() -> Self::Accumulator;
    /// `acc` plus the products of `a` with each element of `b`.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    unsafe fn mul_add(
        acc: Self::Accumulator,
        a: Self::Broadcast,
        b: Self::Register,
    ) -> Self::Accumulator;
    /// The register of sums `acc` holds.
    ///
    /// # Safety
    ///
    /// The CPU supports the instruction set.
    unsafe fn finish(acc: Self::Accumulator) -> Self::Register;
}

// SAFETY: a lane-wise vector's products are lane-wise, so a splat and a register of sums
// are a broadcast and an accumulator as the trait asks; everything else is `V`'s own.
unsafe impl<V: Vector> TileArithmetic for V {
    type Elem = V::Elem;
    type Register = V::Register;
    type Broadcast = V::Register;
    type Accumulator = V::Register;
    const LANES: usize = V::LANES;

    #[inline(always)]
    unsafe fn zero() -> V::Register {
        // SAFETY: the caller's contract.
        unsafe { V::zero() }
    }
    #[inline(always)]
    unsafe fn load(p: *const V::Elem) -> V::Register {
        // SAFETY: the caller's contract.
        unsafe { V::load(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut V::Elem, v: V::Register) {
        // SAFETY: the caller's contract.
        unsafe { V::store(p, v) }
    }
    #[inline(always)]
    unsafe fn add(a: V::Register, b: V::Register) -> V::Register {
        // SAFETY: the caller's contract.
        unsafe { V::add(a, b) }
    }
    #[inline(always)]
    unsafe fn broadcast(x: V::Elem) -> V::Register {
        // SAFETY: the caller's contract.
        unsafe { V::splat(x) }
    }
    #[inline(always)]
    unsafe fn zero_acc() -> V::Register {
        // SAFETY: the caller's contract.
        unsafe { V::zero() }
    }
    #[inline(always)]
    unsafe fn mul_add(acc: V::Register, a: V::Register, b: V::Register) -> V::Register {
        // SAFETY: the caller's contract.
        unsafe { V::mul_add(acc, a, b) }
    }
    #[inline(always)]
    unsafe fn finish(acc: V::Register) -> V::Register {
        acc
    }
}

/// Asks for the cache line at `p` to be brought into L1. A hint: it never faults and has no
/// effect on memory, wherever `p` points.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` is part of SSE, which every x86-64 CPU has, and never faults.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(target_arch = "aarch64")]
    // SAFETY: `prfm` is in the aarch64 base instruction set; it is a hint that never faults
    // and writes neither memory nor flags.
    unsafe {
        std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) p, options(nostack, readonly, preserves_flags))
    };
}

/// The `packed` form: value i of step p of A at `a + p·MR + i`.
///
/// # Safety
///
/// The CPU supports `V`'s instruction set; `a` is readable for `depth · MR` values and `b`
/// for `depth · NR` (`NR = NV · LANES`); `c` points to an `MR × NR` tile, rows `ldc` apart,
/// readable and writable, that nothing else accesses during the call.
#[inline(always)]
pub(crate) unsafe fn packed<V: TileArithmetic, const MR: usize, const NV: usize>(
    depth: usize,
    a: *const V::Elem,
    b: *const V::Elem,
    c: *mut V::Elem,
    ldc: usize,
    overwrite: bool,
) {
    // SAFETY: value i of step p is `a + p·MR + i`, inside the packed panel.
    let a_at = |step: usize, i: usize| unsafe { *a.add(step * MR + i) };
    // SAFETY: the caller's contract.
    unsafe { from_packed_b::<V, MR, NV>(depth, a_at, b, c, ldc, overwrite) }
}

/// The `rows` form: A is `MR` rows `lda` apart, value i of step p at `a + i·lda + p`.
///
/// # Safety
///
/// As for [`packed`], with each row of A readable for `depth` consecutive values.
#[inline(always)]
pub(crate) unsafe fn rows<V: TileArithmetic, const MR: usize, const NV: usize>(
    depth: usize,
    a: *const V::Elem,
    lda: usize,
    b: *const V::Elem,
    c: *mut V::Elem,
    ldc: usize,
    overwrite: bool,
) {
    // SAFETY: value i of step p is `a + i·lda + p`, inside row i of A.
    let a_at = |step: usize, i: usize| unsafe { *a.add(i * lda + step) };
    // SAFETY: the caller's contract.
    unsafe { from_packed_b::<V, MR, NV>(depth, a_at, b, c, ldc, overwrite) }
}

/// The `columns` form: A is `depth` columns `lda` apart, each holding the step's `MR`
/// values side by side (a transposed row-major matrix), value i of step p at
/// `a + p·lda + i`.
///
/// # Safety
///
/// As for [`packed`], with each column of A readable for `MR` consecutive values.
#[inline(always)]
pub(crate) unsafe fn columns<V: TileArithmetic, const MR: usize, const NV: usize>(
    depth: usize,
    a: *const V::Elem,
    lda: usize,
    b: *const V::Elem,
    c: *mut V::Elem,
    ldc: usize,
    overwrite: bool,
) {
    // SAFETY: value i of step p is `a + p·lda + i`, inside column p of A.
    let a_at = |step: usize, i: usize| unsafe { *a.add(step * lda + i) };
    // SAFETY: the caller's contract.
    unsafe { from_packed_b::<V, MR, NV>(depth, a_at, b, c, ldc, overwrite) }
}

/// The loop of the three forms that read B from a packed panel; `a_at(p, i)` reads value
/// i of step p of A.
///
/// # Safety
///
/// As for [`packed`], with `a_at` defined for every step below `depth` and i below MR.
#[inline(always)]
unsafe fn from_packed_b<V: TileArithmetic, const MR: usize, const NV: usize>(
    depth: usize,
    a_at: impl Fn(usize, usize) -> V::Elem,
    b: *const V::Elem,
    c: *mut V::Elem,
    ldc: usize,
    overwrite: bool,
) {
    let nr = NV * V::LANES;
    // Ask for the C tile now: it is needed only after the depth loop, and by then its lines
    // are in L1 instead of costing a cache miss each.
    for i in 0..MR {
        let row = c.wrapping_add(i * ldc);
        prefetch(row);
        prefetch(row.wrapping_add(nr - 1));
    }
    // SAFETY (all blocks): the CPU supports `V`'s instruction set (the caller's contract).
    let zero = unsafe { V::zero() };
    let mut acc = [[unsafe { V::zero_acc() }; NV]; MR];
    let mut b = b;
    for step in 0..depth {
        let mut row_of_b = [zero; NV];
        for (v, slot) in row_of_b.iter_mut().enumerate() {
            // SAFETY: this step's NR values of `b` are inside the panel.
            *slot = unsafe { V::load(b.add(v * V::LANES)) };
        }
        for (i, acc_row) in acc.iter_mut().enumerate() {
            let a_i = unsafe { V::broadcast(a_at(step, i)) };
            for (acc_iv, &b_v) in acc_row.iter_mut().zip(&row_of_b) {
                *acc_iv = unsafe { V::mul_add(*acc_iv, a_i, b_v) };
            }
        }
        // SAFETY: advancing within (or one past) the panel of `depth` steps.
        b = unsafe { b.add(nr) };
    }
    // SAFETY: the tile is MR rows of NR values, `ldc` apart (the caller's contract).
    unsafe { store_tile::<V, MR, NV>(&acc, c, ldc, overwrite) }
}

/// The `packing_b` form: value i of step p of A at `a + i·a_row + p·a_step` (a packed
/// panel: `a_row` 1, `a_step` MR; rows of a row-major matrix: `a_row` their stride,
/// `a_step` 1), B read straight from `depth` rows of `NR` contiguous values `ldb` apart,
/// each row written to `b_out` as it is loaded, so that `b_out` then holds the panel the
/// [`packed`] form reads.
///
/// # Safety
///
/// As for [`packed`], with A readable at every `a + i·a_row + p·a_step` (i < MR,
/// p < depth), B's rows each readable for NR consecutive values from `b + p·ldb`, and
/// `b_out` writable for `depth · NR` values that nothing else accesses during the call.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) unsafe fn packing_b<V: TileArithmetic, const MR: usize, const NV: usize>(
    depth: usize,
    a: *const V::Elem,
    a_row: usize,
    a_step: usize,
    b: *const V::Elem,
    ldb: usize,
    b_out: *mut V::Elem,
    c: *mut V::Elem,
    ldc: usize,
    overwrite: bool,
) {
    let nr = NV * V::LANES;
    // SAFETY (all blocks): the CPU supports `V`'s instruction set (the caller's contract).
    let zero = unsafe { V::zero() };
    let mut acc = [[unsafe { V::zero_acc() }; NV]; MR];
    let (mut b, mut b_out) = (b, b_out);
    let b_first = b;
    for step in 0..depth {
        // Ask for the row of B `B_PREFETCH_ROWS` steps on (past the last row, the first
        // rows of the next panel to the right).
        let ahead = step + B_PREFETCH_ROWS;
        let row = if ahead < depth {
            b.wrapping_add(B_PREFETCH_ROWS * ldb)
        } else {
            b_first.wrapping_add(nr + (ahead - depth) * ldb)
        };
        prefetch(row);
        prefetch(row.wrapping_add(nr - 1));
        let mut row_of_b = [zero; NV];
        for (v, slot) in row_of_b.iter_mut().enumerate() {
            // SAFETY: row `step` of B holds NR values at `b`; the panel being packed holds
            // NR values for it at `b_out`.
            unsafe {
                *slot = V::load(b.add(v * V::LANES));
                V::store(b_out.add(v * V::LANES), *slot);
            }
        }
        for (i, acc_row) in acc.iter_mut().enumerate() {
            // SAFETY: value i of step `step` is `a + i·a_row + step·a_step`.
            let a_i = unsafe { V::broadcast(*a.add(i * a_row + step * a_step)) };
            for (acc_iv, &b_v) in acc_row.iter_mut().zip(&row_of_b) {
                *acc_iv = unsafe { V::mul_add(*acc_iv, a_i, b_v) };
            }
        }
        // Moving to the next row of B (one past the last after the final step).
        b = b.wrapping_add(ldb);
        // SAFETY: advancing within (or one past) the panel of `depth` steps.
        b_out = unsafe { b_out.add(nr) };
    }
    // SAFETY: the tile is MR rows of NR values, `ldc` apart (the caller's contract).
    unsafe { store_tile::<V, MR, NV>(&acc, c, ldc, overwrite) }
}

/// A whole product for the `direct` form, read and written in place: `m × k` of A with
/// element (i, p) at `a + i·a_row + p·a_col`, `k × n` of B with element (p, j) at
/// `b + p·b_row + j`, `m × n` of C with element (i, j) at `c + i·c_row + j`, and the depth
/// of a block, `kc`, at which the sums stop and are added to C as the blocked loops do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DirectProduct<S> {
    pub(crate) m: usize,
    pub(crate) k: usize,
    pub(crate) n: usize,
    pub(crate) a: *const S,
    pub(crate) a_row: isize,
    pub(crate) a_col: isize,
    pub(crate) b: *const S,
    pub(crate) b_row: isize,
    pub(crate) c: *mut S,
    pub(crate) c_row: isize,
    pub(crate) kc: usize,
}

/// The `direct` form: the whole product `C = A·B` with no packing, tile by tile, each tile
/// `MR` rows (then 4, 2 and 1 for the last rows) by two vectors (one for the last columns,
/// or three with tiles of 8 rows; the last vector masked to the columns left). Every
/// element of C gets the same sums in the same order as in the packed forms with the same
/// `kc`: the sum of each depth block, from zero, written over C for the first block and
/// added to it for the others.
///
/// # Safety
///
/// The CPU supports `V`'s instruction set; `MR` is 8, 4, 2 or 1; `kc ≥ 1`; every element
/// of A and B named by `p` is readable and every element of C writable, nothing else
/// accesses C during the call, and C does not overlap A or B.
#[inline(always)]
pub(crate) unsafe fn direct<V: Vector, const MR: usize>(p: &DirectProduct<V::Elem>) {
    let lanes = V::LANES;
    let mut k0 = 0;
    while k0 < p.k {
        let depth = p.kc.min(p.k - k0);
        let mut block = *p;
        block.k = depth;
        block.a = p.a.wrapping_offset(k0 as isize * p.a_col);
        block.b = p.b.wrapping_offset(k0 as isize * p.b_row);
        let overwrite = k0 == 0;
        let mut j = 0;
        while j < p.n {
            let left = p.n - j;
            // The last three vectors' worth of columns in one panel: as two panels, the
            // second would load every value of A again for one vector of C. Only with tiles
            // of 8 rows (the instruction sets with 32 registers, which hold the 24 sums):
            // with 16 registers the sums of 4 × 3 vectors spilled (measured:
            // docs/tuning-notes.md#a-panel-of-three-vectors-in-the-direct-form).
            let cols = if MR == 8 && left > 2 * lanes && left <= 3 * lanes {
                left
            } else {
                left.min(2 * lanes)
            };
            let mut panel = block;
            panel.b = block.b.wrapping_add(j);
            panel.c = block.c.wrapping_add(j);
            // SAFETY (each arm): columns j..j + cols of B and C are inside the product.
            unsafe {
                if cols == 3 * lanes {
                    direct_rows::<V, MR, 3, false>(&panel, lanes, overwrite);
                } else if cols > 2 * lanes {
                    direct_rows::<V, MR, 3, true>(&panel, cols - 2 * lanes, overwrite);
                } else if cols == 2 * lanes {
                    direct_rows::<V, MR, 2, false>(&panel, lanes, overwrite);
                } else if cols > lanes {
                    direct_rows::<V, MR, 2, true>(&panel, cols - lanes, overwrite);
                } else {
                    direct_rows::<V, MR, 1, true>(&panel, cols, overwrite);
                }
            }
            j += cols;
        }
        k0 += depth;
    }
}

/// The `dots` form: four dot products of length `k` against one vector, in the crate's
/// dot order (`kernel::dot::dot`: eight interleaved partial sums, each product rounded
/// before it is added, a tail of the last `k mod 8` terms, combined pairwise), so that its
/// bits are that function's: `out[r] = dot(x, ys + r·ys_stride)` for `r < 4`. The loads of
/// `x` are shared by the four. With `ahead > 0` each row is prefetched `ahead` values
/// beyond the ones loaded (a hint: the results do not change).
///
/// # Safety
///
/// The CPU supports `V`'s instruction set; `V::LANES` divides 8; `x` is readable for `k`
/// values, `ys + r·ys_stride` for `k` values for each `r < 4`, and `out` writable for 4
/// values that nothing else accesses during the call.
#[inline(always)]
pub(crate) unsafe fn dots<V: Vector>(
    k: usize,
    x: *const V::Elem,
    ys: *const V::Elem,
    ys_stride: usize,
    out: *mut V::Elem,
    ahead: usize,
) {
    use crate::kernel::dot::{LANES as PARTIAL_SUMS, combine};
    const ROWS: usize = 4;
    debug_assert!(V::LANES <= PARTIAL_SUMS && PARTIAL_SUMS.is_multiple_of(V::LANES));
    // Registers per row holding its eight partial sums.
    let per_row = PARTIAL_SUMS / V::LANES;
    // SAFETY (all blocks): the CPU supports `V`'s instruction set; every address read is
    // below `k` values from `x` or from one of the four rows (the caller's contract).
    let zero = unsafe { V::zero() };
    let mut acc = [[zero; PARTIAL_SUMS]; ROWS];
    let whole = k / PARTIAL_SUMS * PARTIAL_SUMS;
    let mut p = 0;
    while p < whole {
        if ahead > 0 {
            for r in 0..ROWS {
                prefetch(ys.wrapping_add(r * ys_stride + p + ahead));
            }
        }
        for v in 0..per_row {
            let at = p + v * V::LANES;
            let x_v = unsafe { V::load(x.add(at)) };
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let y_v = unsafe { V::load(ys.add(r * ys_stride + at)) };
                acc_r[v] = unsafe { V::mul_then_add(acc_r[v], x_v, y_v) };
            }
        }
        p += PARTIAL_SUMS;
    }
    for (r, acc_r) in acc.iter().enumerate() {
        let mut partial = [V::Elem::zero(); PARTIAL_SUMS];
        for (v, &register) in acc_r.iter().take(per_row).enumerate() {
            unsafe { V::store(partial.as_mut_ptr().add(v * V::LANES), register) };
        }
        let row = ys.wrapping_add(r * ys_stride);
        let mut tail = V::Elem::zero();
        for q in whole..k {
            tail = unsafe { (*x.add(q)).mul_add(*row.add(q), tail) };
        }
        unsafe { *out.add(r) = combine(partial, tail) };
    }
}

/// Rows of B a pass of [`row_vector`] adds into C: each element of C is loaded and stored
/// once per pass, and the sums of the pass are a chain of this many dependent additions.
const ROW_VECTOR_PASS: usize = 8;

/// The `row_vector` form: one row of A times B, `c[j] = Σ_p x[p·x_step]·b[p·ldb + j]` for
/// `j < n`, each sum from zero with `p` increasing and each product rounded before it is
/// added (`Scalar::mul_add`), so that its bits are the i-k-j loop's (`kernel::rows`).
/// B is read row by row, [`ROW_VECTOR_PASS`] rows per pass along C (the last pass 4, 2 or
/// 1), with the last vector of each row masked to the columns left. With `ahead > 0` each
/// row is prefetched `ahead` values beyond the ones loaded (a hint: the results do not
/// change).
///
/// # Safety
///
/// The CPU supports `V`'s instruction set; `k ≥ 1`, `n ≥ 1`; `x + p·x_step` is readable
/// for `p < k`, `b + p·ldb` for `n` values for `p < k`; `c` is writable for `n` values that
/// nothing else accesses during the call and that overlap neither `x` nor B.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) unsafe fn row_vector<V: Vector>(
    k: usize,
    x: *const V::Elem,
    x_step: isize,
    b: *const V::Elem,
    ldb: usize,
    n: usize,
    c: *mut V::Elem,
    ahead: usize,
) {
    let mut p = 0;
    while p + ROW_VECTOR_PASS <= k {
        // SAFETY: rows p..p + 8 of B and values p..p + 8 of x are inside the product (the
        // caller's contract, p + 8 ≤ k); the first pass writes C from zero.
        unsafe { row_vector_pass::<V, ROW_VECTOR_PASS>(p, x, x_step, b, ldb, n, c, ahead) };
        p += ROW_VECTOR_PASS;
    }
    let rest = k - p;
    if rest & 4 != 0 {
        // SAFETY: as above, for rows p..p + 4 (p + 4 ≤ k).
        unsafe { row_vector_pass::<V, 4>(p, x, x_step, b, ldb, n, c, ahead) };
        p += 4;
    }
    if rest & 2 != 0 {
        // SAFETY: as above, for rows p..p + 2 (p + 2 ≤ k).
        unsafe { row_vector_pass::<V, 2>(p, x, x_step, b, ldb, n, c, ahead) };
        p += 2;
    }
    if rest & 1 != 0 {
        // SAFETY: as above, for row p (p + 1 ≤ k).
        unsafe { row_vector_pass::<V, 1>(p, x, x_step, b, ldb, n, c, ahead) };
    }
}

/// One pass of [`row_vector`]: rows `p0..p0 + R` of B added into C (written from zero
/// when `p0 = 0`).
///
/// # Safety
///
/// As for [`row_vector`], and `p0 + R ≤ k`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn row_vector_pass<V: Vector, const R: usize>(
    p0: usize,
    x: *const V::Elem,
    x_step: isize,
    b: *const V::Elem,
    ldb: usize,
    n: usize,
    c: *mut V::Elem,
    ahead: usize,
) {
    let lanes = V::LANES;
    let first = p0 == 0;
    // SAFETY: the CPU supports `V`'s instruction set; the R values of x read are among its
    // first k (the caller's contract, p0 + R ≤ k).
    let xs: [V::Register; R] = std::array::from_fn(|r| unsafe {
        V::splat(*x.wrapping_offset((p0 + r) as isize * x_step))
    });
    let rows: [*const V::Elem; R] = std::array::from_fn(|r| b.wrapping_add((p0 + r) * ldb));
    let mut j = 0;
    // A prefetch per row each 64 bytes of it.
    let line = (64 / std::mem::size_of::<V::Elem>().max(1)).max(lanes);
    while j + lanes <= n {
        if ahead > 0 && j % line == 0 {
            for row in &rows {
                prefetch(row.wrapping_add(j + ahead));
            }
        }
        // SAFETY: the CPU supports `V`'s instruction set; j + LANES ≤ n, so the vectors
        // read are inside rows p0..p0 + R of B and the one read and written is C's
        // (the caller's contract).
        unsafe {
            let mut acc = if first { V::zero() } else { V::load(c.add(j)) };
            for (x_r, row) in xs.iter().zip(&rows) {
                acc = V::mul_then_add(acc, V::load(row.add(j)), *x_r);
            }
            V::store(c.add(j), acc);
        }
        j += lanes;
    }
    if j < n {
        let tail = n - j;
        // SAFETY: as above, for the `tail < LANES` values left in each row, which the
        // masked loads and store touch alone.
        unsafe {
            let mut acc = if first {
                V::zero()
            } else {
                V::load_first(c.add(j), tail)
            };
            for (x_r, row) in xs.iter().zip(&rows) {
                acc = V::mul_then_add(acc, V::load_first(row.add(j), tail), *x_r);
            }
            V::store_first(c.add(j), acc, tail);
        }
    }
}

/// Whether [`direct`] on `p` is one panel of at most `MR` rows and one vector of columns,
/// in one depth block: what [`direct_panel`] computes, without the loops' set-up.
#[inline(always)]
pub(crate) fn is_one_panel<V: Vector, const MR: usize>(p: &DirectProduct<V::Elem>) -> bool {
    p.m <= MR && p.n <= V::LANES && p.k <= p.kc
}

/// [`direct`] for a product that [`is_one_panel`].
///
/// # Safety
///
/// As for [`direct`], and `is_one_panel::<V, MR>(p)`.
#[inline(always)]
pub(crate) unsafe fn direct_panel<V: Vector, const MR: usize>(p: &DirectProduct<V::Elem>) {
    debug_assert!(is_one_panel::<V, MR>(p));
    // SAFETY: the caller's contract: one panel, `p.n ≤ LANES` columns wide.
    unsafe { direct_rows::<V, MR, 1, true>(p, p.n, true) }
}

/// The tiles of one column panel of [`direct`], `NV` vectors wide (the last one `tail`
/// lanes when `MASKED`), top to bottom.
///
/// # Safety
///
/// As for [`direct`], for the `m × NV·LANES` panel at `p.b` and `p.c` (narrowed to
/// `(NV - 1)·LANES + tail` columns when `MASKED`), of depth `p.k`.
#[inline(always)]
unsafe fn direct_rows<V: Vector, const MR: usize, const NV: usize, const MASKED: bool>(
    p: &DirectProduct<V::Elem>,
    tail: usize,
    overwrite: bool,
) {
    let mut i = 0;
    let at = |i: usize| {
        let mut rows = *p;
        rows.a = p.a.wrapping_offset(i as isize * p.a_row);
        rows.c = p.c.wrapping_offset(i as isize * p.c_row);
        rows
    };
    // SAFETY (every call): rows i..i + MR (or 4, 2, 1) are inside the panel.
    while i + MR <= p.m {
        unsafe { direct_tile::<V, MR, NV, MASKED>(&at(i), tail, overwrite) };
        i += MR;
    }
    let rest = p.m - i;
    if MR > 4 && rest & 4 != 0 {
        unsafe { direct_tile::<V, 4, NV, MASKED>(&at(i), tail, overwrite) };
        i += 4;
    }
    if MR > 2 && rest & 2 != 0 {
        unsafe { direct_tile::<V, 2, NV, MASKED>(&at(i), tail, overwrite) };
        i += 2;
    }
    if MR > 1 && rest & 1 != 0 {
        unsafe { direct_tile::<V, 1, NV, MASKED>(&at(i), tail, overwrite) };
    }
}

/// One `MR × NV` vectors tile of [`direct`] at `p.a` and `p.c`, over depth `p.k`.
///
/// # Safety
///
/// As for [`direct_rows`], for MR rows from `p.a` and `p.c`.
#[inline(always)]
unsafe fn direct_tile<V: Vector, const MR: usize, const NV: usize, const MASKED: bool>(
    p: &DirectProduct<V::Elem>,
    tail: usize,
    overwrite: bool,
) {
    let last = |v: usize| MASKED && v + 1 == NV;
    // SAFETY (all blocks): the CPU supports `V`'s instruction set; every address read or
    // written is an element of A, B or C inside the tile (the caller's contract).
    let zero = unsafe { V::zero() };
    let mut acc = [[zero; NV]; MR];
    let (mut a, mut b) = (p.a, p.b);
    for _ in 0..p.k {
        let mut row_of_b = [zero; NV];
        for (v, slot) in row_of_b.iter_mut().enumerate() {
            let at = b.wrapping_add(v * V::LANES);
            *slot = unsafe {
                if last(v) {
                    V::load_first(at, tail)
                } else {
                    V::load(at)
                }
            };
        }
        for (i, acc_row) in acc.iter_mut().enumerate() {
            let a_i = unsafe { V::splat(*a.wrapping_offset(i as isize * p.a_row)) };
            for (acc_iv, &b_v) in acc_row.iter_mut().zip(&row_of_b) {
                *acc_iv = unsafe { V::mul_add(*acc_iv, a_i, b_v) };
            }
        }
        a = a.wrapping_offset(p.a_col);
        b = b.wrapping_offset(p.b_row);
    }
    for (i, acc_row) in acc.iter().enumerate() {
        let row = p.c.wrapping_offset(i as isize * p.c_row);
        for (v, &acc_iv) in acc_row.iter().enumerate() {
            let at = row.wrapping_add(v * V::LANES);
            unsafe {
                if last(v) {
                    let value = if overwrite {
                        acc_iv
                    } else {
                        V::add(V::load_first(at, tail), acc_iv)
                    };
                    V::store_first(at, value, tail);
                } else {
                    let value = if overwrite {
                        acc_iv
                    } else {
                        V::add(V::load(at), acc_iv)
                    };
                    V::store(at, value);
                }
            }
        }
    }
}

/// Writes the accumulators to the tile at `c` (rows `ldc` apart): overwriting it when
/// `overwrite`, adding to it otherwise.
///
/// # Safety
///
/// The CPU supports `V`'s instruction set; `c` points to `MR` rows of `NV · LANES`
/// readable and writable values, `ldc` apart, that nothing else accesses during the call.
#[inline(always)]
unsafe fn store_tile<V: TileArithmetic, const MR: usize, const NV: usize>(
    acc: &[[V::Accumulator; NV]; MR],
    c: *mut V::Elem,
    ldc: usize,
    overwrite: bool,
) {
    for (i, acc_row) in acc.iter().enumerate() {
        for (v, &acc_iv) in acc_row.iter().enumerate() {
            // SAFETY: (i, v·LANES..(v + 1)·LANES) is inside the MR × NR tile.
            unsafe {
                let p = c.add(i * ldc + v * V::LANES);
                let acc_iv = V::finish(acc_iv);
                let value = if overwrite {
                    acc_iv
                } else {
                    V::add(V::load(p), acc_iv)
                };
                V::store(p, value);
            }
        }
    }
}

/// Defines, inside an instruction set's module, the four forms of the tile kernel compiled
/// with that instruction set's `features`, and `instance::<S, V, MR, NV>()`, which builds
/// the [`Microkernel`](crate::kernel::Microkernel) for an `MR × NV·LANES` tile of `V` when
/// `S` has `V::Elem`'s arithmetic (see `same_arithmetic`) and `None` otherwise.
///
/// The module's `kernel::<S>()` lists its instances, one line each.
macro_rules! instruction_set_kernels {
    (features = $features:literal, level = $level:expr) => {
        use $crate::kernel::tile::{self, TileArithmetic};

        /// [`tile::packed`] with this instruction set's features.
        ///
        /// # Safety
        ///
        /// As for [`tile::packed`].
        #[target_feature(enable = $features)]
        unsafe fn packed<V: TileArithmetic, const MR: usize, const NV: usize>(
            depth: usize,
            a: *const V::Elem,
            b: *const V::Elem,
            c: *mut V::Elem,
            ldc: usize,
            overwrite: bool,
        ) {
            // SAFETY: the caller's contract, which includes the CPU's support.
            unsafe { tile::packed::<V, MR, NV>(depth, a, b, c, ldc, overwrite) }
        }

        /// [`tile::rows`] with this instruction set's features.
        ///
        /// # Safety
        ///
        /// As for [`tile::rows`].
        #[target_feature(enable = $features)]
        unsafe fn rows<V: TileArithmetic, const MR: usize, const NV: usize>(
            depth: usize,
            a: *const V::Elem,
            lda: usize,
            b: *const V::Elem,
            c: *mut V::Elem,
            ldc: usize,
            overwrite: bool,
        ) {
            // SAFETY: the caller's contract, which includes the CPU's support.
            unsafe { tile::rows::<V, MR, NV>(depth, a, lda, b, c, ldc, overwrite) }
        }

        /// [`tile::columns`] with this instruction set's features.
        ///
        /// # Safety
        ///
        /// As for [`tile::columns`].
        #[target_feature(enable = $features)]
        unsafe fn columns<V: TileArithmetic, const MR: usize, const NV: usize>(
            depth: usize,
            a: *const V::Elem,
            lda: usize,
            b: *const V::Elem,
            c: *mut V::Elem,
            ldc: usize,
            overwrite: bool,
        ) {
            // SAFETY: the caller's contract, which includes the CPU's support.
            unsafe { tile::columns::<V, MR, NV>(depth, a, lda, b, c, ldc, overwrite) }
        }

        /// [`tile::packing_b`] with this instruction set's features.
        ///
        /// # Safety
        ///
        /// As for [`tile::packing_b`].
        #[allow(clippy::too_many_arguments)]
        #[target_feature(enable = $features)]
        unsafe fn packing_b<V: TileArithmetic, const MR: usize, const NV: usize>(
            depth: usize,
            a: *const V::Elem,
            a_row: usize,
            a_step: usize,
            b: *const V::Elem,
            ldb: usize,
            b_out: *mut V::Elem,
            c: *mut V::Elem,
            ldc: usize,
            overwrite: bool,
        ) {
            // SAFETY: the caller's contract, which includes the CPU's support.
            unsafe {
                tile::packing_b::<V, MR, NV>(
                    depth, a, a_row, a_step, b, ldb, b_out, c, ldc, overwrite,
                )
            }
        }

        /// [`tile::direct`] with this instruction set's features.
        ///
        /// # Safety
        ///
        /// As for [`tile::direct`].
        #[target_feature(enable = $features)]
        unsafe fn direct<V: tile::Vector, const MR: usize>(p: &tile::DirectProduct<V::Elem>) {
            if tile::is_one_panel::<V, MR>(p) {
                // SAFETY: the caller's contract, which includes the CPU's support; one panel.
                unsafe { tile::direct_panel::<V, MR>(p) }
            } else {
                // SAFETY: the caller's contract, which includes the CPU's support.
                unsafe { direct_loops::<V, MR>(p) }
            }
        }

        /// [`tile::direct`] out of line, so that a tiny product's call does not pay for
        /// setting up its loops.
        ///
        /// # Safety
        ///
        /// As for [`tile::direct`].
        #[target_feature(enable = $features)]
        #[inline(never)]
        unsafe fn direct_loops<V: tile::Vector, const MR: usize>(p: &tile::DirectProduct<V::Elem>) {
            // SAFETY: the caller's contract, which includes the CPU's support.
            unsafe { tile::direct::<V, MR>(p) }
        }

        /// The kernel for an `MR × NV·LANES` tile of `V`, as a kernel for `S`, when `S` has
        /// `V::Elem`'s layout and arithmetic; `None` otherwise. Without the `direct` form:
        /// that needs lane-wise vectors ([`vector_instance`]).
        ///
        /// # Safety
        ///
        /// The CPU supports this instruction set.
        #[inline(always)]
        #[allow(dead_code)]
        unsafe fn instance<S: 'static, V: TileArithmetic, const MR: usize, const NV: usize>()
        -> Option<$crate::kernel::Microkernel<S>> {
            // SAFETY: the caller's contract.
            unsafe { build::<S, V, MR, NV>($crate::kernel::VectorForms::NONE) }
        }

        /// [`tile::dots`] with this instruction set's features.
        ///
        /// # Safety
        ///
        /// As for [`tile::dots`].
        #[target_feature(enable = $features)]
        unsafe fn dots<V: tile::Vector>(
            k: usize,
            x: *const V::Elem,
            ys: *const V::Elem,
            ys_stride: usize,
            out: *mut V::Elem,
            ahead: usize,
        ) {
            // SAFETY: the caller's contract, which includes the CPU's support.
            unsafe { tile::dots::<V>(k, x, ys, ys_stride, out, ahead) }
        }

        /// [`tile::row_vector`] with this instruction set's features.
        ///
        /// # Safety
        ///
        /// As for [`tile::row_vector`].
        #[target_feature(enable = $features)]
        #[allow(clippy::too_many_arguments)]
        unsafe fn row_vector<V: tile::Vector>(
            k: usize,
            x: *const V::Elem,
            x_step: isize,
            b: *const V::Elem,
            ldb: usize,
            n: usize,
            c: *mut V::Elem,
            ahead: usize,
        ) {
            // SAFETY: the caller's contract, which includes the CPU's support.
            unsafe { tile::row_vector::<V>(k, x, x_step, b, ldb, n, c, ahead) }
        }

        /// [`instance`] for a lane-wise vector, with the `direct` form in tiles of `DMR`
        /// rows (8 or 4), and the `dots` form where a vector's lanes divide its eight
        /// partial sums.
        ///
        /// # Safety
        ///
        /// The CPU supports this instruction set.
        #[inline(always)]
        unsafe fn vector_instance<
            S: 'static,
            V: tile::Vector,
            const MR: usize,
            const NV: usize,
            const DMR: usize,
        >() -> Option<$crate::kernel::Microkernel<S>> {
            const { assert!(DMR == 8 || DMR == 4) };
            let dots = 8usize
                .is_multiple_of(V::LANES)
                .then_some(dots::<V> as $crate::kernel::DotsFn<V::Elem>);
            let vector_forms = $crate::kernel::VectorForms {
                direct: Some(direct::<V, DMR>),
                dots,
                row_vector: Some(row_vector::<V>),
            };
            // SAFETY: the caller's contract; `dots` only where `V::LANES` divides 8.
            unsafe { build::<S, V, MR, NV>(vector_forms) }
        }

        /// [`instance`] with the given forms for lane-wise vectors.
        ///
        /// # Safety
        ///
        /// The CPU supports this instruction set; the `vector_forms` are this module's for
        /// `V`.
        #[inline(always)]
        unsafe fn build<S: 'static, V: TileArithmetic, const MR: usize, const NV: usize>(
            vector_forms: $crate::kernel::VectorForms<V::Elem>,
        ) -> Option<$crate::kernel::Microkernel<S>> {
            if !$crate::kernel::same_arithmetic::<S, V::Elem>() {
                return None;
            }
            let forms = $crate::kernel::TileForms {
                packed: packed::<V, MR, NV>,
                rows: rows::<V, MR, NV>,
                columns: columns::<V, MR, NV>,
                packing_b: packing_b::<V, MR, NV>,
                vector_forms,
            };
            // SAFETY: the forms have the contracts `Microkernel::new` asks for, for an
            // `MR × NV·LANES` tile of `V::Elem` (the `Vector` contract); the CPU supports
            // the instruction set (this function's contract); `S` has `V::Elem`'s size,
            // alignment, valid bit patterns and wrapping arithmetic (`same_arithmetic`), as
            // `cast` asks.
            Some(unsafe {
                $crate::kernel::Microkernel::new(MR, NV * V::LANES, $level, forms).cast::<S>()
            })
        }
    };
}

pub(crate) use instruction_set_kernels;

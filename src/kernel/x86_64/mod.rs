//! Hand-written microkernels for x86-64: AVX-512 and AVX2 (+FMA), for `f32`, `f64`, `i32`
//! and `i64` (the unsigned 32- and 64-bit types reuse the integer kernels: wrapping
//! multiply and add are the same bit operations for signed and unsigned values).
//!
//! Each kernel computes one full `MR × NR` tile of C from packed panels: NR is a whole
//! number of vectors along a row of C, MR rows each broadcast one value of A per step. The
//! accumulators stay in vector registers for the whole depth and are written to C once.
//! Kernels are selected at run time by [`crate::kernel::Simd`]; they are only ever called
//! after the CPU was found to support their instructions.

/// How many rows of B ahead the packing form of a kernel prefetches. Alternating runs of
/// the blocked product (one process, best of each round, medians of 10 rounds, f64 on
/// AVX-512, one thread, GFLOP/s) against packing B in a pass of its own (54.1–54.9 at
/// n = 512, 52.7–53.5 at 1024): 8 rows 55.3 and 54.0, 16 rows 55.7 and 53.8, 24 rows 55.2
/// and 54.0, 32 rows 55.7 and 53.5, 64 rows 56.1 and 53.4; at n = 2048, 16 rows gained most
/// (0.9 %, against 0.4 % for 64). Without the prefetch the packing form was slower than the
/// separate pass (53.3 against 54.1 at n = 512).
pub(crate) const B_PREFETCH_ROWS: usize = 16;

pub(crate) mod avx2;
pub(crate) mod avx512;

/// Defines a full-tile microkernel from its vector operations, in four forms: `$name` reads
/// A from a packed panel (the MR values of a step side by side), `$rows_name` straight from
/// MR rows of a row-major A (`lda` apart, consecutive steps consecutive in each row),
/// `$cols_name` straight from the columns of a column-major A (`lda` apart, the MR values
/// of a step side by side), and `$fill_name` packs B's panel while it runs.
///
/// All have the contract of [`crate::kernel::TileFn`] (with A read from where the form
/// says, and for `$fill_name` B too): they read `depth` steps of A and `depth · NR` values
/// of B, and write (or, without `overwrite`, add to) the `MR × NR` tile at `c` with row
/// stride `ldc`.
macro_rules! full_tile_kernel {
    (
        $(#[$attr:meta])*
        $name:ident / $rows_name:ident / $cols_name:ident / $fill_name:ident, feature = $feature:literal, elem = $elem:ty,
        vector = $vector:ty, lanes = $lanes:literal, mr = $mr:literal, vectors = $nv:literal,
        zero = $zero:path, load = $load:path, store = $store:path,
        splat = $splat:path, mul_add = $mul_add:path, add = $add:path
    ) => {
        $(#[$attr])*
        ///
        /// # Safety
        ///
        /// The CPU supports the enabled target features; `a` is readable for `depth · MR`
        /// values and `b` for `depth · NR`; `c` points to an `MR × NR` tile, rows `ldc`
        /// apart, readable and writable, that nothing else accesses during the call.
        #[target_feature(enable = $feature)]
        pub(crate) unsafe fn $name(
            depth: usize,
            a: *const $elem,
            b: *const $elem,
            c: *mut $elem,
            ldc: usize,
            overwrite: bool,
        ) {
            const MR: usize = $mr;
            // SAFETY: value i of step p is `a + p·MR + i`, inside the packed panel.
            let a_at = |step: usize, i: usize| unsafe { *a.add(step * MR + i) };
            full_tile_kernel!(@body depth, a_at, b, c, ldc, overwrite, $elem, $vector,
                $lanes, $mr, $nv, $zero, $load, $store, $splat, $mul_add, $add);
        }

        $(#[$attr])*
        /// This form reads A straight from `MR` rows of a row-major matrix.
        ///
        /// # Safety
        ///
        /// As for the packed form, with A given as `MR` rows `lda` apart, each readable for
        /// `depth` consecutive values from `a + i·lda`.
        #[target_feature(enable = $feature)]
        pub(crate) unsafe fn $rows_name(
            depth: usize,
            a: *const $elem,
            lda: usize,
            b: *const $elem,
            c: *mut $elem,
            ldc: usize,
            overwrite: bool,
        ) {
            // SAFETY: value i of step p is `a + i·lda + p`, inside row i of A.
            let a_at = |step: usize, i: usize| unsafe { *a.add(i * lda + step) };
            full_tile_kernel!(@body depth, a_at, b, c, ldc, overwrite, $elem, $vector,
                $lanes, $mr, $nv, $zero, $load, $store, $splat, $mul_add, $add);
        }

        $(#[$attr])*
        /// This form reads A straight from `depth` columns of a column-major matrix (a
        /// transposed row-major one), `lda` apart, each holding the step's `MR` values side
        /// by side, as a packed panel does.
        ///
        /// # Safety
        ///
        /// As for the packed form, with A given as `depth` columns `lda` apart, each
        /// readable for `MR` consecutive values from `a + p·lda`.
        #[target_feature(enable = $feature)]
        pub(crate) unsafe fn $cols_name(
            depth: usize,
            a: *const $elem,
            lda: usize,
            b: *const $elem,
            c: *mut $elem,
            ldc: usize,
            overwrite: bool,
        ) {
            // SAFETY: value i of step p is `a + p·lda + i`, inside column p of A.
            let a_at = |step: usize, i: usize| unsafe { *a.add(step * lda + i) };
            full_tile_kernel!(@body depth, a_at, b, c, ldc, overwrite, $elem, $vector,
                $lanes, $mr, $nv, $zero, $load, $store, $splat, $mul_add, $add);
        }

        $(#[$attr])*
        /// This form reads value i of step p of A at `a + i·a_row + p·a_step` (a packed
        /// panel: `a_row` 1, `a_step` MR; rows of a row-major matrix: `a_row` their
        /// stride, `a_step` 1) and B straight from `depth` rows of `NR` contiguous values,
        /// `ldb` apart, and packs B as it goes: it writes each row of B it loads to
        /// `b_out`, which then holds the panel the packed form reads.
        ///
        /// # Safety
        ///
        /// As for the packed form, with A readable at every `a + i·a_row + p·a_step`
        /// (i < MR, p < depth), B given as `depth` rows `ldb` apart, each readable for
        /// `NR` consecutive values from `b + p·ldb`, and `b_out` writable for
        /// `depth · NR` values that nothing else accesses during the call.
        #[target_feature(enable = $feature)]
        #[allow(clippy::too_many_arguments)]
        pub(crate) unsafe fn $fill_name(
            depth: usize,
            a: *const $elem,
            a_row: usize,
            a_step: usize,
            b: *const $elem,
            ldb: usize,
            b_out: *mut $elem,
            c: *mut $elem,
            ldc: usize,
            overwrite: bool,
        ) {
            const MR: usize = $mr;
            const NV: usize = $nv;
            const LANES: usize = $lanes;
            const NR: usize = NV * LANES;
            let zero: $vector = $zero();
            let mut acc = [[zero; NV]; MR];
            let (mut b, mut b_out) = (b, b_out);
            let b_first = b;
            for step in 0..depth {
                // Ask for the row of B `B_PREFETCH_ROWS` steps on (past the last row, the
                // first rows of the next panel to the right). The rows lie `ldb` apart
                // (8 KiB for f64 at n = 1024: a new page every row), where the hardware
                // prefetchers, which stay within a page, do not follow.
                let ahead = step + $crate::kernel::x86_64::B_PREFETCH_ROWS;
                let row = if ahead < depth {
                    b.wrapping_add($crate::kernel::x86_64::B_PREFETCH_ROWS * ldb)
                } else {
                    b_first.wrapping_add(NR + (ahead - depth) * ldb)
                };
                // Prefetching has no effect on memory, wherever the addresses point.
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(row.cast());
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    row.wrapping_add(NR - 1).cast(),
                );
                let mut row_of_b = [zero; NV];
                for (v, slot) in row_of_b.iter_mut().enumerate() {
                    // SAFETY: row `step` of B holds NR values at `b`; the panel being
                    // packed holds NR values for it at `b_out`.
                    unsafe {
                        *slot = $load(b.add(v * LANES));
                        $store(b_out.add(v * LANES), *slot);
                    }
                }
                for (i, acc_row) in acc.iter_mut().enumerate() {
                    // SAFETY: value i of step `step` is `a + i·a_row + step·a_step`.
                    let a_i = $splat(unsafe { *a.add(i * a_row + step * a_step) });
                    for (acc_iv, &b_v) in acc_row.iter_mut().zip(&row_of_b) {
                        *acc_iv = $mul_add(*acc_iv, a_i, b_v);
                    }
                }
                // Moving to the next row of B (one past the last after the final step).
                b = b.wrapping_add(ldb);
                // SAFETY: advancing within (or one past) the panel of `depth` steps.
                b_out = unsafe { b_out.add(NR) };
            }
            full_tile_kernel!(@store acc, c, ldc, overwrite, $load, $store, $add, LANES);
        }
    };
    (@body $depth:ident, $a_at:ident, $b:ident, $c:ident, $ldc:ident, $overwrite:ident,
        $elem:ty, $vector:ty, $lanes:literal, $mr:literal, $nv:literal, $zero:path,
        $load:path, $store:path, $splat:path, $mul_add:path, $add:path) => {{
        const MR: usize = $mr;
        const NV: usize = $nv;
        const LANES: usize = $lanes;
        const NR: usize = NV * LANES;
        // Ask for the C tile now: it is needed only after the depth loop, and by then its
        // lines are in L1 instead of costing a cache miss each.
        for i in 0..MR {
            // SAFETY: prefetching has no effect on memory; the addresses are the first and
            // last element of row i of the tile.
            unsafe {
                let row = $c.add(i * $ldc);
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(row.cast());
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    row.add(NR - 1).cast(),
                );
            }
        }
        let zero: $vector = $zero();
        let mut acc = [[zero; NV]; MR];
        let mut b = $b;
        for step in 0..$depth {
            let mut row_of_b = [zero; NV];
            for (v, slot) in row_of_b.iter_mut().enumerate() {
                // SAFETY: this step's NR values of `b` are inside the panel.
                *slot = unsafe { $load(b.add(v * LANES)) };
            }
            for (i, acc_row) in acc.iter_mut().enumerate() {
                let a_i = $splat($a_at(step, i));
                for (acc_iv, &b_v) in acc_row.iter_mut().zip(&row_of_b) {
                    *acc_iv = $mul_add(*acc_iv, a_i, b_v);
                }
            }
            // SAFETY: advancing within (or one past) the panel of `depth` steps.
            b = unsafe { b.add(NR) };
        }
        full_tile_kernel!(@store acc, $c, $ldc, $overwrite, $load, $store, $add, LANES);
    }};
    (@store $acc:ident, $c:ident, $ldc:ident, $overwrite:ident, $load:path, $store:path,
        $add:path, $lanes:ident) => {
        for (i, acc_row) in $acc.iter().enumerate() {
            for (v, &acc_iv) in acc_row.iter().enumerate() {
                // SAFETY: (i, v·LANES..v·LANES + LANES) is inside the MR × NR tile.
                unsafe {
                    let p = $c.add(i * $ldc + v * $lanes);
                    let value = if $overwrite { acc_iv } else { $add($load(p), acc_iv) };
                    $store(p, value);
                }
            }
        }
    };
}

pub(crate) use full_tile_kernel;

//! A register-tile microkernel as the loop nest sees it: its tile shape, its instruction
//! set and its forms, behind checked wrappers.

use crate::element::Scalar;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
use crate::kernel::tile::DirectProduct;
use crate::kernel::{Simd, portable};
use crate::matrix::{MatMut, MatRef};

/// A full-tile microkernel reading A from a packed panel: see
/// [`tile::packed`](crate::kernel::tile::packed) (and [`portable::tile`]) for the contract.
pub(crate) type TileFn<S> = unsafe fn(usize, *const S, *const S, *mut S, usize, bool);

/// A full-tile microkernel reading A in place through one stride: see
/// [`tile::rows`](crate::kernel::tile::rows) and [`tile::columns`](crate::kernel::tile::columns)
/// (and [`portable::tile_rows`]).
pub(crate) type TileStridedAFn<S> =
    unsafe fn(usize, *const S, usize, *const S, *mut S, usize, bool);

/// A full-tile microkernel reading A through two strides and B from its rows, packing B's
/// panel as it goes: see [`tile::packing_b`](crate::kernel::tile::packing_b).
pub(crate) type TilePackingBFn<S> =
    unsafe fn(usize, *const S, usize, usize, *const S, usize, *mut S, *mut S, usize, bool);

/// A whole small product computed in place, with no packing: see
/// [`tile::direct`](crate::kernel::tile::direct).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) type DirectFn<S> = unsafe fn(&DirectProduct<S>);

/// Four dot products against one vector, with `kernel::dot::dot`'s sums: see
/// [`tile::dots`](crate::kernel::tile::dots).
pub(crate) type DotsFn<S> = unsafe fn(usize, *const S, *const S, usize, *mut S, usize);

/// One row of A times B, with the i-k-j loop's sums: see
/// [`tile::row_vector`](crate::kernel::tile::row_vector).
pub(crate) type RowVectorFn<S> =
    unsafe fn(usize, *const S, isize, *const S, usize, usize, *mut S, usize);

/// The forms only lane-wise vectors have (see [`tile::Vector`](crate::kernel::tile::Vector)).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[derive(Clone, Copy)]
pub(crate) struct VectorForms<S> {
    /// The whole product in place.
    pub(crate) direct: Option<DirectFn<S>>,
    /// Four dot products at once, where the lanes divide 8.
    pub(crate) dots: Option<DotsFn<S>>,
    /// One row of A times B.
    pub(crate) row_vector: Option<RowVectorFn<S>>,
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
impl<S> VectorForms<S> {
    /// None of them: a kernel whose products mix lanes.
    pub(crate) const NONE: VectorForms<S> = VectorForms {
        direct: None,
        dots: None,
        row_vector: None,
    };
}

/// The forms of a hand-written kernel (see [`tile`](crate::kernel::tile)).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[derive(Clone, Copy)]
pub(crate) struct TileForms<S> {
    /// A from a packed panel.
    pub(crate) packed: TileFn<S>,
    /// A from MR rows of a row-major matrix.
    pub(crate) rows: TileStridedAFn<S>,
    /// A from the columns of a column-major matrix.
    pub(crate) columns: TileStridedAFn<S>,
    /// A through two strides; B from its rows, packed on the way.
    pub(crate) packing_b: TilePackingBFn<S>,
    /// The forms of lane-wise types.
    pub(crate) vector_forms: VectorForms<S>,
}

/// A microkernel and its tile shape.
#[derive(Clone, Copy)]
pub(crate) struct Microkernel<S> {
    /// Rows of the register tile (values of A broadcast per step).
    pub(crate) mr: usize,
    /// Columns of the register tile (values of B loaded per step).
    pub(crate) nr: usize,
    /// The instruction set the kernel uses.
    pub(crate) simd: Simd,
    packed: TileFn<S>,
    rows: TileStridedAFn<S>,
    /// The form reading A from columns, where there is one.
    columns: Option<TileStridedAFn<S>>,
    /// The form packing B while it runs, where there is one.
    packing_b: Option<TilePackingBFn<S>>,
    /// The form computing a whole small product in place, where there is one.
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    direct: Option<DirectFn<S>>,
    /// The form computing four dot products at once, where there is one.
    dots: Option<DotsFn<S>>,
    /// The form computing one row of A times B, where there is one.
    row_vector: Option<RowVectorFn<S>>,
}

impl<S: Scalar> Microkernel<S> {
    /// The portable `4 × 4` kernel.
    pub(crate) fn portable() -> Microkernel<S> {
        Microkernel {
            mr: 4,
            nr: 4,
            simd: Simd::Portable,
            packed: portable::tile::<S, 4, 4>,
            rows: portable::tile_rows::<S, 4, 4>,
            columns: None,
            packing_b: None,
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            direct: None,
            dots: None,
            row_vector: None,
        }
    }
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
impl<S> Microkernel<S> {
    /// A hand-written kernel with an `mr × nr` tile.
    ///
    /// # Safety
    ///
    /// The forms have the contracts of the [`tile`](crate::kernel::tile) functions they are
    /// named after, for an `mr × nr` tile of `S`, and if they use instructions beyond the
    /// baseline, `simd.is_available()` is true.
    pub(crate) unsafe fn new(mr: usize, nr: usize, simd: Simd, forms: TileForms<S>) -> Self {
        debug_assert!(simd.is_available());
        Microkernel {
            mr,
            nr,
            simd,
            packed: forms.packed,
            rows: forms.rows,
            columns: Some(forms.columns),
            packing_b: Some(forms.packing_b),
            direct: forms.vector_forms.direct,
            dots: forms.vector_forms.dots,
            row_vector: forms.vector_forms.row_vector,
        }
    }

    /// The same kernel for another element type with identical bits and arithmetic.
    ///
    /// # Safety
    ///
    /// `U` has `S`'s size, alignment and valid bit patterns, and the kernel's arithmetic on
    /// `S` bits is `U`'s arithmetic (true for `i32`/`u32` and `i64`/`u64`: wrapping add and
    /// multiply do not depend on signedness).
    pub(crate) unsafe fn cast<U>(self) -> Microkernel<U> {
        Microkernel {
            mr: self.mr,
            nr: self.nr,
            simd: self.simd,
            // SAFETY: the pointer types differ only in the pointee, which has the same
            // layout (the caller's contract), so the function ABI is identical.
            packed: unsafe { std::mem::transmute::<TileFn<S>, TileFn<U>>(self.packed) },
            // SAFETY: as for `packed`.
            rows: unsafe { std::mem::transmute::<TileStridedAFn<S>, TileStridedAFn<U>>(self.rows) },
            // SAFETY: as for `packed`.
            columns: self
                .columns
                .map(|f| unsafe { std::mem::transmute::<TileStridedAFn<S>, TileStridedAFn<U>>(f) }),
            // SAFETY: as for `packed`.
            packing_b: self
                .packing_b
                .map(|f| unsafe { std::mem::transmute::<TilePackingBFn<S>, TilePackingBFn<U>>(f) }),
            // SAFETY: as for `packed` (the argument is a reference to a struct of pointers
            // to the element type and integers).
            direct: self
                .direct
                .map(|f| unsafe { std::mem::transmute::<DirectFn<S>, DirectFn<U>>(f) }),
            // SAFETY: as for `packed`.
            dots: self
                .dots
                .map(|f| unsafe { std::mem::transmute::<DotsFn<S>, DotsFn<U>>(f) }),
            // SAFETY: as for `packed`.
            row_vector: self
                .row_vector
                .map(|f| unsafe { std::mem::transmute::<RowVectorFn<S>, RowVectorFn<U>>(f) }),
        }
    }
}

impl<S: Scalar> Microkernel<S> {
    /// Runs the kernel on `depth` steps of the panels `a` (MR per step) and `b` (NR per
    /// step), into `tile`: overwriting it when `overwrite`, adding to it otherwise.
    ///
    /// # Panics
    ///
    /// If a panel is shorter than `depth` steps, or `tile` is not an `MR × NR` view with
    /// contiguous rows.
    ///
    /// Always inlined, as are the other `run_tile_*` wrappers and their checks: a shallow
    /// product's tile is a few hundred multiply-adds, so a call costs visibly
    /// (measured: docs/tuning-notes.md#inlined-tile-wrappers).
    #[inline(always)]
    pub(crate) fn run_tile(
        &self,
        depth: usize,
        a: &[S],
        b: &[S],
        mut tile: MatMut<'_, S>,
        overwrite: bool,
    ) {
        assert!(a.len() >= depth * self.mr && b.len() >= depth * self.nr);
        let ldc = self.tile_stride(&tile);
        // SAFETY: the panels hold `depth` steps (asserted); the tile's MR rows of NR
        // contiguous values, `ldc` apart, are exactly the elements of `tile`, a view with
        // exclusive access to them (distinct rows: ldc ≥ NR); the kernel's instructions
        // are available (the contract of `Microkernel::new`).
        unsafe {
            (self.packed)(
                depth,
                a.as_ptr(),
                b.as_ptr(),
                tile.as_mut_ptr(),
                ldc,
                overwrite,
            )
        }
    }
}

impl<S: Scalar> Microkernel<S> {
    /// The row stride of `tile`, checked to be an `MR × NR` view of contiguous, distinct
    /// rows stored top to bottom (panics otherwise).
    #[inline(always)]
    fn tile_stride(&self, tile: &MatMut<'_, S>) -> usize {
        assert!(tile.shape() == (self.mr, self.nr) && tile.col_stride() == 1);
        let ldc = usize::try_from(tile.row_stride()).expect("rows are stored top to bottom");
        assert!(ldc >= self.nr);
        ldc
    }

    /// The depth and row stride of `a`, checked to be `MR` rows of consecutive values
    /// stored top to bottom (panics otherwise).
    #[inline(always)]
    fn rows_of_a(&self, a: MatRef<'_, S>) -> (usize, usize) {
        let depth = a.cols();
        assert!(a.rows() == self.mr && (a.col_stride() == 1 || depth <= 1));
        let lda = usize::try_from(a.row_stride()).expect("rows are stored top to bottom");
        (depth, lda)
    }

    /// [`Microkernel::run_tile`] with A read straight from `a`: `MR` rows, `depth`
    /// columns, contiguous rows.
    ///
    /// # Panics
    ///
    /// If `a` is not an `MR × depth` view with column stride 1, `b` is shorter than
    /// `depth` steps, or `tile` is not an `MR × NR` view with contiguous rows.
    #[inline(always)]
    pub(crate) fn run_tile_rows(
        &self,
        a: MatRef<'_, S>,
        b: &[S],
        mut tile: MatMut<'_, S>,
        overwrite: bool,
    ) {
        let (depth, lda) = self.rows_of_a(a);
        assert!(b.len() >= depth * self.nr);
        let ldc = self.tile_stride(&tile);
        // SAFETY: the MR rows of `a` hold `depth` consecutive values each, `lda` apart
        // (the view's layout, asserted); the panel of B holds `depth` steps; the tile is as
        // in `run_tile`; the kernel's instructions are available (`Microkernel::new`).
        unsafe {
            (self.rows)(
                depth,
                a.as_ptr(),
                lda,
                b.as_ptr(),
                tile.as_mut_ptr(),
                ldc,
                overwrite,
            )
        }
    }
}

impl<S: Scalar> Microkernel<S> {
    /// Whether the kernel can pack B's panel while it runs (see
    /// [`Microkernel::run_tile_rows_packing_b`]).
    #[inline]
    pub(crate) fn packs_b_while_running(&self) -> bool {
        self.packing_b.is_some()
    }

    /// Whether the kernel reads A in place from the columns of a column-major matrix (see
    /// [`Microkernel::run_tile_columns`]).
    #[inline]
    pub(crate) fn reads_a_columns(&self) -> bool {
        self.columns.is_some()
    }

    /// [`Microkernel::run_tile`] with A read straight from `a`: `MR` rows, `depth`
    /// columns, contiguous columns (row stride 1), as in a transposed row-major matrix.
    ///
    /// # Panics
    ///
    /// If the kernel has no such form ([`Microkernel::reads_a_columns`]), `a` is not an
    /// `MR × depth` view with row stride 1 and columns left to right, `b` is shorter than
    /// `depth` steps, or `tile` is not an `MR × NR` view with contiguous rows.
    #[inline(always)]
    pub(crate) fn run_tile_columns(
        &self,
        a: MatRef<'_, S>,
        b: &[S],
        mut tile: MatMut<'_, S>,
        overwrite: bool,
    ) {
        let columns = self.columns.expect("the kernel reads A's columns");
        let (depth, lda) = self.columns_of_a(a);
        assert!(b.len() >= depth * self.nr);
        let ldc = self.tile_stride(&tile);
        // SAFETY: the `depth` columns of `a` hold MR consecutive values each, `lda` apart
        // (the view's layout, checked by `columns_of_a`); the panel of B holds `depth`
        // steps; the tile is as in `run_tile`; the kernel's instructions are available
        // (`Microkernel::new`).
        unsafe {
            columns(
                depth,
                a.as_ptr(),
                lda,
                b.as_ptr(),
                tile.as_mut_ptr(),
                ldc,
                overwrite,
            )
        }
    }

    /// [`Microkernel::run_tile_columns`] with B read straight from `b` and packed to
    /// `b_out` as in [`Microkernel::run_tile_rows_packing_b`].
    ///
    /// # Panics
    ///
    /// If `a` is not as [`Microkernel::run_tile_columns`] requires, or `b`, `b_out` or
    /// `tile` not as [`Microkernel::run_tile_rows_packing_b`] does.
    #[inline]
    pub(crate) fn run_tile_columns_packing_b(
        &self,
        a: MatRef<'_, S>,
        b: MatRef<'_, S>,
        b_out: &mut [S],
        tile: MatMut<'_, S>,
        overwrite: bool,
    ) {
        let (depth, lda) = self.columns_of_a(a);
        // SAFETY: value i of step p is `a + i + p·lda`, inside column p of the view (its
        // layout, checked by `columns_of_a`).
        unsafe { self.run_packing_b(depth, a.as_ptr(), (1, lda), b, b_out, tile, overwrite) }
    }

    /// The depth and column stride of `a`, checked to be `depth` columns of `MR`
    /// consecutive values stored left to right (panics otherwise).
    #[inline(always)]
    fn columns_of_a(&self, a: MatRef<'_, S>) -> (usize, usize) {
        let depth = a.cols();
        assert!(a.rows() == self.mr && (a.row_stride() == 1 || self.mr <= 1));
        let lda = usize::try_from(a.col_stride()).expect("columns are stored left to right");
        (depth, lda)
    }

    /// [`Microkernel::run_tile_rows`] with B read straight from `b` (`depth` rows of NR
    /// contiguous values) instead of a panel, writing the panel it reads to `b_out` (the
    /// values [`pack_b_panels`](crate::kernel::pack::pack_b_panels) would put there), so that
    /// one pass over B both packs it and uses it.
    ///
    /// # Panics
    ///
    /// If the kernel has no such form ([`Microkernel::packs_b_while_running`]), `a` is not
    /// an `MR × depth` view with column stride 1, `b` is not a `depth × NR` view with
    /// column stride 1 and rows top to bottom, `b_out` is shorter than `depth` steps, or
    /// `tile` is not an `MR × NR` view with contiguous rows.
    #[inline]
    pub(crate) fn run_tile_rows_packing_b(
        &self,
        a: MatRef<'_, S>,
        b: MatRef<'_, S>,
        b_out: &mut [S],
        tile: MatMut<'_, S>,
        overwrite: bool,
    ) {
        let (depth, lda) = self.rows_of_a(a);
        // SAFETY: value i of step p is `a + i·lda + p`, inside row i of the view (its
        // layout, checked by `rows_of_a`).
        unsafe { self.run_packing_b(depth, a.as_ptr(), (lda, 1), b, b_out, tile, overwrite) }
    }

    /// [`Microkernel::run_tile`] with B read straight from `b` and packed to `b_out` as in
    /// [`Microkernel::run_tile_rows_packing_b`].
    ///
    /// # Panics
    ///
    /// If the kernel has no such form, `a` is shorter than `depth` steps, or `b`, `b_out`
    /// or `tile` are not as [`Microkernel::run_tile_rows_packing_b`] requires.
    #[inline]
    pub(crate) fn run_tile_packing_b(
        &self,
        depth: usize,
        a: &[S],
        b: MatRef<'_, S>,
        b_out: &mut [S],
        tile: MatMut<'_, S>,
        overwrite: bool,
    ) {
        assert!(a.len() >= depth * self.mr);
        // SAFETY: value i of step p is `a + p·MR + i`, inside the panel (asserted).
        unsafe { self.run_packing_b(depth, a.as_ptr(), (1, self.mr), b, b_out, tile, overwrite) }
    }

    /// The packing form on A at `a`, value i of step p at `a + i·strides.0 + p·strides.1`.
    ///
    /// # Safety
    ///
    /// Those `MR × depth` values of A are readable.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    unsafe fn run_packing_b(
        &self,
        depth: usize,
        a: *const S,
        (a_row, a_step): (usize, usize),
        b: MatRef<'_, S>,
        b_out: &mut [S],
        mut tile: MatMut<'_, S>,
        overwrite: bool,
    ) {
        let fill = self.packing_b.expect("the kernel packs B while it runs");
        assert!(b.shape() == (depth, self.nr) && b.col_stride() == 1);
        let ldb = usize::try_from(b.row_stride()).expect("rows are stored top to bottom");
        assert!(b_out.len() >= depth * self.nr);
        let ldc = self.tile_stride(&tile);
        // SAFETY: A is readable (the caller's contract); B's `depth` rows hold NR
        // consecutive values each, `ldb` apart (the view's layout, asserted); `b_out` is an
        // exclusive slice of at least `depth · NR` values; the tile is as in `run_tile`;
        // the kernel's instructions are available (`Microkernel::new`).
        unsafe {
            fill(
                depth,
                a,
                a_row,
                a_step,
                b.as_ptr(),
                ldb,
                b_out.as_mut_ptr(),
                tile.as_mut_ptr(),
                ldc,
                overwrite,
            )
        }
    }
}

/// A whole small product computed in place, with no packing: see
/// [`tile::direct`](crate::kernel::tile::direct). Architectures without hand-written
/// kernels have none (the type exists so that callers compile everywhere).
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub(crate) type DirectFn<S> = fn(std::marker::PhantomData<S>);

impl<S> Microkernel<S> {
    /// The kernel's form that computes whole small products in place, if it has one (see
    /// [`run_direct`]).
    #[inline(always)]
    pub(crate) fn direct(&self) -> Option<DirectFn<S>> {
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        return self.direct;
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        return None;
    }

    /// Whether the kernel computes whole small products in place.
    #[inline(always)]
    pub(crate) fn has_direct(&self) -> bool {
        self.direct().is_some()
    }

    /// The kernel's form that computes four dot products at once, if it has one.
    #[inline(always)]
    pub(crate) fn dots(&self) -> Option<DotsFn<S>> {
        self.dots
    }

    /// The kernel's form that computes one row of A times B, if it has one.
    #[inline(always)]
    pub(crate) fn row_vector(&self) -> Option<RowVectorFn<S>> {
        self.row_vector
    }
}

/// `c = a·b` by a kernel's `direct` form, with depth blocks of `kc`, when the layouts
/// allow: B and C with contiguous rows (column stride 1), or A and C with contiguous
/// columns (row stride 1; the form then computes `cᵀ = bᵀ·aᵀ`, which has the same sums of
/// the same products). Returns `false`, having touched nothing, otherwise, and for an empty
/// product, one of depth 0 or a conjugated operand.
///
/// # Panics
///
/// If the shapes do not match (`a` `m × k`, `b` `k × n`, `c` `m × n`) or `kc` is 0.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
pub(crate) fn run_direct<S>(
    direct: DirectFn<S>,
    a: MatRef<'_, S>,
    b: MatRef<'_, S>,
    c: &mut MatMut<'_, S>,
    kc: usize,
) -> bool {
    let (m, k) = a.shape();
    let n = b.cols();
    assert!(b.rows() == k && c.shape() == (m, n) && kc > 0);
    // The forms read A and B as stored.
    if m == 0 || n == 0 || k == 0 || a.is_conjugated() || b.is_conjugated() {
        return false;
    }
    let rows_fit = n == 1 || (b.col_stride() == 1 && c.col_stride() == 1);
    let columns_fit = m == 1 || (a.row_stride() == 1 && c.row_stride() == 1);
    // Vectors along the longer side when both fit.
    let product = if rows_fit && (!columns_fit || n >= m) {
        DirectProduct {
            m,
            k,
            n,
            a: a.as_ptr(),
            a_row: a.row_stride(),
            a_col: a.col_stride(),
            b: b.as_ptr(),
            b_row: b.row_stride(),
            c: c.as_mut_ptr(),
            c_row: c.row_stride(),
            kc,
        }
    } else if columns_fit {
        DirectProduct {
            m: n,
            k,
            n: m,
            a: b.as_ptr(),
            a_row: b.col_stride(),
            a_col: b.row_stride(),
            b: a.as_ptr(),
            b_row: a.col_stride(),
            c: c.as_mut_ptr(),
            c_row: c.col_stride(),
            kc,
        }
    } else {
        return false;
    };
    // SAFETY: the product names exactly the elements of the three views (in the second
    // case those of their transposes, whose rows are the views' contiguous columns), which
    // the views make readable (A, B) and exclusively writable (C, a `MatMut` that cannot
    // overlap the shared views); `kc > 0`; a `DirectFn` comes from a `Microkernel`, whose
    // instructions are available (`Microkernel::new`).
    unsafe { direct(&product) };
    true
}

/// No `direct` form on this architecture: always `false`.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[inline(always)]
pub(crate) fn run_direct<S>(
    _direct: DirectFn<S>,
    _a: MatRef<'_, S>,
    _b: MatRef<'_, S>,
    _c: &mut MatMut<'_, S>,
    _kc: usize,
) -> bool {
    false
}

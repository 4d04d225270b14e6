//! The computational kernels, written once over the crate's private `Scalar` arithmetic.
//!
//! - [`pack`]: copying operands into the layouts the loops want (row-major, transposed,
//!   MR-row and NR-column panels).
//! - [`rows`]: the cache-blocked i-k-j loop over a band of output rows (serial and
//!   row-parallel strategies).
//! - [`dot`]: the dot product of one row of A with one column of B (per-cell strategy).
//! - [`blocked`]: the BLIS-style loop nest around a register-tile microkernel: the
//!   [`portable`] one for every type, or a hand-written one from [`x86_64`] chosen at run
//!   time ([`Simd`]).
//!
//! The strategies decide the number of workers; the row and dot loops run on the part of
//! the output they are given, while the blocked nest forks and joins inside its depth loop
//! (packing and multiplying alternate there).

use std::sync::OnceLock;

use crate::element::Scalar;
use crate::matrix::{MatMut, MatRef};

pub(crate) mod blocked;
pub(crate) mod dot;
pub(crate) mod pack;
pub(crate) mod portable;
pub(crate) mod rows;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;

/// Bytes of the per-core level-2 cache the blocked loops aim to fill about half of.
///
/// Zen 4 has 1 MiB of L2 per core; most current x86-64 and ARM cores have 512 KiB – 2 MiB.
/// Half of 1 MiB keeps the reused block resident while C and A stream past it.
pub(crate) const L2_BUDGET_BYTES: usize = 512 * 1024;

/// Bytes of the per-core level-1 data cache the innermost working set should fit in.
pub(crate) const L1_BUDGET_BYTES: usize = 16 * 1024;

/// The instruction set of the microkernel the [`Blocked`](crate::Blocked) strategy uses.
///
/// By default the best one this CPU supports is used, detected once per process. Set the
/// environment variable `PARMAT_SIMD` to `portable`, `avx2` or `avx512` (read once, at the
/// first blocked product) to cap it, or choose per strategy with
/// [`Blocked::with_simd`](crate::Blocked::with_simd). A level the CPU lacks is never run:
/// the best supported level below it is used instead.
///
/// Hand-written kernels exist for `f32`, `f64`, `i32`, `u32`, `i64` and `u64`; every other
/// element type always uses the portable kernel.
///
/// # Examples
///
/// ```
/// use parmat::Simd;
/// let best = Simd::detected();
/// assert!(best.is_available());
/// assert!(Simd::Portable.is_available());
/// assert!(Simd::Portable <= best);
/// println!("blocked products run the {best} kernels");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Simd {
    /// The portable kernel: plain Rust, vectorised as far as the compiler manages.
    Portable,
    /// x86-64 AVX2 with FMA (256-bit vectors).
    Avx2,
    /// x86-64 AVX-512 F and DQ (512-bit vectors).
    Avx512,
}

impl Simd {
    /// The best level this CPU supports.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::Simd::detected().is_available());
    /// ```
    pub fn detected() -> Simd {
        static DETECTED: OnceLock<Simd> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            [Simd::Avx512, Simd::Avx2]
                .into_iter()
                .find(|s| s.is_available())
                .unwrap_or(Simd::Portable)
        })
    }

    /// Whether this CPU can run the level's kernels.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::Simd::Portable.is_available());
    /// ```
    pub fn is_available(self) -> bool {
        match self {
            Simd::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The level used when none is asked for: [`Simd::detected`], capped by the
    /// `PARMAT_SIMD` environment variable (read once).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::Simd::default_level() <= parmat::Simd::detected());
    /// ```
    pub fn default_level() -> Simd {
        static LEVEL: OnceLock<Simd> = OnceLock::new();
        *LEVEL.get_or_init(|| {
            let cap = std::env::var("PARMAT_SIMD")
                .ok()
                .and_then(|v| v.parse::<Simd>().ok());
            match cap {
                Some(cap) => cap.supported(),
                None => Simd::detected(),
            }
        })
    }

    /// This level if the CPU supports it, else the best supported level below it.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::Simd;
    /// assert_eq!(Simd::Portable.supported(), Simd::Portable);
    /// assert!(Simd::Avx512.supported() <= Simd::Avx512);
    /// ```
    pub fn supported(self) -> Simd {
        // Asked several times per product by the planner: the four feature checks are
        // made once. In a sampling profile of 1×64×64 f64 products through `Auto`, they
        // took 0.9 % of the time, of the 4–6 % its planning costs there (an A/B against
        // the checks made every time was within its noise of ±3 ns per product).
        static AVAILABLE: OnceLock<[bool; 2]> = OnceLock::new();
        let [avx2, avx512] =
            *AVAILABLE.get_or_init(|| [Simd::Avx2.is_available(), Simd::Avx512.is_available()]);
        match self {
            Simd::Avx512 if avx512 => Simd::Avx512,
            Simd::Avx512 | Simd::Avx2 if avx2 => Simd::Avx2,
            _ => Simd::Portable,
        }
    }

    /// The level's name: `portable`, `avx2` or `avx512`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Simd::Avx2.name(), "avx2");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Simd::Portable => "portable",
            Simd::Avx2 => "avx2",
            Simd::Avx512 => "avx512",
        }
    }
}

impl std::fmt::Display for Simd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Simd {
    type Err = crate::Error;

    /// Parses `portable`, `avx2` or `avx512`.
    fn from_str(s: &str) -> Result<Simd, crate::Error> {
        [Simd::Portable, Simd::Avx2, Simd::Avx512]
            .into_iter()
            .find(|level| level.name() == s)
            .ok_or_else(|| crate::Error::UnknownSimd { name: s.to_owned() })
    }
}

/// A full-tile microkernel: see [`portable::tile`] for the contract.
pub(crate) type TileFn<S> = unsafe fn(usize, *const S, *const S, *mut S, usize, bool);

/// A full-tile microkernel reading A from rows: see [`portable::tile_rows`].
pub(crate) type TileRowsFn<S> = unsafe fn(usize, *const S, usize, *const S, *mut S, usize, bool);

/// A full-tile microkernel reading A through two strides (a packed panel, rows or
/// columns), B from rows, and packing B's panel as it goes: see the `_fill` form of the
/// hand-written kernels.
pub(crate) type TileFillFn<S> =
    unsafe fn(usize, *const S, usize, usize, *const S, usize, *mut S, *mut S, usize, bool);

/// A microkernel and its tile shape.
#[derive(Clone, Copy)]
pub(crate) struct Microkernel<S> {
    /// Rows of the register tile (values of A broadcast per step).
    pub(crate) mr: usize,
    /// Columns of the register tile (values of B loaded per step).
    pub(crate) nr: usize,
    /// The instruction set the kernel uses.
    pub(crate) simd: Simd,
    tile: TileFn<S>,
    tile_rows: TileRowsFn<S>,
    /// The form reading A from columns (same signature as `tile_rows`: value i of step p
    /// at `a + p·lda + i`), where there is one.
    tile_cols: Option<TileRowsFn<S>>,
    tile_fill: Option<TileFillFn<S>>,
}

impl<S: Scalar> Microkernel<S> {
    /// The portable `4 × 4` kernel.
    pub(crate) fn portable() -> Microkernel<S> {
        Microkernel {
            mr: 4,
            nr: 4,
            simd: Simd::Portable,
            tile: portable::tile::<S, 4, 4>,
            tile_rows: portable::tile_rows::<S, 4, 4>,
            tile_cols: None,
            tile_fill: None,
        }
    }

    /// # Safety
    ///
    /// `tile` and `tile_rows` have the contracts of [`portable::tile`] and
    /// [`portable::tile_rows`] for an `mr × nr` tile, `tile_cols` and `tile_fill` those of
    /// the `_cols` and `_fill` forms of the hand-written kernels, and if they use
    /// instructions beyond the baseline, `simd.is_available()` is true.
    pub(crate) unsafe fn new(
        mr: usize,
        nr: usize,
        simd: Simd,
        tile: TileFn<S>,
        (tile_rows, tile_cols): (TileRowsFn<S>, TileRowsFn<S>),
        tile_fill: TileFillFn<S>,
    ) -> Self {
        debug_assert!(simd.is_available());
        Microkernel {
            mr,
            nr,
            simd,
            tile,
            tile_rows,
            tile_cols: Some(tile_cols),
            tile_fill: Some(tile_fill),
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
            tile: unsafe { std::mem::transmute::<TileFn<S>, TileFn<U>>(self.tile) },
            // SAFETY: as for `tile`.
            tile_rows: unsafe {
                std::mem::transmute::<TileRowsFn<S>, TileRowsFn<U>>(self.tile_rows)
            },
            // SAFETY: as for `tile`.
            tile_cols: self
                .tile_cols
                .map(|f| unsafe { std::mem::transmute::<TileRowsFn<S>, TileRowsFn<U>>(f) }),
            // SAFETY: as for `tile`.
            tile_fill: self
                .tile_fill
                .map(|f| unsafe { std::mem::transmute::<TileFillFn<S>, TileFillFn<U>>(f) }),
        }
    }

    /// Runs the kernel on `depth` steps of the panels `a` (MR per step) and `b` (NR per
    /// step), into `tile`: overwriting it when `overwrite`, adding to it otherwise.
    ///
    /// # Panics
    ///
    /// If a panel is shorter than `depth` steps, or `tile` is not an `MR × NR` view with
    /// contiguous rows.
    ///
    /// Always inlined, as are the other `run_tile_*` wrappers and their checks: a shallow
    /// product's tile is a few hundred multiply-adds, and with `run_tile_rows` left out of
    /// line 512×1×512 f32 on one blocked worker took 7–10 % longer.
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
            (self.tile)(
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
            (self.tile_rows)(
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
        self.tile_fill.is_some()
    }

    /// Whether the kernel reads A in place from the columns of a column-major matrix (see
    /// [`Microkernel::run_tile_columns`]).
    #[inline]
    pub(crate) fn reads_a_columns(&self) -> bool {
        self.tile_cols.is_some()
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
        let columns = self.tile_cols.expect("the kernel reads A's columns");
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
    /// values [`pack_b_panels`](pack::pack_b_panels) would put there), so that one pass
    /// over B both packs it and uses it.
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
        let fill = self.tile_fill.expect("the kernel packs B while it runs");
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

/// The hand-written kernel for `S` at `simd`, if one exists for that type and level.
/// `simd` must be available on this CPU.
pub(crate) fn simd_kernel<S: Scalar>(simd: Simd) -> Option<Microkernel<S>> {
    debug_assert!(simd.is_available());
    #[cfg(target_arch = "x86_64")]
    {
        use std::any::TypeId;
        let id = TypeId::of::<S>();
        // SAFETY (all arms): each kernel is the x86_64 kernel for the element type in its
        // name and has the `TileFn` contract; it is only returned for the level `simd`,
        // which the caller found available; it is cast to `S` only when `S` is that type
        // or its unsigned twin (same layout, same wrapping arithmetic: see
        // `Microkernel::cast`).
        unsafe {
            use x86_64::{avx2, avx512};
            // Each kernel is built only in the arm that returns it: `Microkernel::new`
            // checks (in debug builds) that its level is available on this CPU.
            macro_rules! pick {
                ($t:ty, ($mr512:expr, $nr512:expr, $k512:ident), ($mr256:expr, $nr256:expr, $k256:ident)) => {
                    match simd {
                        Simd::Avx512 => Some(
                            Microkernel::<$t>::new(
                                $mr512,
                                $nr512,
                                Simd::Avx512,
                                avx512::$k512,
                                (pick!(@rows avx512, $k512), pick!(@cols avx512, $k512)),
                                pick!(@fill avx512, $k512),
                            )
                            .cast::<S>(),
                        ),
                        Simd::Avx2 => Some(
                            Microkernel::<$t>::new(
                                $mr256,
                                $nr256,
                                Simd::Avx2,
                                avx2::$k256,
                                (pick!(@rows avx2, $k256), pick!(@cols avx2, $k256)),
                                pick!(@fill avx2, $k256),
                            )
                            .cast::<S>(),
                        ),
                        Simd::Portable => None,
                    }
                };
                (@rows avx512, f64_8x16) => { avx512::f64_8x16_rows };
                (@rows avx512, f32_8x32) => { avx512::f32_8x32_rows };
                (@rows avx512, i32_8x32) => { avx512::i32_8x32_rows };
                (@rows avx512, i64_8x16) => { avx512::i64_8x16_rows };
                (@rows avx2, f64_6x8) => { avx2::f64_6x8_rows };
                (@rows avx2, f32_6x16) => { avx2::f32_6x16_rows };
                (@rows avx2, i32_6x16) => { avx2::i32_6x16_rows };
                (@rows avx2, i64_4x8) => { avx2::i64_4x8_rows };
                (@cols avx512, f64_8x16) => { avx512::f64_8x16_cols };
                (@cols avx512, f32_8x32) => { avx512::f32_8x32_cols };
                (@cols avx512, i32_8x32) => { avx512::i32_8x32_cols };
                (@cols avx512, i64_8x16) => { avx512::i64_8x16_cols };
                (@cols avx2, f64_6x8) => { avx2::f64_6x8_cols };
                (@cols avx2, f32_6x16) => { avx2::f32_6x16_cols };
                (@cols avx2, i32_6x16) => { avx2::i32_6x16_cols };
                (@cols avx2, i64_4x8) => { avx2::i64_4x8_cols };
                (@fill avx512, f64_8x16) => { avx512::f64_8x16_fill };
                (@fill avx512, f32_8x32) => { avx512::f32_8x32_fill };
                (@fill avx512, i32_8x32) => { avx512::i32_8x32_fill };
                (@fill avx512, i64_8x16) => { avx512::i64_8x16_fill };
                (@fill avx2, f64_6x8) => { avx2::f64_6x8_fill };
                (@fill avx2, f32_6x16) => { avx2::f32_6x16_fill };
                (@fill avx2, i32_6x16) => { avx2::i32_6x16_fill };
                (@fill avx2, i64_4x8) => { avx2::i64_4x8_fill };
            }
            if id == TypeId::of::<f64>() {
                return pick!(f64, (8, 16, f64_8x16), (6, 8, f64_6x8));
            }
            if id == TypeId::of::<f32>() {
                return pick!(f32, (8, 32, f32_8x32), (6, 16, f32_6x16));
            }
            if id == TypeId::of::<i32>() || id == TypeId::of::<u32>() {
                return pick!(i32, (8, 32, i32_8x32), (6, 16, i32_6x16));
            }
            if id == TypeId::of::<i64>() || id == TypeId::of::<u64>() {
                return pick!(i64, (8, 16, i64_8x16), (4, 8, i64_4x8));
            }
        }
    }
    None
}

/// The kernel the blocked loops use for `S`: the hand-written one at `simd` (capped to what
/// the CPU supports) when there is one, the portable one otherwise.
pub(crate) fn microkernel_for<S: Scalar>(simd: Simd) -> Microkernel<S> {
    let simd = simd.supported();
    if simd == Simd::Portable {
        return Microkernel::portable();
    }
    simd_kernel::<S>(simd)
        .or_else(|| {
            (simd == Simd::Avx512)
                .then(|| simd_kernel::<S>(Simd::Avx2))
                .flatten()
        })
        .unwrap_or_else(Microkernel::portable)
}

/// The level of the kernel [`microkernel_for`] picks for `T` at `simd`: `Portable` for
/// types without a hand-written kernel.
pub(crate) fn kernel_level_for<T: 'static>(simd: Simd) -> Simd {
    use std::any::TypeId;
    let id = TypeId::of::<T>();
    let has_kernels = [
        TypeId::of::<f64>(),
        TypeId::of::<f32>(),
        TypeId::of::<i32>(),
        TypeId::of::<u32>(),
        TypeId::of::<i64>(),
        TypeId::of::<u64>(),
    ]
    .contains(&id);
    if has_kernels {
        simd.supported()
    } else {
        Simd::Portable
    }
}

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

    /// `supported` caches the feature checks: it must still give, for every level, the best
    /// available level at or below it.
    #[test]
    fn supported_is_the_best_available_level_at_or_below() {
        for level in [Simd::Portable, Simd::Avx2, Simd::Avx512] {
            let expected = [Simd::Avx512, Simd::Avx2, Simd::Portable]
                .into_iter()
                .find(|&s| s <= level && s.is_available())
                .unwrap_or(Simd::Portable);
            assert_eq!(level.supported(), expected, "{level:?}");
        }
    }

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

    #[test]
    fn simd_levels_parse_and_order() {
        for s in [Simd::Portable, Simd::Avx2, Simd::Avx512] {
            assert_eq!(s.name().parse::<Simd>().unwrap(), s);
            assert!(s.supported() <= s);
            assert!(s.supported().is_available());
        }
        assert!("sse".parse::<Simd>().is_err());
    }
}

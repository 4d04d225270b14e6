//! The blocked strategy: packed, cache-blocked loops around a register-tile microkernel.

use crate::dispatch::{ProductKernel, dispatch};
use crate::element::{Element, ElementClass, Scalar};
use crate::error::Error;
use crate::kernel::blocked::{Blocking, MIN_DEPTH_BLOCK, multiply_blocked, units_for};
use crate::kernel::{
    DirectFn, Microkernel, Simd, default_direct, kernel_level_for, microkernel_for, pack,
    run_direct,
};
use crate::matrix::{MatMut, MatRef};
use crate::plan::Thresholds;
use crate::strategy::serial::SerialKernel;
use crate::strategy::{MulStrategy, check_into};
use crate::workers::{
    Caller, DIRECT_MAX_WORK, MIN_BLOCKED_WORK, blocked_workers, min_work_per_worker, multiply_adds,
    note_product_end, with_row_major_output, worker_cap_with,
};

/// The BLIS design: A and B are packed block by block into panels, and a microkernel keeps
/// an `MR × NR` tile of C in vector registers while it runs along the shared dimension.
///
/// For `f32`, `f64`, `i32`, `u32`, `i64` and `u64` the microkernel is hand-written for
/// AVX-512 or AVX2 + FMA on x86-64 and for NEON on aarch64 (`f32`, `f64`, `i32`, `u32`),
/// and for `Complex<f32>` and `Complex<f64>` on all three (feature `complex`),
/// chosen at run time ([`Simd`]); every other type uses a portable kernel. Integer kernels wrap, like every other strategy; float kernels use fused
/// multiply-add, so float results differ from [`Serial`](crate::Serial)'s in the last bits.
///
/// A unit of work is a block of output rows × a block of output columns; workers own
/// disjoint units, so no locks are taken, and share the packed A read-only. Results are
/// bit-identical whatever the number of workers.
///
/// `Blocked::default()` applies the crate's worker cap, with the rule [`Auto`](crate::Auto)
/// uses for this kernel where a type has hand-written kernels: a larger minimum of work per
/// worker (they are faster per multiply-add), larger again when called from outside every
/// rayon pool after it has idled (waking its threads costs more than handing work to awake
/// ones), counted with the padding of edge tiles, and enough work in every depth block, for
/// which each worker packs its block of B; products below
/// 4096 multiply-adds (16³), where packing does not pay, run the [`Serial`](crate::Serial) loop
/// instead. [`Blocked::with_workers`] always runs the blocked algorithm.
///
/// # Examples
///
/// ```
/// use parmat::{Blocked, Matrix};
/// let a = Matrix::from_fn(70, 50, |i, j| (i * j % 11) as i32 - 5);
/// let b = Matrix::from_fn(50, 30, |i, j| (i + 2 * j) as i32 % 7);
/// let c = a.mul_with(&b, &Blocked::default())?;
/// assert_eq!(c, a.mul_with(&b, &parmat::Serial)?);
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Blocked {
    workers: Option<usize>,
    simd: Option<Simd>,
}

impl Blocked {
    /// Exactly `min(workers, units of work)` workers (0 is taken as 1), where a unit is a
    /// block of output rows × a block of output columns.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::Blocked;
    /// assert_eq!(Blocked::with_workers(2).workers_for::<f64>(512, 512, 512), 2);
    /// ```
    pub fn with_workers(workers: usize) -> Self {
        Blocked {
            workers: Some(workers.max(1)),
            simd: None,
        }
    }

    /// The same strategy with its microkernels capped at `simd` (a level the CPU lacks is
    /// replaced by the best supported one below it): for comparing kernels and for tests.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Blocked, Matrix, Simd};
    /// let a = Matrix::from_fn(40, 40, |i, j| (i + j) as i64);
    /// let portable = a.mul_with(&a, &Blocked::with_workers(1).with_simd(Simd::Portable))?;
    /// assert_eq!(portable, a.mul_with(&a, &Blocked::with_workers(1))?);
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn with_simd(self, simd: Simd) -> Self {
        Blocked {
            simd: Some(simd),
            ..self
        }
    }

    /// The instruction set this strategy's microkernels use on this CPU.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Blocked, Simd};
    /// assert_eq!(Blocked::default().with_simd(Simd::Portable).simd(), Simd::Portable);
    /// assert_eq!(Blocked::default().simd(), Simd::default_level());
    /// ```
    pub fn simd(&self) -> Simd {
        self.simd.unwrap_or_else(Simd::default_level).supported()
    }

    /// The instruction set of the microkernel this strategy runs for `T` on this CPU: at
    /// most [`simd`](Blocked::simd), and [`Simd::Portable`] for types without a
    /// hand-written kernel at any level up to it (every type but `f32`, `f64`, `i32`,
    /// `u32`, `i64`, `u64` and, with the `complex` feature, `Complex<f32>` and
    /// `Complex<f64>`; on aarch64 also `i64` and `u64`, as NEON has no 64-bit integer
    /// multiply).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Blocked, Simd};
    /// let blocked = Blocked::default();
    /// assert!(blocked.kernel_level::<f64>() <= blocked.simd());
    /// assert_eq!(blocked.kernel_level::<i16>(), Simd::Portable);
    /// assert_eq!(blocked.with_simd(Simd::Portable).kernel_level::<f64>(), Simd::Portable);
    /// ```
    pub fn kernel_level<T: Element>(&self) -> Simd {
        kernel_level_for::<T>(self.simd())
    }

    /// The number of workers for an `m×k · k×n` product of `T` in the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::Blocked;
    /// assert_eq!(Blocked::default().workers_for::<f64>(3, 3, 3), 1);
    /// ```
    pub fn workers_for<T: Element>(&self, m: usize, k: usize, n: usize) -> usize {
        let simd = self.simd();
        if kernel_level_for::<T>(simd) == Simd::Portable {
            let units = units_for::<T>(simd, m, n);
            return worker_cap_with(
                min_work_per_worker(ElementClass::of::<T>()),
                multiply_adds(m, k, n),
                units,
                self.workers,
            );
        }
        match self.workers {
            Some(_) => worker_cap_with(0, 0, units_for::<T>(simd, m, n), self.workers),
            // The hand-written kernels do a multiply-add several times faster than the
            // other loops, so a worker needs more of them to pay for being started: the
            // same rule as `Auto`'s for this kernel.
            None => {
                let t = Thresholds::DEFAULT;
                let per_worker = if multiply_adds(m, k, n) < 2 * t.blocked_per_worker {
                    // One worker wherever it is called from: no need to look.
                    t.blocked_per_worker
                } else {
                    t.blocked_per_worker_for(Caller::here())
                };
                blocked_workers::<T>(simd, m, k, n, per_worker)
            }
        }
    }
}

/// The blocked loops on exactly `workers` workers at `simd`, for shapes already checked.
pub(crate) struct BlockedKernel {
    pub(crate) workers: usize,
    pub(crate) simd: Simd,
}

impl ProductKernel for BlockedKernel {
    fn run<S: Scalar>(&self, a: MatRef<'_, S>, b: MatRef<'_, S>, c: MatMut<'_, S>) {
        let kernel = microkernel_for::<S>(self.simd);
        if self.workers <= 1 && runs_direct(&kernel, a.rows(), a.cols(), b.cols()) {
            return multiply_direct(a, b, c, &kernel);
        }
        with_row_major_output(c, |out| multiply_blocked(a, b, out, self.workers, kernel));
    }
}

/// Whether a one-worker `m×k · k×n` product on `kernel` runs [`multiply_direct`].
#[inline(always)]
pub(crate) fn runs_direct<S: Scalar>(
    kernel: &Microkernel<S>,
    m: usize,
    k: usize,
    n: usize,
) -> bool {
    kernel.has_direct() && multiply_adds(m, k, n) <= DIRECT_MAX_WORK
}

/// `c = a · b` on one worker by `kernel`'s `direct` form: no packing, and the same bits as
/// `multiply_blocked` (the same depth blocks, each summed in the same order). Where the
/// layouts do not suit the form, B is first copied to row-major and, if C's still do not,
/// the product goes through a row-major buffer.
///
/// # Panics
///
/// If the kernel has no `direct` form or the shapes do not match.
pub(crate) fn multiply_direct<S: Scalar>(
    a: MatRef<'_, S>,
    b: MatRef<'_, S>,
    c: MatMut<'_, S>,
    kernel: &Microkernel<S>,
) {
    let direct = kernel.direct().expect("the kernel has a direct form");
    let kc = Blocking::for_rows(kernel, a.rows()).kc;
    multiply_direct_with(direct, a, b, c, kc);
}

/// [`multiply_direct`] with the kernel's `direct` form and depth block given: for callers
/// that keep them (a product no deeper than [`MIN_DEPTH_BLOCK`] may pass that as `kc`).
///
/// # Panics
///
/// If the shapes do not match or `kc` is 0.
#[inline(always)]
pub(crate) fn multiply_direct_with<S: Scalar>(
    direct: DirectFn<S>,
    a: MatRef<'_, S>,
    b: MatRef<'_, S>,
    mut c: MatMut<'_, S>,
    kc: usize,
) {
    if a.reads_conjugated() || b.reads_conjugated() {
        // The direct forms read the operands as stored; the loop conjugates as it reads.
        return SerialKernel.run(a, b, c);
    }
    if run_direct(direct, a, b, &mut c, kc) {
        return;
    }
    let (m, k) = a.shape();
    let n = b.cols();
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.for_each_mut(|_, _, x| *x = S::zero());
        return;
    }
    let b_rows = pack::row_major(b);
    let b = MatRef::from_slice(&b_rows, k, n).expect("B's copy holds k × n values");
    if run_direct(direct, a, b, &mut c, kc) {
        return;
    }
    with_row_major_output(c, |out| {
        let mut out = MatMut::from_slice(out, m, n).expect("the buffer holds m × n values");
        assert!(run_direct(direct, a, b, &mut out, kc));
    });
}

/// A product below [`MIN_BLOCKED_WORK`]: the kernel's `direct` form at `simd` where the
/// type has one (the same bits as the blocked kernels), the serial loop otherwise.
pub(crate) struct TinyKernel {
    pub(crate) simd: Simd,
}

impl ProductKernel for TinyKernel {
    #[inline(always)]
    fn run<S: Scalar>(&self, a: MatRef<'_, S>, b: MatRef<'_, S>, c: MatMut<'_, S>) {
        if self.simd == Simd::default_level() {
            // The lookup cached: on a 2×2 product it would cost more than the product.
            match default_direct::<S>() {
                Some(direct) if a.cols() <= MIN_DEPTH_BLOCK => {
                    // One depth block whatever the blocking.
                    return multiply_direct_with(direct, a, b, c, MIN_DEPTH_BLOCK);
                }
                Some(_) => {}
                None => return SerialKernel.run(a, b, c),
            }
        }
        let kernel = microkernel_for::<S>(self.simd);
        if kernel.has_direct() {
            multiply_direct(a, b, c, &kernel)
        } else {
            SerialKernel.run(a, b, c)
        }
    }
}

impl MulStrategy for Blocked {
    fn mul_into<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        check_into(&a, &b, &c)?;
        let work = multiply_adds(a.rows(), a.cols(), b.cols());
        if self.workers.is_none() && work < MIN_BLOCKED_WORK {
            // Too small for packing to pay: the kernel in place, or the serial loop for
            // types without one, so the default is never slower than `Serial`. Decided
            // before the worker count, whose rules cost more than such a product.
            dispatch(&TinyKernel { simd: self.simd() }, a, b, c);
        } else {
            let workers = self.workers_for::<T>(a.rows(), a.cols(), b.cols());
            let simd = self.simd();
            dispatch(&BlockedKernel { workers, simd }, a, b, c);
            if self.workers.is_none() {
                note_product_end(work);
            }
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "blocked"
    }
}

#[cfg(test)]
mod direct_tests;

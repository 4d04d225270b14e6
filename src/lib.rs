//! Parallel dense matrix multiplication that decides how many workers a product deserves.
//!
//! # Overview
//!
//! `parmat` multiplies dense matrices of any element type — integers, floats, complex
//! numbers, your own numeric types — with several strategies behind one trait,
//! [`MulStrategy`]. Its central question is how a product should be split across workers
//! so that it is as fast as possible and never slower than not splitting it at all: below
//! some amount of work per worker, handing work to threads costs more than it saves. The
//! [`Auto`] strategy (used by [`Matrix::par_mul`] and `&a * &b`) measures that question
//! against constants set on real hardware, and [`plan`](plan()) explains its answer.
//!
//! # Examples
//!
//! ```
//! use parmat::{matrix, Matrix, RowParallel, Strategy};
//!
//! let a = Matrix::from_vec(2, 3, vec![1, 2, 3, 4, 5, 6])?;
//! let b = Matrix::from_fn(3, 2, |i, j| (i + j) as i32);
//! let c = a.par_mul(&b)?;                                // Auto
//! assert_eq!(c, matrix![[8, 14], [17, 32]]);
//! let d = a.mul_with(&b, &RowParallel::default())?;      // a chosen strategy
//! assert_eq!(&a * &b, d);                                // operator; panics on bad shapes
//! let s: Strategy = "per-cell".parse()?;                 // chosen at run time
//! let mut out = Matrix::zeros(2, 2);
//! parmat::mul_into(&s, a.view(), b.view(), out.view_mut())?;
//! // C = 2·(Bᵀ·Aᵀ)ᵀ + 1·C on transposed views, no copies of the inputs.
//! parmat::gemm(&parmat::Auto::default(), 2, b.t(), a.t(), 1, out.view_mut().t())?;
//! assert_eq!(out, matrix![[24, 42], [51, 96]]);
//! println!("{}", parmat::plan::<f64>(1000, 1000, 1000)); // what Auto does, and why
//! # Ok::<(), parmat::Error>(())
//! ```
//!
//! # Strategies
//!
//! | strategy | how it splits the work | pick it when |
//! |---|---|---|
//! | [`Serial`] | one worker, cache-blocked i-k-j loop | small products; inside your own parallel loop |
//! | [`RowParallel`] | each worker owns a band of output rows; A and B shared read-only | many rows; predictable, equals `Serial` bit for bit |
//! | [`PerCell`] | each output cell is a unit; cells grouped into one chunk per worker | few rows and many columns (a row vector times a matrix) |
//! | [`Blocked`] | BLIS-style packed blocks around a hand-written AVX-512 / AVX2 / NEON register-tile microkernel ([`Simd`]); workers own tile rows × column blocks; small products of the real types on one worker read A and B in place, without packing | `f32`, `f64`, `i32`, `u32`, `i64`, `u64` (the fastest by far, small products included; not matrix × vector, where `PerCell` is) and, from about 16³, `Complex<f32>`, `Complex<f64>` (x86-64) |
//! | [`SplitK`] | cuts the shared dimension `k` into parts, one partial product each, summed in part order | a small output of a large depth (4 × 1 000 000 × 4, a row vector times a large matrix) |
//! | [`Auto`] | asks [`plan`](plan()): the shape picks the one-worker kernel (the hand-written kernels in place for small products of the real SIMD types, blocked for SIMD types from 16³, dot products for a matrix–vector product, the i-k-j loop for a few rows), outputs too small to share are split along `k`, and the worker cap sets the workers | by default |
//!
//! Every strategy accepts views with any strides ([`Matrix::t`] is a transposed view, not
//! a copy), checks shapes before touching the output, and returns the same integers:
//! integer arithmetic wraps (two's complement) in every strategy and build profile. When
//! wrapping is not acceptable, [`Matrix::checked_par_mul`] reports the first overflowing
//! cell as an error and [`Matrix::widening_par_mul`] accumulates in a wider type
//! (`i32 × i32 → i64`, …).
//! Floating-point results agree to rounding; for one strategy they never depend on the
//! number of workers.
//!
//! # Threading
//!
//! Parallel strategies run in the *current* rayon pool: the global one, or the pool whose
//! [`install`](rayon::ThreadPool::install) you are inside. The default worker count is
//!
//! ```text
//! min(threads in the current pool, independent units of work,
//!     ⌊multiply-adds ÷ minimum multiply-adds per worker⌋)
//! ```
//!
//! ([`min_work_per_worker`](plan::min_work_per_worker); the blocked strategy's hand-written
//! kernels use a larger minimum, since they do each multiply-add several times faster), so
//! small products never pay for threads; when that leaves one worker, the product runs on
//! the calling thread and nothing is handed to rayon. The minimums were measured on the development machine;
//! [`Auto::calibrated`] measures them on yours. Inside your own `par_iter` over many small
//! products, `par_mul` keeps each on its calling thread, so the batch is not slowed; or
//! hand the whole batch to [`par_mul_batch`] / [`mul_batch_into`], which share it out
//! under one worker budget.
//! `with_workers(n)` constructors ([`RowParallel::with_workers`] and the others) use
//! exactly `min(n, units of work)` workers, for experiments.
//!
//! # Sharing a matrix between threads
//!
//! [`sync::SharedMatrix`] splits a matrix into row stripes behind reader–writer locks for
//! programs whose own threads read and update one matrix: shared reads, consistent
//! snapshots that never take part in a deadlock, all-or-nothing multi-block updates, lock
//! timers (`…_for(timeout)`) and a deadlock tracker that answers a wait that can never end
//! with [`sync::LockError::Deadlock`] instead of hanging (only for a real cycle, and only
//! to the request that would close it).
//! [`sync::mul_by_depth_parts`] runs reduction-shaped products (large `k`, small output)
//! with the depth split between workers, summing either in a fixed order or into a shared
//! matrix under a lock ([`SplitK`] is the lock-free strategy `Auto` uses for them).
//!
//! # Features
//!
//! - `ndarray` (default): `From` conversions between [`Matrix`] and `ndarray::Array2`,
//!   zero-copy [`MatRef`] / [`MatMut`] from ndarray views with any strides, and the
//!   extension trait [`ParMul`] for `a.par_mul(&b)` on ndarray arrays.
//! - `complex` (default): hand-written AVX-512 and AVX2 kernels for
//!   `num_complex::Complex<f32>` and `Complex<f64>` (through a regular `num-complex`
//!   dependency). Without it, complex matrices still multiply, through the portable
//!   kernels.
//! - `mpi` (off): `parmat::dist`, products of matrices distributed over the processes of
//!   an MPI job (a 2-D process grid, scatter and gather, SUMMA with the [`Auto`] planner
//!   inside each process), through the `mpi` crate. Needs an MPI library and libclang at
//!   build time (Debian: `apt-get install libmpich-dev libclang-dev pkg-config`); run the
//!   program under `mpiexec`.
//!
//! # Performance
//!
//! On a 2-core Zen 4, [`Blocked`] runs `f32` and `f64` level with faer and ahead of
//! matrixmultiply, and `i32` / `i64` several times faster than nalgebra (no Rust peer has
//! a vectorised integer product). On aarch64 the NEON kernels are tested under emulation
//! but not yet measured on hardware.
//! The kernels are chosen at run time; `PARMAT_SIMD=portable|neon|avx2|avx512` caps them for a
//! process and [`Blocked::with_simd`] for one strategy. Measured numbers, the machines and
//! the commands that produced them are in `docs/performance.md` in the repository; run
//! `cargo run --release --example compare` (strategies) or `--example peers` (peers) to
//! see them on yours, and `--example sweep` to time `Auto` against the best of every
//! strategy and worker count over eight families of shapes (`docs/guide.md` explains
//! how to read it).
//!
//! # Rust version
//!
//! The minimum supported Rust version is 1.89 (edition 2024; the AVX-512 intrinsics the
//! kernels use were stabilised in 1.89).
#![deny(missing_docs, missing_debug_implementations)]
#![deny(unsafe_op_in_unsafe_fn)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod batch;
mod dispatch;
mod element;
mod error;
mod exact;
mod kernel;
mod machine;
mod matrix;
pub mod plan;
mod products;
mod strategy;
pub mod sync;
mod workers;

#[cfg(feature = "mpi")]
#[cfg_attr(docsrs, doc(cfg(feature = "mpi")))]
pub mod dist;

#[cfg(feature = "ndarray")]
mod ndarray;

pub use batch::{mul_batch_into, par_mul_batch};
pub use element::Element;
pub use error::Error;
pub use exact::{CheckedInteger, Widen, checked_mul_into};
pub use kernel::{CacheSource, Caches, Simd};
pub use machine::{Machine, machine};
pub use matrix::{MatMut, MatRef, Matrix};
pub use plan::{Plan, plan};
pub use products::{gemm, mul, mul_into};
pub use strategy::{
    Auto, Blocked, Calibration, MulStrategy, PerCell, RowParallel, Serial, SplitK, Strategy,
};

#[cfg(feature = "ndarray")]
pub use crate::ndarray::ParMul;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

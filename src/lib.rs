//! Parallel dense matrix multiplication for any element type, on hand-written SIMD kernels,
//! with as many workers as each product can use.
//!
//! ```
//! use parmat::Matrix;
//!
//! let a = Matrix::<f64>::from_fn(300, 200, |i, j| (i + j) as f64);
//! let b = Matrix::<f64>::from_fn(200, 100, |i, j| (i * j % 7) as f64);
//! let c = a.par_mul(&b)?; // on the rayon pool, with as many workers as pay off
//! assert_eq!(c.shape(), (300, 100));
//! assert_eq!(c[(0, 1)], (0..200).map(|p| (p * (p % 7)) as f64).sum::<f64>());
//! println!("{}", parmat::plan::<f64>(300, 200, 100)); // what it did, and why
//! # Ok::<(), parmat::Error>(())
//! ```
//!
//! [`Matrix::par_mul`] (and `&a * &b`) runs [`Auto`]: it reads the shape and the element
//! type, picks one of the strategies below, and gives the product as many workers as
//! have enough work each — none for a small product, which then runs on the calling
//! thread. [`plan`](plan()) says what `Auto` will do and why. The result is the same
//! whatever the pool: integers exactly (arithmetic wraps, as in release builds), floats
//! bit for bit for a given strategy and machine.
//!
//! # Which strategy
//!
//! Use `par_mul` (that is, [`Auto`]) unless you have a reason below. Every strategy
//! implements [`MulStrategy`]; pass one to [`Matrix::mul_with`], [`mul_into`] or [`gemm`].
//!
//! | strategy | what it does | force it when |
//! |---|---|---|
//! | [`Auto`] | picks one of the others per product ([`plan`](plan())) and the workers | — the default |
//! | [`Blocked`] | packed blocks around a hand-written AVX-512 / AVX2 / NEON kernel ([`Simd`]); small products read in place | you want to pin the kernels' instruction set ([`Blocked::with_simd`]); `Auto` already runs it for `f32`, `f64`, `i32`, `u32`, `i64`, `u64` and, from about 16³, `Complex<f32>` and `Complex<f64>` |
//! | [`RowParallel`] | each worker owns a band of output rows, the i-k-j loop | you need the bits of [`Serial`] with threads; element types without kernels |
//! | [`PerCell`] | one dot product per output cell, cells shared out | matrix × vector, which `Auto` already sends here |
//! | [`SplitK`] | the shared dimension cut into parts, added in part order | small outputs of a huge depth (`4 × 1 000 000 × 4`), which `Auto` already sends here |
//! | [`Serial`] | one thread, the i-k-j loop | a reference, or products inside your own parallel loop (`Auto` also keeps those on their thread) |
//!
//! Every strategy takes views with any strides ([`Matrix::t`] is a transposed view, not a
//! copy; [`MatRef::conj`] and [`Matrix::h`] are conjugated and conjugate-transposed ones,
//! which the packing and the loops conjugate as they read), checks the shapes before it
//! writes anything, and can be chosen at run time from
//! its name (`"blocked".parse::<Strategy>()`). Integer arithmetic wraps in every strategy;
//! where that is not acceptable, [`Matrix::checked_par_mul`] reports the first overflowing
//! cell and [`Matrix::widening_par_mul`] accumulates in a wider type (`i32 × i32 → i64`).
//!
//! ```
//! use parmat::{Matrix, RowParallel, Strategy, matrix};
//!
//! let a = matrix![[1, 2, 3], [4, 5, 6]];
//! let b = Matrix::from_fn(3, 2, |i, j| (i + j) as i32);
//! assert_eq!(a.mul_with(&b, &RowParallel::default())?, matrix![[8, 14], [17, 32]]);
//! let s: Strategy = "per-cell".parse()?;             // chosen at run time
//! let mut out = Matrix::zeros(2, 2);
//! parmat::mul_into(&s, a.view(), b.view(), out.view_mut())?; // into your buffer
//! // C = 2·(Bᵀ·Aᵀ)ᵀ + 1·C on transposed views, no copies of the inputs.
//! parmat::gemm(&parmat::Auto::default(), 2, b.t(), a.t(), 1, out.view_mut().t())?;
//! assert_eq!(out, matrix![[24, 42], [51, 96]]);
//! # Ok::<(), parmat::Error>(())
//! ```
//!
//! Complex matrices (`num_complex::Complex`) multiply like any other; the product most
//! used with them, a Gram matrix `AᴴA`, takes a conjugate-transposed view, not a copy:
//!
//! ```
//! use num_complex::Complex;
//! use parmat::{Auto, Matrix};
//!
//! let z = Matrix::from_fn(64, 8, |i, j| Complex::new(i as f64, j as f64 - 2.0));
//! let gram = parmat::mul(&Auto::default(), z.h(), z.view())?; // Zᴴ·Z, 8 × 8
//! assert_eq!(gram[(3, 3)].im, 0.0); // Hermitian: a real diagonal
//! assert_eq!(gram[(1, 2)], gram[(2, 1)].conj());
//! # Ok::<(), parmat::Error>(())
//! ```
//!
//! # Errors
//!
//! Fallible calls return [`Error`], which names what was wrong, and leave the output as it
//! was: [`Error::ShapeMismatch`] for operands that do not fit, [`Error::SizeOverflow`] and
//! [`Error::AllocationFailed`] for products too large to hold, [`Error::InvalidLength`] and
//! [`Error::InvalidLayout`] for buffers and strides that do not describe a matrix. The
//! `*` operator panics where `par_mul` returns an error. The variants for batches, exact
//! integers, names and MPI say so in their documentation.
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
//! the calling thread and nothing is handed to rayon. Called from outside every pool, the
//! calling thread runs one worker's share itself; after the pool has idled there, a packed
//! product needs more work per worker, since the pool's threads must be woken first. The
//! minimums were measured on the development machine;
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
//! - `complex` (default): hand-written AVX-512, AVX2 and NEON kernels for
//!   `num_complex::Complex<f32>` and `Complex<f64>` (through a regular `num-complex`
//!   dependency), and [`mixed`]: a real matrix times a complex one on the real kernels. Without it, complex matrices still multiply, through the portable
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
//! `cargo run --release --example compare` (strategies) or, in the repository's workspace,
//! `cargo run --release -p parmat-bench --example peers` (peers) to see them on yours, and
//! `--example sweep` there to time `Auto` against the best of every strategy and worker
//! count over eight families of shapes (`docs/guide.md` explains how to read it).
//!
//! # Rust version
//!
//! The minimum supported Rust version is 1.89 (edition 2024; the AVX-512 intrinsics the
//! kernels use were stabilised in 1.89).
#![deny(missing_docs, missing_debug_implementations)]
#![deny(unsafe_op_in_unsafe_fn)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// rustdoc lists `Matrix`'s methods in the order of these three modules, kept apart so
// that rustfmt does not sort them: the products (`par_mul`, `mul_with`) first,
mod products;
// then constructors and views,
mod matrix;
#[cfg(feature = "complex")]
pub mod mixed;
// then the exact-integer products.
mod exact;

mod batch;
mod dispatch;
mod element;
mod error;
mod kernel;
mod machine;
pub mod plan;
mod pool;
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

//! Hand-written kernels for x86-64: AVX-512 and AVX2 (+FMA), for `f32`, `f64`, `i32` and
//! `i64` (the unsigned 32- and 64-bit types reuse the integer kernels: wrapping multiply and
//! add are the same bit operations for signed and unsigned values).
//!
//! Each instruction set is a module that compiles the generic tile kernel
//! ([`crate::kernel::tile`]) with its features and lists its instances in `kernel`; each
//! element type is a file implementing [`Vector`](crate::kernel::tile::Vector) for one
//! vector register. Kernels are selected at run time by [`crate::kernel::Simd`] and only
//! ever called after the CPU was found to support their instructions.

pub(crate) mod avx2;
pub(crate) mod avx512;

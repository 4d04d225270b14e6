//! Hand-written kernels for aarch64: NEON (Advanced SIMD), for `f32`, `f64` and `i32` (`u32`
//! reuses the `i32` kernel: wrapping multiply and add are the same bit operations for signed
//! and unsigned values). NEON has no 64-bit integer vector multiply, so `i64` and `u64` keep
//! the portable kernel.
//!
//! NEON is part of every aarch64 CPU that runs an operating system Rust targets; the level is
//! still checked at run time like the x86-64 ones, so the selection works the same way.

pub(crate) mod neon;

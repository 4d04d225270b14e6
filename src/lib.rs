//! PLACEHOLDER
#![deny(missing_docs, missing_debug_implementations)]
#![deny(unsafe_op_in_unsafe_fn)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod element;
mod error;
mod gemm;
mod kernel;
mod matrix;
mod plan;
mod strategy;

#[cfg(feature = "ndarray")]
mod ndarray;

pub use element::{Element, ElementClass};
pub use error::Error;
pub use gemm::{gemm, mul, mul_into};
pub use matrix::{MatMut, MatRef, Matrix};
pub use plan::{Plan, min_work_per_worker, plan};
pub use strategy::{Auto, Blocked, MulStrategy, PerCell, RowParallel, Serial, Strategy};

#[cfg(feature = "ndarray")]
pub use crate::ndarray::ParMul;

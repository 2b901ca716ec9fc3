//! Pure float64 numerics: no egui, no wgpu, no web-sys, no clock, no global RNG (seeded RNGs are passed in).
//! Everything the views show is computed here, or by a GPU kernel whose CPU twin is checked against it.

pub mod banded;
pub mod bilevel;
pub mod control;
pub mod games;
pub mod ihvp;
pub mod linalg;
pub mod logistic;
pub mod nets;
pub mod random;
pub mod rl;
pub mod stepped;

//! Games played by gradient dynamics.

pub mod actor_critic;
pub mod lockstep;
pub mod stochastic;

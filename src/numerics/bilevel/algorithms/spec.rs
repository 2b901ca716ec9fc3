//! The check of an algorithm's parameters ([`Params`]) and the checks they share. The struct is the
//! algorithm (argmin's way: parameters and state in one type, the state skipped in files); the list of
//! algorithms, [`AlgorithmSpec`](super::AlgorithmSpec) and [`AlgoKind`](super::AlgoKind), is written once,
//! in `algorithms!` (mod.rs).

use super::Algorithm;
use crate::numerics::ihvp::spec::IhvpSpec;

/// An algorithm's parameters, as a scenario file or a view gives them.
pub trait Params: Algorithm + Clone + 'static {
    /// Checks the parameters beyond the step sizes (`AlgorithmSpec::validate` checks those first), for a
    /// follower of dimension `m`; errors name the field and range. None by default.
    fn validate(&self, _m: usize) -> Result<(), String> {
        Ok(())
    }
}

/// A step size, a bound or a radius: finite and > 0.
pub(crate) fn positive(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(format!("{name}: must be a finite number > 0, got {v}"))
    }
}

/// A weight: finite and ≥ 0.
pub(crate) fn nonneg(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(format!("{name}: must be a finite number ≥ 0, got {v}"))
    }
}

/// K inner steps per outer step.
pub(crate) fn inner_steps(v: usize) -> Result<(), String> {
    if v <= 100_000 {
        Ok(())
    } else {
        Err(format!("inner_steps: must be in 0..=100000, got {v}"))
    }
}

/// An algorithm's IHVP method, its errors under `ihvp.`.
pub(crate) fn ihvp(spec: &IhvpSpec, m: usize) -> Result<(), String> {
    spec.validate(m).map_err(|e| format!("ihvp.{e}"))
}

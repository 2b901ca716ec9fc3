//! BSA (Ghadimi & Wang 2018; lecture 004): the double loop ([`DoubleLoop`]) with BSA's stochastic Neumann
//! IHVP (`IhvpSpec::NeumannStochastic`: Q = `terms`, step η = `step`, α = 0, a random depth per call).
//! Cost: K inner steps + the Neumann terms' HVPs.

use super::double_loop::DoubleLoop;
use super::spec::{Params, inner_steps};
use super::{Algorithm, Run};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::ihvp::spec::IhvpSpec;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bsa {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub inner_steps: usize,
    /// Q: the Neumann series' most terms.
    pub terms: usize,
    /// η: the Neumann step.
    pub step: f64,
    #[serde(default)]
    pub seed: u64,
}

impl Bsa {
    /// The double loop BSA is (errors name BSA's fields).
    fn double_loop(&self) -> DoubleLoop {
        DoubleLoop {
            outer_lr: self.outer_lr,
            inner_lr: self.inner_lr,
            inner_steps: self.inner_steps,
            ihvp: IhvpSpec::NeumannStochastic {
                alpha: 0.0,
                iters: self.terms,
                step: self.step,
                seed: self.seed,
            },
            clip: None,
        }
    }
}

impl Params for Bsa {
    fn validate(&self, m: usize) -> Result<(), String> {
        inner_steps(self.inner_steps)?;
        self.double_loop()
            .ihvp
            .validate(m)
            .map_err(|e| e.replacen("iters:", "terms:", 1))
    }
}

impl Algorithm for Bsa {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        self.double_loop().step(problem, run);
    }
}

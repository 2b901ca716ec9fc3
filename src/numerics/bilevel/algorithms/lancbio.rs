//! LancBiO (Yang, Gao, Yuan, ICLR 2025; poster 002): the double loop whose IHVP is the dynamic Lanczos
//! process of [`crate::numerics::ihvp::lancbio::LancBio`], carried across outer iterations (one Lanczos step
//! per outer step, restarts every m steps, residual-minimization correction), with the warm-up of the
//! poster's theorem: in the first m₀ steps after each restart ((k mod m) < m₀, the subspace still too
//! small) x stays put while y and the subspace move on — the theorem's average runs over the other steps
//! only, m₀ ~ Ω(log m). Cost: K inner steps + 2 HVPs per outer step.

use super::spec::{Params, inner_steps, nonneg};
use super::{Algorithm, Run};
use crate::numerics::bilevel::{BilevelProblem, InnerHessian, hypergradient_with};
use crate::numerics::ihvp::lancbio::LancBio;

/// LancBiO with its Lanczos state, created at the first step.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lancbio {
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub inner_steps: usize,
    #[serde(default)]
    pub alpha: f64,
    #[serde(default = "crate::int::<10>")]
    pub restart_every: usize,
    /// m₀: outer steps after each restart without an x update (0: none).
    #[serde(default)]
    pub warm_up: usize,
    #[serde(skip)]
    pub state: Option<LancBio>,
}

impl Params for Lancbio {
    fn validate(&self, m: usize) -> Result<(), String> {
        inner_steps(self.inner_steps)?;
        let (restart_every, warm_up) = (self.restart_every, self.warm_up);
        if warm_up >= restart_every {
            return Err(format!(
                "warm_up: must be below restart_every = {restart_every}, got {warm_up}"
            ));
        }
        nonneg("alpha", self.alpha)?;
        if !(1..=m.max(1)).contains(&restart_every) {
            return Err(format!(
                "restart_every: must be in 1..={}, got {restart_every}",
                m.max(1)
            ));
        }
        Ok(())
    }
}

impl Algorithm for Lancbio {
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run) {
        run.inner_steps(problem, self.inner_lr, self.inner_steps);
        let b = problem.grad_y_f(&run.x, &run.y);
        let restart_every = self.restart_every;
        let state = self
            .state
            .get_or_insert_with(|| LancBio::new(run.y.len(), restart_every));
        let r = state.step(
            &InnerHessian {
                problem,
                x: &run.x,
                y: &run.y,
            },
            &b,
            self.alpha,
        );
        run.hvp_count += r.hvp_count;
        run.warnings.extend(r.warnings);
        let direction = hypergradient_with(problem, &run.x, &run.y, &r.v).0;
        if run.step % self.restart_every >= self.warm_up {
            run.x -= &direction * self.outer_lr;
        }
        run.hypergradient = direction;
    }
}

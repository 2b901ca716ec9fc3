//! Running a `soft_mdp` scenario: the solved follower at x, φ and its exact hypergradient, the constrained
//! follower under a budget, and with an algorithm its iterates.

use nalgebra::DVector;
use serde_json::{Value, json};

use super::SoftMdpScenario;
use crate::numerics::rl::lockstep::{Point, RlLockstep, Settings};
use crate::scenario::json::{num, vec};

impl SoftMdpScenario {
    /// The scenario's result document (`{"error"}` when the problem cannot be built).
    pub fn run(&self) -> Value {
        let problem = match self.problem() {
            Ok(p) => p,
            Err(e) => return json!({ "error": e }),
        };
        let budget = match self.budget(problem.mdp.states * problem.mdp.actions) {
            Ok(b) => b,
            Err(e) => return json!({ "error": e }),
        };
        let x = DVector::from_column_slice(&self.x);
        let (grad, sol) = problem.hypergradient(&x);
        let mut out = json!({
            "V": vec(&sol.v),
            "Q": vec(&sol.q),
            "pi": vec(&sol.pi),
            "phi": num(problem.f(&x, &sol.pi)),
            "hypergradient": vec(&grad),
            "residual": num(sol.residual),
        });
        if let Some(b) = &budget {
            out["expected_cost"] = num(b.expected_cost(&problem.mdp, &sol.pi));
            if let Some((phi_c, g_c, c, lambda)) = b.constrained_hypergradient(&problem, &x) {
                out["constrained"] = json!({
                    "pi": vec(&c.pi),
                    "lambda": num(lambda),
                    "phi": num(phi_c),
                    "hypergradient": vec(&g_c),
                    "expected_cost": num(b.expected_cost(&problem.mdp, &c.pi)),
                });
            }
        }
        if let Some(a) = &self.algorithm {
            let settings = Settings {
                beta: a.outer_lr,
                xi: a.w_lr,
                bellman_steps: a.bellman_steps,
                samples: a.samples,
                momentum: a.momentum,
                lambda: a.lambda,
                policy_lr: a.policy_lr,
                seed: a.seed,
                leader_steps: a.leader_steps,
                cbso_batch: a.batch,
                cbso_horizon: a.horizon,
                w0_seed: a.w0_seed,
            };
            let mut lock = RlLockstep::new(problem, budget, &[a.name], &x, &settings);
            let mut xs = vec![vec(&x)];
            for _ in 0..self.steps {
                lock.round(&settings);
                xs.push(vec(lock.runs[0].x()));
            }
            while lock.start_one() {}
            let run = &lock.runs[0];
            let points = &run.history[..=self.steps.min(run.history.len() - 1)];
            let column =
                |f: fn(&Point) -> f64| -> Vec<Value> { points.iter().map(|p| num(f(p))).collect() };
            out["iterates"] = json!({
                "x": xs,
                "phi": column(|p| p.phi),
                "grad_norm": column(|p| p.grad_norm),
                "direction_error": column(|p| p.estimate_error),
                "lower_residual": column(|p| p.residual),
                "violation": column(|p| p.violation),
            });
            if run.algorithm == crate::numerics::rl::lockstep::RlAlgorithm::Cbso {
                out["iterates"]["constrained_phi"] = json!(column(|p| p.constrained_phi));
                out["iterates"]["constrained_residual"] = json!(column(|p| p.constrained_residual));
                out["iterates"]["constrained_grad_norm"] =
                    json!(column(|p| p.constrained_grad_norm));
            }
            if let Some(step) = run.diverged {
                out["diverged_at"] = json!(step);
            }
        }
        out
    }
}

//! `"kind": "bilevel"`: an algorithm run on a problem, with the trajectory and, where a closed form
//! exists, the optimum.

use serde::Deserialize;
use serde_json::{Value, json};

use super::json::{matrix, num, opt, vec, vector};
use crate::numerics::bilevel::algorithms::{AlgorithmSpec, Run};
use crate::numerics::bilevel::problems::{
    ActorCriticGame, HyperCleaning, LancBioSynthetic, Parts, Pruning, Quadratic, Representation,
    RidgeHpo,
};
use crate::numerics::bilevel::stochastic::{Noise, Stochastic};
use crate::numerics::bilevel::{BilevelProblem, phi};

/// Most outer steps one scenario may ask for.
pub const MAX_STEPS: usize = 100_000;

/// A problem and its parameters, selected by `"name"`.
#[derive(Debug, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProblemSpec {
    Quadratic {
        #[serde(rename = "A")]
        a_mat: Vec<Vec<f64>>,
        #[serde(rename = "B")]
        b_mat: Vec<Vec<f64>>,
        #[serde(rename = "E")]
        e_mat: Vec<Vec<f64>>,
        a: Vec<f64>,
        c: Vec<f64>,
        #[serde(rename = "H")]
        h_mat: Vec<Vec<f64>>,
        #[serde(rename = "C")]
        c_mat: Vec<Vec<f64>>,
        d: Vec<f64>,
    },
    /// f = (x − 1)² + (y − 2)², g = (y − x)².
    StackelbergVsNash {},
    /// Zheng et al.'s one-step actor–critic game (leader minimizes −θw).
    ActorCritic {},
    /// Per-feature ridge penalties on a seeded synthetic regression set (lecture 004, Eq. 4).
    RidgeHpo {
        features: usize,
        #[serde(default = "crate::int::<40>")]
        samples: usize,
        #[serde(default = "default_noise")]
        noise: f64,
        #[serde(default)]
        seed: u64,
    },
    /// Per-sample weights σ(xᵢ) for logistic regression on partly corrupted labels.
    HyperCleaning {
        #[serde(default = "crate::int::<40>")]
        samples: usize,
        #[serde(default = "crate::int::<2>")]
        features: usize,
        #[serde(default = "default_corrupt")]
        corrupt: f64,
        #[serde(default = "default_mu")]
        mu: f64,
        #[serde(default)]
        seed: u64,
    },
    /// Multi-task representation learning (lecture 004, Eq. 6): a shared direction θ ∈ ℝ^dim, one ridge
    /// head per task.
    Representation {
        #[serde(default = "crate::int::<2>")]
        dim: usize,
        #[serde(default = "crate::int::<3>")]
        tasks: usize,
        #[serde(default = "crate::int::<40>")]
        samples: usize,
        #[serde(default = "default_mu")]
        rho: f64,
        #[serde(default)]
        seed: u64,
    },
    /// Pruning (lecture 004, Eq. 8): a mask θ on a linear model's weights, the weights trained under it.
    Pruning {
        #[serde(default = "crate::int::<2>")]
        features: usize,
        #[serde(default = "crate::int::<40>")]
        samples: usize,
        #[serde(default = "default_noise")]
        noise: f64,
        #[serde(default = "default_mu")]
        rho: f64,
        #[serde(default)]
        seed: u64,
    },
    /// LancBiO's synthetic problem with G of condition number `condition`.
    Lancbio {
        dim: usize,
        #[serde(default = "default_condition")]
        condition: f64,
        #[serde(default = "default_gamma")]
        gamma: f64,
        #[serde(default)]
        seed: u64,
    },
}

serde_defaults! {
    default_noise: f64 = 0.5;
    default_corrupt: f64 = 0.3;
    default_mu: f64 = 0.1;
    default_condition: f64 = 10.0;
    default_gamma: f64 = 0.1;
}

fn in_range<T: PartialOrd + std::fmt::Display>(
    name: &str,
    v: T,
    lo: T,
    hi: T,
) -> Result<(), String> {
    if v >= lo && v <= hi {
        Ok(())
    } else {
        Err(format!("{name}: must be in {lo}..={hi}, got {v}"))
    }
}

impl ProblemSpec {
    /// The ridge-HPO problem, checked, when this is one (the playground's GPU landscape needs its data).
    pub fn ridge(&self) -> Option<Result<RidgeHpo, String>> {
        let Self::RidgeHpo {
            features,
            samples,
            noise,
            seed,
        } = self
        else {
            return None;
        };
        Some((|| {
            in_range("features", *features, 1, 50)?;
            in_range("samples", *samples, 1, 10_000)?;
            in_range("noise", *noise, 0.0, 100.0)?;
            Ok(RidgeHpo::synthetic(*features, *samples, *noise, *seed))
        })())
    }

    /// The quadratic problem, checked, when this is one.
    pub fn quadratic(&self) -> Option<Result<Quadratic, String>> {
        let Self::Quadratic {
            a_mat,
            b_mat,
            e_mat,
            a,
            c,
            h_mat,
            c_mat,
            d,
        } = self
        else {
            return None;
        };
        Some((|| {
            Quadratic::new(Parts {
                a_mat: matrix(a_mat, "A")?,
                b_mat: matrix(b_mat, "B")?,
                e_mat: matrix(e_mat, "E")?,
                a: vector(a, "a")?,
                c: vector(c, "c")?,
                h_mat: matrix(h_mat, "H")?,
                c_mat: matrix(c_mat, "C")?,
                d: vector(d, "d")?,
            })
        })())
    }

    /// Builds the problem; errors carry the field's path below `problem`.
    pub fn build(&self) -> Result<Box<dyn BilevelProblem>, String> {
        Ok(match self {
            Self::Quadratic { .. } => Box::new(self.quadratic().ok_or("problem: not quadratic")??),
            Self::StackelbergVsNash {} => Box::new(Quadratic::stackelberg_vs_nash()),
            Self::ActorCritic {} => Box::new(ActorCriticGame),
            Self::RidgeHpo { .. } => Box::new(self.ridge().ok_or("problem: not ridge_hpo")??),
            Self::HyperCleaning {
                samples,
                features,
                corrupt,
                mu,
                seed,
            } => {
                in_range("samples", *samples, 2, 5_000)?;
                in_range("features", *features, 1, 50)?;
                in_range("corrupt", *corrupt, 0.0, 1.0)?;
                if !(mu.is_finite() && *mu > 0.0) {
                    return Err(format!("mu: must be a finite number > 0, got {mu}"));
                }
                Box::new(HyperCleaning::synthetic(
                    *samples, *features, *corrupt, *mu, *seed,
                ))
            }
            Self::Representation {
                dim,
                tasks,
                samples,
                rho,
                seed,
            } => {
                in_range("dim", *dim, 1, 50)?;
                in_range("tasks", *tasks, 1, 50)?;
                in_range("samples", *samples, 2, 10_000)?;
                if !(rho.is_finite() && *rho > 0.0) {
                    return Err(format!("rho: must be a finite number > 0, got {rho}"));
                }
                Box::new(Representation::synthetic(
                    *dim, *tasks, *samples, *rho, *seed,
                ))
            }
            Self::Pruning {
                features,
                samples,
                noise,
                rho,
                seed,
            } => {
                in_range("features", *features, 1, 50)?;
                in_range("samples", *samples, 2, 10_000)?;
                in_range("noise", *noise, 0.0, 100.0)?;
                if !(rho.is_finite() && *rho > 0.0) {
                    return Err(format!("rho: must be a finite number > 0, got {rho}"));
                }
                Box::new(Pruning::synthetic(*features, *samples, *noise, *rho, *seed))
            }
            Self::Lancbio {
                dim,
                condition,
                gamma,
                seed,
            } => {
                in_range("dim", *dim, 1, 500)?;
                in_range("condition", *condition, 1.0, 1e8)?;
                in_range("gamma", *gamma, 0.0, 0.99)?;
                Box::new(LancBioSynthetic::new(*dim, *condition, *gamma, *seed))
            }
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BilevelScenario {
    pub problem: ProblemSpec,
    pub algorithm: AlgorithmSpec,
    pub x0: Vec<f64>,
    pub y0: Vec<f64>,
    pub steps: usize,
    /// Stochastic oracles (absent: exact ones).
    #[serde(default)]
    pub noise: Option<Noise>,
}

impl BilevelScenario {
    pub fn validate(&self) -> Result<(), String> {
        let problem = self.problem.build().map_err(|e| format!("problem.{e}"))?;
        let (n, m) = problem.dims();
        self.algorithm
            .validate(m)
            .map_err(|e| format!("algorithm.{e}"))?;
        if self.x0.len() != n {
            return Err(format!("x0: must have {n} entries, got {}", self.x0.len()));
        }
        if self.y0.len() != m {
            return Err(format!("y0: must have {m} entries, got {}", self.y0.len()));
        }
        vector(&self.x0, "x0")?;
        vector(&self.y0, "y0")?;
        if let Some(noise) = &self.noise {
            noise.validate().map_err(|e| format!("noise.{e}"))?;
        }
        if self.steps > MAX_STEPS {
            return Err(format!(
                "steps: must be in 0..={MAX_STEPS}, got {}",
                self.steps
            ));
        }
        Ok(())
    }

    pub fn run(&self) -> Value {
        let exact = match self.problem.build() {
            Ok(p) => p,
            Err(e) => return json!({ "error": format!("problem.{e}") }),
        };
        // The algorithm sees the stochastic oracles; Φ is measured on the exact problem.
        let stochastic = self.noise.map(|n| Stochastic::new(exact.as_ref(), n));
        let problem: &dyn BilevelProblem = match &stochastic {
            Some(s) => s,
            None => exact.as_ref(),
        };
        let mut oracle_calls = Vec::new();
        let mut run = Run::new(
            nalgebra::DVector::from_column_slice(&self.x0),
            nalgebra::DVector::from_column_slice(&self.y0),
        );
        let mut xs = vec![vec(&run.x)];
        let mut ys = vec![vec(&run.y)];
        let mut phis = vec![opt(phi(exact.as_ref(), &run.x))];
        let mut grad_norms = Vec::new();
        let mut algorithm = self.algorithm.build();
        for _ in 0..self.steps {
            run.step(problem, algorithm.as_mut());
            if let Some(s) = &stochastic {
                oracle_calls.push(s.counts().total());
            }
            xs.push(vec(&run.x));
            ys.push(vec(&run.y));
            phis.push(opt(phi(exact.as_ref(), &run.x)));
            grad_norms.push(num(run.hypergradient.norm()));
            if run.status != crate::numerics::bilevel::algorithms::Status::Ok {
                break;
            }
        }
        let x_star = exact.x_star();
        let phi_star = x_star.as_ref().and_then(|x| phi(exact.as_ref(), x));
        let mut out = json!({
            "x": xs,
            "y": ys,
            "phi": phis,
            "hypergrad_norm": grad_norms,
            "inner_iterations": run.inner_iterations,
            "hvp_count": run.hvp_count,
            "status": run.status.to_string(),
        });
        if let Some(s) = &stochastic {
            let c = s.counts();
            out["oracle_calls"] = json!(oracle_calls);
            out["oracles"] = json!({ "gradients": c.gradients, "hvps": c.hvps });
        }
        if let Some(x) = x_star {
            out["x_star"] = vec(&x);
            out["phi_star"] = opt(phi_star);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{parse, run};

    fn scenario(extra: &str) -> String {
        format!(
            r#"{{"kind": "bilevel", "problem": {{"name": "ridge_hpo", "features": 2}},
                "algorithm": {{"name": "ttsa", "outer_lr": 0.05, "inner_lr": 0.2,
                               "ihvp": {{"method": "cg", "iters": 3, "alpha": 0.0}}}},
                "x0": [0.5, 0.5], "y0": [0, 0], "steps": 20{extra}}}"#
        )
    }

    #[test]
    fn noise_makes_the_oracles_stochastic_and_counts_them() {
        let exact = run(&parse(&scenario("")).expect("valid"));
        assert!(exact.get("oracle_calls").is_none());
        let noisy = run(&parse(&scenario(
            r#", "noise": {"sigma": 0, "batch": 5, "seed": 1}"#,
        ))
        .expect("valid"));
        let calls = noisy["oracle_calls"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(calls.len(), 20);
        // TTSA, CG with 3 iterations: per step ∇ᵧg, ∇ᵧf, ∇ₓf, 3 HVPs and one ∇²ₓᵧg product.
        assert_eq!(calls[0], 7, "{noisy}");
        assert_eq!(noisy["oracles"]["hvps"], 80);
        // Minibatches of 5 of the 40 samples move the run off the exact one; Φ stays the exact Φ.
        assert_ne!(noisy["x"], exact["x"]);
        assert_eq!(noisy["phi"][0], exact["phi"][0]);
        let bad = parse(&scenario(r#", "noise": {"sigma": 1, "batch": 0}"#));
        assert!(bad.is_err_and(|e| e.contains("noise.batch")));
    }
}

//! The bilevel playground's state (issue 6): the problem and its parameters, up to four runs (algorithm +
//! IHVP method each), the shared knobs they read, the start point and the step to replay to. One serde
//! struct with defaults, shared by the URL hash and exports; it builds the problem through the CLI's
//! `ProblemSpec` and each run's `AlgorithmSpec`, so a link and a scenario file mean the same thing.

mod choices;
mod model;

use crate::numerics::bilevel::algorithms::{
    alternating::Alternating, bsa::Bsa, double_loop::DoubleLoop, lancbio::Lancbio,
    momentum::Momentum, penalty::Penalty, primal_dual::PrimalDual, simultaneous::Simultaneous,
    stable::Stable, ttsa::Ttsa, unrolled::Unrolled,
};
use serde::{Deserialize, Serialize};

use super::bilevel::ProblemSpec;
use super::ihvp_knobs::Knobs;
use super::query::{Validate, check_f64, check_usize};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::bilevel::algorithms::AlgorithmSpec;
use crate::numerics::bilevel::algorithms::unrolled::Mode;
use crate::numerics::bilevel::stochastic::Noise;
use crate::numerics::ihvp::nystrom::NystromVariant;
use crate::numerics::ihvp::spec::{Draw, IhvpSpec, Sampling};

pub use crate::numerics::bilevel::algorithms::AlgoKind;
pub use crate::numerics::ihvp::spec::Method;
pub use choices::{ProblemKind, QuadraticData, condition_to};
pub use model::Model;

/// One of the four runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunChoice {
    pub on: bool,
    pub algorithm: AlgoKind,
    pub ihvp: Method,
}

impl Default for RunChoice {
    fn default() -> Self {
        Self {
            on: true,
            algorithm: AlgoKind::DoubleLoop,
            ihvp: Method::Exact,
        }
    }
}

/// A run switched on with this algorithm and IHVP method.
fn run(algorithm: AlgoKind, ihvp: Method) -> RunChoice {
    RunChoice {
        on: true,
        algorithm,
        ihvp,
    }
}

/// Everything a shared link restores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlaygroundState {
    pub problem: ProblemKind,
    /// Ridge HPO: features (= dim x = dim y).
    pub features: usize,
    /// Hyper-cleaning: training samples (= dim x); pruning: training samples.
    pub samples: usize,
    /// Representation learning: tasks (= dim y; the leader's dimension is `features`).
    pub tasks: usize,
    /// LancBiO: dimension and the inner Hessian's condition number (quadratic: H's spread, 1 = as given).
    pub dim: usize,
    pub condition: f64,
    /// The quadratic problem's matrices.
    pub quadratic: QuadraticData,
    pub seed: u64,
    pub runs: [RunChoice; 4],
    pub outer_lr: f64,
    pub inner_lr: f64,
    pub inner_steps: usize,
    /// IHVP: ridge α, Nyström rank q, iterations k (CG, Neumann, Lanczos), Neumann step, sampling.
    pub alpha: f64,
    pub rank: usize,
    pub iters: usize,
    pub neumann_step: f64,
    pub sampling: Sampling,
    /// Nyström's columns over a run's outer steps: the same ones (BLPO's code) or fresh ones per step.
    pub columns: Draw,
    /// BLPO Sec. 6 clipping bound on the implicit correction (0: off).
    pub clip: f64,
    /// TTSA's step-size decay exponents.
    pub outer_decay: f64,
    pub inner_decay: f64,
    /// Momentum weight (both levels) and the penalty weight ρ.
    pub eta: f64,
    pub rho: f64,
    /// The value-function penalty's a₁, a₂ (lecture 004, Eq. 26: ν̃_a = min_y g + a₁‖y‖²/2 + a₂).
    pub a1: f64,
    pub a2: f64,
    /// The primal–dual method's multiplier step η_ρ (its start is ρ).
    pub dual_lr: f64,
    /// TTSA's and STABLE's P_Θ: the ball ‖x‖ ≤ radius (0: no projection).
    pub radius: f64,
    /// STABLE's variance-reduced Hessian estimates, weight τ (0: off).
    pub tau: f64,
    /// How the unrolled runs differentiate the inner loop.
    pub unroll: Mode,
    /// Stochastic oracles: minibatches of `batch` samples on ridge HPO and hyper-cleaning, Gaussian
    /// noise σ/√batch elsewhere (lecture 004's stochastic setting); `seeds` runs per algorithm.
    pub stochastic: bool,
    pub sigma: f64,
    pub batch: usize,
    pub seeds: usize,
    /// Start: every coordinate of x₀ and of y₀.
    pub start: [f64; 2],
    pub steps_per_frame: usize,
    pub stop_at: usize,
}

impl Default for PlaygroundState {
    fn default() -> Self {
        Self {
            problem: ProblemKind::Toy,
            features: 2,
            samples: 40,
            tasks: 3,
            dim: 10,
            condition: 100.0,
            quadratic: QuadraticData::default(),
            seed: 0,
            runs: [
                run(AlgoKind::Simultaneous, Method::Exact),
                run(AlgoKind::DoubleLoop, Method::Exact),
                run(AlgoKind::Alternating, Method::Exact),
                run(AlgoKind::Unrolled, Method::Exact),
            ],
            outer_lr: 0.05,
            inner_lr: 0.2,
            inner_steps: 10,
            alpha: 0.0,
            rank: 1,
            iters: 5,
            neumann_step: 0.2,
            sampling: Sampling::Uniform,
            columns: Draw::Fixed,
            clip: 0.0,
            outer_decay: 0.0,
            inner_decay: 0.0,
            eta: 0.5,
            rho: 10.0,
            a1: 0.0,
            a2: 0.0,
            dual_lr: 1.0,
            radius: 0.0,
            tau: 0.0,
            unroll: Mode::Reverse,
            stochastic: false,
            sigma: 0.3,
            batch: 1,
            seeds: 8,
            start: [-1.0, 2.0],
            steps_per_frame: 5,
            stop_at: 2000,
        }
    }
}

pub use crate::scenario::ranges::playground as range;

impl PlaygroundState {
    /// The problem as the CLI's scenario would name it.
    pub fn problem_spec(&self) -> Result<ProblemSpec, String> {
        let json = match self.problem {
            ProblemKind::Toy => serde_json::json!({"name": "stackelberg_vs_nash"}),
            ProblemKind::ActorCritic => serde_json::json!({"name": "actor_critic"}),
            ProblemKind::RidgeHpo => {
                serde_json::json!({"name": "ridge_hpo", "features": self.features, "seed": self.seed})
            }
            ProblemKind::HyperCleaning => {
                serde_json::json!({"name": "hyper_cleaning", "samples": self.samples, "seed": self.seed})
            }
            ProblemKind::Lancbio => serde_json::json!({"name": "lancbio", "dim": self.dim,
                "condition": self.condition, "seed": self.seed}),
            ProblemKind::Representation => serde_json::json!({"name": "representation",
                "dim": self.features, "tasks": self.tasks, "seed": self.seed}),
            ProblemKind::Pruning => {
                serde_json::json!({"name": "pruning", "features": self.features,
                "samples": self.samples, "seed": self.seed})
            }
            ProblemKind::Quadratic => {
                let q = &self.quadratic;
                serde_json::json!({"name": "quadratic", "A": q.a_mat, "B": q.b_mat, "E": q.e_mat,
                    "a": q.a, "c": q.c, "H": condition_to(&q.h_mat, self.condition), "C": q.c_mat, "d": q.d})
            }
        };
        serde_json::from_value(json).map_err(|e| format!("problem: {e}"))
    }

    /// Takes the CLI's `problem` JSON (`{"name": "quadratic", "A": …}` or any other problem by name and
    /// parameters) into this state; errors name the field.
    pub fn load_problem(&mut self, text: &str) -> Result<(), String> {
        self.load_problem_checked(text).map_err(super::one_line)
    }

    /// `load_problem` before its error is put on one line.
    fn load_problem_checked(&mut self, text: &str) -> Result<(), String> {
        super::check_size(text, "problem JSON")?;
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("problem JSON: {e}"))?;
        let spec: ProblemSpec =
            serde_json::from_value(value.clone()).map_err(|e| format!("problem: {e}"))?;
        spec.build()?;
        let mut next = self.clone();
        match &spec {
            ProblemSpec::Quadratic { .. } => {
                next.problem = ProblemKind::Quadratic;
                let mut fields = value.clone();
                if let Some(map) = fields.as_object_mut() {
                    map.remove("name");
                }
                next.quadratic =
                    serde_json::from_value(fields).map_err(|e| format!("problem: {e}"))?;
                next.condition = 1.0;
            }
            ProblemSpec::StackelbergVsNash {} => next.problem = ProblemKind::Toy,
            ProblemSpec::ActorCritic {} => next.problem = ProblemKind::ActorCritic,
            ProblemSpec::RidgeHpo { features, seed, .. } => {
                next.problem = ProblemKind::RidgeHpo;
                (next.features, next.seed) = (*features, *seed);
            }
            ProblemSpec::HyperCleaning { samples, seed, .. } => {
                next.problem = ProblemKind::HyperCleaning;
                (next.samples, next.seed) = (*samples, *seed);
            }
            ProblemSpec::Lancbio {
                dim,
                condition,
                seed,
                ..
            } => {
                next.problem = ProblemKind::Lancbio;
                (next.dim, next.condition, next.seed) = (*dim, *condition, *seed);
            }
            ProblemSpec::Representation {
                dim, tasks, seed, ..
            } => {
                next.problem = ProblemKind::Representation;
                (next.features, next.tasks, next.seed) = (*dim, *tasks, *seed);
            }
            ProblemSpec::Pruning {
                features,
                samples,
                seed,
                ..
            } => {
                next.problem = ProblemKind::Pruning;
                (next.features, next.samples, next.seed) = (*features, *samples, *seed);
            }
        }
        next.validate()?;
        *self = next;
        Ok(())
    }

    pub fn build_problem(&self) -> Result<Box<dyn BilevelProblem>, String> {
        self.problem_spec()?.build()
    }

    /// The IHVP method `method` with the shared knobs (one iteration count for all), for inner
    /// dimension m.
    pub fn ihvp(&self, method: Method, m: usize) -> IhvpSpec {
        let knobs = Knobs {
            alpha: self.alpha,
            rank: self.rank,
            sampling: self.sampling,
            variant: NystromVariant::Paper,
            seed: self.seed,
            cg_iters: self.iters,
            neumann_terms: self.iters,
            neumann_step: self.neumann_step,
            lanczos_steps: self.iters,
            reorthogonalize: true,
            draw: self.columns,
        };
        knobs.spec(method, m)
    }

    /// The oracles of seed `k` of a run: `None` (exact) unless stochastic.
    pub fn noise(&self, k: usize) -> Option<Noise> {
        self.stochastic.then(|| {
            Noise {
                sigma: self.sigma,
                batch: self.batch,
                seed: self.seed,
            }
            .with_seed_offset(k as u64)
        })
    }

    /// Runs per algorithm: `seeds` on stochastic oracles, one on exact ones.
    pub fn seed_count(&self) -> usize {
        if self.stochastic { self.seeds } else { 1 }
    }

    /// Run `choice` as an algorithm spec, for inner dimension m.
    pub fn algorithm(&self, choice: &RunChoice, m: usize) -> AlgorithmSpec {
        let (outer_lr, inner_lr, inner_steps) = (self.outer_lr, self.inner_lr, self.inner_steps);
        let ihvp = self.ihvp(choice.ihvp, m);
        match choice.algorithm {
            AlgoKind::Simultaneous => {
                AlgorithmSpec::Simultaneous(Simultaneous { outer_lr, inner_lr })
            }
            AlgoKind::Alternating => AlgorithmSpec::Alternating(Alternating {
                outer_lr,
                inner_lr,
                inner_steps,
            }),
            AlgoKind::DoubleLoop => AlgorithmSpec::DoubleLoop(DoubleLoop {
                outer_lr,
                inner_lr,
                inner_steps,
                ihvp,
                clip: (self.clip > 0.0).then_some(self.clip),
            }),
            AlgoKind::Bsa => AlgorithmSpec::Bsa(Bsa {
                outer_lr,
                inner_lr,
                inner_steps,
                terms: self.iters,
                step: self.neumann_step,
                seed: self.seed,
            }),
            AlgoKind::Ttsa => AlgorithmSpec::Ttsa(Ttsa {
                outer_lr,
                inner_lr,
                ihvp,
                outer_decay: self.outer_decay,
                inner_decay: self.inner_decay,
                radius: (self.radius > 0.0).then_some(self.radius),
            }),
            AlgoKind::Stable => AlgorithmSpec::Stable(Stable {
                outer_lr,
                inner_lr,
                ihvp,
                radius: (self.radius > 0.0).then_some(self.radius),
                tau: (self.tau > 0.0).then_some(self.tau),
                estimates: None,
            }),
            AlgoKind::Momentum => AlgorithmSpec::Momentum(Momentum {
                outer_lr,
                inner_lr,
                ihvp,
                eta_upper: self.eta,
                eta_lower: self.eta,
                state: Default::default(),
            }),
            AlgoKind::Unrolled => AlgorithmSpec::Unrolled(Unrolled {
                outer_lr,
                inner_lr,
                inner_steps,
                mode: self.unroll,
            }),
            AlgoKind::Penalty => AlgorithmSpec::Penalty(Penalty {
                outer_lr,
                inner_lr,
                inner_steps,
                rho: self.rho,
                a1: self.a1,
                a2: self.a2,
                z: None,
            }),
            AlgoKind::PrimalDual => AlgorithmSpec::PrimalDual(PrimalDual {
                outer_lr,
                inner_lr,
                inner_steps,
                rho: self.rho,
                dual_lr: self.dual_lr,
                a1: self.a1,
                a2: self.a2,
                z: None,
            }),
            AlgoKind::Lancbio => AlgorithmSpec::Lancbio(Lancbio {
                outer_lr,
                inner_lr,
                inner_steps,
                alpha: self.alpha,
                restart_every: 10.min(m).max(1),
                warm_up: 0,
                state: None,
            }),
        }
    }
}

/// `show`: how far and fast the runs play.
impl crate::scenario::document::Document for PlaygroundState {
    const KIND: &'static str = "playground";
    const ANCHOR: &'static str = "playground";
    const SHOW: &'static [&'static str] = &["steps_per_frame", "stop_at"];
}

impl Validate for PlaygroundState {
    fn validate(&self) -> Result<(), String> {
        check_usize("features", self.features, range::FEATURES)?;
        check_usize("samples", self.samples, range::SAMPLES)?;
        check_usize("tasks", self.tasks, range::TASKS)?;
        check_usize("dim", self.dim, range::DIM)?;
        check_f64("condition", self.condition, range::CONDITION)?;
        if self.problem == ProblemKind::Quadratic {
            let (n, m) = (self.quadratic.a.len(), self.quadratic.c.len());
            check_usize("quadratic.a (x's dimension)", n, (1, 8))?;
            check_usize("quadratic.c (y's dimension)", m, (1, 8))?;
        }
        check_f64("outer_lr", self.outer_lr, range::LR)?;
        check_f64("inner_lr", self.inner_lr, range::LR)?;
        check_usize("inner_steps", self.inner_steps, range::INNER_STEPS)?;
        check_f64("alpha", self.alpha, range::ALPHA)?;
        check_usize("iters", self.iters, range::ITERS)?;
        check_f64("neumann_step", self.neumann_step, range::STEP)?;
        check_f64("clip", self.clip, range::CLIP)?;
        check_f64("outer_decay", self.outer_decay, range::DECAY)?;
        check_f64("inner_decay", self.inner_decay, range::DECAY)?;
        check_f64("eta", self.eta, range::ETA)?;
        check_f64("rho", self.rho, range::RHO)?;
        check_f64("a1", self.a1, range::PENALTY_A)?;
        check_f64("a2", self.a2, range::PENALTY_A)?;
        check_f64("dual_lr", self.dual_lr, range::LR)?;
        check_f64("radius", self.radius, range::RADIUS)?;
        check_f64("tau", self.tau, range::TAU)?;
        check_f64("sigma", self.sigma, range::SIGMA)?;
        check_usize("batch", self.batch, range::BATCH)?;
        check_usize("seeds", self.seeds, range::SEEDS)?;
        check_f64("start.0", self.start[0], range::START)?;
        check_f64("start.1", self.start[1], range::START)?;
        check_usize(
            "steps_per_frame",
            self.steps_per_frame,
            range::STEPS_PER_FRAME,
        )?;
        check_usize("stop_at", self.stop_at, range::STOP_AT)?;
        let problem = self.build_problem().map_err(|e| format!("`{e}"))?;
        let (_, m) = problem.dims();
        check_usize("rank", self.rank, (1, m))?;
        for (i, run) in self.runs.iter().enumerate().filter(|(_, r)| r.on) {
            self.algorithm(run, m).validate(m).map_err(|e| {
                format!("`runs.{i}`: {e} (α = 0 leaves Nyström and identity undefined)")
            })?;
            if run.algorithm.uses_ihvp() {
                self.ihvp(run.ihvp, m)
                    .validate(m)
                    .map_err(|e| format!("`runs.{i}.ihvp`: {e}"))?;
            }
        }
        Ok(())
    }
}

crate::scenario::presets::presets!(PlaygroundState, "playground");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::query::{from_query, to_query};

    /// The "Noisy oracles" preset's claim: at equal oracle cost (3000 stochastic gradients and
    /// second-order products) the median Φ − Φ* over its 8 seeds is lowest for plain TTSA (5.8e-3), then
    /// BSA (6.3e-3), both below momentum (1.2e-2) and STABLE (1.6e-2).
    #[test]
    fn at_equal_oracle_cost_plain_ttsa_is_not_beaten() {
        use crate::numerics::bilevel::lockstep::Tracked;
        use crate::numerics::bilevel::phi;
        let state = crate::scenario::presets::named(presets().unwrap(), "Noisy oracles")
            .unwrap()
            .state
            .clone();
        let problem = state.build_problem().expect("valid");
        let (n, m) = problem.dims();
        let phi_star = problem
            .x_star()
            .and_then(|x| phi(problem.as_ref(), &x))
            .expect("closed form");
        let x0 = nalgebra::DVector::from_element(n, state.start[0]);
        let y0 = nalgebra::DVector::from_element(m, state.start[1]);
        let medians: Vec<f64> = state
            .runs
            .iter()
            .map(|choice| {
                let mut gaps: Vec<f64> = (0..state.seeds)
                    .map(|k| {
                        let spec = state.algorithm(choice, m);
                        let mut t = Tracked::new(problem.as_ref(), spec, state.noise(k), &x0, &y0);
                        while t.oracles() < 3000 {
                            t.step(problem.as_ref());
                        }
                        t.metrics.last().map_or(f64::INFINITY, |m| m.phi - phi_star)
                    })
                    .collect();
                gaps.sort_by(f64::total_cmp);
                (gaps[3] + gaps[4]) / 2.0
            })
            .collect();
        let [ttsa, momentum, stable, bsa] = [medians[0], medians[1], medians[2], medians[3]];
        assert!(ttsa < momentum && ttsa < stable, "{medians:?}");
        assert!(bsa < momentum && bsa < stable, "{medians:?}");
    }

    #[test]
    fn presets_are_valid_links_round_trip_and_errors_name_the_field() {
        let q = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        let e = from_query::<PlaygroundState>(&q("outer_lr", "50"))
            .err()
            .unwrap_or_default();
        assert!(e.contains("`outer_lr`"), "{e}");
        let e = from_query::<PlaygroundState>(&q("runs.2.algorithm", "newton"))
            .err()
            .unwrap_or_default();
        assert!(e.contains("runs.2.algorithm"), "{e}");
        let mut nys = q("runs.2.ihvp", "nystrom");
        nys.extend(q("runs.2.algorithm", "double_loop"));
        let e = from_query::<PlaygroundState>(&nys)
            .err()
            .unwrap_or_default();
        assert!(e.contains("`runs.2") && e.contains("alpha"), "{e}");
        // Every algorithm with every IHVP method builds a valid spec on the toy (α > 0).
        let s = PlaygroundState {
            alpha: 0.01,
            ..PlaygroundState::default()
        };
        for &(a, _, _) in AlgoKind::ALL {
            for i in Method::ALL {
                let choice = RunChoice {
                    on: true,
                    algorithm: a,
                    ihvp: i,
                };
                let spec = s.algorithm(&choice, 1);
                assert_eq!(spec.validate(1), Ok(()), "{a:?} {i:?}");
                // The kind is the spec's, under the same name in links and scenario files.
                assert_eq!(spec.kind(), a);
                let json = serde_json::to_value(&spec).unwrap_or_default();
                assert_eq!(serde_json::to_value(a).unwrap_or_default(), json["name"]);
            }
        }
    }

    #[test]
    fn the_conditioning_slider_sets_h_s_spread_and_keeps_its_eigenvectors() {
        let h = vec![vec![2.0, 1.0], vec![1.0, 2.0]];
        let out = condition_to(&h, 100.0);
        let m = nalgebra::DMatrix::from_fn(2, 2, |i, j| out[i][j]);
        let mut eig: Vec<f64> = m.symmetric_eigenvalues().iter().copied().collect();
        eig.sort_by(f64::total_cmp);
        assert!(
            (eig[1] - 3.0).abs() < 1e-12 && (eig[0] - 0.03).abs() < 1e-12,
            "{eig:?}"
        );
        // The top eigenvector (1, 1)/√2 is kept.
        let v = &m * nalgebra::DVector::from_vec(vec![1.0, 1.0]);
        assert!((v[0] - 3.0).abs() < 1e-12 && (v[1] - 3.0).abs() < 1e-12);
        assert_eq!(condition_to(&h, 1.0), h);
    }

    #[test]
    fn a_pasted_problem_is_loaded_or_named_and_the_quadratic_round_trips_through_a_link() {
        let mut s = PlaygroundState::default();
        let toy_like = r#"{"name": "quadratic", "A": [[2]], "B": [[0]], "E": [[2]], "a": [-2],
            "c": [-4], "H": [[2]], "C": [[2]], "d": [0]}"#;
        assert_eq!(s.load_problem(toy_like), Ok(()));
        assert_eq!(s.problem, ProblemKind::Quadratic);
        assert_eq!(s.quadratic.h_mat, vec![vec![2.0]]);
        assert_eq!(from_query(&to_query(&s)), Ok(s.clone()));
        let e = s
            .load_problem(r#"{"name": "quadratic", "A": [[1]], "B": [[0]], "E": [[1]], "a": [0], "c": [0], "H": [[-1]], "C": [[1]], "d": [0]}"#)
            .err()
            .unwrap_or_default();
        assert!(e.contains('H') && e.contains("positive definite"), "{e}");
        assert_eq!(
            s.problem,
            ProblemKind::Quadratic,
            "a failed load changes nothing"
        );
        assert_eq!(
            s.load_problem(r#"{"name": "ridge_hpo", "features": 3}"#),
            Ok(())
        );
        assert_eq!((s.problem, s.features), (ProblemKind::RidgeHpo, 3));
        let e = s
            .load_problem(r#"{"name": "newton"}"#)
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("problem:"), "{e}");
        // The default quadratic has a 2-D leader and builds.
        let q = PlaygroundState {
            problem: ProblemKind::Quadratic,
            condition: 1.0,
            ..PlaygroundState::default()
        };
        assert_eq!(q.validate(), Ok(()));
        assert_eq!(q.build_problem().map(|p| p.dims()), Ok((2, 2)));
    }
}

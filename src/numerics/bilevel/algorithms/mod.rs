//! Bilevel algorithms as steppers: [`Run::step`] performs one outer iteration, so a view can run k steps
//! per frame and a CLI can run them all. Each algorithm lives in its own file.
//! A non-finite or exploding iterate ends the run with status "diverged at step k" — never a panic.

pub mod alternating;
pub mod double_loop;
pub mod lancbio;
pub mod momentum;
pub mod penalty;
pub mod simultaneous;
pub mod stable;
pub mod ttsa;
pub mod unrolled;

use nalgebra::DVector;

use super::BilevelProblem;
use crate::numerics::ihvp::lancbio::LancBio;
use crate::numerics::ihvp::spec::IhvpSpec;

/// Iterates beyond this norm count as diverged.
pub const DIVERGENCE_NORM: f64 = 1e12;

/// An algorithm and its parameters, as in scenario files (`"name": "double_loop", …`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum AlgorithmSpec {
    Simultaneous {
        outer_lr: f64,
        inner_lr: f64,
    },
    Alternating {
        outer_lr: f64,
        inner_lr: f64,
        inner_steps: usize,
    },
    DoubleLoop {
        outer_lr: f64,
        inner_lr: f64,
        inner_steps: usize,
        ihvp: IhvpSpec,
        /// BLPO Sec. 6 clipping bound (‖correction‖ ≤ clip · ‖∇ₓf‖), off when absent.
        #[serde(default)]
        clip: Option<f64>,
    },
    Ttsa {
        outer_lr: f64,
        inner_lr: f64,
        ihvp: IhvpSpec,
        /// Step sizes η/(k+1)^p: p for the leader and the follower.
        #[serde(default)]
        outer_decay: f64,
        #[serde(default)]
        inner_decay: f64,
    },
    Stable {
        outer_lr: f64,
        inner_lr: f64,
        ihvp: IhvpSpec,
    },
    Momentum {
        outer_lr: f64,
        inner_lr: f64,
        ihvp: IhvpSpec,
        /// Momentum weights η_u, η_l in [0, 1).
        #[serde(default = "half")]
        eta_upper: f64,
        #[serde(default = "half")]
        eta_lower: f64,
    },
    Unrolled {
        outer_lr: f64,
        inner_lr: f64,
        inner_steps: usize,
        mode: unrolled::Mode,
    },
    Penalty {
        outer_lr: f64,
        inner_lr: f64,
        inner_steps: usize,
        rho: f64,
        #[serde(default)]
        a1: f64,
        #[serde(default)]
        a2: f64,
    },
    Lancbio {
        outer_lr: f64,
        inner_lr: f64,
        inner_steps: usize,
        #[serde(default)]
        alpha: f64,
        #[serde(default = "ten")]
        restart_every: usize,
    },
}

fn half() -> f64 {
    0.5
}
fn ten() -> usize {
    10
}

impl AlgorithmSpec {
    /// (outer_lr, inner_lr): every algorithm has both.
    pub fn rates(&self) -> (f64, f64) {
        match self {
            Self::Simultaneous { outer_lr, inner_lr }
            | Self::Alternating {
                outer_lr, inner_lr, ..
            }
            | Self::DoubleLoop {
                outer_lr, inner_lr, ..
            }
            | Self::Ttsa {
                outer_lr, inner_lr, ..
            }
            | Self::Stable {
                outer_lr, inner_lr, ..
            }
            | Self::Momentum {
                outer_lr, inner_lr, ..
            }
            | Self::Unrolled {
                outer_lr, inner_lr, ..
            }
            | Self::Penalty {
                outer_lr, inner_lr, ..
            }
            | Self::Lancbio {
                outer_lr, inner_lr, ..
            } => (*outer_lr, *inner_lr),
        }
    }

    /// Checks step sizes and counts; errors name the field and range.
    pub fn validate(&self, m: usize) -> Result<(), String> {
        let lr = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("{name}: must be a finite number > 0, got {v}"))
            }
        };
        let steps = |v: usize| {
            if v <= 100_000 {
                Ok(())
            } else {
                Err(format!("inner_steps: must be in 0..=100000, got {v}"))
            }
        };
        let (outer, inner) = self.rates();
        lr("outer_lr", outer)?;
        lr("inner_lr", inner)?;
        match self {
            Self::Simultaneous { .. } => Ok(()),
            Self::Alternating { inner_steps, .. } => steps(*inner_steps),
            Self::DoubleLoop {
                inner_steps,
                ihvp,
                clip,
                ..
            } => {
                steps(*inner_steps)?;
                if let Some(c) = clip {
                    lr("clip", *c)?;
                }
                ihvp.validate(m).map_err(|e| format!("ihvp.{e}"))
            }
            Self::Ttsa {
                ihvp,
                outer_decay,
                inner_decay,
                ..
            } => {
                for (name, p) in [("outer_decay", outer_decay), ("inner_decay", inner_decay)] {
                    if !(0.0..=1.0).contains(p) {
                        return Err(format!("{name}: must be in 0..=1, got {p}"));
                    }
                }
                ihvp.validate(m).map_err(|e| format!("ihvp.{e}"))
            }
            Self::Stable { ihvp, .. } => ihvp.validate(m).map_err(|e| format!("ihvp.{e}")),
            Self::Momentum {
                ihvp,
                eta_upper,
                eta_lower,
                ..
            } => {
                for (name, eta) in [("eta_upper", eta_upper), ("eta_lower", eta_lower)] {
                    if !(0.0..1.0).contains(eta) {
                        return Err(format!("{name}: must be in [0, 1), got {eta}"));
                    }
                }
                ihvp.validate(m).map_err(|e| format!("ihvp.{e}"))
            }
            Self::Unrolled { inner_steps, .. } => {
                if *inner_steps > 10_000 {
                    return Err(format!(
                        "inner_steps: must be in 0..=10000, got {inner_steps}"
                    ));
                }
                Ok(())
            }
            Self::Penalty {
                inner_steps,
                rho,
                a1,
                a2,
                ..
            } => {
                lr("rho", *rho)?;
                steps(*inner_steps)?;
                for (name, a) in [("a1", a1), ("a2", a2)] {
                    if !(a.is_finite() && *a >= 0.0) {
                        return Err(format!("{name}: must be a finite number ≥ 0, got {a}"));
                    }
                }
                Ok(())
            }
            Self::Lancbio {
                inner_steps,
                alpha,
                restart_every,
                ..
            } => {
                steps(*inner_steps)?;
                if !(alpha.is_finite() && *alpha >= 0.0) {
                    return Err(format!("alpha: must be a finite number ≥ 0, got {alpha}"));
                }
                if !(1..=m.max(1)).contains(restart_every) {
                    return Err(format!(
                        "restart_every: must be in 1..={}, got {restart_every}",
                        m.max(1)
                    ));
                }
                Ok(())
            }
        }
    }
}

/// What some algorithms carry between steps.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    pub momentum: momentum::MomentumState,
    /// The penalty method's value-function iterate z.
    pub penalty_z: Option<DVector<f64>>,
    pub lancbio: Option<LancBio>,
}

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Diverged { step: usize },
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ok => write!(f, "ok"),
            Self::Diverged { step } => write!(f, "diverged at step {step}"),
        }
    }
}

/// The state of one algorithm run: iterate, the last hypergradient estimate, work spent, status.
#[derive(Clone, Debug)]
pub struct Run {
    pub x: DVector<f64>,
    pub y: DVector<f64>,
    /// Outer steps taken.
    pub step: usize,
    pub status: Status,
    /// The direction the leader used in the last step (hypergradient estimate or ∇ₓf).
    pub hypergradient: DVector<f64>,
    /// Totals over the run.
    pub inner_iterations: usize,
    pub hvp_count: usize,
    /// Warnings of the last step (IHVP problems, clipping).
    pub warnings: Vec<String>,
    pub memory: Memory,
}

impl Run {
    pub fn new(x0: DVector<f64>, y0: DVector<f64>) -> Self {
        let n = x0.len();
        Self {
            x: x0,
            y: y0,
            step: 0,
            status: Status::Ok,
            hypergradient: DVector::zeros(n),
            inner_iterations: 0,
            hvp_count: 0,
            warnings: Vec::new(),
            memory: Memory::default(),
        }
    }

    /// One outer iteration of `spec` on `problem`; does nothing once diverged.
    pub fn step<P: BilevelProblem + ?Sized>(&mut self, problem: &P, spec: &AlgorithmSpec) {
        if self.status != Status::Ok {
            return;
        }
        self.warnings.clear();
        let k = self.step;
        match spec {
            AlgorithmSpec::Simultaneous { outer_lr, inner_lr } => {
                simultaneous::step(problem, self, *outer_lr, *inner_lr)
            }
            AlgorithmSpec::Alternating {
                outer_lr,
                inner_lr,
                inner_steps,
            } => alternating::step(problem, self, *outer_lr, *inner_lr, *inner_steps),
            AlgorithmSpec::DoubleLoop {
                outer_lr,
                inner_lr,
                inner_steps,
                ihvp,
                clip,
            } => double_loop::step(
                problem,
                self,
                *outer_lr,
                *inner_lr,
                *inner_steps,
                ihvp,
                *clip,
            ),
            AlgorithmSpec::Ttsa {
                outer_lr,
                inner_lr,
                ihvp,
                outer_decay,
                inner_decay,
            } => {
                let decay = |lr: f64, p: f64| lr / ((k + 1) as f64).powf(p);
                ttsa::step(
                    problem,
                    self,
                    decay(*outer_lr, *outer_decay),
                    decay(*inner_lr, *inner_decay),
                    ihvp,
                )
            }
            AlgorithmSpec::Stable {
                outer_lr,
                inner_lr,
                ihvp,
            } => stable::step(problem, self, *outer_lr, *inner_lr, ihvp),
            AlgorithmSpec::Momentum {
                outer_lr,
                inner_lr,
                ihvp,
                eta_upper,
                eta_lower,
            } => {
                let mut state = std::mem::take(&mut self.memory.momentum);
                momentum::step(
                    problem, self, &mut state, *outer_lr, *inner_lr, *eta_upper, *eta_lower, ihvp,
                );
                self.memory.momentum = state;
            }
            AlgorithmSpec::Unrolled {
                outer_lr,
                inner_lr,
                inner_steps,
                mode,
            } => unrolled::step(problem, self, *outer_lr, *inner_lr, *inner_steps, *mode),
            AlgorithmSpec::Penalty {
                outer_lr,
                inner_lr,
                inner_steps,
                rho,
                a1,
                a2,
            } => {
                let mut z = self
                    .memory
                    .penalty_z
                    .take()
                    .unwrap_or_else(|| self.y.clone());
                penalty::step(
                    problem,
                    self,
                    &mut z,
                    *outer_lr,
                    *inner_lr,
                    *inner_steps,
                    *rho,
                    (*a1, *a2),
                );
                self.memory.penalty_z = Some(z);
            }
            AlgorithmSpec::Lancbio {
                outer_lr,
                inner_lr,
                inner_steps,
                alpha,
                restart_every,
            } => {
                let mut state = self
                    .memory
                    .lancbio
                    .take()
                    .unwrap_or_else(|| LancBio::new(self.y.len(), *restart_every));
                lancbio::step(
                    problem,
                    self,
                    &mut state,
                    *outer_lr,
                    *inner_lr,
                    *inner_steps,
                    *alpha,
                );
                self.memory.lancbio = Some(state);
            }
        }
        self.step += 1;
        let finite =
            |v: &DVector<f64>| v.iter().all(|c| c.is_finite()) && v.norm() < DIVERGENCE_NORM;
        if !finite(&self.x) || !finite(&self.y) || !self.hypergradient.iter().all(|c| c.is_finite())
        {
            self.status = Status::Diverged { step: self.step };
        }
    }

    /// `steps` gradient steps on the follower from the current y (warm start): y ← y − η ∇ᵧg(x, y).
    pub(crate) fn inner_steps<P: BilevelProblem + ?Sized>(
        &mut self,
        problem: &P,
        lr: f64,
        steps: usize,
    ) {
        for _ in 0..steps {
            let grad = problem.grad_y_g(&self.x, &self.y);
            self.y -= grad * lr;
            if !self.y.iter().all(|c| c.is_finite()) {
                break;
            }
        }
        self.inner_iterations += steps;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::problems::{ActorCriticGame, Quadratic};
    use crate::numerics::ihvp::testing::{spd, vector};
    use nalgebra::DMatrix;

    fn run<P: BilevelProblem>(
        p: &P,
        spec: &AlgorithmSpec,
        x0: DVector<f64>,
        y0: DVector<f64>,
        steps: usize,
    ) -> Run {
        spec.validate(p.dims().1).unwrap_or_else(|e| panic!("{e}"));
        let mut r = Run::new(x0, y0);
        for _ in 0..steps {
            r.step(p, spec);
        }
        r
    }

    fn exact() -> IhvpSpec {
        IhvpSpec::Exact { alpha: 0.0 }
    }

    #[test]
    fn toy_simultaneous_goes_to_nash_and_hypergradient_methods_to_stackelberg() {
        let q = Quadratic::stackelberg_vs_nash();
        let start = || {
            (
                DVector::from_element(1, -1.0),
                DVector::from_element(1, 3.0),
            )
        };
        let (x0, y0) = start();
        let sim = run(
            &q,
            &AlgorithmSpec::Simultaneous {
                outer_lr: 0.05,
                inner_lr: 0.2,
            },
            x0,
            y0,
            2000,
        );
        assert!(
            (sim.x[0] - 1.0).abs() < 1e-6 && (sim.y[0] - 1.0).abs() < 1e-6,
            "{} {}",
            sim.x,
            sim.y
        );
        for spec in [
            AlgorithmSpec::DoubleLoop {
                outer_lr: 0.05,
                inner_lr: 0.2,
                inner_steps: 10,
                ihvp: exact(),
                clip: None,
            },
            AlgorithmSpec::DoubleLoop {
                outer_lr: 0.05,
                inner_lr: 0.2,
                inner_steps: 10,
                ihvp: IhvpSpec::Cg {
                    alpha: 0.0,
                    iters: 1,
                    tol: 0.0,
                },
                clip: None,
            },
            AlgorithmSpec::Ttsa {
                outer_lr: 0.05,
                inner_lr: 0.3,
                ihvp: exact(),
                outer_decay: 0.0,
                inner_decay: 0.0,
            },
        ] {
            let (x0, y0) = start();
            let r = run(&q, &spec, x0, y0, 3000);
            assert_eq!(r.status, Status::Ok);
            assert!(
                (r.x[0] - 1.5).abs() < 1e-6 && (r.y[0] - 1.5).abs() < 1e-5,
                "{spec:?}: {} {}",
                r.x,
                r.y
            );
        }
        // Alternating play has no implicit term: it goes to the point where ∇ₓf(x, y*(x)) = 0, x = 1.
        let (x0, y0) = start();
        let alt = run(
            &q,
            &AlgorithmSpec::Alternating {
                outer_lr: 0.05,
                inner_lr: 0.2,
                inner_steps: 20,
            },
            x0,
            y0,
            2000,
        );
        assert!((alt.x[0] - 1.0).abs() < 1e-6, "{}", alt.x);
    }

    #[test]
    fn stable_momentum_unrolled_and_lancbio_reach_the_stackelberg_point() {
        let q = Quadratic::stackelberg_vs_nash();
        for (spec, tol) in [
            (
                AlgorithmSpec::Stable {
                    outer_lr: 0.05,
                    inner_lr: 0.2,
                    ihvp: exact(),
                },
                1e-6,
            ),
            (
                AlgorithmSpec::Momentum {
                    outer_lr: 0.05,
                    inner_lr: 0.2,
                    ihvp: exact(),
                    eta_upper: 0.5,
                    eta_lower: 0.5,
                },
                1e-6,
            ),
            (
                AlgorithmSpec::Unrolled {
                    outer_lr: 0.05,
                    inner_lr: 0.2,
                    inner_steps: 30,
                    mode: unrolled::Mode::Reverse,
                },
                1e-4,
            ),
            (
                AlgorithmSpec::Lancbio {
                    outer_lr: 0.05,
                    inner_lr: 0.2,
                    inner_steps: 5,
                    alpha: 0.0,
                    restart_every: 1,
                },
                1e-6,
            ),
        ] {
            let r = run(
                &q,
                &spec,
                DVector::from_element(1, -1.0),
                DVector::from_element(1, 3.0),
                3000,
            );
            assert_eq!(r.status, Status::Ok, "{spec:?}");
            assert!((r.x[0] - 1.5).abs() < tol, "{spec:?}: {}", r.x);
        }
    }

    #[test]
    fn momentum_with_exact_gradients_coincides_with_single_loop_aid() {
        // Eq. 21's correction telescopes when gradients are exact: same iterates as STABLE without the
        // correction term, i.e. x − α∇̄f and y − β∇ᵧg from the same point.
        let p = crate::numerics::bilevel::problems::LancBioSynthetic::new(3, 4.0, 0.1, 2);
        let spec = AlgorithmSpec::Momentum {
            outer_lr: 0.1,
            inner_lr: 0.1,
            ihvp: exact(),
            eta_upper: 0.9,
            eta_lower: 0.3,
        };
        let mut r = Run::new(vector(3, 1), vector(3, 2));
        let (mut x, mut y) = (r.x.clone(), r.y.clone());
        for _ in 0..20 {
            r.step(&p, &spec);
            let (grad, _) = crate::numerics::bilevel::exact_hypergradient(&p, &x, &y);
            let gy = p.grad_y_g(&x, &y);
            x -= grad * 0.1;
            y -= gy * 0.1;
            assert!((&r.x - &x).norm() < 1e-12 && (&r.y - &y).norm() < 1e-12);
        }
    }

    #[test]
    fn penalty_reaches_the_penalized_optimum_which_tends_to_stackelberg() {
        let q = Quadratic::stackelberg_vs_nash();
        let mut last_gap = f64::INFINITY;
        for rho in [1.0, 4.0, 16.0] {
            let spec = AlgorithmSpec::Penalty {
                outer_lr: 0.5 / (1.0 + 2.0 * rho),
                inner_lr: 0.2,
                inner_steps: 20,
                rho,
                a1: 0.0,
                a2: 0.0,
            };
            let r = run(
                &q,
                &spec,
                DVector::from_element(1, 0.0),
                DVector::from_element(1, 0.0),
                4000,
            );
            // Minimizer of (x−1)² + (y−2)² + ρ(y−x)² (value function of g = (y−x)² is 0).
            let m = DMatrix::from_row_slice(2, 2, &[1.0 + rho, -rho, -rho, 1.0 + rho]);
            let want = m.lu().solve(&DVector::from_vec(vec![1.0, 2.0])).unwrap();
            assert!(
                (r.x[0] - want[0]).abs() < 1e-6 && (r.y[0] - want[1]).abs() < 1e-6,
                "ρ = {rho}: {} {}",
                r.x,
                r.y
            );
            let gap = (r.x[0] - 1.5).abs() + (r.y[0] - 1.5).abs();
            assert!(gap < last_gap);
            last_gap = gap;
        }
    }

    #[test]
    fn double_loop_reaches_the_closed_form_optimum_of_random_quadratics() {
        for seed in 0..4 {
            let (n, m) = (3, 4);
            let q = Quadratic::new(
                spd(m, 0.5, 2.0, seed),
                DMatrix::from_fn(n, m, |i, j| {
                    ((i * 3 + j) as f64 * 0.7 + seed as f64).sin() * 0.3
                }),
                spd(n, 0.5, 1.0, seed + 10),
                vector(n, seed + 20),
                vector(m, seed + 30),
                spd(m, 1.0, 3.0, seed + 40),
                DMatrix::from_fn(m, n, |i, j| ((i + 2 * j) as f64 + seed as f64).cos() * 0.5),
                vector(m, seed + 50),
            )
            .unwrap();
            let x_star = q.x_star().unwrap_or_else(|| panic!("convex Φ"));
            let spec = AlgorithmSpec::DoubleLoop {
                outer_lr: 0.1,
                inner_lr: 0.3,
                inner_steps: 20,
                ihvp: IhvpSpec::Cg {
                    alpha: 0.0,
                    iters: 4,
                    tol: 0.0,
                },
                clip: None,
            };
            let r = run(&q, &spec, DVector::zeros(n), DVector::zeros(m), 3000);
            assert!(
                (&r.x - &x_star).norm() < 1e-6,
                "seed {seed}: {} vs {x_star}",
                r.x
            );
            assert_eq!(r.hvp_count, 3000 * 4);
            assert_eq!(r.inner_iterations, 3000 * 20);
        }
    }

    #[test]
    fn huge_steps_end_in_a_diverged_status_not_a_panic() {
        let g = ActorCriticGame;
        let spec = AlgorithmSpec::Simultaneous {
            outer_lr: 1e3,
            inner_lr: 1e3,
        };
        let r = run(
            &g,
            &spec,
            DVector::from_element(1, -1.0),
            DVector::from_element(1, 1.0),
            100,
        );
        let Status::Diverged { step } = r.status else {
            panic!("expected divergence, got {}", r.status)
        };
        assert!(step < 100);
        assert_eq!(r.step, step, "no steps after divergence");
        assert_eq!(r.status.to_string(), format!("diverged at step {step}"));
    }

    #[test]
    fn invalid_parameters_name_the_field() {
        let spec = AlgorithmSpec::DoubleLoop {
            outer_lr: 0.1,
            inner_lr: -1.0,
            inner_steps: 1,
            ihvp: exact(),
            clip: None,
        };
        assert_eq!(
            spec.validate(2).unwrap_err(),
            "inner_lr: must be a finite number > 0, got -1"
        );
        let spec = AlgorithmSpec::DoubleLoop {
            outer_lr: 0.1,
            inner_lr: 0.1,
            inner_steps: 1,
            ihvp: IhvpSpec::Nystrom {
                alpha: 1.0,
                rank: 9,
                sampling: Default::default(),
                columns: None,
                seed: 0,
                variant: crate::numerics::ihvp::nystrom::NystromVariant::Paper,
            },
            clip: None,
        };
        assert_eq!(
            spec.validate(4).unwrap_err(),
            "ihvp.rank: must be in 1..=4, got 9"
        );
    }
}

//! Bilevel algorithms as steppers: each is a type in its own file that owns its parameters and state and
//! implements [`Algorithm`]; [`AlgorithmSpec`] (the scenario form) builds it, and [`Run::step`] performs one
//! outer iteration, so a view can run k steps per frame and a CLI can run them all.
//! A non-finite or exploding iterate ends the run with status "diverged at step k" — never a panic.

pub mod spec;

use spec::Params as _;

/// Declares the algorithms, each once — `module::Type` of a file in this folder whose type (with fields
/// `outer_lr`, `inner_lr`) implements [`Algorithm`] and [`Params`](spec::Params), `[ihvp]` where it uses
/// the chosen IHVP method, its label and one line on what it does — and from that list [`AlgorithmSpec`]
/// (the scenario form: the type itself under its snake_case name, `{"name": "double_loop", …}`) and
/// [`AlgoKind`] (the algorithm without its parameters, as the playground's picker and legends list it).
macro_rules! algorithms {
    ($($module:ident :: $name:ident $([$ihvp:ident])?: $label:literal, $about:literal;)*) => {
        $(pub mod $module;)*

        /// An algorithm and its parameters, as in scenario files (`"name": "double_loop", …`).
        #[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "name", rename_all = "snake_case")]
        pub enum AlgorithmSpec {
            $($name($module::$name)),*
        }

        /// An algorithm without its parameters: its name in files and links, its label and one line on
        /// what it does (the playground's picker and legends read them from [`AlgoKind::ALL`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum AlgoKind {
            $($name),*
        }

        impl AlgoKind {
            pub const ALL: &[(AlgoKind, &'static str, &'static str)] =
                &[$((AlgoKind::$name, $label, $about)),*];

            /// Whether the algorithm uses the chosen IHVP method.
            pub fn uses_ihvp(self) -> bool {
                match self {
                    $(Self::$name => stringify!($($ihvp)?) == "ihvp"),*
                }
            }
        }

        impl AlgorithmSpec {
            /// The algorithm, without its parameters.
            pub fn kind(&self) -> AlgoKind {
                match self {
                    $(Self::$name(_) => AlgoKind::$name),*
                }
            }

            /// (outer_lr, inner_lr): every algorithm has both.
            pub fn rates(&self) -> (f64, f64) {
                match self {
                    $(Self::$name(a) => (a.outer_lr, a.inner_lr)),*
                }
            }

            /// Checks step sizes, then the algorithm's own parameters; errors name the field and range.
            pub fn validate(&self, m: usize) -> Result<(), String> {
                let (outer, inner) = self.rates();
                spec::positive("outer_lr", outer)?;
                spec::positive("inner_lr", inner)?;
                match self {
                    $(Self::$name(a) => a.validate(m)),*
                }
            }

            /// The algorithm these parameters describe (a spec is never stepped: its state is fresh).
            pub fn build(&self) -> Box<dyn Algorithm> {
                match self {
                    $(Self::$name(a) => Box::new(a.clone())),*
                }
            }
        }
    };
}

algorithms! {
    simultaneous::Simultaneous: "simultaneous", "x ← x − η∇_x f, y ← y − β∇_y g: ignores how y* moves";
    alternating::Alternating: "alternating", "K inner steps, then x ← x − η∇_x f";
    double_loop::DoubleLoop [ihvp]: "double loop (AID-BiO)", "K inner steps, then the IFT hypergradient";
    bsa::Bsa: "BSA", "K inner steps, then the hypergradient with BSA's stochastic Neumann IHVP";
    ttsa::Ttsa [ihvp]: "TTSA", "one inner step, the IFT hypergradient, decaying step sizes";
    stable::Stable [ihvp]: "STABLE", "one inner step with a correction for the moving x";
    momentum::Momentum [ihvp]: "momentum", "moving averages of both levels' directions";
    unrolled::Unrolled: "unrolled", "differentiate through K inner steps (reverse mode)";
    penalty::Penalty: "penalty", "value-function penalty ρ(g − min g)";
    primal_dual::PrimalDual: "primal–dual", "the penalty's multiplier ρ learned by ascent on g − ν̃";
    lancbio::Lancbio: "LancBiO", "Lanczos-subspace IHVP carried across steps";
}

use nalgebra::DVector;

use super::BilevelProblem;

/// P_Θ of TTSA and STABLE (lecture 004, Algorithms 4–5): x projected onto the ball ‖x‖ ≤ `radius`.
pub(crate) fn project(x: &mut DVector<f64>, radius: Option<f64>) {
    if let Some(r) = radius {
        let norm = x.norm();
        if norm > r {
            *x *= r / norm;
        }
    }
}

/// Iterates beyond this norm count as diverged.
pub const DIVERGENCE_NORM: f64 = 1e12;

/// One bilevel algorithm, owning its parameters and whatever it carries between steps (argmin's solver
/// shape): built from its [`AlgorithmSpec`], stepped by [`Run::step`], which does the bookkeeping.
pub trait Algorithm: std::fmt::Debug {
    /// One outer iteration from the run's iterate (`run.step` outer steps taken so far).
    fn step(&mut self, problem: &dyn BilevelProblem, run: &mut Run);
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
    /// IHVP solves so far: call k of a randomized method uses its draw k ([`IhvpSpec::drawn`]).
    ///
    /// [`IhvpSpec::drawn`]: crate::numerics::ihvp::spec::IhvpSpec::drawn
    pub ihvp_calls: u64,
    /// Warnings of the last step (IHVP problems, clipping).
    pub warnings: Vec<String>,
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
            ihvp_calls: 0,
            warnings: Vec::new(),
        }
    }

    /// One outer iteration of `algorithm` on `problem`; does nothing once diverged.
    pub fn step(&mut self, problem: &dyn BilevelProblem, algorithm: &mut dyn Algorithm) {
        if self.status != Status::Ok {
            return;
        }
        self.warnings.clear();
        algorithm.step(problem, self);
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
mod tests;
#[cfg(test)]
mod tests_stochastic;

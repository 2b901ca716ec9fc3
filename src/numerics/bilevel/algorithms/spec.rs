//! An algorithm with its parameters, as chosen in a view or a scenario file, and their validation.

use super::Algorithm;
use super::alternating::Alternating;
use super::double_loop::DoubleLoop;
pub use super::kind::AlgoKind;
use super::lancbio::Lancbio;
use super::momentum::{Momentum, MomentumState};
use super::penalty::Penalty;
use super::primal_dual::PrimalDual;
use super::simultaneous::Simultaneous;
use super::stable::Stable;
use super::ttsa::Ttsa;
use super::unrolled::{self, Unrolled};
use crate::numerics::ihvp::spec::IhvpSpec;

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
    /// BSA (Ghadimi & Wang 2018): the double loop with BSA's stochastic Neumann IHVP (Q = `terms`).
    Bsa {
        outer_lr: f64,
        inner_lr: f64,
        inner_steps: usize,
        terms: usize,
        step: f64,
        #[serde(default)]
        seed: u64,
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
        /// P_Θ: the leader's iterate projected onto the ball ‖x‖ ≤ radius (none when absent).
        #[serde(default)]
        radius: Option<f64>,
    },
    Stable {
        outer_lr: f64,
        inner_lr: f64,
        ihvp: IhvpSpec,
        /// P_Θ as for TTSA.
        #[serde(default)]
        radius: Option<f64>,
        /// The variance-reduced Hessian estimates' weight τ in (0, 1] (none: every step's own IHVP).
        #[serde(default)]
        tau: Option<f64>,
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
    /// The value-function method's primal–dual form (lecture Eq. 29): `rho` is the multiplier's start.
    PrimalDual {
        outer_lr: f64,
        inner_lr: f64,
        inner_steps: usize,
        rho: f64,
        dual_lr: f64,
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
        /// m₀: steps after each restart without an x update (0: none).
        #[serde(default)]
        warm_up: usize,
    },
}

fn half() -> f64 {
    0.5
}
fn ten() -> usize {
    10
}

impl AlgorithmSpec {
    /// The algorithm, without its parameters.
    pub fn kind(&self) -> AlgoKind {
        match self {
            Self::Simultaneous { .. } => AlgoKind::Simultaneous,
            Self::Alternating { .. } => AlgoKind::Alternating,
            Self::DoubleLoop { .. } => AlgoKind::DoubleLoop,
            Self::Bsa { .. } => AlgoKind::Bsa,
            Self::Ttsa { .. } => AlgoKind::Ttsa,
            Self::Stable { .. } => AlgoKind::Stable,
            Self::Momentum { .. } => AlgoKind::Momentum,
            Self::Unrolled { .. } => AlgoKind::Unrolled,
            Self::Penalty { .. } => AlgoKind::Penalty,
            Self::PrimalDual { .. } => AlgoKind::PrimalDual,
            Self::Lancbio { .. } => AlgoKind::Lancbio,
        }
    }

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
            | Self::Bsa {
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
            | Self::PrimalDual {
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
        let nonneg = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("{name}: must be a finite number ≥ 0, got {v}"))
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
            Self::Bsa {
                inner_steps,
                terms,
                step,
                seed,
                ..
            } => {
                steps(*inner_steps)?;
                bsa_ihvp(*terms, *step, *seed)
                    .validate(m)
                    .map_err(|e| e.replacen("iters:", "terms:", 1))
            }
            Self::Ttsa {
                ihvp,
                outer_decay,
                inner_decay,
                radius,
                ..
            } => {
                for (name, p) in [("outer_decay", outer_decay), ("inner_decay", inner_decay)] {
                    if !(0.0..=1.0).contains(p) {
                        return Err(format!("{name}: must be in 0..=1, got {p}"));
                    }
                }
                if let Some(r) = radius {
                    lr("radius", *r)?;
                }
                ihvp.validate(m).map_err(|e| format!("ihvp.{e}"))
            }
            Self::Stable {
                ihvp, radius, tau, ..
            } => {
                if let Some(r) = radius {
                    lr("radius", *r)?;
                }
                if let Some(t) = tau
                    && !(*t > 0.0 && *t <= 1.0)
                {
                    return Err(format!("tau: must be in (0, 1], got {t}"));
                }
                ihvp.validate(m).map_err(|e| format!("ihvp.{e}"))
            }
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
            Self::PrimalDual {
                inner_steps,
                rho,
                dual_lr,
                a1,
                a2,
                ..
            } => {
                nonneg("rho", *rho)?;
                lr("dual_lr", *dual_lr)?;
                steps(*inner_steps)?;
                nonneg("a1", *a1)?;
                nonneg("a2", *a2)
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
                nonneg("a1", *a1)?;
                nonneg("a2", *a2)
            }
            Self::Lancbio {
                inner_steps,
                alpha,
                restart_every,
                warm_up,
                ..
            } => {
                steps(*inner_steps)?;
                if warm_up >= restart_every {
                    return Err(format!(
                        "warm_up: must be below restart_every = {restart_every}, got {warm_up}"
                    ));
                }
                nonneg("alpha", *alpha)?;
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

    /// The algorithm these parameters describe, with fresh state.
    pub fn build(&self) -> Box<dyn Algorithm> {
        let (outer_lr, inner_lr) = self.rates();
        match self.clone() {
            Self::Simultaneous { .. } => Box::new(Simultaneous { outer_lr, inner_lr }),
            Self::Alternating { inner_steps, .. } => Box::new(Alternating {
                outer_lr,
                inner_lr,
                inner_steps,
            }),
            Self::DoubleLoop {
                inner_steps,
                ihvp,
                clip,
                ..
            } => Box::new(DoubleLoop {
                outer_lr,
                inner_lr,
                inner_steps,
                ihvp,
                clip,
            }),
            Self::Bsa {
                inner_steps,
                terms,
                step,
                seed,
                ..
            } => Box::new(DoubleLoop {
                outer_lr,
                inner_lr,
                inner_steps,
                ihvp: bsa_ihvp(terms, step, seed),
                clip: None,
            }),
            Self::Ttsa {
                ihvp,
                outer_decay,
                inner_decay,
                radius,
                ..
            } => Box::new(Ttsa {
                outer_lr,
                inner_lr,
                ihvp,
                outer_decay,
                inner_decay,
                radius,
            }),
            Self::Stable {
                ihvp, radius, tau, ..
            } => Box::new(Stable {
                outer_lr,
                inner_lr,
                ihvp,
                radius,
                tau,
                estimates: None,
            }),
            Self::Momentum {
                ihvp,
                eta_upper,
                eta_lower,
                ..
            } => Box::new(Momentum {
                outer_lr,
                inner_lr,
                ihvp,
                eta_upper,
                eta_lower,
                state: MomentumState::default(),
            }),
            Self::Unrolled {
                inner_steps, mode, ..
            } => Box::new(Unrolled {
                outer_lr,
                inner_lr,
                inner_steps,
                mode,
            }),
            Self::Penalty {
                inner_steps,
                rho,
                a1,
                a2,
                ..
            } => Box::new(Penalty {
                outer_lr,
                inner_lr,
                inner_steps,
                rho,
                a1,
                a2,
                z: None,
            }),
            Self::PrimalDual {
                inner_steps,
                rho,
                dual_lr,
                a1,
                a2,
                ..
            } => Box::new(PrimalDual {
                outer_lr,
                inner_lr,
                inner_steps,
                dual_lr,
                a1,
                a2,
                rho,
                z: None,
            }),
            Self::Lancbio {
                inner_steps,
                alpha,
                restart_every,
                warm_up,
                ..
            } => Box::new(Lancbio {
                outer_lr,
                inner_lr,
                inner_steps,
                alpha,
                restart_every,
                warm_up,
                state: None,
            }),
        }
    }
}

/// BSA's IHVP: the stochastic Neumann estimator with Q = `terms` and step η (α = 0; errors name BSA's
/// fields).
fn bsa_ihvp(terms: usize, step: f64, seed: u64) -> IhvpSpec {
    IhvpSpec::NeumannStochastic {
        alpha: 0.0,
        iters: terms,
        step,
        seed,
    }
}

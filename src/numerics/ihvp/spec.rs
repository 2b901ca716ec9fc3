//! Every IHVP method described once: [`IhvpSpec`], a method with its parameters as a view or a scenario
//! file chooses it (field names are the scenario JSON's: `"method": "cg", "iters": 20, …`), with the one
//! entry point that runs it; and [`Method`], the method without its parameters — its name in files and
//! links, its label, one line on what it computes and costs ([`Method::about`]). The IHVP lab's methods,
//! the playground's picker, legends and colours (`app::look`: the palette in the order of [`Method::ALL`])
//! and the CLI's `"method"` names are all read from [`Method::ALL`] and [`Method::about`], so a method added
//! here appears everywhere (a test in `scenario` checks it).
//!
//! Add a method: its file in this folder (`fn(h, b, alpha, …) -> IhvpResult`), `pub mod` in `mod.rs`, and
//! here a variant of [`IhvpSpec`] (parameters, `method`, `solve`, …) and of [`Method`] (`about`, `ALL`);
//! the knobs that make it in `scenario::ihvp_knobs`.

use crate::numerics::random::SeededRng;
use nalgebra::DVector;

use super::nystrom::{ColumnSampling, NystromVariant};
use super::{HessianOperator, IhvpResult};
use serde::{Deserialize, Serialize};

/// How columns are sampled for Nyström, in scenario form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    #[default]
    Uniform,
    Diagonal,
}

/// Which columns a Nyström solve uses on each call: fresh ones (Hataya & Yamada's code draws new indices
/// per call; the IHVP lab's default: instance i of a batch is draw i) or the same ones every time (BLPO's
/// code fixes them with one seed, `PRNGKey(0)`; the playground's default: every outer step of a run uses
/// the same indices).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Draw {
    #[default]
    Fresh,
    Fixed,
}

/// An IHVP method and its parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum IhvpSpec {
    Exact {
        alpha: f64,
    },
    Cg {
        alpha: f64,
        iters: usize,
        #[serde(default)]
        tol: f64,
        /// Stop at non-positive curvature (`false`: run on, as JAX and SciPy do).
        #[serde(default = "yes")]
        guard: bool,
    },
    Neumann {
        alpha: f64,
        iters: usize,
        step: f64,
    },
    /// BSA's estimator: Q = `iters` terms in expectation, a random depth per call.
    NeumannStochastic {
        alpha: f64,
        iters: usize,
        step: f64,
        #[serde(default)]
        seed: u64,
    },
    Nystrom {
        alpha: f64,
        rank: usize,
        #[serde(default)]
        sampling: Sampling,
        #[serde(default)]
        columns: Option<Vec<usize>>,
        #[serde(default)]
        seed: u64,
        #[serde(default = "paper")]
        variant: NystromVariant,
        /// Fresh columns on every call, or the same ones ([`Draw`]).
        #[serde(default)]
        draw: Draw,
    },
    NystromPcg {
        alpha: f64,
        rank: usize,
        iters: usize,
        #[serde(default)]
        tol: f64,
        #[serde(default)]
        seed: u64,
    },
    Lanczos {
        alpha: f64,
        iters: usize,
        #[serde(default = "yes")]
        reorthogonalize: bool,
    },
    Identity {
        alpha: f64,
    },
}

serde_defaults! {
    paper: NystromVariant = NystromVariant::Paper;
    yes: bool = true;
}

/// An IHVP method, without its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Exact,
    Cg,
    Neumann,
    Nystrom,
    NystromPcg,
    Lanczos,
    Identity,
    /// CG without the curvature guard (in files: `{"method": "cg", "guard": false}`).
    CgUnguarded,
    NeumannStochastic,
}

impl IhvpSpec {
    /// Guarded CG with `iters` iterations and no tolerance (it runs them all).
    pub fn cg(alpha: f64, iters: usize) -> Self {
        Self::Cg {
            alpha,
            iters,
            tol: 0.0,
            guard: true,
        }
    }

    /// The method (its name, label and colour: [`Method::about`]).
    pub fn method(&self) -> Method {
        match self {
            Self::Exact { .. } => Method::Exact,
            Self::Cg { guard: true, .. } => Method::Cg,
            Self::Cg { guard: false, .. } => Method::CgUnguarded,
            Self::Neumann { .. } => Method::Neumann,
            Self::NeumannStochastic { .. } => Method::NeumannStochastic,
            Self::Nystrom { .. } => Method::Nystrom,
            Self::NystromPcg { .. } => Method::NystromPcg,
            Self::Lanczos { .. } => Method::Lanczos,
            Self::Identity { .. } => Method::Identity,
        }
    }

    /// The method's name in links, views and the CLI's results (scenario files tag CG without the guard
    /// `"cg"` with `"guard": false`).
    pub fn name(&self) -> &'static str {
        self.method().name()
    }

    /// The ridge α.
    pub fn alpha(&self) -> f64 {
        match self {
            Self::Exact { alpha }
            | Self::Cg { alpha, .. }
            | Self::Neumann { alpha, .. }
            | Self::NeumannStochastic { alpha, .. }
            | Self::Nystrom { alpha, .. }
            | Self::NystromPcg { alpha, .. }
            | Self::Lanczos { alpha, .. }
            | Self::Identity { alpha } => *alpha,
        }
    }

    /// Checks parameters against dimension p; the error names the field and its allowed range.
    pub fn validate(&self, p: usize) -> Result<(), String> {
        let alpha = self.alpha();
        if !alpha.is_finite() || alpha < 0.0 {
            return Err(format!("alpha: must be a finite number ≥ 0, got {alpha}"));
        }
        match self {
            Self::Nystrom { rank, columns, .. } => {
                if *rank == 0 || *rank > p {
                    return Err(format!("rank: must be in 1..={p}, got {rank}"));
                }
                if alpha == 0.0 {
                    return Err("alpha: the Nyström IHVP needs α > 0, got 0".to_owned());
                }
                if let Some(cols) = columns {
                    if cols.len() != *rank {
                        return Err(format!(
                            "columns: must list rank = {rank} indices, got {}",
                            cols.len()
                        ));
                    }
                    if let Some((i, j)) = cols.iter().enumerate().find(|(_, j)| **j >= p) {
                        return Err(format!("columns[{i}]: must be in 0..={}, got {j}", p - 1));
                    }
                }
                Ok(())
            }
            Self::NystromPcg { rank, iters, .. } => {
                if *rank == 0 || *rank > p {
                    return Err(format!("rank: must be in 1..={p}, got {rank}"));
                }
                if *iters > 100_000 {
                    return Err(format!("iters: must be in 0..=100000, got {iters}"));
                }
                Ok(())
            }
            Self::Cg { iters, .. }
            | Self::Neumann { iters, .. }
            | Self::NeumannStochastic { iters, .. }
            | Self::Lanczos { iters, .. }
                if *iters > 100_000 =>
            {
                Err(format!("iters: must be in 0..=100000, got {iters}"))
            }
            Self::NeumannStochastic { iters: 0, .. } => {
                Err("iters: must be in 1..=100000, got 0".to_owned())
            }
            Self::Neumann { step, .. } | Self::NeumannStochastic { step, .. }
                if !step.is_finite() || *step <= 0.0 =>
            {
                Err(format!("step: must be a finite number > 0, got {step}"))
            }
            Self::Identity { .. } if alpha == 0.0 => {
                Err("alpha: the identity IHVP needs α > 0, got 0".to_owned())
            }
            _ => Ok(()),
        }
    }

    /// The same method at ridge `alpha`, as [`Self::draw`] number `draw`: a batch of instances gets
    /// independent draws that still replay from the spec's seed.
    pub fn at(&self, alpha: f64, draw: u64) -> Self {
        let mut spec = self.drawn(draw);
        match &mut spec {
            Self::Exact { alpha: a }
            | Self::Cg { alpha: a, .. }
            | Self::Neumann { alpha: a, .. }
            | Self::Lanczos { alpha: a, .. }
            | Self::Identity { alpha: a }
            | Self::Nystrom { alpha: a, .. }
            | Self::NystromPcg { alpha: a, .. }
            | Self::NeumannStochastic { alpha: a, .. } => *a = alpha,
        }
        spec
    }

    /// The spec for call number `call` of a sequence (instances of a batch, outer steps of a run): its
    /// random draws shifted by `call` — Nyström's columns only when they are [`Draw::Fresh`], the
    /// Nyström-PCG sketch and the stochastic Neumann depth always.
    pub fn drawn(&self, call: u64) -> Self {
        let mut spec = self.clone();
        match &mut spec {
            Self::Nystrom {
                seed,
                draw: Draw::Fresh,
                ..
            }
            | Self::NystromPcg { seed, .. }
            | Self::NeumannStochastic { seed, .. } => *seed = seed.wrapping_add(call),
            _ => {}
        }
        spec
    }

    /// The same method with its work budget set to `budget`: iterations for CG, Neumann (terms), Lanczos
    /// and Nyström-PCG, the rank for Nyström (given columns are dropped so the rank can change). `None` for
    /// methods without a budget (exact, identity).
    pub fn with_budget(&self, budget: usize) -> Option<Self> {
        let mut spec = self.clone();
        match &mut spec {
            Self::Cg { iters, .. }
            | Self::Neumann { iters, .. }
            | Self::NeumannStochastic { iters, .. }
            | Self::Lanczos { iters, .. }
            | Self::NystromPcg { iters, .. } => *iters = budget,
            Self::Nystrom { rank, columns, .. } => {
                *rank = budget;
                *columns = None;
            }
            Self::Exact { .. } | Self::Identity { .. } => return None,
        }
        Some(spec)
    }

    /// Runs the method. Randomized methods draw from `rng` unless they carry their own seed (then the
    /// result is reproducible on its own).
    pub fn solve<H: HessianOperator + ?Sized>(
        &self,
        h: &H,
        b: &DVector<f64>,
    ) -> Result<IhvpResult, String> {
        use rand::SeedableRng as _;
        self.validate(h.dim())?;
        Ok(match self {
            Self::Exact { alpha } => super::exact::exact(h, b, *alpha),
            Self::Cg {
                alpha,
                iters,
                tol,
                guard,
            } => {
                let guard = if *guard {
                    super::cg::Guard::Curvature
                } else {
                    super::cg::Guard::None
                };
                super::cg::cg(h, b, *alpha, *iters, *tol, guard)
            }
            Self::Neumann { alpha, iters, step } => {
                super::neumann::neumann(h, b, *alpha, *iters, *step, true)
            }
            Self::NeumannStochastic {
                alpha,
                iters,
                step,
                seed,
            } => {
                let mut rng = SeededRng::seed_from_u64(*seed);
                super::neumann_stochastic::neumann_stochastic(h, b, *alpha, *iters, *step, &mut rng)
            }
            Self::Nystrom {
                alpha,
                rank,
                sampling,
                columns,
                seed,
                variant,
                draw: _,
            } => {
                let sampling = match (columns, sampling) {
                    (Some(cols), _) => ColumnSampling::Given(cols.clone()),
                    (None, Sampling::Uniform) => ColumnSampling::Uniform,
                    (None, Sampling::Diagonal) => ColumnSampling::SquaredDiagonal,
                };
                let mut rng = SeededRng::seed_from_u64(*seed);
                super::nystrom::nystrom(h, b, *alpha, *rank, &sampling, *variant, &mut rng)?
            }
            Self::NystromPcg {
                alpha,
                rank,
                iters,
                tol,
                seed,
            } => {
                let mut rng = SeededRng::seed_from_u64(*seed);
                super::nystrom_pcg::nystrom_pcg(h, b, *alpha, *rank, *iters, *tol, &mut rng)
            }
            Self::Lanczos {
                alpha,
                iters,
                reorthogonalize,
            } => super::lanczos::lanczos(h, b, *alpha, *iters, *reorthogonalize),
            Self::Identity { alpha } => super::identity(h, b, *alpha),
        })
    }
}

/// What the app and the docs say about a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct About {
    /// The name in scenario files and links (`"method": "cg"`).
    pub name: &'static str,
    /// The label in pickers and legends.
    pub label: &'static str,
    /// What it computes, and its cost in HVPs.
    pub summary: &'static str,
}

impl Method {
    /// Every method, in the order the views list them.
    pub const ALL: [Method; 9] = [
        Method::Exact,
        Method::Nystrom,
        Method::Cg,
        Method::Neumann,
        Method::Lanczos,
        Method::Identity,
        Method::NystromPcg,
        Method::CgUnguarded,
        Method::NeumannStochastic,
    ];

    /// The method's description (the one place it is written).
    pub fn about(self) -> About {
        let about = |name, label, summary| About {
            name,
            label,
            summary,
        };
        match self {
            Method::Exact => about(
                "exact",
                "exact",
                "(H + αI)⁻¹b by an LU solve of the dense H (p HVPs to build it)",
            ),
            Method::Nystrom => about(
                "nystrom",
                "Nyström",
                "q sampled columns of H, H_q + αI inverted by Woodbury (BLPO Sec. 3; q HVPs)",
            ),
            Method::Cg => about(
                "cg",
                "CG",
                "conjugate gradients on (H + αI)v = b (one HVP per iteration)",
            ),
            Method::Neumann => about(
                "neumann",
                "Neumann",
                "η Σ (I − η(H + αI))^k b over k terms, converging for η < 2/λ_max (one HVP per term)",
            ),
            Method::Lanczos => about(
                "lanczos",
                "Lanczos",
                "the Krylov basis of k steps and its tridiagonal solve (one HVP per step)",
            ),
            Method::Identity => about("identity", "identity", "b/α: no curvature at all (no HVP)"),
            Method::NystromPcg => about(
                "nystrom_pcg",
                "Nyström-PCG",
                "CG preconditioned by the rank-q Nyström approximation (q + one HVP per iteration)",
            ),
            Method::CgUnguarded => about(
                "cg_unguarded",
                "CG, no guard",
                "CG that runs on through negative curvature, as JAX's and SciPy's cg do (one HVP per \
                 iteration; in files {\"method\": \"cg\", \"guard\": false})",
            ),
            Method::NeumannStochastic => about(
                "neumann_stochastic",
                "stochastic Neumann",
                "BSA's estimator ηQ ∏_{i≤p} (I − η(H_i + αI)) b at a random depth p < Q, unbiased for the \
                 Q-term series (p HVPs, (Q − 1)/2 on average)",
            ),
        }
    }

    pub fn name(self) -> &'static str {
        self.about().name
    }

    pub fn label(self) -> &'static str {
        self.about().label
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn parses_the_documented_json_and_every_method_solves() {
        let json = r#"[{"method": "exact", "alpha": 0.1},
            {"method": "cg", "alpha": 0.1, "iters": 20},
            {"method": "neumann", "alpha": 0.1, "iters": 50, "step": 0.3},
            {"method": "neumann_stochastic", "alpha": 0.1, "iters": 50, "step": 0.3, "seed": 2},
            {"method": "nystrom", "alpha": 0.1, "rank": 3, "columns": [0, 5, 7]},
            {"method": "nystrom", "alpha": 0.1, "rank": 8, "sampling": "diagonal", "seed": 3, "variant": "paper"},
            {"method": "nystrom_pcg", "alpha": 0.1, "rank": 4, "iters": 20},
            {"method": "lanczos", "alpha": 0.1, "iters": 20},
            {"method": "identity", "alpha": 0.1}]"#;
        let specs: Vec<IhvpSpec> = serde_json::from_str(json).unwrap();
        let (h, b) = system(8, 0.5, 2.5, 1);
        let exact = reference(&h, &b, 0.1);
        for s in &specs {
            let r = s.solve(&h, &b).unwrap();
            assert_eq!(r.v.len(), 8, "{}", s.name());
            if matches!(
                s,
                IhvpSpec::Exact { .. }
                    | IhvpSpec::Cg { .. }
                    | IhvpSpec::Lanczos { .. }
                    | IhvpSpec::NystromPcg { .. }
            ) {
                assert!((&r.v - &exact).norm() < 1e-8, "{}", s.name());
            }
        }
    }

    #[test]
    fn bad_parameters_name_the_field() {
        let bad: IhvpSpec =
            serde_json::from_str(r#"{"method": "nystrom", "alpha": 0.1, "rank": 40}"#).unwrap();
        assert_eq!(
            bad.validate(33).unwrap_err(),
            "rank: must be in 1..=33, got 40"
        );
        let unknown = serde_json::from_str::<IhvpSpec>(
            r#"{"method": "cg", "alpha": 0.1, "iters": 3, "foo": 1}"#,
        );
        assert!(unknown.unwrap_err().to_string().contains("foo"));
    }

    #[test]
    fn fresh_columns_change_per_call_and_fixed_ones_do_not() {
        let (h, b) = system(12, 0.5, 4.0, 3);
        let nystrom = |draw| IhvpSpec::Nystrom {
            alpha: 0.5,
            rank: 3,
            sampling: Sampling::Uniform,
            columns: None,
            seed: 7,
            variant: NystromVariant::Paper,
            draw,
        };
        let solve = |spec: &IhvpSpec, call| spec.drawn(call).solve(&h, &b).map(|r| r.v).ok();
        let fixed = nystrom(Draw::Fixed);
        assert_eq!(solve(&fixed, 0), solve(&fixed, 5));
        assert_eq!(fixed.at(0.5, 5), fixed);
        let fresh = nystrom(Draw::Fresh);
        assert_eq!(
            solve(&fresh, 0),
            solve(&fixed, 0),
            "call 0 is the seed's draw"
        );
        let calls: Vec<_> = (0..6).filter_map(|k| solve(&fresh, k)).collect();
        assert!(calls.windows(2).any(|w| w[0] != w[1]), "fresh draws differ");
        // The draw is part of the file format.
        let parsed: IhvpSpec = serde_json::from_str(
            r#"{"method": "nystrom", "alpha": 0.5, "rank": 3, "seed": 7, "draw": "fixed"}"#,
        )
        .expect("parses");
        assert_eq!(parsed, fixed);
    }
}

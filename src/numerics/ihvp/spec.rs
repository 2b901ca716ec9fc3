//! One IHVP method with its parameters, as chosen in a view or a scenario file, and a single entry point
//! that runs it. Field names are the scenario JSON's (`"method": "cg", "iters": 20, …`).

use crate::numerics::random::SeededRng;
use nalgebra::DVector;

use super::nystrom::{ColumnSampling, NystromVariant};
use super::{HessianOperator, IhvpResult};

/// How columns are sampled for Nyström, in scenario form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    #[default]
    Uniform,
    Diagonal,
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
    },
    Neumann {
        alpha: f64,
        iters: usize,
        step: f64,
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

fn paper() -> NystromVariant {
    NystromVariant::Paper
}
fn yes() -> bool {
    true
}

impl IhvpSpec {
    /// The method's name as in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Exact { .. } => "exact",
            Self::Cg { .. } => "cg",
            Self::Neumann { .. } => "neumann",
            Self::Nystrom { .. } => "nystrom",
            Self::NystromPcg { .. } => "nystrom_pcg",
            Self::Lanczos { .. } => "lanczos",
            Self::Identity { .. } => "identity",
        }
    }

    /// The ridge α.
    pub fn alpha(&self) -> f64 {
        match self {
            Self::Exact { alpha }
            | Self::Cg { alpha, .. }
            | Self::Neumann { alpha, .. }
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
            Self::Cg { iters, .. } | Self::Neumann { iters, .. } | Self::Lanczos { iters, .. }
                if *iters > 100_000 =>
            {
                Err(format!("iters: must be in 0..=100000, got {iters}"))
            }
            Self::Neumann { step, .. } if !step.is_finite() || *step <= 0.0 => {
                Err(format!("step: must be a finite number > 0, got {step}"))
            }
            Self::Identity { .. } if alpha == 0.0 => {
                Err("alpha: the identity IHVP needs α > 0, got 0".to_owned())
            }
            _ => Ok(()),
        }
    }

    /// The same method at ridge `alpha`, its random draws (Nyström columns, sketches) shifted by `draw`
    /// so a batch of instances gets independent draws that still replay from the spec's seed.
    pub fn at(&self, alpha: f64, draw: u64) -> Self {
        let mut spec = self.clone();
        match &mut spec {
            Self::Exact { alpha: a }
            | Self::Cg { alpha: a, .. }
            | Self::Neumann { alpha: a, .. }
            | Self::Lanczos { alpha: a, .. }
            | Self::Identity { alpha: a } => *a = alpha,
            Self::Nystrom { alpha: a, seed, .. } | Self::NystromPcg { alpha: a, seed, .. } => {
                *a = alpha;
                *seed = seed.wrapping_add(draw);
            }
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
            Self::Cg { alpha, iters, tol } => super::cg::cg(h, b, *alpha, *iters, *tol),
            Self::Neumann { alpha, iters, step } => {
                super::neumann::neumann(h, b, *alpha, *iters, *step, true)
            }
            Self::Nystrom {
                alpha,
                rank,
                sampling,
                columns,
                seed,
                variant,
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn parses_the_documented_json_and_every_method_solves() {
        let json = r#"[{"method": "exact", "alpha": 0.1},
            {"method": "cg", "alpha": 0.1, "iters": 20},
            {"method": "neumann", "alpha": 0.1, "iters": 50, "step": 0.3},
            {"method": "nystrom", "alpha": 0.1, "rank": 3, "columns": [0, 5, 7]},
            {"method": "nystrom", "alpha": 0.1, "rank": 8, "sampling": "diagonal", "seed": 3, "variant": "paper"},
            {"method": "nystrom_pcg", "alpha": 0.1, "rank": 4, "iters": 20},
            {"method": "lanczos", "alpha": 0.1, "iters": 20},
            {"method": "identity", "alpha": 0.1}]"#;
        let specs: Vec<IhvpSpec> = serde_json::from_str(json).unwrap();
        let h = spd(8, 0.5, 2.5, 1);
        let b = vector(8, 2);
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
}

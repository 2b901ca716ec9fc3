//! The IHVP lab view's state (issue 5): the Hessian family, the batch, α and every method's knobs. One
//! serde struct with defaults, shared by the URL hash and exports.

use serde::{Deserialize, Serialize};

use super::query::{Validate, check_f64, check_usize};
use crate::numerics::ihvp::nystrom::NystromVariant;
use crate::numerics::ihvp::spec::{IhvpSpec, Sampling};
use crate::numerics::ihvp::study::{Networks, Spectrum};
use crate::numerics::ihvp::study_run::Family;
use crate::numerics::nets::Curvature;

/// Which Hessians.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyKind {
    Networks,
    Spectrum,
}

/// Everything a shared link restores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IhvpLabState {
    pub family: FamilyKind,
    /// Hessians in the batch.
    pub size: usize,
    pub seed: u64,
    pub inputs: usize,
    pub hidden: usize,
    pub hessian: Curvature,
    pub dim: usize,
    pub outliers: usize,
    pub condition: f64,
    pub negative_share: f64,
    /// Ridge α of (H + αI)⁻¹b.
    pub alpha: f64,
    pub rank: usize,
    pub sampling: Sampling,
    pub variant: NystromVariant,
    pub cg_iters: usize,
    pub neumann_terms: usize,
    pub neumann_step: f64,
    pub lanczos_steps: usize,
}

impl Default for IhvpLabState {
    fn default() -> Self {
        let n = Networks::default();
        let s = Spectrum::default();
        Self {
            family: FamilyKind::Networks,
            size: 100,
            seed: 0,
            inputs: n.inputs,
            hidden: n.hidden,
            hessian: n.hessian,
            dim: s.dim,
            outliers: s.outliers,
            condition: s.condition,
            negative_share: s.negative_share,
            alpha: 1.0,
            rank: 10,
            sampling: Sampling::Uniform,
            variant: NystromVariant::Paper,
            cg_iters: 20,
            neumann_terms: 50,
            neumann_step: 0.1,
            lanczos_steps: 10,
        }
    }
}

/// Slider ranges, shared by the controls and the validation.
pub mod range {
    pub const SIZE: (usize, usize) = (1, 1000);
    pub const INPUTS: (usize, usize) = (1, 8);
    pub const HIDDEN: (usize, usize) = (1, 24);
    pub const DIM: (usize, usize) = (2, 128);
    pub const CONDITION: (f64, f64) = (1.0, 1e8);
    pub const ALPHA: (f64, f64) = (1e-4, 100.0);
    pub const ITERS: (usize, usize) = (1, 200);
    pub const STEP: (f64, f64) = (1e-4, 2.0);
}

impl IhvpLabState {
    /// The Hessian family.
    pub fn family(&self) -> Family {
        match self.family {
            FamilyKind::Networks => Family::Networks(Networks {
                inputs: self.inputs,
                hidden: self.hidden,
                hessian: self.hessian,
                ..Networks::default()
            }),
            FamilyKind::Spectrum => Family::Spectrum(Spectrum {
                dim: self.dim,
                outliers: self.outliers.min(self.dim),
                condition: self.condition,
                negative_share: self.negative_share,
            }),
        }
    }

    /// The dimension p of the family's Hessians.
    pub fn dim(&self) -> usize {
        match self.family {
            FamilyKind::Networks => self.hidden * self.inputs + 2 * self.hidden + 1,
            FamilyKind::Spectrum => self.dim,
        }
    }

    /// The four compared methods, in the app's order: Nyström, CG, Neumann, Lanczos.
    pub fn methods(&self) -> Vec<IhvpSpec> {
        let alpha = self.alpha;
        vec![
            IhvpSpec::Nystrom {
                alpha,
                rank: self.rank.min(self.dim()),
                sampling: self.sampling,
                columns: None,
                seed: self.seed,
                variant: self.variant,
            },
            IhvpSpec::Cg {
                alpha,
                iters: self.cg_iters,
                tol: 0.0,
            },
            IhvpSpec::Neumann {
                alpha,
                iters: self.neumann_terms,
                step: self.neumann_step,
            },
            IhvpSpec::Lanczos {
                alpha,
                iters: self.lanczos_steps,
                reorthogonalize: false,
            },
        ]
    }
}

impl Validate for IhvpLabState {
    fn validate(&self) -> Result<(), String> {
        check_usize("size", self.size, range::SIZE)?;
        check_usize("inputs", self.inputs, range::INPUTS)?;
        check_usize("hidden", self.hidden, range::HIDDEN)?;
        check_usize("dim", self.dim, range::DIM)?;
        check_usize("outliers", self.outliers, (0, self.dim))?;
        check_f64("condition", self.condition, range::CONDITION)?;
        check_f64("negative_share", self.negative_share, (0.0, 1.0))?;
        check_f64("alpha", self.alpha, range::ALPHA)?;
        check_usize("rank", self.rank, (1, self.dim()))?;
        check_usize("cg_iters", self.cg_iters, range::ITERS)?;
        check_usize("neumann_terms", self.neumann_terms, range::ITERS)?;
        check_f64("neumann_step", self.neumann_step, range::STEP)?;
        check_usize("lanczos_steps", self.lanczos_steps, range::ITERS)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::query::{from_query, to_query};

    #[test]
    fn defaults_are_valid_links_round_trip_and_errors_name_the_field() {
        let state = IhvpLabState::default();
        assert_eq!(state.validate(), Ok(()));
        assert_eq!(state.dim(), 49);
        let moved = IhvpLabState {
            family: FamilyKind::Spectrum,
            condition: 1e6,
            negative_share: 0.25,
            ..state
        };
        assert_eq!(from_query(&to_query(&moved)), Ok(moved));
        let q = vec![("rank".to_owned(), "60".to_owned())];
        let e = from_query::<IhvpLabState>(&q).err().unwrap_or_default();
        assert!(e.contains("`rank`") && e.contains("1..=49"), "{e}");
        for (spec, name) in IhvpLabState::default()
            .methods()
            .iter()
            .zip(["nystrom", "cg", "neumann", "lanczos"])
        {
            assert_eq!(spec.name(), name);
            assert_eq!(spec.validate(49), Ok(()));
        }
    }
}

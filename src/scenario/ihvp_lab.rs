//! The IHVP lab view's state (issue 5): the Hessian family, the batch, α and every method's knobs, the
//! section shown and the instance looked at. One serde struct with defaults, shared by the URL hash and
//! exports; the presets; the check of a user's own matrix.

use serde::{Deserialize, Serialize};

use super::ihvp_knobs::Knobs;
use super::json::{matrix, vector};
use super::query::{Validate, check_f64, check_usize};
use crate::numerics::ihvp::nystrom::NystromVariant;
use crate::numerics::ihvp::spec::Method;
use crate::numerics::ihvp::spec::{Draw, IhvpSpec, Sampling};
use crate::numerics::ihvp::study::{Instance, Networks, Spectrum};
use crate::numerics::ihvp::study_run::Family;
use crate::numerics::nets::Curvature;

/// Which Hessians.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyKind {
    Networks,
    Spectrum,
    /// The user's own `matrix` and `rhs` (the batch: that matrix under N Nyström column draws).
    Given,
}

/// What the results panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Histograms,
    Cost,
    Spectrum,
    Closeup,
    Regimes,
}

impl Section {
    pub const ALL: [(Section, &'static str, &'static str); 5] = [
        (
            Section::Histograms,
            "Histograms",
            "error of every method over the batch (BLPO Fig. 2)",
        ),
        (
            Section::Cost,
            "Error vs cost",
            "median and interquartile band against the number of Hessian-vector products",
        ),
        (
            Section::Spectrum,
            "Spectrum",
            "eigenvalues of one Hessian and of the whole batch, with −α marked",
        ),
        (
            Section::Closeup,
            "Nyström up close",
            "the sampled columns, H against H_q, and the error of each sampling rule",
        ),
        (
            Section::Regimes,
            "Regime map",
            "median error of Nyström and CG over α × budget: where does each win?",
        ),
    ];
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
    /// Also show the identity IHVP b/α (Lorraine et al.'s baseline).
    pub identity: bool,
    /// Also show Nyström-preconditioned CG (rank q, k iterations).
    pub pcg: bool,
    /// Also show CG without the curvature guard (as JAX and SciPy run it).
    pub cg_unguarded: bool,
    /// Also show BSA's stochastic Neumann estimator (Neumann's terms and step).
    pub stochastic_neumann: bool,
    /// Nyström's columns: fresh for every Hessian of the batch (Hataya & Yamada) or the same indices for
    /// all (BLPO's fixed seed).
    pub columns: Draw,
    /// The user's own H (family `given`), rows; symmetric, at most 128 × 128.
    pub matrix: Vec<Vec<f64>>,
    /// The user's own b (family `given`).
    pub rhs: Vec<f64>,
    pub section: Section,
    /// The instance shown in the spectrum and the close-up (0-based).
    pub instance: usize,
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
            identity: false,
            pcg: false,
            cg_unguarded: false,
            stochastic_neumann: false,
            columns: Draw::Fresh,
            matrix: EXAMPLE_MATRIX.iter().map(|r| r.to_vec()).collect(),
            rhs: vec![1.0, 1.0, 1.0, 1.0],
            section: Section::Histograms,
            instance: 0,
        }
    }
}

/// The `given` family's starting matrix: two large eigen-directions coupled to two tiny ones.
const EXAMPLE_MATRIX: [[f64; 4]; 4] = [
    [1.0, 0.3, 0.0, 0.001],
    [0.3, 0.5, 0.002, 0.0],
    [0.0, 0.002, 0.001, 0.0],
    [0.001, 0.0, 0.0, 0.0001],
];

/// The largest matrix the lab takes (the GPU kernels' limit).
pub const MAX_DIM: usize = 128;

/// Checks a user's H and b: square, finite, symmetric (to 1e-9 of its largest entry), 1..=128 rows,
/// b of matching length. Errors name the field (`matrix[2]`, `rhs`).
pub fn given_instance(rows: &[Vec<f64>], rhs: &[f64]) -> Result<Instance, String> {
    let h = matrix(rows, "matrix")?;
    if !h.is_square() || h.nrows() == 0 || h.nrows() > MAX_DIM {
        return Err(format!(
            "matrix: must be square with 1..={MAX_DIM} rows, got {}×{}",
            h.nrows(),
            h.ncols()
        ));
    }
    let scale = h.amax().max(f64::MIN_POSITIVE);
    let p = h.nrows();
    for i in 0..p {
        for j in 0..i {
            if (h[(i, j)] - h[(j, i)]).abs() > 1e-9 * scale {
                return Err(format!(
                    "matrix: must be symmetric, but matrix[{i}][{j}] = {} and matrix[{j}][{i}] = {}",
                    h[(i, j)],
                    h[(j, i)]
                ));
            }
        }
    }
    if rhs.len() != p {
        return Err(format!("rhs: must have {p} entries, got {}", rhs.len()));
    }
    let b = vector(rhs, "rhs")?;
    Ok(Instance {
        h: (&h + h.transpose()) * 0.5,
        b,
    })
}

/// Reads pasted JSON `{"hessian": [[…], …], "rhs": […]}` (`matrix` is taken for `hessian`) into the
/// state's `matrix` and `rhs`, after checking them.
pub fn parse_pasted(text: &str) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
    super::check_size(text, "pasted text")?;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Pasted {
        #[serde(alias = "matrix")]
        hessian: Vec<Vec<f64>>,
        rhs: Vec<f64>,
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    // Errors name the key the paste used.
    let key = if value.get("matrix").is_some() {
        "matrix"
    } else {
        "hessian"
    };
    let p: Pasted = super::typed(value)?;
    given_instance(&p.hessian, &p.rhs).map_err(|e| e.replace("matrix", key))?;
    Ok((p.hessian, p.rhs))
}

crate::scenario::presets::presets!(IhvpLabState, "ihvp_lab");

pub use crate::scenario::ranges::ihvp_lab as range;

impl IhvpLabState {
    /// The Hessian family; a pasted matrix that is not a valid one gives its error (the message of
    /// `validate`, which checks the same).
    pub fn family(&self) -> Result<Family, String> {
        Ok(match self.family {
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
            FamilyKind::Given => Family::Given(given_instance(&self.matrix, &self.rhs)?),
        })
    }

    /// The dimension p of the family's Hessians.
    pub fn dim(&self) -> usize {
        match self.family {
            FamilyKind::Networks => self.hidden * self.inputs + 2 * self.hidden + 1,
            FamilyKind::Spectrum => self.dim,
            FamilyKind::Given => self.matrix.len().max(1),
        }
    }

    /// The compared methods, in the app's order ([`Method::ALL`] but the exact solve they are scored
    /// against), identity and Nyström-PCG only when switched on.
    pub fn methods(&self) -> Vec<IhvpSpec> {
        let knobs = Knobs {
            alpha: self.alpha,
            rank: self.rank,
            sampling: self.sampling,
            variant: self.variant,
            seed: self.seed,
            cg_iters: self.cg_iters,
            neumann_terms: self.neumann_terms,
            neumann_step: self.neumann_step,
            lanczos_steps: self.lanczos_steps,
            reorthogonalize: false,
            draw: self.columns,
        };
        Method::ALL
            .into_iter()
            .filter(|m| match m {
                Method::Exact => false,
                Method::Identity => self.identity,
                Method::NystromPcg => self.pcg,
                Method::CgUnguarded => self.cg_unguarded,
                Method::NeumannStochastic => self.stochastic_neumann,
                _ => true,
            })
            .map(|m| knobs.spec(m, self.dim()))
            .collect()
    }
}

/// `show`: the section open and the instance looked at.
impl crate::scenario::document::Document for IhvpLabState {
    const KIND: &'static str = "ihvp_lab";
    const ANCHOR: &'static str = "ihvp";
    const SHOW: &'static [&'static str] = &["section", "instance"];
}

impl Validate for IhvpLabState {
    fn validate(&self) -> Result<(), String> {
        if self.family == FamilyKind::Given {
            // `matrix[2]: …` → `` `matrix[2]`: … `` like the other fields.
            given_instance(&self.matrix, &self.rhs)
                .map_err(|e| format!("`{}", e.replacen(':', "`:", 1)))?;
        }
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
        check_usize("instance", self.instance, (0, self.size - 1))?;
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

    #[test]
    fn presets_are_valid_and_round_trip_through_links() {
        let given = presets().unwrap()[5].state.clone();
        assert_eq!(given.dim(), 4);
        assert!(matches!(given.family(), Ok(Family::Given(ref i)) if i.b.len() == 4));
        let with_extras = IhvpLabState {
            identity: true,
            pcg: true,
            ..IhvpLabState::default()
        };
        let names: Vec<&str> = with_extras.methods().iter().map(IhvpSpec::name).collect();
        assert_eq!(names[4..], ["identity", "nystrom_pcg"]);
    }

    #[test]
    fn a_pasted_matrix_is_checked_and_errors_name_the_field() {
        let ok = parse_pasted(r#"{"hessian": [[2, 1], [1, 3]], "rhs": [1, 0]}"#);
        assert_eq!(
            ok,
            Ok((vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![1.0, 0.0]))
        );
        let alias = parse_pasted(r#"{"matrix": [[2]], "rhs": [1]}"#);
        assert!(alias.is_ok());
        let err = |t: &str| parse_pasted(t).err().unwrap_or_default();
        assert!(err(r#"{"hessian": [[2, 1], [0, 3]], "rhs": [1, 0]}"#).contains("symmetric"));
        // Named by the key the paste used.
        assert!(err(r#"{"hessian": [[2, 1], [1]], "rhs": [1, 0]}"#).starts_with("hessian[1]"));
        assert!(err(r#"{"matrix": [[2, 1], [1]], "rhs": [1, 0]}"#).starts_with("matrix[1]"));
        assert!(err(r#"{"hessian": [[2, 1], [1, 3]], "rhs": [1, []]}"#).starts_with("rhs[1]"));
        assert!(err(r#"{"hessian": [[2, 1], [1, 3]], "rhs": [1]}"#).starts_with("rhs:"));
        assert!(err(r#"{"hessian": [[2, 1], [1, 3]]"#).starts_with("invalid JSON:"));
        // From a link: the same check, the parameter named.
        let q = vec![
            ("family".to_owned(), "given".to_owned()),
            ("matrix".to_owned(), "1,2;3,4".to_owned()),
            ("rhs".to_owned(), "1,1".to_owned()),
        ];
        let e = from_query::<IhvpLabState>(&q).err().unwrap_or_default();
        assert!(e.contains("`matrix`") && e.contains("symmetric"), "{e}");
        let q = vec![
            ("family".to_owned(), "given".to_owned()),
            ("matrix".to_owned(), "1,2;2,4".to_owned()),
            ("rhs".to_owned(), "1,1".to_owned()),
            ("rank".to_owned(), "2".to_owned()),
        ];
        let state = from_query::<IhvpLabState>(&q);
        assert!(state.as_ref().is_ok_and(|s| s.dim() == 2), "{state:?}");
    }
}

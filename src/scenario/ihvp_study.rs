//! `"kind": "ihvp_study"`: IHVP error statistics over a batch of Hessians (BLPO Figure 2; issue 5).
//! Per α and method: mean, median, q25, q75, max and the share of relative errors above 1, and the share of
//! instances whose H + αI is indefinite. A method's own `alpha` may be left out: each entry of `alphas` is
//! used in turn.

use serde::Deserialize;
use serde_json::{Value, json};

use super::ihvp_lab::given_instance;
use super::json::num;
use crate::numerics::ihvp::spec::IhvpSpec;
use crate::numerics::ihvp::study::{
    ErrorStats, Instance, Networks, Spectrum, batch_errors, indefinite,
};
use crate::numerics::ihvp::sweep::cost_curve;
use crate::numerics::nets::Curvature;

/// Which Hessians.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyName {
    Networks,
    Spectrum,
    Given,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyScenario {
    pub family: FamilyName,
    /// Batch size (networks or spectrum instances).
    #[serde(default = "crate::int::<100>", alias = "networks")]
    pub instances: usize,
    #[serde(default)]
    pub seed: u64,
    // networks
    #[serde(default = "crate::int::<4>")]
    pub inputs: usize,
    #[serde(default = "crate::int::<8>")]
    pub hidden: usize,
    #[serde(default = "crate::int::<32>")]
    pub samples: usize,
    #[serde(default = "crate::int::<300>")]
    pub train_steps: usize,
    #[serde(default = "lr")]
    pub lr: f64,
    #[serde(default = "full")]
    pub hessian: Curvature,
    // spectrum
    #[serde(default = "crate::int::<64>")]
    pub dim: usize,
    #[serde(default = "crate::int::<5>")]
    pub outliers: usize,
    #[serde(default = "condition")]
    pub condition: f64,
    #[serde(default)]
    pub negative_share: f64,
    // given
    #[serde(default)]
    pub matrix: Option<Vec<Vec<f64>>>,
    #[serde(default)]
    pub rhs: Option<Vec<f64>>,
    pub methods: Vec<IhvpSpec>,
    pub alphas: Vec<f64>,
    /// Optional work budgets (iterations, or Nyström's rank): adds each method's error-vs-cost curve.
    #[serde(default)]
    pub budgets: Vec<usize>,
}

serde_defaults! {
    lr: f64 = 0.1;
    full: Curvature = Curvature::Full;
    condition: f64 = 1e4;
}

/// Most instances × dimension² one study may ask for.
const MAX_WORK: usize = 1000 * 256 * 256;

/// Gives methods without `alpha` a placeholder (the study sets α from `alphas`).
pub fn fill_alphas(value: &mut Value) {
    if let Some(methods) = value.get_mut("methods").and_then(Value::as_array_mut) {
        for m in methods.iter_mut().filter_map(Value::as_object_mut) {
            m.entry("alpha").or_insert(json!(0.0));
        }
    }
}

impl StudyScenario {
    fn networks(&self) -> Networks {
        Networks {
            inputs: self.inputs,
            hidden: self.hidden,
            samples: self.samples,
            train_steps: self.train_steps,
            lr: self.lr,
            hessian: self.hessian,
        }
    }

    fn spectrum(&self) -> Spectrum {
        Spectrum {
            dim: self.dim,
            outliers: self.outliers,
            condition: self.condition,
            negative_share: self.negative_share,
        }
    }

    fn dim(&self) -> usize {
        match self.family {
            FamilyName::Networks => self.networks().mlp().params(),
            FamilyName::Spectrum => self.dim,
            FamilyName::Given => self.matrix.as_ref().map_or(0, Vec::len),
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        let range = |name: &str, v: usize, lo: usize, hi: usize| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("{name}: must be in {lo}..={hi}, got {v}"))
            }
        };
        match self.family {
            FamilyName::Networks => {
                range("inputs", self.inputs, 1, 32)?;
                range("hidden", self.hidden, 1, 64)?;
                range("samples", self.samples, 1, 4096)?;
                range("train_steps", self.train_steps, 0, 100_000)?;
                if !(self.lr.is_finite() && self.lr > 0.0) {
                    return Err(format!("lr: must be a finite number > 0, got {}", self.lr));
                }
            }
            FamilyName::Spectrum => {
                range("dim", self.dim, 1, 512)?;
                range("outliers", self.outliers, 0, self.dim)?;
                if !(self.condition.is_finite() && self.condition >= 1.0) {
                    return Err(format!(
                        "condition: must be a finite number ≥ 1, got {}",
                        self.condition
                    ));
                }
                if !(0.0..=1.0).contains(&self.negative_share) {
                    return Err(format!(
                        "negative_share: must be in 0..=1, got {}",
                        self.negative_share
                    ));
                }
            }
            FamilyName::Given => {
                let m = self
                    .matrix
                    .as_ref()
                    .ok_or("matrix: missing (family \"given\")")?;
                let b = self.rhs.as_ref().ok_or("rhs: missing (family \"given\")")?;
                given_instance(m, b)?;
            }
        }
        if self.family != FamilyName::Given {
            range("instances", self.instances, 1, 1000)?;
        }
        let p = self.dim();
        if self.instances.saturating_mul(p * p) > MAX_WORK {
            return Err(format!(
                "instances: {} instances of dimension {p} is over the limit",
                self.instances
            ));
        }
        if let Some(k) = self.budgets.iter().find(|&&k| !(1..=10_000).contains(&k)) {
            return Err(format!("budgets: each must be in 1..=10000, got {k}"));
        }
        if self.alphas.is_empty() {
            return Err("alphas: give at least one".to_owned());
        }
        for (i, a) in self.alphas.iter().enumerate() {
            if !(a.is_finite() && *a >= 0.0) {
                return Err(format!("alphas[{i}]: must be a finite number ≥ 0, got {a}"));
            }
        }
        for (i, m) in self.methods.iter().enumerate() {
            for &alpha in &self.alphas {
                m.at(alpha, 0)
                    .validate(p)
                    .map_err(|e| format!("methods[{i}].{e} (at α = {alpha} from alphas)"))?;
            }
        }
        Ok(())
    }

    fn instances(&self) -> Vec<Instance> {
        match self.family {
            FamilyName::Networks => (0..self.instances)
                .map(|i| self.networks().instance(self.seed, i))
                .collect(),
            FamilyName::Spectrum => (0..self.instances)
                .map(|i| self.spectrum().instance(self.seed, i))
                .collect(),
            FamilyName::Given => match (&self.matrix, &self.rhs) {
                (Some(m), Some(b)) => given_instance(m, b).into_iter().collect(),
                _ => Vec::new(),
            },
        }
    }

    pub fn run(&self) -> Value {
        let batch = self.instances();
        let per_alpha: Vec<Value> = self
            .alphas
            .iter()
            .map(|&alpha| {
                let indefinite_share =
                    batch.iter().filter(|i| indefinite(i, alpha)).count() as f64 / batch.len().max(1) as f64;
                let methods: Vec<Value> = self
                    .methods
                    .iter()
                    .map(|m| {
                        let errors = batch_errors(&batch, m, alpha);
                        let s = ErrorStats::of(&errors);
                        let mut out = json!({
                            "method": m.name(),
                            "mean": num(s.mean), "median": num(s.median), "q25": num(s.q25),
                            "q75": num(s.q75), "max": num(s.max), "frac_above_1": num(s.frac_above_1),
                        });
                        if !self.budgets.is_empty() {
                            out["cost_curve"] = cost_curve(&batch, m, alpha, &self.budgets)
                                .into_iter()
                                .map(|(k, c)| json!({"budget": k, "median": num(c.median), "q25": num(c.q25), "q75": num(c.q75)}))
                                .collect();
                        }
                        out
                    })
                    .collect();
                json!({"alpha": alpha, "indefinite_share": indefinite_share, "methods": methods})
            })
            .collect();
        let mut out = json!({"instances": batch.len(), "dim": self.dim(), "alphas": per_alpha});
        let diverged: Vec<usize> = (0..batch.len()).filter(|&i| batch[i].diverged()).collect();
        if !diverged.is_empty() {
            out["diverged"] = json!(diverged);
            out["warning"] = json!(format!(
                "lr: training diverged (non-finite weights) for {} of {} networks; their errors are \
                 infinite — lower lr",
                diverged.len(),
                batch.len()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{parse, run};

    /// Issue 18's hang: networks trained with lr = 1e12 diverge; the study (an SVD and an eigensolver on
    /// non-finite Hessians) used to run for ever. Now it returns at once and names the cause.
    #[test]
    fn a_diverged_training_run_is_reported_not_hung_on() {
        let text = r#"{"kind": "ihvp_study", "family": "networks", "networks": 5, "inputs": 4, "hidden": 8,
            "samples": 32, "train_steps": 50, "lr": 1e12, "hessian": "full", "seed": 0,
            "methods": [{"method": "nystrom", "rank": 10}, {"method": "cg", "iters": 20}],
            "alphas": [1.0, 10.0]}"#;
        let out = run(&parse(text).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(out["diverged"], serde_json::json!([0, 1, 2, 3, 4]), "{out}");
        assert!(
            out["warning"]
                .as_str()
                .is_some_and(|w| w.starts_with("lr: training diverged"))
        );
    }

    /// The numbers docs/views.md states for the IHVP lab's "BLPO Figure 2" preset (100 trained 4–8–1
    /// networks, full Hessians, Nyström rank 10, CG 20 steps): CG near machine precision with its mean
    /// inside its IQR for α ≥ 1; Nyström's mean above its q75 at every α from 0.1 to 50 (the heavy tail),
    /// and at α = 50 median 6.1e-3, q75 1.3e-2, mean 0.61, max 60.
    #[test]
    fn blpo_figure_2_preset_numbers_hold() {
        let text = r#"{"kind": "ihvp_study", "family": "networks", "networks": 100, "inputs": 4, "hidden": 8,
            "samples": 32, "train_steps": 300, "lr": 0.1, "hessian": "full", "seed": 0,
            "methods": [{"method": "nystrom", "rank": 10}, {"method": "cg", "iters": 20}],
            "alphas": [0.1, 1.0, 10.0, 50.0]}"#;
        let out = run(&parse(text).expect("valid"));
        let alphas = out["alphas"].as_array().cloned().unwrap_or_default();
        assert_eq!(alphas.len(), 4, "{out}");
        for a in &alphas {
            let alpha = a["alpha"].as_f64().unwrap_or(f64::NAN);
            let stat = |m: usize, k: &str| a["methods"][m][k].as_f64().unwrap_or(f64::NAN);
            assert!(
                stat(0, "mean") > stat(0, "q75"),
                "Nyström at α = {alpha}: {a}"
            );
            if alpha >= 1.0 {
                assert!(stat(1, "median") < 1e-14, "CG at α = {alpha}: {a}");
                assert!(
                    (stat(1, "q25")..=stat(1, "q75")).contains(&stat(1, "mean")),
                    "CG at α = {alpha}: {a}"
                );
            }
        }
        let at50 = |k: &str| alphas[3]["methods"][0][k].as_f64().unwrap_or(f64::NAN);
        let near = |v: f64, want: f64, rel: f64| (v - want).abs() <= rel * want;
        assert!(near(at50("median"), 6.1e-3, 0.05), "{}", alphas[3]);
        assert!(near(at50("q75"), 1.3e-2, 0.05), "{}", alphas[3]);
        assert!(near(at50("mean"), 0.61, 0.05), "{}", alphas[3]);
        assert!(near(at50("max"), 60.0, 0.05), "{}", alphas[3]);
    }

    /// docs/views.md's reading of Figure 2 under BLPO's own settings: on the same 100 networks at α = 50,
    /// the damped core with fixed columns (BLPO's code) has no heavy tail, the undamped core with fresh
    /// columns (Hataya & Yamada) has it, fixing the columns alone shrinks it; every H + αI is positive
    /// definite there, so CG's curvature guard never acts (both CGs agree to the bit).
    #[test]
    fn blpo_figure_2_under_the_codes_settings() {
        let text = r#"{"kind": "ihvp_study", "family": "networks", "networks": 100, "seed": 0,
            "methods": [{"method": "nystrom", "rank": 10},
                        {"method": "nystrom", "rank": 10, "draw": "fixed"},
                        {"method": "nystrom", "rank": 10, "variant": "damped", "draw": "fixed"},
                        {"method": "cg", "iters": 20}, {"method": "cg", "iters": 20, "guard": false}],
            "alphas": [50.0]}"#;
        let out = run(&parse(text).expect("valid"));
        let a = &out["alphas"][0];
        let stat = |m: usize, k: &str| a["methods"][m][k].as_f64().unwrap_or(f64::NAN);
        let near = |v: f64, want: f64| (v - want).abs() <= 0.05 * want;
        assert_eq!(a["indefinite_share"], 0.0, "{a}");
        assert_eq!(a["methods"][4]["method"], "cg_unguarded");
        assert_eq!(a["methods"][3]["median"], a["methods"][4]["median"]);
        assert_eq!(a["methods"][3]["max"], a["methods"][4]["max"]);
        // undamped, fresh: median 6.1e-3, max 60; undamped, fixed: max 0.59; damped, fixed: 0.020, 0.037.
        assert!(
            near(stat(0, "max"), 59.6) && near(stat(1, "max"), 0.592),
            "{a}"
        );
        assert!(
            near(stat(2, "median"), 0.0204) && near(stat(2, "max"), 0.0366),
            "{a}"
        );
        assert!(stat(3, "max") < 1e-14, "{a}");
    }

    /// Where the guard acts: untrained networks (every H + αI indefinite at α = 10⁻³) — CG without the
    /// guard has the heavier tail (max 67 against 2.8), the guarded CG stops early instead.
    #[test]
    fn without_the_curvature_guard_cg_blows_up_on_indefinite_hessians() {
        let text = r#"{"kind": "ihvp_study", "family": "networks", "networks": 100, "seed": 0,
            "train_steps": 0,
            "methods": [{"method": "cg", "iters": 20}, {"method": "cg", "iters": 20, "guard": false}],
            "alphas": [0.001]}"#;
        let out = run(&parse(text).expect("valid"));
        let a = &out["alphas"][0];
        let stat = |m: usize, k: &str| a["methods"][m][k].as_f64().unwrap_or(f64::NAN);
        assert_eq!(a["indefinite_share"], 1.0, "{a}");
        assert!(stat(0, "max") < 3.0 && stat(1, "max") > 60.0, "{a}");
    }
}

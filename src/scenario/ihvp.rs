//! `"kind": "ihvp"`: IHVP methods run on an explicit matrix, results in the order given.

use serde::Deserialize;
use serde_json::{Value, json};

use super::json::{matrix, num, vec, vector};
use crate::numerics::ihvp::spec::IhvpSpec;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IhvpScenario {
    pub hessian: Vec<Vec<f64>>,
    pub rhs: Vec<f64>,
    pub methods: Vec<IhvpSpec>,
}

impl IhvpScenario {
    pub fn validate(&self) -> Result<(), String> {
        let h = matrix(&self.hessian, "hessian")?;
        if !h.is_square() || h.nrows() == 0 {
            return Err(format!(
                "hessian: must be a non-empty square matrix, got {}×{}",
                h.nrows(),
                h.ncols()
            ));
        }
        if self.rhs.len() != h.nrows() {
            return Err(format!(
                "rhs: must have {} entries, got {}",
                h.nrows(),
                self.rhs.len()
            ));
        }
        vector(&self.rhs, "rhs")?;
        for (i, m) in self.methods.iter().enumerate() {
            m.validate(h.nrows())
                .map_err(|e| format!("methods[{i}].{e}"))?;
        }
        Ok(())
    }

    pub fn run(&self) -> Value {
        let (Ok(h), Ok(b)) = (matrix(&self.hessian, "hessian"), vector(&self.rhs, "rhs")) else {
            return json!({"error": "invalid scenario"});
        };
        let results: Vec<Value> = self
            .methods
            .iter()
            .map(|m| match m.solve(&h, &b) {
                Ok(r) => json!({
                    "method": m.name(),
                    "v": vec(&r.v),
                    "iterations": r.iterations,
                    "hvp_count": r.hvp_count,
                    "residual_norms": r.residual_norms.iter().map(|&x| num(x)).collect::<Vec<_>>(),
                    "warnings": r.warnings,
                }),
                Err(e) => json!({"method": m.name(), "error": e}),
            })
            .collect();
        json!({ "results": results })
    }
}

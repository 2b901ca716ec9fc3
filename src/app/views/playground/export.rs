//! The playground's files: every run's per-step numbers as CSV, and the settings with the same numbers as
//! JSON (a link's state plus what it produced).

use super::{Model, run_label};
use crate::app::widgets::export::csv;
use crate::scenario::playground::PlaygroundState;

/// One row per run, seed and step: iterates (x, y as `;`-joined coordinates) and the step's metrics.
pub fn runs_csv(state: &PlaygroundState, model: &Model) -> String {
    let join =
        |v: &nalgebra::DVector<f64>| v.iter().map(f64::to_string).collect::<Vec<_>>().join(";");
    let rows = model
        .index
        .iter()
        .zip(&model.lock.runs)
        .zip(&model.seed)
        .flat_map(|((&i, t), &seed)| {
            let label = run_label(state, i).replace(',', " ");
            t.metrics
                .iter()
                .zip(t.xs.iter().zip(&t.ys))
                .enumerate()
                .map(move |(k, (m, (x, y)))| {
                    vec![
                        label.clone(),
                        seed.to_string(),
                        k.to_string(),
                        join(x),
                        join(y),
                        m.phi.to_string(),
                        m.grad_norm.to_string(),
                        m.inner_error.to_string(),
                        m.direction_error.to_string(),
                        m.hvps.to_string(),
                        m.oracles.to_string(),
                    ]
                })
                .collect::<Vec<_>>()
        });
    csv(
        &[
            "run",
            "seed",
            "step",
            "x",
            "y",
            "phi",
            "grad_norm",
            "inner_error",
            "direction_error",
            "hvps",
            "oracle_calls",
        ],
        rows,
    )
}

/// Per run, its label, status and metric series: the `result` of the view's document.
pub fn runs_json(state: &PlaygroundState, model: &Model) -> serde_json::Value {
    let runs: Vec<serde_json::Value> = model
        .index
        .iter()
        .zip(&model.lock.runs)
        .zip(&model.seed)
        .map(|((&i, t), &seed)| {
            let col = |f: fn(&crate::numerics::bilevel::lockstep::Metrics) -> f64| {
                t.metrics
                    .iter()
                    .map(f)
                    .map(crate::scenario::json::num)
                    .collect::<Vec<_>>()
            };
            serde_json::json!({
                "run": run_label(state, i),
                "seed": seed,
                "status": t.run.status.to_string(),
                "x": t.run.x.iter().copied().collect::<Vec<f64>>(),
                "y": t.run.y.iter().copied().collect::<Vec<f64>>(),
                "phi": col(|m| m.phi),
                "grad_norm": col(|m| m.grad_norm),
                "inner_error": col(|m| m.inner_error),
                "direction_error": col(|m| m.direction_error),
                "hvps": t.metrics.iter().map(|m| m.hvps).collect::<Vec<_>>(),
                "oracle_calls": t.metrics.iter().map(|m| m.oracles).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({ "runs": runs })
}

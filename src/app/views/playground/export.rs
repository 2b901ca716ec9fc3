//! The playground's files: every run's per-step numbers as CSV, and the settings with the same numbers as
//! JSON (a link's state plus what it produced).

use super::{Model, run_label};
use crate::app::widgets::export::{Cell, csv};
use crate::scenario::playground::PlaygroundState;

/// One row per run, seed and step: iterates (x, y as `;`-joined coordinates) and the step's metrics.
pub fn runs_csv(state: &PlaygroundState, model: &Model) -> String {
    let labels: Vec<String> = (0..4)
        .map(|i| run_label(state, i).replace(',', " "))
        .collect();
    let rows = model
        .index
        .iter()
        .zip(&model.lock.runs)
        .zip(&model.seed)
        .flat_map(|((&i, t), &seed)| {
            let label = labels[i].as_str();
            t.metrics
                .iter()
                .zip(t.xs.iter().zip(&t.ys))
                .enumerate()
                .map(move |(k, (m, (x, y)))| {
                    [
                        Cell::Text(label),
                        Cell::Int(seed as u64),
                        Cell::Int(k as u64),
                        Cell::Nums(x.as_slice()),
                        Cell::Nums(y.as_slice()),
                        Cell::Num(m.phi),
                        Cell::Num(m.grad_norm),
                        Cell::Num(m.inner_error),
                        Cell::Num(m.direction_error),
                        Cell::Int(m.hvps as u64),
                        Cell::Int(m.oracles as u64),
                    ]
                })
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

//! The Control view's files: every learner's per-update numbers as CSV (one row per learner, seed and
//! update), and the same as the `result` of the view's JSON document.

use serde_json::{Value, json};

use crate::app::widgets::export::{Cell, csv as csv_text};
use crate::numerics::control::lockstep::{Record, Seeds};
use crate::scenario::control_lab::ControlLabState;
use crate::scenario::json::num;

type Column = (&'static str, fn(&Record) -> f64);

/// The per-update numbers beyond the returns: name and value.
const COLUMNS: [Column; 9] = [
    ("actor_loss", |r| r.actor_loss),
    ("clip_rate", |r| r.clip_rate),
    ("cosine", |r| r.term(|t| t.cosine)),
    ("correction_ratio", |r| r.term(|t| t.correction_ratio)),
    ("critic_loss", |r| r.term(|t| t.critic_loss)),
    ("top_eigenvalue", |r| r.term(|t| t.top_eigenvalue)),
    ("condition", |r| r.term(|t| t.condition)),
    ("ihvp_error", |r| r.term(|t| t.ihvp_error)),
    ("seconds", |r| r.seconds),
];

pub fn csv(state: &ControlLabState, slots: &[usize], runs: &[Seeds]) -> String {
    let seeds = state.seed_list();
    let mut header = vec!["slot", "learner", "seed", "update", "steps", "mean_return"];
    header.extend(COLUMNS.iter().map(|(n, _)| *n));
    // The scenario's names (`blpo_cg`): labels have commas.
    let names: Vec<String> = runs
        .iter()
        .map(|r| {
            serde_json::to_value(r.algorithm.name())
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    let seeds = &seeds;
    let rows = slots
        .iter()
        .zip(runs)
        .zip(&names)
        .flat_map(|((&slot, r), name)| {
            r.history.iter().enumerate().flat_map(move |(k, p)| {
                seeds.iter().zip(&p.mean_return).map(move |(seed, ret)| {
                    let mut row = vec![
                        Cell::Int(slot as u64),
                        Cell::Text(name),
                        Cell::Int(*seed),
                        Cell::Int(k as u64 + 1),
                        Cell::Int(p.steps as u64),
                        Cell::Num(*ret),
                    ];
                    row.extend(COLUMNS.iter().map(|(_, f)| Cell::Num(f(p))));
                    row
                })
            })
        });
    csv_text(&header, rows)
}

pub fn json(state: &ControlLabState, slots: &[usize], runs: &[Seeds]) -> Value {
    let learners: Vec<Value> = slots
        .iter()
        .zip(runs)
        .map(|(&slot, r)| {
            let mut columns = serde_json::Map::new();
            columns.insert(
                "steps".to_owned(),
                json!(r.history.iter().map(|p| p.steps).collect::<Vec<_>>()),
            );
            columns.insert(
                "mean_return".to_owned(),
                json!(
                    r.history
                        .iter()
                        .map(|p| p.mean_return.iter().map(|&v| num(v)).collect::<Vec<_>>())
                        .collect::<Vec<_>>()
                ),
            );
            for (name, f) in COLUMNS {
                columns.insert(
                    name.to_owned(),
                    json!(r.history.iter().map(|p| num(f(p))).collect::<Vec<_>>()),
                );
            }
            json!({
                "slot": slot,
                "learner": r.algorithm.label(),
                "seeds": state.seed_list(),
                "diverged_at": r.diverged,
                "updates": columns,
            })
        })
        .collect();
    json!({ "learners": learners })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::control::learner::Name;
    use crate::numerics::control::ppo::PpoConfig;

    /// One row per learner, seed and update, the columns named in the header; the JSON has every column
    /// per learner, one entry per update.
    #[test]
    fn files_hold_every_learner_seed_and_update() {
        let state = ControlLabState {
            seeds: 2,
            ppo: PpoConfig {
                hidden: 4,
                envs: 2,
                steps: 8,
                ..PpoConfig::default()
            },
            ..ControlLabState::default()
        };
        let runs: Vec<Seeds> = [Name::Ppo, Name::Nested]
            .into_iter()
            .map(|n| {
                let mut s = Seeds::new(
                    state.env,
                    &n.with(Default::default()),
                    &state.ppo,
                    &state.seed_list(),
                    32,
                );
                s.update(&|| 0.0);
                s.update(&|| 0.0);
                s
            })
            .collect();
        let text = csv(&state, &[0, 3], &runs);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 2 * 2 * 2, "{text}");
        assert!(lines[0].starts_with("slot,learner,seed,update,steps,mean_return,actor_loss"));
        assert!(lines[8].starts_with("3,nested,1,2,32,"), "{text}");
        assert!(lines.iter().all(|l| l.split(',').count() == 15), "{text}");
        let doc = json(&state, &[0, 3], &runs);
        assert_eq!(doc["learners"][1]["slot"], 3);
        assert_eq!(
            doc["learners"][1]["updates"]["cosine"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        assert_eq!(
            doc["learners"][0]["updates"]["mean_return"][1]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
    }
}

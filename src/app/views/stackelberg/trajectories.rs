//! The Stackelberg view's trajectories as files: every recorded state of its runs as CSV, and as JSON
//! (the `result` of the view's document).

use crate::app::widgets::export::{self, Cell};
use crate::numerics::games::lockstep::Runs;
use crate::scenario::json::num;

/// Every recorded state as CSV: panel, start, step, θ, w.
pub fn csv(runs: &Runs) -> String {
    let rows = runs.tracks.iter().enumerate().flat_map(|(p, tracks)| {
        tracks.iter().enumerate().flat_map(move |(s, track)| {
            track.history.points.iter().map(move |&(k, t, w)| {
                [
                    Cell::Int(p as u64),
                    Cell::Int(s as u64),
                    Cell::Int(k as u64),
                    Cell::Num(t),
                    Cell::Num(w),
                ]
            })
        })
    });
    export::csv(&["panel", "start", "step", "theta", "w"], rows)
}

/// Every trajectory as JSON (non-finite numbers as strings): the `result` of the view's document.
pub fn json(runs: &Runs) -> serde_json::Value {
    let tracks: Vec<serde_json::Value> = runs
        .tracks
        .iter()
        .map(|tracks| {
            tracks
                .iter()
                .map(|t| {
                    let h = &t.history.points;
                    serde_json::json!({
                        "step": h.iter().map(|p| p.0).collect::<Vec<_>>(),
                        "theta": h.iter().map(|p| num(p.1)).collect::<Vec<_>>(),
                        "w": h.iter().map(|p| num(p.2)).collect::<Vec<_>>(),
                        "theta_sign_changes": t.walker.theta_sign_changes,
                        "status": t.walker.diverged_at
                            .map_or_else(|| "ok".to_owned(), |k| format!("diverged at step {k}")),
                    })
                })
                .collect()
        })
        .collect();
    serde_json::json!({ "step": runs.step, "panels": tracks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::stackelberg::StackelbergState;

    #[test]
    fn exports_hold_every_recorded_state() {
        let state = StackelbergState::default();
        let mut runs = Runs::new(state.game_key());
        for _ in 0..10 {
            runs.step_once();
        }
        let csv = csv(&runs);
        assert!(csv.starts_with("panel,start,step,theta,w\n"));
        assert_eq!(csv.lines().count(), 1 + 4 * 11);
        let doc = json(&runs);
        assert_eq!(doc["step"], 10);
        assert_eq!(doc["panels"][3][0]["theta_sign_changes"], 0);
        assert_eq!(
            doc["panels"][0][0]["theta"].as_array().map(Vec::len),
            Some(11)
        );
    }
}

//! The Stackelberg actor–critic view's state (issue 4): the four panels' dynamics, the shared sliders, the
//! start points and the seed. One serde struct with defaults, shared by the URL hash and the JSON export.

use serde::{Deserialize, Serialize};

use super::query::{Validate, check_f64, check_usize};
use crate::numerics::games::actor_critic::{Dynamics, GameParams};
use crate::numerics::games::lockstep::RunKey;
use crate::numerics::games::stochastic::StochasticActor;

/// A panel's dynamics, as BLPO Figure 1 names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Simultaneous gradient play, δ₂ as set.
    Simultaneous,
    /// Simultaneous play with the critic faster: δ₂ · ratio.
    TwoTimescale,
    /// Stackelberg (implicit correction) with ridge λ on ∂²wwf₂.
    StackelbergRidge,
    /// Stackelberg without ridge (λ = 0, guarded where ∂²wwf₂ = 2θ² vanishes).
    Stackelberg,
}

impl Rule {
    pub const ALL: [Rule; 4] = [
        Rule::Simultaneous,
        Rule::TwoTimescale,
        Rule::StackelbergRidge,
        Rule::Stackelberg,
    ];

    /// Short name for legends.
    pub fn label(self) -> &'static str {
        match self {
            Rule::Simultaneous => "simultaneous",
            Rule::TwoTimescale => "two-timescale gradient play",
            Rule::StackelbergRidge => "Stackelberg, ridge λ",
            Rule::Stackelberg => "Stackelberg, λ = 0",
        }
    }
}

/// One panel: its dynamics, whether its critic is nested (K steps per actor step), whether its
/// convergence map is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PanelSpec {
    pub rule: Rule,
    pub nested: bool,
    pub map: bool,
}

impl Default for PanelSpec {
    fn default() -> Self {
        Self {
            rule: Rule::Simultaneous,
            nested: false,
            map: false,
        }
    }
}

/// Everything a shared link restores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackelbergState {
    /// Actor step δ₁.
    pub actor_lr: f64,
    /// Critic step δ₂.
    pub critic_lr: f64,
    /// Timescale ratio: two-timescale gradient play's critic steps with δ₂ · ratio (gradient play, no
    /// implicit term — not Hong et al.'s TTSA, the playground's `ttsa`; links before issue 37 said
    /// `ttsa_ratio`).
    #[serde(alias = "ttsa_ratio")]
    pub timescale_ratio: f64,
    /// Ridge λ of the regularized Stackelberg panel.
    pub reg: f64,
    /// K critic steps per actor step in nested panels.
    pub critic_steps: usize,
    /// Start point (θ, w).
    pub start: [f64; 2],
    /// More start points, stepped alongside.
    pub extra_starts: Vec<[f64; 2]>,
    /// Phase-portrait window [θ_min, θ_max, w_min, w_max].
    pub window: [f64; 4],
    /// Actor steps per frame while playing.
    pub steps_per_frame: usize,
    /// Playing stops at this step.
    pub horizon: usize,
    /// T, steps per start point of the convergence map.
    pub map_steps: usize,
    /// Convergence-map grid side (map_size² start points).
    pub map_size: usize,
    /// Stochastic variant: tanh-squashed Gaussian actor.
    pub stochastic: bool,
    /// Entropy weight β of the stochastic actor.
    pub entropy: f64,
    /// Sampled actions per step of the stochastic actor.
    pub samples: usize,
    /// Seed of the stochastic actor's samples.
    pub seed: u64,
    pub panels: [PanelSpec; 4],
}

impl Default for StackelbergState {
    /// Zheng et al. 2022 / BLPO Figure 1: δ₁ = δ₂ = 0.01 from (−1, 1), λ = 0.04 and λ = 0.
    fn default() -> Self {
        Self {
            actor_lr: 0.01,
            critic_lr: 0.01,
            timescale_ratio: 5.0,
            reg: 0.04,
            critic_steps: 10,
            start: [-1.0, 1.0],
            extra_starts: Vec::new(),
            window: [-1.0, 1.0, -1.0, 1.0],
            steps_per_frame: 100,
            horizon: 50_000,
            map_steps: 2000,
            map_size: 128,
            stochastic: false,
            entropy: 0.2,
            samples: 3,
            seed: 0,
            panels: Rule::ALL.map(|rule| PanelSpec {
                rule,
                ..PanelSpec::default()
            }),
        }
    }
}

crate::scenario::presets::presets!(StackelbergState, "stackelberg");

impl StackelbergState {
    /// The dynamics of panel `rule` (with or without the nested critic).
    pub fn params(&self, panel: &PanelSpec) -> GameParams {
        let (dynamics, critic_lr, reg) = match panel.rule {
            Rule::Simultaneous => (Dynamics::Simultaneous, self.critic_lr, 0.0),
            Rule::TwoTimescale => (
                Dynamics::Simultaneous,
                self.critic_lr * self.timescale_ratio,
                0.0,
            ),
            Rule::StackelbergRidge => (Dynamics::Stackelberg, self.critic_lr, self.reg),
            Rule::Stackelberg => (Dynamics::Stackelberg, self.critic_lr, 0.0),
        };
        GameParams {
            dynamics,
            reg,
            actor_lr: self.actor_lr,
            critic_lr,
            critic_steps: if panel.nested { self.critic_steps } else { 1 },
        }
    }

    /// A panel's name with its numbers: "two-timescale, δ₂ × 5", "Stackelberg, λ = 0.04, K = 10".
    pub fn panel_label(&self, panel: usize) -> String {
        let Some(spec) = self.panels.get(panel) else {
            return String::new();
        };
        let base = match spec.rule {
            Rule::Simultaneous => "simultaneous".to_owned(),
            Rule::TwoTimescale => {
                format!("two-timescale gradient play, δ₂ × {}", self.timescale_ratio)
            }
            Rule::StackelbergRidge => format!("Stackelberg, λ = {}", self.reg),
            Rule::Stackelberg => "Stackelberg, λ = 0".to_owned(),
        };
        if spec.nested {
            format!("{base}, K = {}", self.critic_steps)
        } else {
            base
        }
    }

    /// The stochastic actor, when the variant is on.
    pub fn actor(&self) -> Option<StochasticActor> {
        self.stochastic.then_some(StochasticActor {
            entropy: self.entropy,
            samples: self.samples,
        })
    }

    /// Every start point: the main one first.
    pub fn starts(&self) -> Vec<(f64, f64)> {
        std::iter::once(self.start)
            .chain(self.extra_starts.iter().copied())
            .map(|[t, w]| (t, w))
            .collect()
    }

    /// What the runs depend on: one game per panel, the actor, the seed, the start points.
    pub fn game_key(&self) -> RunKey {
        RunKey {
            params: self.panels.iter().map(|p| self.params(p)).collect(),
            actor: self.actor(),
            seed: self.seed,
            starts: self.starts(),
        }
    }
}

/// Most extra start points.
pub const MAX_EXTRA_STARTS: usize = 8;

pub use crate::scenario::ranges::stackelberg as range;

/// `show`: how far and fast the panels play, and the convergence maps drawn behind them.
impl crate::scenario::document::Document for StackelbergState {
    const KIND: &'static str = "stackelberg";
    const ANCHOR: &'static str = "stackelberg";
    const SHOW: &'static [&'static str] = &[
        "steps_per_frame",
        "horizon",
        "window",
        "map_steps",
        "map_size",
    ];
}

impl Validate for StackelbergState {
    fn validate(&self) -> Result<(), String> {
        check_f64("actor_lr", self.actor_lr, range::LR)?;
        check_f64("critic_lr", self.critic_lr, range::LR)?;
        check_f64(
            "timescale_ratio",
            self.timescale_ratio,
            range::TIMESCALE_RATIO,
        )?;
        check_f64("reg", self.reg, range::REG)?;
        check_f64("entropy", self.entropy, range::ENTROPY)?;
        check_usize("critic_steps", self.critic_steps, range::CRITIC_STEPS)?;
        check_usize(
            "steps_per_frame",
            self.steps_per_frame,
            range::STEPS_PER_FRAME,
        )?;
        check_usize("horizon", self.horizon, range::HORIZON)?;
        check_usize("map_steps", self.map_steps, range::MAP_STEPS)?;
        check_usize("map_size", self.map_size, range::MAP_SIZE)?;
        check_usize("samples", self.samples, range::SAMPLES)?;
        let [t0, t1, w0, w1] = self.window;
        let limit = (-range::WINDOW, range::WINDOW);
        for (i, v) in self.window.iter().enumerate() {
            check_f64(&format!("window[{i}]"), *v, limit)?;
        }
        if !(t0 < t1 && w0 < w1) {
            return Err(format!(
                "`window`: needs θ_min < θ_max and w_min < w_max, got {:?}",
                self.window
            ));
        }
        for (i, v) in self.start.iter().enumerate() {
            check_f64(&format!("start[{i}]"), *v, limit)?;
        }
        if self.extra_starts.len() > MAX_EXTRA_STARTS {
            return Err(format!(
                "`extra_starts`: at most {MAX_EXTRA_STARTS} points, got {}",
                self.extra_starts.len()
            ));
        }
        for (i, p) in self.extra_starts.iter().enumerate() {
            for (j, v) in p.iter().enumerate() {
                check_f64(&format!("extra_starts[{i}][{j}]"), *v, limit)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::games::actor_critic::simulate;
    use crate::numerics::games::lockstep::{MAX_POINTS, Runs};
    use crate::scenario::query::{from_query, to_query};

    #[test]
    fn presets_are_valid_and_links_round_trip() {
        let state = StackelbergState {
            extra_starts: vec![[0.5, 0.25], [-0.125, 0.75]],
            seed: 42,
            actor_lr: 0.013,
            ..StackelbergState::default()
        };
        assert_eq!(from_query(&to_query(&state)), Ok(state));
    }

    #[test]
    fn bad_links_name_the_field_and_range() {
        let q = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        let e = from_query::<StackelbergState>(&q("reg", "5"))
            .err()
            .unwrap_or_default();
        assert!(e.contains("`reg`") && e.contains("0..=1"), "{e}");
        let e = from_query::<StackelbergState>(&q("panels.2.rule", "cyclic"))
            .err()
            .unwrap_or_default();
        assert!(
            e.contains("`panels.2.rule`") && e.contains("stackelberg_ridge"),
            "{e}"
        );
        let e = from_query::<StackelbergState>(&q("window", "1,-1,-1,1"))
            .err()
            .unwrap_or_default();
        assert!(e.contains("`window`"), "{e}");
    }

    #[test]
    fn panels_map_to_the_papers_dynamics() {
        let s = StackelbergState::default();
        let p: Vec<GameParams> = s.panels.iter().map(|p| s.params(p)).collect();
        assert_eq!(p[0].dynamics, Dynamics::Simultaneous);
        assert_eq!(p[1].critic_lr, 0.05);
        assert_eq!((p[2].dynamics, p[2].reg), (Dynamics::Stackelberg, 0.04));
        assert_eq!((p[3].dynamics, p[3].reg), (Dynamics::Stackelberg, 0.0));
        assert!(p.iter().all(|q| q.critic_steps == 1 && q.actor_lr == 0.01));
    }

    #[test]
    fn lockstep_runs_equal_the_recorded_simulation_and_thin_their_history() {
        let state = StackelbergState {
            extra_starts: vec![[0.5, -0.5]],
            ..StackelbergState::default()
        };
        let mut runs = Runs::new(state.game_key());
        let steps = 3 * MAX_POINTS + 7;
        for _ in 0..steps {
            runs.step_once();
        }
        for (panel, spec) in state.panels.iter().enumerate() {
            for (i, start) in state.starts().into_iter().enumerate() {
                let want = simulate(start, &state.params(spec), steps, steps);
                let track = &runs.tracks[panel][i];
                assert_eq!(
                    (track.walker.theta, track.walker.w),
                    (want.theta[1], want.w[1])
                );
                assert_eq!(track.walker.theta_sign_changes, want.theta_sign_changes);
                let h = &track.history;
                assert!(h.points.len() <= MAX_POINTS && h.every == 4, "{}", h.every);
                assert!(h.points.iter().all(|(k, _, _)| k % h.every == 0));
                let probe = simulate(start, &state.params(spec), 4096, 4096);
                let at = h.points.iter().find(|p| p.0 == 4096).map(|p| (p.1, p.2));
                assert_eq!(at, Some((probe.theta[1], probe.w[1])));
            }
        }
    }

    #[test]
    fn explaining_a_step_does_not_take_it_and_predicts_it() {
        let state = StackelbergState {
            stochastic: true,
            ..StackelbergState::default()
        };
        let mut runs = Runs::new(state.game_key());
        runs.step_once();
        let terms = runs.explain(2).map(|t| t.next);
        assert_eq!(runs.step, 1);
        runs.step_once();
        let w = &runs.tracks[2][0].walker;
        assert_eq!(terms, Some((w.theta, w.w)));
    }
}

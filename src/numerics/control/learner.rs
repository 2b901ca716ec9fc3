//! The four learners of BLPO's Figure 3 behind one type: PPO, BLPO (Nyström), BLPO-CG and nesting alone,
//! each described once here (name, label) and built from its settings.

use serde::{Deserialize, Serialize};

use super::blpo::{Blpo, BlpoConfig, Form, Ihvp, Implicit, Terms};
use super::envs::EnvKind;
use super::ppo::{Agent, Ppo, PpoConfig};

/// A learner and its own settings (PPO's skeleton settings are shared: [`PpoConfig`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum LearnerSpec {
    Ppo,
    Blpo(BlpoConfig),
    BlpoCg(BlpoConfig),
    Nested(BlpoConfig),
}

/// The four learners' names, in Figure 3's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Name {
    Ppo,
    Blpo,
    BlpoCg,
    Nested,
}

impl Name {
    pub const ALL: [Self; 4] = [Self::Ppo, Self::Blpo, Self::BlpoCg, Self::Nested];

    pub fn label(self) -> &'static str {
        match self {
            Self::Ppo => "PPO",
            Self::Blpo => "BLPO (Nyström)",
            Self::BlpoCg => "BLPO-CG",
            Self::Nested => "nested critic, no hypergradient",
        }
    }

    /// What the actor follows, in one line.
    pub fn rule(self) -> &'static str {
        match self {
            Self::Ppo => {
                "PPO: actor and critic take one joint Adam step per minibatch on the clipped surrogate + value loss"
            }
            Self::Blpo => {
                "K_ω critic steps, then the actor along ∇_θJ − ∇_θω L·v, v = Nyström (H + ρI)⁻¹∇_ωJ (Eq. 8–9)"
            }
            Self::BlpoCg => "as BLPO, v by conjugate gradient (at most cg_iters iterations)",
            Self::Nested => "K_ω critic steps, then the actor along ∇_θJ alone (no implicit term)",
        }
    }

    /// The learner with these settings (PPO has none of its own).
    pub fn with(self, cfg: BlpoConfig) -> LearnerSpec {
        match self {
            Self::Ppo => LearnerSpec::Ppo,
            Self::Blpo => LearnerSpec::Blpo(cfg),
            Self::BlpoCg => LearnerSpec::BlpoCg(cfg),
            Self::Nested => LearnerSpec::Nested(cfg),
        }
    }
}

impl LearnerSpec {
    pub fn name(&self) -> Name {
        match self {
            Self::Ppo => Name::Ppo,
            Self::Blpo(_) => Name::Blpo,
            Self::BlpoCg(_) => Name::BlpoCg,
            Self::Nested(_) => Name::Nested,
        }
    }

    pub fn label(&self) -> &'static str {
        self.name().label()
    }

    /// The label, the IHVP where it is Fig. 4's variant, and the form where it is not the authors'
    /// code's (a recorded run may hold several).
    pub fn display(&self) -> String {
        let mut label = self.label().to_owned();
        if let Some(c) = self.blpo() {
            if c.ihvp == Ihvp::NystromPcg {
                label.push_str(" · Nyström-PCG");
            }
            if c.form != Form::AuthorsCode {
                label.push_str(&format!(" · {} form", c.form.label()));
            }
        }
        label
    }

    /// The BLPO settings of BLPO and its ablations (`None` for PPO).
    pub fn blpo(&self) -> Option<&BlpoConfig> {
        match self {
            Self::Ppo => None,
            Self::Blpo(c) | Self::BlpoCg(c) | Self::Nested(c) => Some(c),
        }
    }

    /// Checks the settings; errors name the field.
    pub fn validate(&self) -> Result<(), String> {
        let Some(c) = self.blpo() else {
            return Ok(());
        };
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!(
                    "algorithm.{name}: must be a finite number > 0, got {v}"
                ))
            }
        };
        positive("critic_lr", c.critic_lr)?;
        if c.ihvp != Ihvp::Nystrom && !matches!(self, Self::Blpo(_)) {
            return Err(
                "algorithm.ihvp: only blpo chooses its IHVP (blpo_cg solves by CG, nested has none)".to_owned(),
            );
        }
        // Nyström divides by ρ; CG solves (H + ρI)v = b and may run with ρ = 0 (`main.py`'s `--lam 0`).
        if matches!(self, Self::Blpo(_)) {
            positive("rho", c.rho)?;
        } else if !(c.rho.is_finite() && c.rho >= 0.0) {
            return Err(format!(
                "algorithm.rho: must be a finite number ≥ 0, got {}",
                c.rho
            ));
        }
        if !(c.bound.is_finite() && c.bound >= 0.0) {
            return Err(format!("algorithm.bound: must be ≥ 0, got {}", c.bound));
        }
        for (name, v, max) in [
            ("critic_steps", c.critic_steps, 100),
            ("rank", c.rank, 256),
            ("cg_iters", c.cg_iters, 500),
        ] {
            if !(1..=max).contains(&v) {
                return Err(format!("algorithm.{name}: must be in 1..={max}, got {v}"));
            }
        }
        Ok(())
    }
}

/// What one update reports, whatever the learner.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// Environment steps so far.
    pub steps: usize,
    /// Returns of the episodes finished during this update's rollout.
    pub finished: Vec<f64>,
    pub actor_loss: f64,
    /// The hypergradient's pieces, averaged over minibatches (BLPO and its ablations).
    pub terms: Option<Terms>,
    /// The last minibatch's terms (BLPO and its ablations).
    pub last: Option<Terms>,
    pub clip_rate: f64,
}

/// A learner in training.
#[derive(Clone, Debug)]
pub enum Learner {
    Ppo(Box<Ppo>),
    Blpo(Box<Blpo>),
}

impl Learner {
    pub fn new(
        env: EnvKind,
        algorithm: &LearnerSpec,
        ppo: PpoConfig,
        seed: u64,
        total_steps: usize,
    ) -> Self {
        let blpo = |cfg: &BlpoConfig, implicit| {
            Self::Blpo(Box::new(Blpo::new(
                env,
                ppo.clone(),
                cfg.clone(),
                implicit,
                seed,
                total_steps,
            )))
        };
        match algorithm {
            LearnerSpec::Ppo => Self::Ppo(Box::new(Ppo::new(env, ppo.clone(), seed, total_steps))),
            LearnerSpec::Blpo(c) => blpo(c, Implicit::Nystrom),
            LearnerSpec::BlpoCg(c) => blpo(c, Implicit::Cg),
            LearnerSpec::Nested(c) => blpo(c, Implicit::None),
        }
    }

    pub fn steps(&self) -> usize {
        match self {
            Self::Ppo(p) => p.steps(),
            Self::Blpo(b) => b.steps(),
        }
    }

    pub fn agent(&self) -> &Agent {
        match self {
            Self::Ppo(p) => &p.agent,
            Self::Blpo(b) => &b.agent,
        }
    }

    /// Puts in the actor's and critic's parameters (an agent trained elsewhere: a Web Worker's seed).
    pub fn set_parameters(&mut self, theta: nalgebra::DVector<f64>, omega: nalgebra::DVector<f64>) {
        let agent = match self {
            Self::Ppo(p) => &mut p.agent,
            Self::Blpo(b) => &mut b.agent,
        };
        agent.theta = theta;
        agent.omega = omega;
    }

    /// Whether every actor and critic parameter is finite.
    pub fn finite(&self) -> bool {
        let a = self.agent();
        a.theta.iter().chain(a.omega.iter()).all(|v| v.is_finite())
    }

    /// One update (a rollout and its epochs).
    pub fn update(&mut self) -> Report {
        loop {
            if let Some(report) = self.work() {
                return report;
            }
        }
    }

    /// One unit of an update (a rollout, a minibatch step, a critic step: well under a frame natively);
    /// the update's report when it completes.
    pub fn work(&mut self) -> Option<Report> {
        match self {
            Self::Ppo(p) => p.work().map(|s| Report {
                steps: s.steps,
                finished: s.finished,
                actor_loss: s.actor_loss,
                terms: None,
                last: None,
                clip_rate: 0.0,
            }),
            Self::Blpo(b) => b.work().map(|s| Report {
                steps: s.steps,
                finished: s.finished,
                actor_loss: s.actor_loss,
                terms: Some(s.terms),
                last: Some(s.last),
                clip_rate: s.clip_rate,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An update is spread over units: the rollout, then one per minibatch step (PPO) or per critic
    /// step and actor step (BLPO), and only the last unit reports.
    #[test]
    fn an_update_comes_in_units() {
        let ppo = PpoConfig {
            hidden: 4,
            envs: 2,
            steps: 8,
            epochs: 3,
            minibatches: 2,
            ..PpoConfig::default()
        };
        let blpo = BlpoConfig {
            critic_steps: 2,
            rank: 3,
            ..BlpoConfig::default()
        };
        for (algorithm, units) in [
            (LearnerSpec::Ppo, 1 + 3 * 2),
            (LearnerSpec::Blpo(blpo.clone()), 1 + 3 * 2 * (2 + 1)),
            (LearnerSpec::Nested(blpo), 1 + 3 * 2 * (2 + 1)),
        ] {
            let mut learner = Learner::new(EnvKind::Acrobot, &algorithm, ppo.clone(), 1, 1000);
            let mut count = 1;
            let report = loop {
                if let Some(r) = learner.work() {
                    break r;
                }
                count += 1;
            };
            assert_eq!((count, report.steps), (units, 16), "{}", algorithm.label());
            assert_eq!(learner.steps(), 16);
        }
    }
}

//! The shown learner's agent at work: two copies of the task side by side, one acting greedily (the
//! policy's most likely action) and one sampling from it, a frame per environment step (CartPole's 50
//! steps a second, Acrobot's 5, Pendulum's 20 in real time, near enough), restarted when an episode ends;
//! the cart and pole, the two-link acrobot, or the pendulum, with the episode's return so far and the
//! last finished one.

use std::f64::consts::PI;

use egui::{Color32, Rect, Stroke, pos2, vec2};
use rand::SeedableRng as _;

use crate::app::Look;
use crate::numerics::control::envs::{EnvBatch, EnvKind, cartpole};
use crate::numerics::control::ppo::Agent;
use crate::numerics::random::SeededRng;

/// One copy of the task played by the agent.
struct Episode {
    batch: EnvBatch,
    greedy: bool,
    last: Option<f64>,
}

impl Episode {
    fn new(env: EnvKind, greedy: bool) -> Self {
        Self {
            batch: EnvBatch::new(env, 1, if greedy { 11 } else { 12 }),
            greedy,
            last: None,
        }
    }

    fn step(&mut self, agent: &Agent, rng: &mut SeededRng) {
        let obs = self.batch.observations();
        let out = agent.policy_out(&obs[0]);
        let action = if self.greedy {
            agent.head.mode(&out)
        } else {
            agent.head.sample(&out, agent.log_std(), rng)
        };
        self.batch.step(&[action]);
        if let Some(&r) = self.batch.take_finished().last() {
            self.last = Some(r);
        }
    }
}

/// The two animated copies.
pub struct Scene {
    env: EnvKind,
    episodes: [Episode; 2],
    rng: SeededRng,
    /// Time owed to the simulation (s): steps are taken at the task's own rate.
    owed: f64,
    /// When the last frame stepped it (egui's `time`, s); none while stopped.
    clock: Option<f64>,
    /// Animating (switched on by the first update, so an untouched view is idle; a button stops it).
    pub running: Option<bool>,
    /// The least time between frames (the view's `pace`: a page drawn in software while workers train).
    pub pace: std::time::Duration,
}

impl Scene {
    pub fn new(env: EnvKind) -> Self {
        Self {
            env,
            episodes: [Episode::new(env, true), Episode::new(env, false)],
            rng: SeededRng::seed_from_u64(13),
            owed: 0.0,
            clock: None,
            running: None,
            pace: std::time::Duration::ZERO,
        }
    }

    /// Seconds one step of the task lasts (its integrator's time step).
    fn dt(env: EnvKind) -> f64 {
        match env {
            EnvKind::Cartpole => cartpole::TAU,
            EnvKind::Acrobot => crate::numerics::control::envs::acrobot::DT,
            EnvKind::Pendulum => crate::numerics::control::envs::pendulum::DT,
            EnvKind::InvertedPendulum | EnvKind::InvertedDoublePendulum => {
                env.chain().map_or(0.02, |c| c.timestep * c.frames as f64)
            }
        }
    }

    /// Steps the copies in real time with `agent` (from its first update on: `trained`; a button stops
    /// and restarts it) and draws them; returns the drawing's rectangle.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        env: EnvKind,
        agent: &Agent,
        trained: bool,
        (look, each): (Look, Option<egui::Vec2>),
    ) -> egui::Response {
        if env != self.env {
            *self = Self::new(env);
        }
        if trained && self.running.is_none() {
            self.running = Some(true);
        }
        let mut running = self.running == Some(true);
        if ui
            .toggle_value(&mut running, "Animate")
            .on_hover_text(
                "Play the shown learner's agent on the task (starts with the first update)",
            )
            .changed()
        {
            self.running = Some(running);
        }
        if running {
            // Real time since the last frame (frames come when a step is due, not at a steady rate, so egui's
            // `stable_dt` would guess): at most 0.1 s (twice the pace where there is one), so a stalled page
            // slows the task instead of jumping.
            let now = ui.input(|i| i.time);
            let most = 0.1f64.max(2.0 * self.pace.as_secs_f64());
            self.owed += (now - self.clock.unwrap_or(now)).clamp(0.0, most);
            self.clock = Some(now);
            let dt = Self::dt(env);
            while self.owed >= dt {
                self.owed -= dt;
                for e in &mut self.episodes {
                    e.step(agent, &mut self.rng);
                }
            }
            // A frame when the next step is due, not every display frame: the picture changes only then.
            // Where a frame is drawn in software it costs the training workers a share of the cores, so
            // there the steps due since the last frame are taken together, no more than `pace` apart.
            let due = std::time::Duration::from_secs_f64(dt - self.owed);
            ui.ctx().request_repaint_after(due.max(self.pace));
        } else {
            self.clock = None;
        }
        let size = each.unwrap_or(vec2(300.0, 190.0) * if look.projector { 1.3 } else { 1.0 });
        ui.horizontal(|ui| {
            for e in &self.episodes {
                ui.vertical(|ui| {
                    ui.set_max_width(size.x);
                    let (response, painter) = ui.allocate_painter(size, egui::Sense::hover());
                    let rect = response.rect;
                    let bg = ui.visuals().extreme_bg_color;
                    painter.rect_filled(rect, 4.0, bg);
                    let ink = ui.visuals().strong_text_color();
                    draw(&painter, rect, env, &e.batch.states[0], ink, look);
                    let what = if e.greedy { "greedy" } else { "sampled" };
                    let last = e.last.map_or("–".to_owned(), crate::app::format::num);
                    ui.label(format!(
                        "{what}: step {}, return {}, last episode {last}",
                        e.batch.elapsed[0],
                        crate::app::format::num(e.batch.returns[0])
                    ));
                });
            }
        })
        .response
    }
}

/// Draws the task's state `s` in `rect`.
fn draw(painter: &egui::Painter, rect: Rect, env: EnvKind, s: &[f64], ink: Color32, look: Look) {
    let width = if look.projector { 5.0 } else { 3.0 };
    let accent = look.color(crate::app::Series::Stackelberg);
    match env {
        EnvKind::Cartpole => {
            // World x ∈ [−2.4, 2.4] across the width; the pole (length 1) above the cart.
            let scale = rect.width() / 5.4;
            let ground = rect.bottom() - 40.0;
            let x = rect.center().x + s[0] as f32 * scale;
            painter.line_segment(
                [
                    pos2(rect.left() + 0.3 * scale, ground),
                    pos2(rect.right() - 0.3 * scale, ground),
                ],
                Stroke::new(1.5, ink),
            );
            let cart =
                Rect::from_center_size(pos2(x, ground - 10.0), vec2(0.5 * scale, 0.3 * scale));
            painter.rect_filled(cart, 2.0, ink);
            let pivot = pos2(x, cart.top());
            let len = 2.0 * cartpole::LENGTH as f32 * scale;
            let tip = pivot + len * vec2((s[2] as f32).sin(), -(s[2] as f32).cos());
            painter.line_segment([pivot, tip], Stroke::new(width * 2.0, accent));
        }
        EnvKind::Acrobot => {
            // Two links of length 1 hanging from the bar; the goal line one length above it.
            let scale = rect.height() / 4.6;
            let pivot = pos2(rect.center().x, rect.top() + 2.2 * scale);
            let at = |angle: f64| vec2(angle.sin() as f32, angle.cos() as f32) * scale;
            let p1 = pivot + at(s[0]);
            let p2 = p1 + at(s[0] + s[1]);
            let goal = pivot.y - scale;
            painter.line_segment(
                [
                    pos2(rect.left() + 8.0, goal),
                    pos2(rect.right() - 8.0, goal),
                ],
                Stroke::new(1.0, ink),
            );
            painter.line_segment([pivot, p1], Stroke::new(width * 2.0, ink));
            painter.line_segment([p1, p2], Stroke::new(width * 2.0, accent));
            painter.circle_filled(pivot, width * 1.5, ink);
        }
        EnvKind::InvertedPendulum | EnvKind::InvertedDoublePendulum => {
            // Brax's rail (x ∈ [−1, 1] marked) and the poles from the cart, 0.6 m each.
            let Some(chain) = env.chain() else {
                return;
            };
            let n = chain.dofs();
            let scale = rect.height() / (0.6 * chain.links.len() as f32 + 0.6);
            let ground = rect.bottom() - 0.25 * scale;
            let at = |x: f64, h: f64| {
                pos2(
                    rect.center().x + x as f32 * scale,
                    ground - h as f32 * scale,
                )
            };
            painter.line_segment([at(-1.0, 0.0), at(1.0, 0.0)], Stroke::new(1.5, ink));
            let cart = Rect::from_center_size(at(s[0], 0.0), vec2(0.4 * scale, 0.2 * scale));
            painter.rect_filled(cart, 2.0, ink);
            let (mut x, mut h, mut phi) = (s[0], 0.0, 0.0);
            for (i, link) in chain.links.iter().enumerate() {
                phi += s[1 + i];
                let (x2, h2) = (x + link.length * phi.sin(), h + link.length * phi.cos());
                let colour = if i + 1 == n - 1 { accent } else { ink };
                painter.line_segment([at(x, h), at(x2, h2)], Stroke::new(width * 2.0, colour));
                (x, h) = (x2, h2);
            }
        }
        EnvKind::Pendulum => {
            // θ = 0 is upright.
            let scale = rect.height() / 2.6;
            let pivot = rect.center();
            let angle = s[0] + PI;
            let tip = pivot + vec2(-(angle.sin() as f32), angle.cos() as f32) * scale;
            painter.line_segment([pivot, tip], Stroke::new(width * 2.5, accent));
            painter.circle_filled(pivot, width * 1.5, ink);
        }
    }
}

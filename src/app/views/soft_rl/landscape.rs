//! φ over two reward coordinates around the shown run's x (issue 7's GPU part): the follower is solved
//! at every grid point by batched soft value iteration in WGSL (`SoftVi`, its CPU twin time-sliced where
//! WebGPU is missing), chained in dispatches of at most `lavapipe_sweeps` sweeps; φ = f(x, softmax(Q/τ))
//! is then evaluated from each Q on the CPU a few points per frame. The two coordinates default to the
//! steepest of ∇φ at the base point.

use egui_plot::{MarkerShape, Plot, PlotImage, PlotPoint, Points};
use nalgebra::DVector;

use crate::app::Look;
use crate::app::widgets::colormap::{color_bar_ui, viridis};
use crate::gpu::kernels::{SoftVi, SoftViBatch};
use web_time::Instant;

use crate::budget::work_until;
use crate::gpu::{ComputeRuntime, Job, Ran};
use crate::numerics::rl::hypergradient::BilevelRl;

/// The most states the landscape takes: φ of shaping and preferences needs a policy evaluation per
/// grid point on the CPU.
pub const MAX_STATES: usize = 400;

/// A landscape being computed or done.
pub struct Landscape {
    pub coords: (usize, usize),
    window: [f64; 4],
    side: usize,
    base: DVector<f64>,
    points: Vec<DVector<f64>>,
    batch: SoftViBatch,
    sweeps_left: u32,
    job: Option<Box<Job<SoftVi>>>,
    /// φ at the points done so far.
    pub values: Vec<f64>,
    pub ran_on: Option<Ran>,
    texture: Option<egui::TextureHandle>,
}

impl Landscape {
    /// Starts φ over coordinates `coords` of `base` within ±`half` on a side × side grid; the follower
    /// gets enough sweeps for γ^sweeps ≤ 1e-7.
    pub fn start(
        problem: &BilevelRl,
        base: &DVector<f64>,
        coords: (usize, usize),
        half: f64,
        runtime: &mut ComputeRuntime,
    ) -> Self {
        let pairs = problem.mdp.states * problem.mdp.actions;
        let side = if pairs <= 400 { 32 } else { 20 };
        let window = [
            base[coords.0] - half,
            base[coords.0] + half,
            base[coords.1] - half,
            base[coords.1] + half,
        ];
        let points = BilevelRl::grid_points(base, coords, window, side);
        let rewards: Vec<_> = points.iter().map(|x| problem.reward(x)).collect();
        let batch = SoftViBatch::new(&problem.mdp, &rewards, 0);
        let gamma = problem.mdp.gamma;
        let sweeps = if gamma > 0.0 {
            ((1e-7f64).ln() / gamma.ln()).ceil().clamp(1.0, 20_000.0) as u32
        } else {
            1
        };
        let mut me = Self {
            coords,
            window,
            side,
            base: base.clone(),
            points,
            batch,
            sweeps_left: sweeps,
            job: None,
            values: Vec::new(),
            ran_on: None,
            texture: None,
        };
        me.dispatch(runtime);
        me
    }

    fn dispatch(&mut self, runtime: &mut ComputeRuntime) {
        self.batch.sweeps = self.sweeps_left.min(self.batch.lavapipe_sweeps());
        self.sweeps_left -= self.batch.sweeps;
        self.job = Some(Box::new(Job::start(runtime, self.batch.clone())));
    }

    pub fn finished(&self) -> bool {
        self.values.len() >= self.points.len()
    }

    /// Share done (sweeps, then φ).
    pub fn progress(&self) -> f32 {
        if self.job.is_some() || self.sweeps_left > 0 {
            0.0
        } else {
            self.values.len() as f32 / self.points.len().max(1) as f32
        }
    }

    /// Collects dispatches, chains the next, then evaluates φ until the frame's share of work is spent.
    pub fn poll(&mut self, problem: &BilevelRl, runtime: &mut ComputeRuntime, deadline: Instant) {
        if let Some(job) = &mut self.job {
            let Some(done) = job.poll(runtime, deadline) else {
                return;
            };
            self.ran_on = Some(match (self.ran_on, done.ran_on) {
                (Some(Ran::Cpu), _) | (_, Ran::Cpu) => Ran::Cpu,
                _ => Ran::Gpu,
            });
            self.batch.q0 = done.value;
            self.job = None;
            if self.sweeps_left > 0 {
                self.dispatch(runtime);
                return;
            }
        }
        if self.finished() {
            return;
        }
        let pairs = self.batch.pairs();
        work_until(deadline, || {
            let k = self.values.len();
            let q = DVector::from_iterator(
                pairs,
                self.batch.q0[k * pairs..(k + 1) * pairs]
                    .iter()
                    .map(|&v| f64::from(v)),
            );
            self.values.push(problem.phi_from_q(&self.points[k], &q));
            !self.finished()
        });
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, look: Look, side: f32) {
        if !self.finished() {
            ui.add(
                egui::ProgressBar::new(self.progress())
                    .text("solving the follower at every grid point"),
            );
            return;
        }
        let finite = self.values.iter().copied().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        let span = (hi - lo).max(1e-300);
        if self.texture.is_none() {
            let pixels = self
                .values
                .iter()
                .map(|v| {
                    if v.is_finite() {
                        viridis((((v - lo) / span).sqrt() as f32 * 14.0).floor() / 14.0)
                    } else {
                        egui::Color32::TRANSPARENT
                    }
                })
                .collect();
            let image = egui::ColorImage::new([self.side, self.side], pixels);
            self.texture = Some(ui.ctx().load_texture(
                "soft-rl-landscape",
                image,
                egui::TextureOptions::NEAREST,
            ));
        }
        let [a0, a1, b0, b1] = self.window;
        let (i, j) = self.coords;
        ui.horizontal_top(|ui| {
            Plot::new("soft-rl-landscape")
                .width(side)
                .height(side)
                .data_aspect(1.0)
                .allow_scroll(false)
                .x_axis_label(format!("x[{i}]"))
                .y_axis_label(format!("x[{j}]"))
                .show(ui, |pui| {
                    if let Some(t) = &self.texture {
                        pui.image(PlotImage::new(
                            "φ",
                            t.id(),
                            PlotPoint::new((a0 + a1) / 2.0, (b0 + b1) / 2.0),
                            [(a1 - a0) as f32, (b1 - b0) as f32],
                        ));
                    }
                    pui.points(
                        Points::new("x of the shown run", vec![[self.base[i], self.base[j]]])
                            .shape(MarkerShape::Diamond)
                            .radius(7.0)
                            .color(look.color(crate::app::Series::Ihvp(
                                crate::numerics::ihvp::spec::Method::Exact,
                            ))),
                    );
                });
            ui.vertical(|ui| {
                color_bar_ui(
                    ui,
                    (0.0, 1.0),
                    "√((φ − min)/(max − min)), 14 level bands",
                    "",
                );
                ui.label(format!(
                    "φ from {} to {}; ◆ the shown run's x (the other coordinates fixed there)",
                    crate::app::format::num(lo),
                    crate::app::format::num(hi)
                ));
                ui.label(match self.ran_on {
                    Some(Ran::Gpu) => {
                        "follower: batched soft value iteration on the GPU (WGSL, f32)"
                    }
                    _ => "follower: the kernel's CPU twin (no WebGPU)",
                });
            });
        });
    }
}

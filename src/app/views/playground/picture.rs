//! The playground's picture. For a 1-D leader and follower: the (x, y) plane with f's level bands, the
//! best-response curve y*(x), the Nash point (simultaneous play's fixed point) and the Stackelberg point
//! (x*, y*(x*)), and every run's trajectory (x_k, y_k). For a 2-D leader: Φ(x) = f(x, y*(x)) over the x
//! plane (y* solved at every grid point) with the runs' x-trajectories. For ridge HPO and the quadratic
//! problem the 256² grid is one WGSL dispatch (`PhiLandscape`, its CPU twin time-sliced where WebGPU is
//! missing); other problems fill a 96² grid a few rows per frame on the CPU in float64.

use egui_plot::{Line, MarkerShape, Plot, PlotImage, PlotPoint, Points};
use nalgebra::DVector;
use web_time::Instant;

use super::{Model, run_color, run_label};
use crate::app::Look;
use crate::app::widgets::thin;
use crate::budget::work_until;
use crate::gpu::kernels::{LandscapeRequest, LinearInner, PhiLandscape};
use crate::gpu::{ComputeRuntime, Job, Ran};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::bilevel::lockstep::best_response;
use crate::scenario::playground::PlaygroundState;

/// Grid side of the landscape filled on the CPU in float64, and of the GPU's.
const SIDE: usize = 96;
const GPU_SIDE: usize = 256;
/// Level bands of the landscape's colors.
const BANDS: f32 = 14.0;

/// What the landscape shows.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// f(x, y) over the (x, y) plane.
    Plane,
    /// Φ(x₁, x₂) over the x plane.
    Phi,
}

/// A grid of values over a window, filled row by row.
#[derive(Default)]
pub struct Landscape {
    kind: Option<Kind>,
    /// [x0, x1, y0, y1] (for `Phi`: x₁ range, x₂ range).
    window: [f64; 4],
    values: Vec<f64>,
    /// Grid side (SIDE, or GPU_SIDE for the kernel).
    side: usize,
    /// The ridge kernel in flight, and where the finished grid ran.
    job: Option<Box<Job<PhiLandscape>>>,
    pub ran_on: Option<Ran>,
    texture: Option<egui::TextureHandle>,
}

impl Landscape {
    pub fn finished(&self) -> bool {
        self.kind.is_none() || (self.side > 0 && self.values.len() >= self.side * self.side)
    }

    fn start(kind: Kind, window: [f64; 4]) -> Self {
        Self {
            kind: Some(kind),
            window,
            values: Vec::with_capacity(SIDE * SIDE),
            side: SIDE,
            job: None,
            ran_on: None,
            texture: None,
        }
    }

    /// The same landscape from the Φ kernel (one dispatch, or its time-sliced twin).
    fn start_gpu(
        window: [f64; 4],
        runtime: &mut ComputeRuntime,
        request: LandscapeRequest,
    ) -> Self {
        Self {
            side: GPU_SIDE,
            job: Some(Box::new(Job::start(runtime, request))),
            ..Self::start(Kind::Phi, window)
        }
    }

    /// Collects the kernel's grid when it is back.
    fn poll(&mut self, runtime: &mut ComputeRuntime, deadline: Instant) {
        let Some(job) = &mut self.job else { return };
        if let Some(done) = job.poll(runtime, deadline) {
            self.values = done.value.iter().map(|&v| f64::from(v)).collect();
            self.values.resize(self.side * self.side, f64::NAN);
            self.ran_on = Some(done.ran_on);
            self.job = None;
        }
    }

    /// Grid point (i, j) (column i, row j from the top) in problem coordinates.
    fn point(&self, i: usize, j: usize) -> (f64, f64) {
        let [a0, a1, b0, b1] = self.window;
        let t = (i as f64 + 0.5) / self.side as f64;
        let s = (j as f64 + 0.5) / self.side as f64;
        (a0 + (a1 - a0) * t, b1 - (b1 - b0) * s)
    }

    /// Fills cells until the frame's share of work is spent (`deadline`).
    fn fill(&mut self, problem: &dyn BilevelProblem, deadline: Instant) {
        if self.job.is_some() || self.values.len() >= SIDE * SIDE {
            return;
        }
        let m = problem.dims().1;
        let mut guess = DVector::zeros(m);
        work_until(deadline, || {
            let k = self.values.len();
            let (a, b) = self.point(k % SIDE, k / SIDE);
            let v = match self.kind {
                Some(Kind::Plane) => {
                    problem.f(&DVector::from_element(1, a), &DVector::from_element(1, b))
                }
                Some(Kind::Phi) => {
                    let x = DVector::from_vec(vec![a, b]);
                    match best_response(problem, &x, &guess) {
                        Some(y) => {
                            let v = problem.f(&x, &y);
                            guess = y;
                            v
                        }
                        None => f64::NAN,
                    }
                }
                None => f64::NAN,
            };
            self.values.push(v);
            self.values.len() < SIDE * SIDE
        });
    }

    /// Level bands of √((v − min)/(max − min)) in viridis (NaN: transparent), once the grid is full.
    fn texture(&mut self, ctx: &egui::Context) -> Option<&egui::TextureHandle> {
        if !self.finished() {
            return None;
        }
        if self.texture.is_none() {
            let finite = self.values.iter().copied().filter(|v| v.is_finite());
            let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                (l.min(v), h.max(v))
            });
            let span = (hi - lo).max(1e-300);
            let pixels = self
                .values
                .iter()
                .map(|v| {
                    if v.is_finite() {
                        let t = (((v - lo) / span).sqrt() as f32 * BANDS).floor() / BANDS;
                        crate::app::widgets::colormap::wash(t)
                    } else {
                        egui::Color32::TRANSPARENT
                    }
                })
                .collect();
            let image = egui::ColorImage::new([self.side, self.side], pixels);
            self.texture = Some(ctx.load_texture(
                "playground-landscape",
                image,
                egui::TextureOptions::NEAREST,
            ));
        }
        self.texture.as_ref()
    }
}

/// The window around the start, the special points and a margin.
fn window(points: &[(f64, f64)]) -> [f64; 4] {
    let (mut a0, mut a1, mut b0, mut b1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &(a, b) in points
        .iter()
        .filter(|(a, b)| a.is_finite() && b.is_finite())
    {
        (a0, a1, b0, b1) = (a0.min(a), a1.max(a), b0.min(b), b1.max(b));
    }
    let pad = |lo: f64, hi: f64| {
        let half = ((hi - lo) * 0.5 + 0.75).max(1.0);
        let mid = (lo + hi) * 0.5;
        (mid - half, mid + half)
    };
    let (a0, a1) = pad(a0, a1);
    let (b0, b1) = pad(b0, b1);
    [a0, a1, b0, b1]
}

/// The picture's window: the start, where the follower heads first, the Stackelberg and Nash points, padded.
fn window_of(state: &PlaygroundState, problem: &dyn BilevelProblem, kind: Kind) -> [f64; 4] {
    let (n, m) = problem.dims();
    let x0 = DVector::from_element(n, state.start[0]);
    let stackelberg = problem
        .x_star()
        .and_then(|x| best_response(problem, &x, &DVector::zeros(m)).map(|y| (x, y)));
    let mut pts = match kind {
        Kind::Plane => vec![(state.start[0], state.start[1])],
        Kind::Phi => vec![(state.start[0], state.start[0])],
    };
    // The follower heads for y*(x₀) first: keep it in the picture.
    if let (Kind::Plane, Some(y)) = (kind, best_response(problem, &x0, &DVector::zeros(m))) {
        pts.push((state.start[0], y[0]));
    }
    for p in [stackelberg.as_ref(), problem.nash().as_ref()]
        .into_iter()
        .flatten()
    {
        pts.push(match kind {
            Kind::Plane => (p.0[0], p.1[0]),
            Kind::Phi => (p.0[0], p.0[1]),
        });
    }
    window(&pts)
}

/// The leader's range the plane shows (a 1-D leader and follower), for the Φ curve drawn on its own.
pub fn x_range(
    state: &PlaygroundState,
    model: &Model,
    landscape: &Landscape,
) -> Option<(f64, f64)> {
    let problem = model.lock.problem.as_ref();
    if problem.dims() != (1, 1) {
        return None;
    }
    let [a0, a1, _, _] = match landscape.kind {
        Some(Kind::Plane) => landscape.window,
        _ => window_of(state, problem, Kind::Plane),
    };
    Some((a0, a1))
}

pub fn picture_ui(
    ui: &mut egui::Ui,
    (state, model): (&PlaygroundState, &Model),
    landscape: &mut Landscape,
    (runtime, deadline): (&mut ComputeRuntime, Instant),
    look: Look,
    (size, extras): (egui::Vec2, bool),
) {
    let problem = model.lock.problem.as_ref();
    let (n, m) = problem.dims();
    let x_star = problem.x_star();
    let stackelberg = x_star
        .as_ref()
        .and_then(|x| best_response(problem, x, &DVector::zeros(m)).map(|y| (x.clone(), y)));
    let nash = problem.nash();
    let kind = match (n, m) {
        (1, 1) => Kind::Plane,
        (2, _) => Kind::Phi,
        _ => {
            ui.label(format!(
                "No picture for a {n}-dimensional leader (x) and {m}-dimensional follower (y): the \
                 curves tell the story."
            ));
            return;
        }
    };
    if landscape.kind.is_none() {
        let x0 = DVector::from_element(n, state.start[0]);
        let window = window_of(state, problem, kind);
        // Ridge HPO and the quadratic problem have the kernel's form; others fill on the CPU.
        let spec = state.problem_spec().ok();
        let inner = spec.as_ref().and_then(|p| {
            p.ridge()
                .map(|r| r.map(|r| LinearInner::ridge(&r)))
                .or_else(|| p.quadratic().map(|q| q.map(|q| LinearInner::quadratic(&q))))
                .and_then(Result::ok)
        });
        *landscape = match (kind, inner) {
            (Kind::Phi, Some(inner)) if n <= 8 && m <= 8 => {
                let side = GPU_SIDE as u32;
                let request = LandscapeRequest::new(&inner, &x0, window, side, side);
                Landscape::start_gpu(window, runtime, request)
            }
            _ => Landscape::start(kind, window),
        };
    }
    landscape.poll(runtime, deadline);
    landscape.fill(problem, deadline);
    let texture = landscape.texture(ui.ctx()).map(|t| t.id());
    let [a0, a1, b0, b1] = landscape.window;
    let width = look.line_width();
    let ink = look.color(crate::app::Series::Ihvp(
        crate::numerics::ihvp::spec::Method::Exact,
    ));
    let (x_label, y_label, caption) = match kind {
        Kind::Plane => (
            "x (leader)",
            "y (follower)",
            "Bands: levels of f(x, y). Dashed: the follower's best response y*(x). ◆ Stackelberg point \
             (x*, y*(x*)), ■ Nash point (∇_x f = 0 and ∇_y g = 0). Lines: the runs' (x_k, y_k) in their \
             colors, ● where they are now.",
        ),
        Kind::Phi => (
            "x₁",
            "x₂",
            match landscape.ran_on {
                Some(Ran::Gpu) => {
                    "Bands: levels of Φ(x) = f(x, y*(x)), y* solved at each of 256² grid points on the GPU. \
                     Lines: the runs' x iterates. ◆ x*."
                }
                Some(Ran::Cpu) => {
                    "Bands: levels of Φ(x) = f(x, y*(x)), y* solved at each of 256² grid points (the GPU \
                     kernel's CPU twin). Lines: the runs' x iterates. ◆ x*."
                }
                None => {
                    "Bands: levels of Φ(x) = f(x, y*(x)), y* solved at every grid point. Lines: the runs' \
                     x iterates. ◆ x*."
                }
            },
        ),
    };
    Plot::new("playground-picture")
        .width(size.x)
        .height(size.y)
        .data_aspect(1.0)
        .x_axis_label(x_label)
        .y_axis_label(y_label)
        .allow_scroll(false)
        .show(ui, |pui| {
            if let Some(id) = texture {
                pui.image(PlotImage::new(
                    "",
                    id,
                    PlotPoint::new((a0 + a1) / 2.0, (b0 + b1) / 2.0),
                    egui::vec2((a1 - a0) as f32, (b1 - b0) as f32),
                ));
            }
            if kind == Kind::Plane {
                let curve: Vec<[f64; 2]> = (0..=120)
                    .filter_map(|k| {
                        let x = a0 + (a1 - a0) * k as f64 / 120.0;
                        let y = best_response(
                            problem,
                            &DVector::from_element(1, x),
                            &DVector::zeros(1),
                        )?;
                        Some([x, y[0]])
                    })
                    .collect();
                pui.line(
                    Line::new("y*(x)", curve)
                        .color(ink)
                        .width(width)
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            }
            for ((&i, t), &seed) in model.index.iter().zip(&model.lock.runs).zip(&model.seed) {
                // Seed 0 drawn bold and in the legend; the other seeds faint around it.
                let (color, width) = if seed == 0 {
                    (run_color(look, i), width)
                } else {
                    (look.fade(run_color(look, i), 0.35), width * 0.5)
                };
                let name = if seed == 0 {
                    run_label(state, i)
                } else {
                    String::new()
                };
                let pts: Vec<[f64; 2]> =
                    t.xs.iter()
                        .zip(&t.ys)
                        .map(|(x, y)| match kind {
                            Kind::Plane => [x[0], y[0]],
                            Kind::Phi => [x[0], x[1]],
                        })
                        .filter(|p| p[0].is_finite() && p[1].is_finite())
                        .collect();
                if let Some(&last) = pts.last() {
                    pui.points(
                        Points::new("", vec![last])
                            .color(color)
                            .radius(width + 3.0)
                            .shape(Look::marker(i)),
                    );
                }
                let pts = thin(pts, pui.transform());
                // Solid: the best response y*(x) is the plane's dashed line; runs differ by colour and head marker.
                pui.line(Line::new(name, pts).color(color).width(width));
            }
            if let Some((x, y)) = &stackelberg {
                let p = match kind {
                    Kind::Plane => [x[0], y[0]],
                    Kind::Phi => [x[0], x[1]],
                };
                pui.points(
                    Points::new("Stackelberg", vec![p])
                        .color(ink)
                        .radius(width + 5.0)
                        .shape(MarkerShape::Diamond),
                );
            }
            if let (Some((x, y)), Kind::Plane) = (&nash, kind) {
                pui.points(
                    Points::new("Nash", vec![[x[0], y[0]]])
                        .color(ink)
                        .radius(width + 4.0)
                        .shape(MarkerShape::Square),
                );
            }
        });
    if !extras {
        return;
    }
    ui.label(caption);
    if kind == Kind::Plane {
        ui.add_space(4.0);
        crate::app::widgets::math::strong(ui, super::phi_curve::TITLE);
        let size = egui::vec2(size.x, (size.x * 0.45).clamp(140.0, 240.0));
        super::phi_curve::phi_curve_ui(ui, model, (a0, a1), look, size);
    }
}

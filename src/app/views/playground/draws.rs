//! "IHVP at this iterate": at the selected run's (x_k, y_k), the hypergradient ∇ₓf − ∇²ₓᵧg v̂ with v̂ from
//! 256 random Nyström column draws (rank q, α) — one batch of the f32 Nyström kernel on the GPU (or its CPU
//! twin) — against the exact IFT hypergradient there (exact IHVP, α = 0), as a histogram; CG, Neumann and
//! Lanczos at their settings (float64) as lines. How much does the draw matter here?

use egui_plot::{Legend, LineStyle, Plot, VLine};
use nalgebra::{DMatrix, DVector};

use super::Model;
use crate::app::widgets::histogram;
use crate::app::{Look, Series, format};
use crate::gpu::kernels::{HessianBatch, IhvpNystrom, NystromBatch, ihvp_nystrom};
use crate::gpu::{ComputeRuntime, Job, Ran};
use crate::numerics::bilevel::{
    BilevelProblem, InnerHessian, exact_hypergradient, hypergradient_with,
};
use crate::numerics::ihvp::closeup::drawn_columns;
use crate::numerics::ihvp::dense_symmetric;
use crate::numerics::ihvp::spec::IhvpSpec;
use crate::numerics::ihvp::spec::Method;
use crate::numerics::ihvp::study::ErrorStats;
use crate::scenario::playground::PlaygroundState;

/// Column draws per batch.
pub const DRAWS: usize = 256;

/// Where the batch stands.
enum Stage {
    Running(Box<Job<IhvpNystrom>>),
    Done { errors: Vec<f64>, ran_on: Ran },
    Failed(String),
}

/// One batch of draws at one run's iterate.
pub struct Draws {
    /// (run index, step) it was taken at.
    pub at: (usize, usize),
    /// Per draw: the f32 v̂s go through ∇²ₓᵧg on the CPU in float64.
    x: DVector<f64>,
    y: DVector<f64>,
    exact: DVector<f64>,
    stage: Stage,
    /// (name, series, error) of the deterministic methods at the view's settings.
    others: Vec<(&'static str, Series, f64)>,
}

/// Relative error of the hypergradient built from v against `exact`.
fn hypergradient_error(
    problem: &dyn BilevelProblem,
    x: &DVector<f64>,
    y: &DVector<f64>,
    v: &DVector<f64>,
    exact: &DVector<f64>,
) -> f64 {
    let (hg, _, _) = hypergradient_with(problem, x, y, v);
    let e = (&hg - exact).norm() / exact.norm().max(f64::MIN_POSITIVE);
    if e.is_nan() { f64::INFINITY } else { e }
}

impl Draws {
    /// Starts the batch at run `run` (index into `model.lock.runs`, shown as `label_index`).
    pub fn start(
        runtime: &mut ComputeRuntime,
        state: &PlaygroundState,
        model: &Model,
        pos: usize,
        label_index: usize,
    ) -> Self {
        let t = &model.lock.runs[pos];
        let problem = model.lock.problem.as_ref();
        let (x, y) = (t.run.x.clone(), t.run.y.clone());
        let (_, m) = problem.dims();
        let (exact, _) = exact_hypergradient(problem, &x, &y);
        let b = problem.grad_y_f(&x, &y);
        let op = InnerHessian {
            problem,
            x: &x,
            y: &y,
        };
        let h = dense_symmetric(&op);
        let others = [Method::Cg, Method::Neumann, Method::Lanczos]
            .into_iter()
            .map(|method| {
                let (name, series) = (method.label(), Series::Ihvp(method));
                let e = state
                    .ihvp(method, m)
                    .solve(&h, &b)
                    .map_or(f64::INFINITY, |r| {
                        hypergradient_error(problem, &x, &y, &r.v, &exact)
                    });
                (name, series, e)
            })
            .collect();
        let spec = state.ihvp(Method::Nystrom, m);
        let stage = match nystrom_batch(&spec, &h, &b, state.alpha) {
            Ok(input) => Stage::Running(Box::new(Job::start(runtime, input))),
            Err(why) => Stage::Failed(why),
        };
        Self {
            at: (label_index, t.run.step),
            x,
            y,
            exact,
            stage,
            others,
        }
    }

    /// The errors, once the batch is back.
    pub fn errors(&self) -> Option<&[f64]> {
        match &self.stage {
            Stage::Done { errors, .. } => Some(errors),
            _ => None,
        }
    }

    /// Collects the batch when it is back; true while it runs.
    pub fn poll(
        &mut self,
        (runtime, deadline): (&mut ComputeRuntime, web_time::Instant),
        problem: &dyn BilevelProblem,
    ) -> bool {
        let Stage::Running(job) = &mut self.stage else {
            return false;
        };
        let Some(done) = job.poll(runtime, deadline) else {
            return true;
        };
        let m = self.y.len();
        let errors = done
            .value
            .chunks(m)
            .map(|v| {
                let v = DVector::from_iterator(m, v.iter().map(|&a| f64::from(a)));
                hypergradient_error(problem, &self.x, &self.y, &v, &self.exact)
            })
            .collect();
        self.stage = Stage::Done {
            errors,
            ran_on: done.ran_on,
        };
        false
    }
}

/// DRAWS copies of (H, b) with the Nyström spec's column draws 0..DRAWS, for the f32 kernel.
fn nystrom_batch(
    spec: &IhvpSpec,
    h: &DMatrix<f64>,
    b: &DVector<f64>,
    alpha: f64,
) -> Result<NystromBatch, String> {
    let p = b.len();
    let IhvpSpec::Nystrom { rank, .. } = spec else {
        return Err("not a Nyström method".to_owned());
    };
    if p > 128 || *rank as u32 > ihvp_nystrom::MAX_RANK {
        return Err(format!(
            "the f32 kernel takes p ≤ 128 and rank ≤ {} (here p = {p}, rank {rank})",
            ihvp_nystrom::MAX_RANK
        ));
    }
    let mut columns = Vec::with_capacity(DRAWS * rank);
    for d in 0..DRAWS {
        let cols =
            drawn_columns(spec, h, d as u64).unwrap_or_else(|| Err("no columns".to_owned()))?;
        columns.extend(cols.into_iter().map(|j| j as u32));
    }
    let h32: Vec<f32> = h.transpose().iter().map(|&v| v as f32).collect();
    let b32: Vec<f32> = b.iter().map(|&v| v as f32).collect();
    let input = NystromBatch {
        alpha: alpha as f32,
        damped: false,
        rank: *rank as u32,
        columns,
        batch: HessianBatch::new(p as u32, h32.repeat(DRAWS), b32.repeat(DRAWS)),
    };
    input.validate()?;
    Ok(input)
}

pub fn draws_ui(ui: &mut egui::Ui, draws: Option<&Draws>, label: &str, look: Look) {
    let Some(d) = draws else {
        ui.label(
            "Press “Sample draws here” to score 256 Nyström draws at the selected run's iterate.",
        );
        return;
    };
    match &d.stage {
        Stage::Running(_) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("{DRAWS} draws on the way…"));
            });
        }
        Stage::Failed(why) => {
            ui.colored_label(look.error_color(), format!("Nyström draws: {why}"));
        }
        Stage::Done { errors, ran_on } => {
            let stats = ErrorStats::of(errors);
            let on = if *ran_on == Ran::Gpu {
                "GPU"
            } else {
                "CPU twin"
            };
            ui.label(format!(
                "{label} at step {}: {DRAWS} Nyström draws (f32, {on}): hypergradient error median {}, \
                 q25–q75 {}–{}, max {}.",
                d.at.1,
                format::error(stats.median),
                format::error(stats.q25),
                format::error(stats.q75),
                format::error(stats.max)
            ));
            let others: Vec<String> = d
                .others
                .iter()
                .map(|(name, _, e)| format!("{name} {}", format::error(*e)))
                .collect();
            ui.label(format!(
                "At the view's settings (float64): {}. Lines past the right edge are clamped at 10².",
                others.join(", ")
            ));
            let series = [histogram::Series {
                name: "Nyström draws",
                color: look.color(Series::Ihvp(crate::numerics::ihvp::spec::Method::Nystrom)),
                errors,
                stats: &stats,
            }];
            Plot::new("playground-draws")
                .height(200.0)
                .legend(Legend::default())
                .x_axis_label("log₁₀ relative error of the hypergradient vs the exact IFT one")
                .y_axis_label("draws")
                .allow_scroll(false)
                .show(ui, |pui| {
                    histogram::bars(pui, &series, look.line_width());
                    for (name, s, e) in &d.others {
                        if *e > 0.0 && e.is_finite() {
                            pui.vline(
                                VLine::new(*name, e.log10().clamp(-16.0, 2.0))
                                    .color(look.color(*s))
                                    .width(look.line_width())
                                    .style(LineStyle::Solid),
                            );
                        }
                    }
                });
        }
    }
}

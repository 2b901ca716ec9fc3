//! One Nyström draw up close: on the selected Hessian, which columns Q the study's draw sampled, H
//! against H_q = C W⁺ Cᵀ (BLPO Sec. 3) and their difference as heat maps, and the error of each sampling
//! rule (uniform, ∝ diag²) over many draws — how much does the draw matter here?

use egui::Color32;
use nalgebra::DVector;
use web_time::Instant;

use crate::budget::work_until;

use crate::app::widgets::colormap::diverging;
use crate::app::widgets::heatmap::{HeatMap, heatmap_ui};
use crate::app::widgets::histogram::{Series, histogram_ui};
use crate::app::{Look, format};
use crate::numerics::ihvp::closeup::{drawn_columns, nystrom_approximation, with_sampling};
use crate::numerics::ihvp::spec::{IhvpSpec, Sampling};
use crate::numerics::ihvp::study::{ErrorStats, Instance, error_against};
use crate::numerics::ihvp::study_run::StudyRun;
use crate::scenario::ihvp_lab::IhvpLabState;

/// Column draws per sampling rule.
pub const DRAWS: usize = 64;
const RULES: [(Sampling, &str); 2] = [
    (Sampling::Uniform, "uniform"),
    (Sampling::Diagonal, "∝ diag²"),
];

/// The close-up of instance `index` under the study's Nyström method, with its draws filled in over
/// frames.
pub struct Closeup {
    index: usize,
    spec: IhvpSpec,
    alpha: f64,
    instance: Instance,
    exact: Option<DVector<f64>>,
    columns: Result<Vec<usize>, String>,
    /// H, H_q and H − H_q, row-major.
    maps: [Vec<f64>; 3],
    rel_frobenius: f64,
    /// Errors of DRAWS draws per rule.
    draws: [Vec<f64>; 2],
}

impl Closeup {
    pub fn new(run: &StudyRun, index: usize) -> Option<Self> {
        let instance = run.instances.get(index)?.clone();
        let spec = run.methods.first()?.clone();
        let columns = drawn_columns(&spec, &instance.h, index as u64)?;
        let hq = match &columns {
            Ok(c) => nystrom_approximation(&instance.h, c),
            Err(_) => instance.h.clone() * 0.0,
        };
        let diff = &instance.h - &hq;
        let rel_frobenius = diff.norm() / instance.h.norm().max(f64::MIN_POSITIVE);
        let row_major = |m: &nalgebra::DMatrix<f64>| m.transpose().iter().copied().collect();
        Some(Self {
            index,
            alpha: run.alpha,
            exact: run.exact.get(index).cloned().flatten(),
            maps: [row_major(&instance.h), row_major(&hq), row_major(&diff)],
            rel_frobenius,
            columns,
            instance,
            spec,
            draws: [Vec::new(), Vec::new()],
        })
    }

    pub fn is_for(&self, index: usize, spec: &IhvpSpec, alpha: f64) -> bool {
        self.index == index && &self.spec == spec && self.alpha == alpha
    }

    /// (draws scored, draws in all).
    pub fn progress(&self) -> (usize, usize) {
        (self.draws.iter().map(Vec::len).sum(), DRAWS * RULES.len())
    }

    /// Scores more draws within the frame's budget (`work_until`: one draw a unit, the rules in order);
    /// true while draws are left.
    pub fn step(&mut self, deadline: Instant) -> bool {
        let left = |draws: &[Vec<f64>]| draws.iter().any(|d| d.len() < DRAWS);
        left(&self.draws)
            && work_until(deadline, || {
                let Some((rule, errors)) = RULES
                    .iter()
                    .zip(&mut self.draws)
                    .find(|(_, errors)| errors.len() < DRAWS)
                else {
                    return false;
                };
                let spec = with_sampling(&self.spec, rule.0);
                let d = errors.len() as u64;
                let e = self.exact.as_ref().map_or(f64::INFINITY, |x| {
                    error_against(&self.instance, &spec, self.alpha, d, x)
                });
                errors.push(e);
                left(&self.draws)
            })
    }
}

/// sign(x)·√(|x|/scale): small entries stay visible next to the large ones.
fn signed_sqrt(x: f64, scale: f64) -> f32 {
    (x.signum() * (x.abs() / scale).sqrt()) as f32
}

pub fn section_ui(
    ui: &mut egui::Ui,
    closeup: Option<&Closeup>,
    run: &StudyRun,
    state: &mut IhvpLabState,
    look: Look,
) {
    super::instance_picker(ui, &mut state.instance, run.done());
    let Some(c) = closeup else {
        ui.label("The close-up starts when the batch is complete.");
        return;
    };
    let p = c.instance.b.len();
    let this_error = run.errors.first().and_then(|e| e.get(c.index)).copied();
    match &c.columns {
        Ok(cols) => {
            let mut sorted = cols.clone();
            sorted.sort_unstable();
            let listed: Vec<String> = sorted.iter().map(|j| (j + 1).to_string()).collect();
            ui.label(format!(
                "Draw {} sampled {} of {p} columns: {}. ‖H − H_q‖_F / ‖H‖_F = {}; this draw's IHVP \
                 error = {}.",
                c.index + 1,
                cols.len(),
                listed.join(", "),
                format::num(c.rel_frobenius),
                this_error.map_or("–".to_owned(), format::error),
            ));
        }
        Err(why) => {
            ui.colored_label(look.error_color(), format!("No columns: {why}"));
        }
    }
    let scale = c.maps[0]
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let color = |v: f64| diverging(signed_sqrt(v, scale));
    let marked = c.columns.as_ref().map(Vec::as_slice).unwrap_or(&[]);
    let side = ((ui.available_width() - 24.0) / 3.0).clamp(120.0, 300.0);
    ui.horizontal(|ui| {
        for (k, title) in ["H", "H_q = C W⁺ C^T", "H − H_q"].iter().enumerate() {
            ui.vertical(|ui| {
                crate::app::widgets::math::strong(ui, title);
                let hover = |r: usize, col: usize, v: f64| {
                    format!("{title} [{}, {}] = {}", r + 1, col + 1, format::num(v))
                };
                heatmap_ui(
                    ui,
                    &HeatMap {
                        values: &c.maps[k],
                        rows: p,
                        cols: p,
                        color: &color,
                        cell_text: None,
                        hover: &hover,
                        col_labels: &[],
                        row_labels: &[],
                        marked_cols: marked,
                    },
                    egui::vec2(side, side + 9.0),
                );
            });
        }
    });
    ui.label(format!(
        "Triangles: the sampled columns. Color: blue < 0 < orange, sign(x)·√(|x| / {}) (max |H_ij|), \
         the same scale for all three.",
        format::num(scale)
    ));
    ui.add_space(8.0);
    ui.strong(format!(
        "Error of {DRAWS} column draws per sampling rule on this Hessian (rank {}, α = {})",
        match &c.spec {
            IhvpSpec::Nystrom { rank, .. } => *rank,
            _ => 0,
        },
        format::num(c.alpha)
    ));
    let stats: Vec<ErrorStats> = c.draws.iter().map(|d| ErrorStats::of(d)).collect();
    let nystrom = look.color(crate::app::Series::Ihvp(
        crate::numerics::ihvp::spec::Method::Nystrom,
    ));
    let ink = look.color(crate::app::Series::Ihvp(
        crate::numerics::ihvp::spec::Method::Exact,
    ));
    let colors: [Color32; 2] = [nystrom, ink];
    let series: Vec<Series<'_>> = RULES
        .iter()
        .zip(&c.draws)
        .zip(&stats)
        .zip(colors)
        .map(|(((rule, errors), stats), color)| Series {
            name: rule.1,
            color,
            errors,
            stats,
        })
        .collect();
    histogram_ui(
        ui,
        ("ihvp-closeup-draws", "draws"),
        &series,
        220.0,
        look.line_width(),
    );
    let summary: Vec<String> = RULES
        .iter()
        .zip(&stats)
        .zip(&c.draws)
        .map(|((rule, s), d)| {
            format!(
                "{}: median {}, max {} ({} draws)",
                rule.1,
                format::error(s.median),
                format::error(s.max),
                d.len()
            )
        })
        .collect();
    ui.label(summary.join("  ·  "));
}

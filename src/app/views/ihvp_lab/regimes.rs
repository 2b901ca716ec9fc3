//! The regime map: median error of Nyström (rank q) and of CG (k iterations) over a grid of ridge α ×
//! budget (q = k HVPs), and which of the two wins each cell and by how much. The other knobs (sampling
//! rule, variant, seed) are the sidebar's.

use egui::Color32;

use crate::app::widgets::colormap::viridis;
use crate::app::widgets::heatmap::{HeatMap, heatmap_ui};
use crate::app::{Look, Series, ViewReport, format};
use crate::numerics::ihvp::spec::IhvpSpec;
use crate::numerics::ihvp::study_run::StudyRun;
use crate::numerics::ihvp::sweep::Sweep;
use crate::scenario::ihvp_lab::IhvpLabState;

/// Ridges: 10⁻⁴ … 10² in half decades.
pub fn alphas() -> Vec<f64> {
    (0..13).map(|i| 10f64.powf(-4.0 + 0.5 * i as f64)).collect()
}

/// Budgets: powers of two up to 128.
pub const BUDGETS: [usize; 8] = [1, 2, 4, 8, 16, 32, 64, 128];

/// log₁₀ error range of the two median maps.
const RANGE: (f64, f64) = (-16.0, 1.0);

/// The sweep of the study's Nyström and of CG over [`alphas`] × [`BUDGETS`] (≤ p).
pub fn sweep(run: &StudyRun, _state: &IhvpLabState) -> Sweep {
    let p = run.instances.first().map_or(1, |i| i.b.len());
    let nystrom = run
        .methods
        .first()
        .cloned()
        .unwrap_or(IhvpSpec::Identity { alpha: 1.0 });
    let cg = IhvpSpec::cg(run.alpha, 1);
    Sweep::new(
        run.instances.clone(),
        vec![nystrom, cg],
        alphas(),
        BUDGETS.iter().copied().filter(|&k| k <= p).collect(),
    )
}

/// Which method wins a cell: (Nyström's median) / (CG's median) — below 1 Nyström wins.
pub fn ratio(nystrom: f64, cg: f64) -> f64 {
    let floor = 1e-16;
    nystrom.max(floor) / cg.max(floor)
}

/// A winner cell's text from log₁₀(Nyström / CG): how many times smaller the winner's median is
/// ("1.3×", "40×", "1e9×"), "tie" within 12%. The cell's color says who wins.
pub fn times(log_ratio: f64) -> String {
    if log_ratio.is_nan() {
        return String::new();
    }
    if log_ratio.abs() < 0.05 {
        return "tie".to_owned();
    }
    let x = 10f64.powf(log_ratio.abs());
    if x < 9.95 {
        format!("{x:.1}×")
    } else if x < 999.5 {
        format!("{x:.0}×")
    } else {
        format!("1e{:.0}×", log_ratio.abs().floor())
    }
}

/// The three maps (Nyström's, CG's, the winner's), `height` points high (on a `stage`: without the words).
pub fn section_ui(
    ui: &mut egui::Ui,
    sweep: Option<&Sweep>,
    (look, height, stage): (Look, f32, bool),
    report: &mut ViewReport,
) {
    let what = "The regime maps (Nyström, CG, the winner) draw here once the batch is complete.";
    let Some(sweep) = super::cost::swept(ui, sweep, height, (what, "(α, Hessian) pairs")) else {
        return;
    };
    let nys = sweep.medians(0);
    let cg = sweep.medians(1);
    let rows = sweep.alphas.len();
    let cols = sweep.budgets.len();
    let flat = |m: &[Vec<f64>]| -> Vec<f64> {
        m.iter()
            .flatten()
            .map(|&e| if e > 0.0 { e.log10() } else { RANGE.0 })
            .collect()
    };
    let (nys_log, cg_log) = (flat(&nys), flat(&cg));
    let ratios: Vec<f64> = nys
        .iter()
        .flatten()
        .zip(cg.iter().flatten())
        .map(|(a, b)| ratio(*a, *b).log10())
        .collect();
    let wins = ratios.iter().filter(|r| **r < 0.0).count();
    report.value("nystrom_wins", wins);
    let col_labels: Vec<String> = sweep.budgets.iter().map(|k| k.to_string()).collect();
    let row_labels: Vec<String> = sweep.alphas.iter().map(|a| format!("{a:.0e}")).collect();
    let blank = ui.visuals().extreme_bg_color;
    let scale = |v: f64| {
        if v.is_nan() {
            blank
        } else {
            viridis(((v - RANGE.0) / (RANGE.1 - RANGE.0)) as f32)
        }
    };
    let (nys_color, cg_color) = (
        look.color(Series::Ihvp(crate::numerics::ihvp::spec::Method::Nystrom)),
        look.color(Series::Ihvp(crate::numerics::ihvp::spec::Method::Cg)),
    );
    let winner = |r: f64| -> Color32 {
        if r.is_nan() {
            return blank;
        }
        let base = if r < 0.0 { nys_color } else { cg_color };
        blank.lerp_to_gamma(base, (r.abs() / 4.0).clamp(0.15, 1.0) as f32)
    };
    let text_log = |_: usize, _: usize, v: f64| {
        if v.is_nan() {
            String::new()
        } else {
            format!("{v:.1}")
        }
    };
    let text_ratio = |_: usize, _: usize, v: f64| times(v);
    let hover = |what: &'static str| {
        let (alphas, budgets) = (&sweep.alphas, &sweep.budgets);
        move |r: usize, c: usize, v: f64| {
            format!(
                "α = {}, {} HVPs: {what} {}",
                format::num(alphas[r]),
                budgets[c],
                if v.is_nan() {
                    "–".to_owned()
                } else {
                    format!("{v:.2}")
                }
            )
        }
    };
    let (h_nys, h_cg, h_win) = (
        hover("log₁₀ median error of Nyström"),
        hover("log₁₀ median error of CG"),
        hover("log₁₀ (Nyström / CG), < 0: Nyström wins"),
    );
    let width = ((ui.available_width() - 24.0) / 3.0).clamp(100.0, 420.0);
    let size = egui::vec2(width, height);
    ui.horizontal(|ui| {
        for (title, values, color, text, hover) in [
            (
                "Nyström (rank q = budget)",
                &nys_log,
                &scale as &dyn Fn(f64) -> Color32,
                &text_log as &dyn Fn(usize, usize, f64) -> String,
                &h_nys as &dyn Fn(usize, usize, f64) -> String,
            ),
            ("CG (k = budget)", &cg_log, &scale, &text_log, &h_cg),
            (
                "Winner: blue Nyström, orange CG",
                &ratios,
                &winner,
                &text_ratio,
                &h_win,
            ),
        ] {
            ui.vertical(|ui| {
                crate::app::widgets::math::strong(ui, title);
                heatmap_ui(
                    ui,
                    &HeatMap {
                        values,
                        rows,
                        cols,
                        color,
                        cell_text: Some(text),
                        hover,
                        col_labels: &col_labels,
                        row_labels: &row_labels,
                        marked_cols: &[],
                    },
                    size,
                );
            });
        }
    });
    crate::app::widgets::colormap::color_bar_ui(
        ui,
        (RANGE.0 as f32, RANGE.1 as f32),
        "log₁₀ median relative error",
        "",
    );
    if stage {
        return;
    }
    ui.label(format!(
        "Rows: ridge α; columns: HVPs (Nyström's rank q, CG's iterations k). Nyström wins {wins} of {} \
         cells. Cells show log₁₀ of the median error over the batch; the winner map shows how many \
         times smaller the winner's median is.",
        ratios.iter().filter(|r| !r.is_nan()).count()
    ));
}

#[cfg(test)]
mod tests {
    #[test]
    fn ratio_floors_both_errors_at_1e16() {
        assert_eq!(super::ratio(1e-3, 1e-1), 1e-2);
        assert_eq!(super::ratio(0.0, 1e-20), 1.0, "both exact: a tie");
        assert_eq!(super::alphas().len(), 13);
        assert!((super::alphas()[12] - 100.0).abs() < 1e-9);
        assert_eq!(super::times(-0.6), "4.0×");
        assert_eq!(super::times(1.6), "40×");
        assert_eq!(super::times(9.3), "1e9×");
        assert_eq!(super::times(0.01), "tie");
        assert_eq!(super::times(f64::NAN), "");
    }
}

//! Error against cost: each method's median error over the batch (line) and interquartile band against
//! the number of Hessian-vector products it spends — CG, Neumann and Lanczos one per iteration, Nyström
//! one per sampled column, Nyström-PCG q + k; the identity spends none (a flat line).

use egui_plot::{FilledArea, HLine, Legend, Line, LineStyle, Plot, Points};

use crate::app::Look;
use crate::numerics::ihvp::spec::IhvpSpec;
use crate::numerics::ihvp::study_run::StudyRun;
use crate::numerics::ihvp::sweep::Sweep;
use crate::scenario::ihvp_lab::IhvpLabState;

/// The budgets swept (iterations, or Nyström's rank; ranks above p are skipped).
pub const BUDGETS: [usize; 14] = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128];

/// A sweep's section until it is complete: what will draw there while there is no sweep (the batch is not
/// complete), then the sweep's progress (`done of all unit`) over what it has drawn so far.
pub fn swept<'a>(
    ui: &mut egui::Ui,
    sweep: Option<&'a Sweep>,
    height: f32,
    (what, unit): (&str, &str),
) -> Option<&'a Sweep> {
    let Some(sweep) = sweep else {
        crate::app::widgets::empty_chart(ui, egui::vec2(ui.available_width(), height), what);
        return None;
    };
    let (done, all) = sweep.progress();
    if done < all {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("{done} of {all} {unit}"));
        });
    }
    Some(sweep)
}

/// The sweep of every method of the finished study over [`BUDGETS`] at the study's α.
pub fn sweep(run: &StudyRun, _state: &IhvpLabState) -> Sweep {
    Sweep::new(
        run.instances.clone(),
        run.methods.clone(),
        vec![run.alpha],
        BUDGETS.to_vec(),
    )
}

/// HVPs the method spends at `budget` (a stored H's diagonal is free).
pub fn hvps(spec: &IhvpSpec, budget: usize) -> usize {
    match spec {
        IhvpSpec::NystromPcg { rank, .. } => rank + budget,
        _ => budget,
    }
}

fn log10(x: f64) -> f64 {
    if x > 0.0 {
        x.log10().clamp(-17.0, 3.0)
    } else {
        -17.0
    }
}

/// Error against HVPs, each method's median line with its spread, the plot `height` points high.
pub fn section_ui(
    ui: &mut egui::Ui,
    sweep: Option<&Sweep>,
    run: &StudyRun,
    look: Look,
    (height, stage): (f32, bool),
) {
    let what = "Each method's error against its cost draws here once the batch is complete.";
    let unit = format!("Hessians swept over {} budgets", BUDGETS.len());
    let Some(sweep) = swept(ui, sweep, height, (what, &unit)) else {
        return;
    };
    let width = look.line_width();
    Plot::new("ihvp-cost")
        .height(height)
        .legend(Legend::default())
        .x_axis_label("Hessian-vector products (log scale)")
        .y_axis_label("log₁₀ relative error")
        .x_axis_formatter(|mark, _| format!("{:.0}", 10f64.powf(mark.value)))
        .allow_scroll(false)
        .show(ui, |pui| {
            for (m, spec) in sweep.methods.iter().enumerate() {
                let (name, series) = super::label(spec);
                let color = look.color(series);
                let curve = sweep.curve(0, m);
                if curve.is_empty() {
                    // No budget (identity): its median as a flat line.
                    if let Some(e) = run.errors.get(m) {
                        let median = crate::numerics::ihvp::study::ErrorStats::of(e).median;
                        pui.hline(
                            HLine::new(name, log10(median))
                                .color(color)
                                .width(width)
                                .style(LineStyle::dashed_loose()),
                        );
                    }
                    continue;
                }
                let x = |k: usize| (hvps(spec, k) as f64).log10();
                let xs: Vec<f64> = curve.iter().map(|(k, _)| x(*k)).collect();
                let q25: Vec<f64> = curve.iter().map(|(_, s)| log10(s.q25)).collect();
                let q75: Vec<f64> = curve.iter().map(|(_, s)| log10(s.q75)).collect();
                // Same lengths by construction (FilledArea panics otherwise).
                pui.add(
                    // Unnamed: the legend lists each method once, by its line.
                    FilledArea::new("", &xs, &q25, &q75).fill_color(crate::app::look::area(color)),
                );
                let median: Vec<[f64; 2]> = curve
                    .iter()
                    .map(|(k, s)| [x(*k), log10(s.median)])
                    .collect();
                pui.line(Line::new(name, median.clone()).color(color).width(width));
                pui.points(Points::new("", median).color(color).radius(width + 1.5));
            }
        });
    if stage {
        return;
    }
    ui.label(
        "Line: median over the batch; band: 25th–75th percentile. Errors below 1e-16 are drawn at \
         −17. Equal x means equal work.",
    );
}

//! The IHVP lab's histogram section: the batch's error histograms, one per method of the study.

use crate::app::Look;
use crate::app::widgets::histogram::{Series, histogram_ui};
use crate::numerics::ihvp::study_run::StudyRun;

/// The batch's histograms, one per method of the study, with how to read them.
pub fn section_ui(ui: &mut egui::Ui, run: &StudyRun, look: Look) {
    let stats = run.stats();
    let series: Vec<Series<'_>> = run
        .methods
        .iter()
        .zip(&run.errors)
        .zip(&stats)
        .map(|((spec, errors), stats)| {
            let (name, s) = super::label(spec);
            Series {
                name,
                color: look.color(s),
                errors,
                stats,
            }
        })
        .collect();
    histogram_ui(
        ui,
        ("ihvp-histogram", "Hessians"),
        &series,
        320.0,
        look.line_width(),
    );
    ui.label(
        "Bars: how many Hessians reach each error. Solid line: median; dashed: mean (pulled right by \
         the worst cases).",
    );
}

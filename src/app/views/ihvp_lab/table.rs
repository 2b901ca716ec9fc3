//! The statistics table under the histograms: per method mean, median, quartiles, max and the share with
//! error > 1 (what BLPO Figure 2 reads), the same method's f32 median from the GPU kernels (or their
//! twins) with a flag where f32 itself limits the accuracy, and the compute times (folded away).

use super::F32Batch;
use crate::app::{Look, format};
use crate::gpu::Ran;
use crate::numerics::ihvp::study_run::StudyRun;

/// f32 "limits" a method when its float64 median is below this and the f32 median is 10× worse.
const F32_LIMITED: f64 = 1e-5;

pub fn stats_ui(
    ui: &mut egui::Ui,
    run: &StudyRun,
    f32s: Option<&F32Batch>,
    seconds: f64,
    look: Look,
) {
    let stats = run.stats();
    egui::Grid::new("ihvp-stats")
        .num_columns(9)
        .striped(true)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            for h in ["method", "mean", "median", "q25", "q75", "max", "error > 1"] {
                ui.strong(h);
            }
            ui.strong("f32 median").on_hover_text(
                "The same method in f32 — the batched WGSL kernel on the GPU, or its CPU twin — against \
                 the exact float64 solve: where f32 itself limits the accuracy",
            );
            ui.strong("f32 ran on");
            ui.end_row();
            for (m, (spec, st)) in run.methods.iter().zip(&stats).enumerate() {
                let (name, s) = super::label(spec);
                ui.colored_label(look.color(s), name);
                for v in [st.mean, st.median, st.q25, st.q75, st.max] {
                    ui.label(format::num(v));
                }
                ui.label(format!("{:.0}%", 100.0 * st.frac_above_1));
                match f32s.and_then(|f| f.results.get(m)) {
                    None => {
                        ui.label("after float64");
                        ui.label("");
                    }
                    Some(Ok(None)) => {
                        ui.spinner();
                        ui.label("");
                    }
                    Some(Ok(Some(r))) => {
                        let limited =
                            st.median < F32_LIMITED && r.stats.median > 10.0 * st.median;
                        let text = format::num(r.stats.median);
                        if limited {
                            ui.label(format!("{text}  (f32-limited)")).on_hover_text(
                                "float64 gets this method far lower: the f32 rounding floor, not the \
                                 method, sets the error here",
                            );
                        } else {
                            ui.label(text);
                        }
                        ui.label(if r.ran_on == Ran::Gpu { "GPU" } else { "CPU twin" });
                    }
                    Some(Err(why)) => {
                        ui.label("–").on_hover_text(why);
                        ui.label("");
                    }
                }
                ui.end_row();
            }
        });
    egui::CollapsingHeader::new("Compute time")
        .id_salt("ihvp-timing")
        .default_open(false)
        .show(ui, |ui| timing_ui(ui, run, f32s, seconds));
}

/// Seconds per batch: float64 on the CPU (all methods + exact solves, time-sliced over frames) and each
/// f32 method's batch where it ran.
fn timing_ui(ui: &mut egui::Ui, run: &StudyRun, f32s: Option<&F32Batch>, seconds: f64) {
    ui.label(format!(
        "float64 (CPU, every method and the exact LU solves, {} Hessians): {:.3} s",
        run.done(),
        seconds
    ));
    let Some(f32s) = f32s else { return };
    for (spec, result) in run.methods.iter().zip(&f32s.results) {
        if let Ok(Some(r)) = result {
            let on = if r.ran_on == Ran::Gpu {
                "GPU"
            } else {
                "CPU twin"
            };
            ui.label(format!(
                "{} f32 ({on}): {:.3} s for the batch, including upload and readback",
                super::label(spec).0,
                r.seconds
            ));
        }
    }
}

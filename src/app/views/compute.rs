//! Diagnostics (About → Diagnostics, `#compute`): which backend runs the kernels, the self-check of GPU against CPU, and a batch test
//! whose size the user chooses.

use web_time::Instant;

use serde::{Deserialize, Serialize};

use crate::app::{View, ViewCtx, format};
use crate::budget::work_until;
use crate::gpu::kernels::{ConvergenceMap, MapRequest};
use crate::gpu::{Kernel as _, SelfCheck};
use crate::scenario::query::{Validate, check_usize, from_query, to_query};

/// The batch test's size: its link (`#compute?batch=64&n=8`), read and checked like every view's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComputeState {
    /// Matrices in the batch.
    pub batch: u32,
    /// Matrix size n.
    pub n: u32,
}

impl Default for ComputeState {
    fn default() -> Self {
        Self { batch: 256, n: 32 }
    }
}

impl Validate for ComputeState {
    fn validate(&self) -> Result<(), String> {
        check_usize("batch", self.batch as usize, (1, 4096))?;
        check_usize("n", self.n as usize, (1, 256))
    }
}

/// The CPU twin timed on the benchmark map (what a browser without WebGPU computes), a part at a time
/// until each frame's work deadline; only the parts' own time is summed, so the figure compares with
/// `bilevel-lab bench`'s `cpu_twin_seconds` on the same machine.
struct TwinTiming {
    req: MapRequest,
    next: usize,
    parts: usize,
    acc: Option<Vec<f32>>,
    seconds: f64,
}

/// The twin timing's size: `bilevel-lab bench 128 1000`.
const TWIN_GRID: u32 = 128;
const TWIN_STEPS: u32 = 1000;

impl TwinTiming {
    fn new() -> Self {
        let req = MapRequest::benchmark(TWIN_GRID, TWIN_STEPS);
        Self {
            parts: ConvergenceMap::cpu_parts(&req),
            req,
            next: 0,
            acc: None,
            seconds: 0.0,
        }
    }

    fn done(&self) -> bool {
        self.next >= self.parts
    }

    /// Parts until `deadline` (one at least); true while parts are left.
    fn work(&mut self, deadline: Instant) -> bool {
        !self.done()
            && work_until(deadline, || {
                let began = Instant::now();
                ConvergenceMap::cpu_part(&self.req, self.next, &mut self.acc);
                self.seconds += began.elapsed().as_secs_f64();
                self.next += 1;
                !self.done()
            })
    }
}

/// Backend diagnostics.
#[derive(Default)]
pub struct ComputeView {
    state: ComputeState,
    started: Option<Instant>,
    round_trip_ms: Option<f64>,
    twin: Option<TwinTiming>,
}

impl View for ComputeView {
    fn anchor(&self) -> &'static str {
        "compute"
    }

    fn title(&self) -> &'static str {
        "Diagnostics"
    }

    fn tab(&self) -> bool {
        false
    }

    fn reset(&mut self) {
        *self = Self::default();
    }

    fn to_query(&self) -> Vec<(String, String)> {
        to_query(&self.state)
    }

    fn apply_query(&mut self, query: &[(String, String)]) -> Result<(), String> {
        self.state = from_query(query)?;
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        if let (Some(started), Some(_)) = (self.started, ctx.self_check.report()) {
            self.round_trip_ms = Some(started.elapsed().as_secs_f64() * 1e3);
            self.started = None;
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("Compute backend");
            egui::Grid::new("compute_grid").num_columns(2).spacing([24.0, 6.0]).show(ui, |ui| {
                ui.label("Backend");
                ui.strong(ctx.runtime.backend_label());
                ui.end_row();
                if let Some(adapter) = ctx.runtime.adapter()
                    && !ctx.runtime.has_gpu()
                {
                    ui.label("Drawing adapter");
                    ui.label(adapter);
                    ui.end_row();
                }
                ui.label("Last GPU error");
                match ctx.runtime.last_error() {
                    Some(e) => ui.colored_label(ctx.look.error_color(), e),
                    None => ui.label("none"),
                };
                ui.end_row();
                ui.label("Self-check");
                match ctx.self_check.report() {
                    None => ui.label("running…"),
                    Some(r) => {
                        let color = if r.passed { ctx.look.ok_color() } else { ctx.look.error_color() };
                        ui.colored_label(
                            color,
                            format!(
                                "{} · batched mat-vec {}×({}×{}) on the {} vs the {}: max error {}",
                                if r.passed { "passed" } else { "FAILED" },
                                r.batch,
                                r.size,
                                r.size,
                                r.ran_on.to_uppercase(),
                                r.against,
                                format::error(r.max_error)
                            ),
                        )
                    }
                };
                ui.end_row();
                if let Some(ms) = self.round_trip_ms {
                    ui.label("Round trip");
                    ui.label(format!("{ms:.1} ms (submit to readback, polled once per frame)"));
                    ui.end_row();
                }
            });
            ui.add_space(12.0);
            ui.strong("Run the check again");
            ui.add(egui::Slider::new(&mut self.state.batch, 1..=4096).logarithmic(true).text("matrices in the batch"));
            ui.add(egui::Slider::new(&mut self.state.n, 1..=256).logarithmic(true).text("matrix size n"));
            if ui.button("Run self-check").clicked() {
                *ctx.self_check = SelfCheck::start(ctx.runtime, self.state.batch, self.state.n);
                self.started = Some(Instant::now());
                self.round_trip_ms = None;
            }
            ui.add_space(8.0);
            ui.label(
                "On a GPU the kernel's f32 result is compared with its CPU twin (same arithmetic); on the CPU \
                 fallback the twin is compared with a float64 reference. Error = max |Δ| / max(1, |reference|).",
            );
            ui.add_space(12.0);
            ui.strong("CPU twin speed");
            let time = ui
                .button(format!(
                    "Time the CPU twin: convergence map {TWIN_GRID}² × {TWIN_STEPS} steps"
                ))
                .on_hover_text(
                    "What a browser without WebGPU computes for a map, a part per slice of each frame; \
                     the parts' own time is summed. Natively: bilevel-lab bench 128 1000.",
                );
            ctx.report.control("twin-timing", &time);
            if time.clicked() {
                self.twin = Some(TwinTiming::new());
            }
            if let Some(t) = self.twin.as_mut() {
                if t.work(ctx.deadline) {
                    ui.ctx().request_repaint();
                    ui.label(format!("timing… part {} of {}", t.next, t.parts));
                } else {
                    let steps = f64::from(TWIN_GRID * TWIN_GRID * TWIN_STEPS);
                    ui.label(format!(
                        "{:.3} s, {:.1} M steps per second",
                        t.seconds,
                        steps / t.seconds / 1e6
                    ));
                    ctx.report.value(
                        "twin_timing",
                        serde_json::json!({
                            "grid": TWIN_GRID, "steps": TWIN_STEPS, "seconds": t.seconds,
                        }),
                    );
                }
            }
            ui.add_space(12.0);
            ui.strong("Device loss");
            let lose = ui
                .add_enabled(ctx.runtime.has_gpu(), egui::Button::new("Lose the GPU device"))
                .on_hover_text(
                    "Destroys the GPU device as a driver reset would: every view carries on with its CPU \
                     twins, keeping its runs and settings (the status bar says why).",
                )
                .on_disabled_hover_text("There is no GPU device in use.");
            ctx.report.control("lose-device", &lose);
            if lose.clicked() {
                ctx.runtime.lose_device();
            }
        });
    }
}

//! The Stackelberg actor–critic view (issue 4; BLPO Figure 1, Zheng et al. 2022): four phase portraits
//! stepped in lockstep from the same start, convergence maps on the GPU, live curves, the update rules
//! and every term of the next step. State: [`StackelbergState`] (URL hash, JSON export).

mod controls;
mod curves;
mod explain;
mod maps;
mod phase;
mod stage;
mod trajectories;

use web_time::Instant;

use crate::app::playback::Playback;
use crate::app::stage::{Controls, Stage};
use crate::app::widgets::{RunAction, colormap, export, out_of_sight_later};
use crate::app::{Series, View, ViewCtx, format, view};
use crate::gpu::Ran;
use crate::gpu::kernels::convergence_map::MapRequest;
use crate::numerics::games::lockstep::{Chunked, Runs};
use crate::scenario::stackelberg::{MAX_EXTRA_STARTS, Rule, StackelbergState};
use curves::CurveStyle;
use maps::MapSlot;
use phase::{Gesture, MapLayer, Portrait};
use stage::STAGING;

const PANEL_IDS: [&str; 4] = ["panel-0", "panel-1", "panel-2", "panel-3"];
const START_IDS: [&str; 4] = ["start-0", "start-1", "start-2", "start-3"];

/// The view.
pub struct StackelbergView {
    state: StackelbergState,
    runs: Runs,
    playback: Playback,
    maps: [MapSlot; 4],
    explain_panel: usize,
    /// Result of the last export, shown under the toolbar.
    message: Option<Result<String, String>>,
    /// The PNG export of the four panels.
    png: export::RegionPng,
    /// The curves' points, kept between frames.
    curves: curves::CurveCache,
}

impl Default for StackelbergView {
    fn default() -> Self {
        let state = StackelbergState::default();
        Self {
            runs: Runs::new(state.game_key()),
            state,
            playback: Playback::default(),
            maps: Default::default(),
            explain_panel: 2,
            message: None,
            png: export::RegionPng::default(),
            curves: curves::CurveCache::default(),
        }
    }
}

fn series(rule: Rule) -> Series {
    match rule {
        Rule::Simultaneous => Series::Simultaneous,
        Rule::TwoTimescale => Series::TwoTimescale,
        Rule::StackelbergRidge => Series::StackelbergRegularized,
        Rule::Stackelberg => Series::Stackelberg,
    }
}

impl View for StackelbergView {
    crate::app::playback::view_state!(StackelbergState, horizon, "Stackelberg game");

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        self.collect_screenshot(ui);
        let action = ui.horizontal_wrapped(|ui| self.toolbar_ui(ui, ctx)).inner;
        self.advance(ui, action, ctx.deadline);
        self.report(ctx);

        crate::app::widgets::controls_and_results(
            ui,
            ("stackelberg-controls", self, ctx),
            |ui, v, c| controls::controls_ui(ui, c, &mut v.state),
            |ui, v, ctx| {
                v.panels_ui(ui, ctx);
                ui.add_space(6.0);
                v.curves_ui(ui, ctx);
                ui.add_space(6.0);
                v.explain_ui(ui);
            },
        );
    }

    fn stage_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>, stage: &mut Stage) {
        self.staged_ui(ui, ctx, stage);
    }
}

impl StackelbergView {
    fn styles(&self, look: crate::app::Look) -> Vec<CurveStyle> {
        (0..4)
            .map(|i| CurveStyle {
                name: format!(
                    "({}) {}",
                    ["a", "b", "c", "d"][i],
                    self.state.panel_label(i)
                ),
                color: look.color(series(self.state.panels[i].rule)),
                dash: crate::app::Look::dash(i),
            })
            .collect()
    }

    fn toolbar_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) -> RunAction {
        let action = self.playback.controls_ui(
            ui,
            &mut Controls::all(ctx.report),
            self.runs.step,
            self.state.horizon,
        );
        ui.separator();
        ui.label("Export");
        let files = [
            (
                (
                    "export-csv",
                    "CSV",
                    "Every panel's trajectories (recorded states)",
                ),
                ("stackelberg.csv", "text/csv"),
                true,
            ),
            (
                (
                    "export-json",
                    "JSON",
                    "The view's document (its settings, which `bilevel-lab run` replays) and every trajectory",
                ),
                ("stackelberg.json", "application/json"),
                false,
            ),
        ];
        for (button, file, is_csv) in files {
            let contents = || {
                if is_csv {
                    trajectories::csv(&self.runs)
                } else {
                    view::export(self, trajectories::json(&self.runs))
                }
            };
            if let Some(result) = export::file_button(ui, ctx.report, button, file, contents) {
                self.message = Some(result);
            }
        }
        self.png
            .button_ui(ui, ctx.report, "export-png", "The four panels as an image");
        export::outcome_ui(ui, ctx.look, self.message.as_ref());
        action
    }

    fn collect_screenshot(&mut self, ui: &egui::Ui) {
        if let Some(result) = self.png.collect(ui.ctx(), "stackelberg-panels.png") {
            self.message = Some(result);
        }
    }

    /// Rebuilds the runs on Restart, a link or a settings change (replayed to the same step), and plays.
    fn advance(&mut self, ui: &egui::Ui, action: RunAction, deadline: Instant) {
        let key = self.state.game_key();
        if self.playback.restart(action) || key != self.runs.key {
            self.runs = Runs::new(key);
        }
        let mut run = Chunked {
            runs: &mut self.runs,
            chunk: chunk_size(&self.state),
        };
        self.playback.advance(
            ui.ctx(),
            action,
            &mut run,
            self.state.steps_per_frame,
            self.state.horizon,
            deadline,
        );
    }

    fn report(&self, ctx: &mut ViewCtx<'_>) {
        ctx.report.value("step", self.runs.step);
        ctx.report.value("playing", self.playback.playing);
        let panels: Vec<serde_json::Value> = (0..4)
            .filter_map(|i| {
                let track = self.runs.main(i)?;
                let w = &track.walker;
                Some(serde_json::json!({
                    "rule": self.state.panels[i].rule,
                    "theta": w.theta, "w": w.w, "distance": w.distance(),
                    "theta_sign_changes": w.theta_sign_changes,
                    "diverged_at": w.diverged_at,
                    "map": self.maps[i].shown.as_ref().map(|s| serde_json::json!({
                        "ran_on": if s.ran_on == Ran::Gpu { "gpu" } else { "cpu" },
                        "size": s.request.nx, "steps": s.request.steps, "seconds": s.seconds,
                    })),
                }))
            })
            .collect();
        ctx.report.value("panels", panels);
        ctx.report.value("starts", self.state.starts().len());
        ctx.report.value("start", self.state.start.to_vec());
        ctx.report.value("target", self.playback.target());
    }

    /// Brings each panel's convergence map up to date (GPU jobs, polled); the colour range they share.
    fn update_maps(&mut self, ui: &egui::Ui, ctx: &mut ViewCtx<'_>) -> Option<(f32, f32)> {
        let [t0, t1, w0, w1] = self.state.window;
        let mut range: Option<(f32, f32)> = None;
        for (i, slot) in self.maps.iter_mut().enumerate() {
            let spec = self.state.panels[i];
            if !spec.map {
                slot.clear();
                continue;
            }
            let want = MapRequest {
                nx: self.state.map_size as u32,
                ny: self.state.map_size as u32,
                steps: self.state.map_steps as u32,
                window: [t0 as f32, t1 as f32, w0 as f32, w1 as f32],
                game: self.state.params(&spec),
            };
            if slot.update(&want, ctx.runtime, ctx.deadline) {
                ui.ctx().request_repaint();
            }
            if let Some(r) = slot.shown.as_ref().and_then(maps::Shown::range) {
                range = Some(range.map_or(r, |(lo, hi)| (lo.min(r.0), hi.max(r.1))));
            }
        }
        range.map(|(lo, hi)| {
            (
                lo.floor().max(-8.0),
                hi.ceil().min(3.0).max(lo.floor() + 1.0),
            )
        })
    }

    /// Panel `i`: its title, its phase portrait `size` points square, its status lines; the gesture on it.
    fn portrait_ui(
        &mut self,
        ui: &mut egui::Ui,
        (i, size, compact): (usize, f32, bool),
        range: Option<(f32, f32)>,
        ctx: &mut ViewCtx<'_>,
    ) -> Gesture {
        let look = ctx.look;
        let spec = self.state.panels[i];
        let params = self.state.params(&spec);
        let color = look.color(series(spec.rule));
        let name = self.styles(look).swap_remove(i).name;
        if !compact {
            ui.colored_label(color, egui::RichText::new(&name).strong());
        }
        let map = match (&mut self.maps[i].shown, range) {
            (Some(shown), Some(range)) => {
                let window = shown.request.window.map(f64::from);
                let texture = shown.texture(ui.ctx(), range, PANEL_IDS[i]);
                Some(MapLayer { texture, window })
            }
            _ => None,
        };
        let tracks = self.runs.tracks.get(i).map(Vec::as_slice).unwrap_or(&[]);
        let portrait = Portrait {
            id: i,
            size,
            window: self.state.window,
            params: &params,
            tracks,
            color,
            map,
            look,
        };
        let (r, g, marker) = portrait.ui(ui);
        if compact {
            // On a stage the title and the status sit on the plot, which keeps the part's height.
            // The distance is the curves' (or, where they have no room, the strip's under the portraits).
            let (status, status_color) = match self.runs.main(i).map(|t| &t.walker) {
                Some(w) if w.diverged_at.is_none() => (
                    format!("θ crossed 0: {}×", w.theta_sign_changes),
                    ui.visuals().text_color(),
                ),
                _ => self.status_text(i, (look, ui.visuals().text_color())),
            };
            let font = egui::TextStyle::Body.resolve(ui.style());
            let mut job = egui::text::LayoutJob::default();
            let format = |color| egui::TextFormat::simple(font.clone(), color);
            job.append(&name, 0.0, format(color));
            job.append(&format!("\n{status}"), 0.0, format(status_color));
            job.wrap.max_width = r.rect.width() * 0.9;
            let galley = ui.painter().layout_job(job);
            // At the bottom right, the corner the paths keep away from (they start at the top left, spiral
            // around (0, 0) and end on it; the best response leaves the right edge at w = −0.2).
            let at = r.rect.right_bottom() - galley.size() - egui::vec2(6.0, 4.0);
            let back = egui::Rect::from_min_size(at, galley.size()).expand(3.0);
            let fill = look.overlay();
            ui.painter().rect_filled(back, 3.0, fill);
            ui.painter().galley(at, galley, color);
        } else {
            self.status_line_ui(ui, i, look);
        }
        ctx.report.control(PANEL_IDS[i], &r);
        if let Some(pos) = marker {
            ctx.report.spot(START_IDS[i], ui.ctx(), pos);
        }
        g
    }

    /// A drag or click on a portrait: the start moved, or a start point added.
    fn apply(&mut self, gesture: Gesture) {
        match gesture {
            Gesture::MoveStart(p) => self.state.start = p,
            Gesture::AddStart(p) if self.state.extra_starts.len() < MAX_EXTRA_STARTS => {
                self.state.extra_starts.push(p);
            }
            Gesture::AddStart(_) => {
                self.message = Some(Err(format!(
                    "at most {MAX_EXTRA_STARTS} added start points; clear them in the side panel"
                )));
            }
            Gesture::None => {}
        }
    }

    fn panels_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>) {
        let gap = 10.0;
        // Each plot's width includes its axes; four plots and three gaps fill the row.
        let size = ((ui.available_width() - 3.0 * gap - 2.0) / 4.0).clamp(140.0, 520.0);
        let range = self.update_maps(ui, ctx);
        let mut gesture = Gesture::None;
        let response = ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = gap;
            for i in 0..4 {
                ui.vertical(|ui| {
                    ui.set_width(size);
                    let g = self.portrait_ui(ui, (i, size, false), range, ctx);
                    if g != Gesture::None {
                        gesture = g;
                    }
                });
            }
        });
        self.png.set_region(ui, response.response.rect);
        self.apply(gesture);
        ui.horizontal_wrapped(|ui| {
            ui.label("Drag the ring to move the start; click to add a start point. Arrows: direction of one step. Dashed: the critic's best response w*(θ) = −θ/5.");
        });
        if let Some(range) = range {
            colormap::color_bar_ui(
                ui,
                range,
                "log₁₀ distance to (0, 0) after T steps",
                "diverged",
            );
        }
    }

    /// Where panel `i`'s run is — its distance to (0, 0) and θ's crossings of 0 — or where it diverged, and
    /// the colour to write it in.
    fn status_text(
        &self,
        i: usize,
        (look, ink): (crate::app::Look, egui::Color32),
    ) -> (String, egui::Color32) {
        let Some(track) = self.runs.main(i) else {
            return (String::new(), ink);
        };
        let w = &track.walker;
        match w.diverged_at {
            Some(k) => (
                format!("diverged at step {}", format::count(k)),
                look.error_color(),
            ),
            None => (
                format!(
                    "distance {}  ·  θ crossed 0: {}×",
                    format::num(w.distance()),
                    w.theta_sign_changes
                ),
                ink,
            ),
        }
    }

    /// Panel `i`'s status line (`status_text`) and how its convergence map was computed.
    fn status_line_ui(&self, ui: &mut egui::Ui, i: usize, look: crate::app::Look) {
        let (text, color) = self.status_text(i, (look, ui.visuals().text_color()));
        ui.colored_label(color, text);
        if let Some(slot) = self.maps.get(i) {
            if let Some(why) = &slot.refused {
                ui.colored_label(look.error_color(), format!("map not computed: {why}"));
            } else if let Some(p) = slot.progress() {
                ui.label(format!("map: computing… {:.0}%", 100.0 * p));
            } else if let Some(s) = &slot.shown {
                let on = if s.ran_on == Ran::Gpu { "GPU" } else { "CPU" };
                ui.label(format!(
                    "map {0}², T = {1}: {on}",
                    s.request.nx, s.request.steps
                ))
                .on_hover_text(format!(
                    "computed in {:.2} s; {:.0}% of the start points diverged",
                    s.seconds,
                    100.0 * s.diverged_share()
                ));
            }
        }
    }

    fn curves_ui(&mut self, ui: &mut egui::Ui, ctx: &ViewCtx<'_>) {
        let styles = self.styles(ctx.look);
        let cache = (&self.runs, &mut self.curves);
        let fit = curves::Fit {
            height: 200.0,
            stacked: false,
            plots: 3,
            legend: true,
        };
        curves::curves_ui(ui, cache, &styles, ctx.look, fit);
        curves::table_ui(ui, &self.runs, &styles, ctx.look);
    }

    /// The update rules and this step's terms, each laid out where it can be seen (below the fold: room of
    /// its size, `widgets::out_of_sight_later`).
    fn explain_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Update rules");
        let stochastic = self.state.stochastic;
        out_of_sight_later(ui, "stackelberg-rules", |ui| {
            explain::rules_ui(ui, stochastic);
        });
        ui.add_space(6.0);
        out_of_sight_later(ui, "stackelberg-step", |ui| {
            ui.horizontal(|ui| {
                ui.strong("Explain this step:");
                for (i, name) in ["(a)", "(b)", "(c)", "(d)"].iter().enumerate() {
                    ui.selectable_value(&mut self.explain_panel, i, *name);
                }
            });
            let spec = self.state.panels[self.explain_panel];
            if let Some(terms) = self.runs.explain(self.explain_panel) {
                explain::step_ui(ui, self.runs.step, &self.state.params(&spec), &terms);
            }
        });
    }
}

/// Steps between clock reads: ~2·10⁴ derivative evaluations (all tracks, K critic steps, samples).
fn chunk_size(state: &StackelbergState) -> usize {
    let per_step = state.starts().len()
        * 4
        * (state.critic_steps + 1)
        * if state.stochastic { state.samples } else { 1 };
    (20_000 / per_step.max(1)).clamp(1, 256)
}

//! The Stackelberg view on a stage (`app::stage`): the four phase portraits (their titles and status on the
//! plot), the curves (a row, a column, or on a strip too low for a plot the panels' distances), the table and
//! the update rules.

use super::{StackelbergView, controls, curves, explain, phase::Gesture};
use crate::app::stage::{Part, Stage, Staging};
use crate::app::{ViewCtx, format};

impl StackelbergView {
    /// `View::stage_ui`: the run controls and sliders, the frame's work, the parts.
    pub(super) fn staged_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &mut ViewCtx<'_>,
        stage: &mut Stage,
    ) {
        let (step, horizon) = (self.runs.step, self.state.horizon);
        let action = stage.controls_ui(ui, &STAGING, ctx.report, |ui, c| {
            let action = self.playback.controls_ui(ui, c, step, horizon);
            controls::controls_ui(ui, c, &mut self.state);
            action
        });
        self.advance(ui, action, ctx.deadline);
        self.report(ctx);
        let range = self.update_maps(ui, ctx);
        let mut gesture = Gesture::None;
        stage.parts_ui(ui, &STAGING, |ui, id| {
            let look = ctx.look;
            let (w, h) = (ui.available_width(), ui.available_height());
            let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
            match PORTRAITS.iter().position(|p| p.id == id) {
                Some(i) => {
                    let size = w.min(h).max(20.0);
                    let g = self.portrait_ui(ui, (i, size, true), range, ctx);
                    if g != Gesture::None {
                        gesture = g;
                    }
                }
                None => match id {
                    "curves" => {
                        // A row of three, one over the other (a tall part), or on a strip too low for three
                        // the distance alone; the portraits' titles name the colours.
                        let stacked = w < 2.0 * h;
                        let each = if stacked { h / 3.0 } else { h } - 2.0 * line;
                        let styles = self.styles(look);
                        if each >= 70.0 {
                            let fit = curves::Fit {
                                height: each,
                                stacked,
                                plots: 3,
                                legend: false,
                            };
                            let cache = (&self.runs, &mut self.curves);
                            curves::curves_ui(ui, cache, &styles, look, fit);
                        } else {
                            // Too low a strip for a plot: the numbers the curves end at, in the panels' colours.
                            ui.horizontal_wrapped(|ui| {
                                ui.label("distance to (0, 0):");
                                for (i, style) in styles.iter().enumerate() {
                                    if let Some(t) = self.runs.main(i) {
                                        let d = format::num(t.walker.distance());
                                        let letter = style.name.get(..3).unwrap_or_default();
                                        ui.colored_label(style.color, format!("{letter} {d}"));
                                    }
                                }
                            });
                        }
                    }
                    "table" => curves::table_ui(ui, &self.runs, &self.styles(look), look),
                    _ => explain::rules_ui(ui, self.state.stochastic),
                },
            }
        });
        self.apply(gesture);
    }
}

/// The four phase portraits as stage parts: square, their title and status written on the plot.
const PORTRAITS: [Part; 4] = [
    Part::new("portrait-0", 1.0),
    Part::new("portrait-1", 1.0),
    Part::new("portrait-2", 1.0),
    Part::new("portrait-3", 1.0),
];

/// The view's stage: the four portraits and the curves; Play, Restart, the actor's step and λ.
pub(super) const STAGING: Staging = Staging {
    parts: &[
        PORTRAITS[0],
        PORTRAITS[1],
        PORTRAITS[2],
        PORTRAITS[3],
        Part::flex("curves", 0.8, 6.0),
        Part::flex("table", 2.0, 5.0),
        Part::flex("rules", 1.2, 3.0),
    ],
    default_parts: &[
        "portrait-0",
        "portrait-1",
        "portrait-2",
        "portrait-3",
        "curves",
    ],
    default_controls: &["play", "restart", "actor-lr", "reg"],
};

//! The one way a view draws its controls, in its side panel (all of them, with their headings) and on a
//! stage (only the ids the step or the view's stage names, larger): every control has an id, is drawn only
//! when it is shown, and publishes its rectangle under that id (browser tests, a lesson's focus ring).

use std::ops::RangeInclusive;

use crate::app::ViewReport;
use crate::app::widgets::param::{param_f64_above, param_usize_above};
use crate::app::widgets::{Param, param_f64, param_usize};
use crate::status::UiRect;

/// Which controls to draw this frame, and where their rectangles go.
pub struct Controls<'a> {
    /// `None`: every control with its headings (the side panel); `Some`: only these ids (a stage).
    only: Option<&'a [String]>,
    pub report: &'a mut ViewReport,
    /// The ids drawn this frame, in order.
    drawn: Vec<&'static str>,
    /// A stage's band under the figure: each control (or group) in the next cell of a grid.
    cells: Option<Cells>,
}

/// A grid of equal cells, filled row by row.
#[derive(Clone, Copy, Debug)]
pub struct Cells {
    pub area: egui::Rect,
    pub columns: usize,
    pub row: f32,
    pub next: usize,
}

impl Cells {
    /// The next cell's rectangle.
    pub fn next_cell(&mut self) -> egui::Rect {
        let columns = self.columns.max(1);
        let width = self.area.width() / columns as f32;
        let (r, c) = (self.next / columns, self.next % columns);
        self.next += 1;
        egui::Rect::from_min_size(
            self.area.min + egui::vec2(c as f32 * width, r as f32 * self.row),
            egui::vec2(width, self.row),
        )
    }
}

impl<'a> Controls<'a> {
    /// Every control (a view's side panel).
    pub fn all(report: &'a mut ViewReport) -> Self {
        Self {
            only: None,
            report,
            drawn: Vec::new(),
            cells: None,
        }
    }

    /// Only the controls named (a stage), in a column, or in `cells` when given.
    pub fn only(ids: &'a [String], report: &'a mut ViewReport, cells: Option<Cells>) -> Self {
        Self {
            only: Some(ids),
            report,
            drawn: Vec::new(),
            cells,
        }
    }

    /// The band's cells as they stand (where the next control would go).
    pub fn cells(&self) -> Option<Cells> {
        self.cells
    }

    /// The run controls' ids (Play, Step, Restart: one group, one unit of a stage's controls).
    pub const RUN: [&'static str; 3] = ["play", "step", "restart"];

    /// How many units (rows of a column, cells of a band) these controls take: the run controls one.
    pub fn units(ids: &[String]) -> usize {
        let run = ids
            .iter()
            .filter(|id| Self::RUN.contains(&id.as_str()))
            .count();
        ids.len() - run + usize::from(run > 0)
    }

    /// Whether any of these controls is drawn.
    pub fn shows_any(&self, ids: &[&str]) -> bool {
        ids.iter().any(|id| self.shows(id))
    }

    /// Draws `add` as one unit: in the next cell of a band (the controls inside it inline), or where `ui`
    /// stands.
    pub fn group<R>(
        &mut self,
        ui: &mut egui::Ui,
        add: impl FnOnce(&mut egui::Ui, &mut Self) -> R,
    ) -> R {
        let Some(mut cells) = self.cells.take() else {
            return add(ui, self);
        };
        let rect = cells.next_cell();
        let mut child = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(rect)
                .layout(egui::Layout::top_down(egui::Align::Min)),
        );
        child.set_clip_rect(rect.intersect(ui.clip_rect()));
        let inner = add(&mut child, self);
        self.cells = Some(cells);
        inner
    }

    /// Whether the control `id` is drawn.
    pub fn shows(&self, id: &str) -> bool {
        self.only.is_none_or(|ids| ids.iter().any(|i| i == id))
    }

    /// Whether every control is drawn (headings, separators and notes belong to the full panel only).
    pub fn full(&self) -> bool {
        self.only.is_none()
    }

    /// The ids drawn so far this frame.
    pub fn drawn(&self) -> &[&'static str] {
        &self.drawn
    }

    /// A group's heading over a separator, in the full panel only.
    pub fn heading(&self, ui: &mut egui::Ui, text: &str) {
        if self.full() {
            ui.separator();
            ui.strong(text);
        }
    }

    /// Publishes a control drawn by the caller (after checking [`Self::shows`]).
    pub fn publish(&mut self, id: &'static str, response: &egui::Response) {
        self.report.control(id, response);
        self.drawn.push(id);
    }

    /// Draws the control `id` with `add` when it is shown (its rectangle published); `None` when not.
    pub fn row<R>(
        &mut self,
        ui: &mut egui::Ui,
        id: &'static str,
        add: impl FnOnce(&mut egui::Ui) -> R,
    ) -> Option<R> {
        if !self.shows(id) {
            return None;
        }
        let r = self.group(ui, |ui, _| ui.scope(add));
        self.publish(id, &r.response);
        Some(r.inner)
    }

    /// A float parameter's slider (`widgets::param_f64`; on a stage `param_f64_above`); whether it changed.
    pub fn f64(
        &mut self,
        ui: &mut egui::Ui,
        id: &'static str,
        value: &mut f64,
        range: (f64, f64),
        p: Param<'_>,
    ) -> bool {
        self.slider(ui, id, |ui, full| {
            if full {
                param_f64(ui, value, range, p)
            } else {
                param_f64_above(ui, value, range, p)
            }
        })
    }

    /// An integer parameter's slider (`widgets::param_usize`; on a stage `param_usize_above`); whether it
    /// changed.
    pub fn usize(
        &mut self,
        ui: &mut egui::Ui,
        id: &'static str,
        value: &mut usize,
        range: (usize, usize),
        p: Param<'_>,
    ) -> bool {
        self.slider(ui, id, |ui, full| {
            if full {
                param_usize(ui, value, range, p)
            } else {
                param_usize_above(ui, value, range, p)
            }
        })
    }

    /// A slider drawn by `add(ui, full)`, published under `id`: in the full panel the whole widget, on a stage
    /// its rail (what a test drags along: `slider_width` from the left of the widget).
    fn slider(
        &mut self,
        ui: &mut egui::Ui,
        id: &'static str,
        add: impl FnOnce(&mut egui::Ui, bool) -> egui::Response,
    ) -> bool {
        if !self.shows(id) {
            return false;
        }
        let full = self.full();
        let (r, rail) = self.group(ui, |ui, _| {
            let r = add(ui, full);
            let rail = egui::vec2(ui.spacing().slider_width, r.rect.height());
            (r, rail)
        });
        let rect = if full {
            r.rect
        } else {
            egui::Rect::from_min_size(r.rect.min, rail)
        };
        self.report.controls.push(UiRect::at(id, &r.ctx, rect));
        self.drawn.push(id);
        r.changed()
    }

    /// A checkbox; whether it changed.
    pub fn check(
        &mut self,
        ui: &mut egui::Ui,
        id: &'static str,
        value: &mut bool,
        (text, hint): (&str, &str),
    ) -> bool {
        self.row(ui, id, |ui| ui.checkbox(value, text).on_hover_text(hint))
            .is_some_and(|r| r.changed())
    }

    /// An integer drag value with a label (seeds and counts without a natural slider range).
    pub fn drag<N: egui::emath::Numeric>(
        &mut self,
        ui: &mut egui::Ui,
        id: &'static str,
        value: &mut N,
        (label, range): (&str, RangeInclusive<N>),
    ) -> bool {
        self.row(ui, id, |ui| {
            ui.horizontal(|ui| {
                let label = ui.label(label);
                ui.add(egui::DragValue::new(value).range(range))
                    .labelled_by(label.id)
            })
            .inner
        })
        .is_some_and(|r| r.changed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One frame drawing two sliders through `controls`; which ids were drawn and published.
    fn frame(only: Option<&[String]>) -> (Vec<&'static str>, Vec<&'static str>) {
        let ctx = egui::Context::default();
        let mut report = ViewReport::default();
        let mut drawn = Vec::new();
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            let mut c = match only {
                Some(ids) => Controls::only(ids, &mut report, None),
                None => Controls::all(&mut report),
            };
            let (mut a, mut b) = (0.5, 3);
            c.heading(ui, "Dynamics");
            c.f64(
                ui,
                "a",
                &mut a,
                (0.0, 1.0),
                Param::new("a", "first", "a", false),
            );
            c.usize(
                ui,
                "b",
                &mut b,
                (1, 9),
                Param::new("b", "second", "b", false),
            );
            drawn = c.drawn().to_vec();
        });
        output.textures_delta.clear();
        (drawn, report.controls.iter().map(|r| r.id).collect())
    }

    #[test]
    fn the_panel_draws_every_control_and_a_stage_only_those_it_names() {
        assert_eq!(frame(None), (vec!["a", "b"], vec!["a", "b"]));
        let only = ["b".to_owned()];
        assert_eq!(frame(Some(&only)), (vec!["b"], vec!["b"]));
        assert_eq!(frame(Some(&[])), (vec![], vec![]));
    }
}

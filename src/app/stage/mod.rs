//! The stage (issue 38): a view laid out for a lecture hall — only the figure parts a lesson step (or the
//! view's own stage) names, each as large as the room allows with its aspect kept, and only the controls it
//! names, larger, beside or under the figure; "All controls" opens the rest. Lessons, courses and Present
//! (key P) draw views this way.
//!
//! A view names its parts in a [`Staging`] (ids like `portrait-0`, `curves`, `table`) and draws on a stage in
//! two calls: [`Stage::controls_ui`] (its run row and sliders through [`Controls`]), then, after its frame's
//! work, [`Stage::parts_ui`], which hands it each shown part's id in a child `Ui` the size of the part's
//! rectangle (clipped to it). The geometry is `layout`'s.

pub mod controls;
pub mod layout;

/// The columns and each plot's width and height for `n` plots under one-line titles: off a stage three a row,
/// `height` points high and no narrower than 160; on a stage (`fit`: the part's width and height) the grid
/// `layout::plot_grid` finds in `ui`'s spacing, titles kept to one line (the soft-MDP curves, the Control
/// diagnostics).
pub fn plot_columns(
    ui: &mut egui::Ui,
    n: usize,
    fit: Option<(f32, f32)>,
    height: f32,
) -> (usize, f32, f32) {
    let Some(fit) = fit else {
        return (3, ((ui.available_width() - 24.0) / 3.0).max(160.0), height);
    };
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
    let gap = ui.spacing().item_spacing;
    let title = ui.text_style_height(&egui::TextStyle::Body) + gap.y;
    layout::plot_grid(n, fit, title, gap)
}

pub use controls::{Cells, Controls};

use crate::app::ViewReport;
use crate::status::{StagePart, StageReport};

/// A figure part: its id and its aspect, width / height, from `.0` to `.1` (`layout::Aspect`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Part {
    pub id: &'static str,
    pub aspect: layout::Aspect,
}

impl Part {
    /// A part that keeps its proportions (a phase portrait, a grid).
    pub const fn new(id: &'static str, aspect: f32) -> Self {
        Self {
            id,
            aspect: (aspect, aspect),
        }
    }

    /// A part that stretches from `narrowest` to `widest` (a row of plots, a table).
    pub const fn flex(id: &'static str, narrowest: f32, widest: f32) -> Self {
        Self {
            id,
            aspect: (narrowest, widest),
        }
    }
}

/// What a view can put on a stage: its parts, and the parts and controls its own stage shows (Present, and a
/// lesson step that names none).
#[derive(Clone, Copy, Debug)]
pub struct Staging {
    pub parts: &'static [Part],
    pub default_parts: &'static [&'static str],
    pub default_controls: &'static [&'static str],
}

impl Staging {
    /// The part `id`, if the view has it.
    pub fn part(&self, id: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.id == id)
    }

    /// Checks a step's `parts:` against the view's; the error lists what there is.
    pub fn check_parts(&self, parts: &[String]) -> Result<(), String> {
        match parts.iter().find(|p| self.part(p).is_none()) {
            None => Ok(()),
            Some(p) => {
                let known: Vec<&str> = self.parts.iter().map(|p| p.id).collect();
                Err(format!(
                    "the view has no part `{p}` (parts: {})",
                    known.join(", ")
                ))
            }
        }
    }
}

/// A part smaller than this (points) either way is left empty.
const MIN_PART: f32 = 60.0;

/// Text on the stage's controls is this much larger than the UI's (read from the back of a hall).
const LARGE: f32 = 1.3;

/// One frame's stage: what it shows, and (once drawn) where.
#[derive(Clone, Debug)]
pub struct Stage {
    parts: Vec<String>,
    controls: Vec<String>,
    /// "All controls" is open: the view's whole panel, scrolling, in the controls' place.
    pub all_controls: bool,
    areas: Option<layout::Areas>,
    /// Where the caller put the controls (a lesson's narrative column), instead of beside or under the figure.
    controls_at: Option<egui::Rect>,
    drawn_controls: Vec<&'static str>,
    laid: Vec<(&'static str, egui::Rect, bool)>,
}

impl Stage {
    /// A stage of these parts and controls (where a list is empty: `default_parts`, the view's own — see
    /// `View::default_parts` — and the staging's default controls).
    pub fn new(
        (staging, default_parts): (&Staging, &[&str]),
        (parts, controls): (&[String], &[String]),
        all_controls: bool,
    ) -> Self {
        let or = |named: &[String], default: &[&str]| -> Vec<String> {
            if named.is_empty() {
                default.iter().map(|s| (*s).to_owned()).collect()
            } else {
                named.to_vec()
            }
        };
        Self {
            parts: or(parts, default_parts),
            controls: or(controls, staging.default_controls),
            all_controls,
            areas: None,
            controls_at: None,
            drawn_controls: Vec::new(),
            laid: Vec::new(),
        }
    }

    /// Puts the controls in `rect`, one under the other (a lesson's narrative column), leaving the view's
    /// whole rectangle to the figure.
    pub fn put_controls(&mut self, rect: egui::Rect) {
        self.controls_at = Some(rect);
    }

    /// The height the controls take in a column: a row each (the run controls one), and "All controls".
    pub fn controls_height(&self, ui: &egui::Ui) -> f32 {
        (Controls::units(&self.controls) + 1) as f32 * row_height(ui) + layout::GAP
    }

    /// The parts shown, in order.
    pub fn parts(&self) -> &[String] {
        &self.parts
    }

    /// Lays the stage out in `ui`'s rectangle and draws the controls with `add` — only those named, larger —
    /// then the "All controls" switch. Call once per frame, before [`Self::parts_ui`].
    pub fn controls_ui<R>(
        &mut self,
        ui: &mut egui::Ui,
        staging: &Staging,
        report: &mut ViewReport,
        add: impl FnOnce(&mut egui::Ui, &mut Controls<'_>) -> R,
    ) -> R {
        let rect = ui.available_rect_before_wrap();
        let aspects = self.aspects(staging);
        let row = row_height(ui);
        let areas = match self.controls_at {
            Some(at) => layout::Areas {
                figure: rect,
                controls: Some(at),
                beside: true,
            },
            None => layout::split(rect, &aspects, Controls::units(&self.controls) + 1, row),
        };
        self.areas = Some(areas);
        let area = areas.controls.unwrap_or(rect);
        let mut child = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(area)
                .layout(egui::Layout::top_down(egui::Align::Min)),
        );
        // A lesson's controls sit outside the view's own rectangle, under the narrative.
        child.set_clip_rect(area.intersect(ui.ctx().content_rect()));
        let columns = layout::band_columns(area.width(), Controls::units(&self.controls) + 1);
        let cells = (!areas.beside).then_some(Cells {
            area,
            columns,
            row,
            next: 0,
        });
        let cell_width = if areas.beside {
            area.width()
        } else {
            area.width() / columns as f32
        };
        enlarge(child.style_mut(), cell_width);
        let all = self.all_controls;
        let ids = self.controls.clone();
        let (inner, drawn, cells) = if all {
            egui::ScrollArea::vertical()
                .auto_shrink(false)
                .max_height(area.height() - row)
                .show(&mut child, |ui| {
                    let mut c = Controls::all(report);
                    let inner = add(ui, &mut c);
                    (inner, c.drawn().to_vec(), None)
                })
                .inner
        } else {
            let mut c = Controls::only(&ids, report, cells);
            let inner = add(&mut child, &mut c);
            (inner, c.drawn().to_vec(), c.cells())
        };
        let label = if all {
            "Fewer controls"
        } else {
            "All controls"
        };
        let hint = "Every setting of this view, or only the step's";
        let mut toggle_at = |ui: &mut egui::Ui| {
            let toggle = ui
                .toggle_value(&mut self.all_controls, label)
                .on_hover_text(hint);
            report.control("stage-all-controls", &toggle);
        };
        match cells {
            Some(mut cells) => {
                let rect = cells.next_cell();
                toggle_at(&mut child.new_child(egui::UiBuilder::new().max_rect(rect)));
            }
            None => toggle_at(&mut child),
        }
        self.drawn_controls = drawn;
        inner
    }

    /// Draws each shown part with `draw(ui, id)` in a child `Ui` of the part's rectangle, clipped to it.
    pub fn parts_ui(
        &mut self,
        ui: &mut egui::Ui,
        staging: &Staging,
        mut draw: impl FnMut(&mut egui::Ui, &'static str),
    ) {
        let rect = ui.available_rect_before_wrap();
        let figure = self.areas.map_or(rect, |a| a.figure);
        let shown: Vec<&Part> = self
            .parts
            .iter()
            .filter_map(|id| staging.part(id))
            .collect();
        let aspects: Vec<layout::Aspect> = shown.iter().map(|p| p.aspect).collect();
        self.laid.clear();
        for (part, r) in shown.iter().zip(layout::grid(&aspects, figure)) {
            let mut child = ui.new_child(
                egui::UiBuilder::new()
                    .max_rect(r)
                    .id_salt(("stage-part", part.id)),
            );
            child.set_clip_rect(r.intersect(ui.clip_rect()));
            // A part with no room for a figure (a window a few points wide) is left empty.
            if r.width() >= MIN_PART && r.height() >= MIN_PART {
                draw(&mut child, part.id);
            }
            let overflow = !r.expand(1.0).contains_rect(child.min_rect());
            self.laid.push((part.id, r, overflow));
        }
        ui.allocate_rect(rect, egui::Sense::hover());
    }

    /// The view's model, or (it failed to build) its error written in every part, and `None`.
    pub fn built<'m, M>(
        &mut self,
        ui: &mut egui::Ui,
        (staging, look): (&Staging, crate::app::Look),
        model: &'m Result<M, String>,
    ) -> Option<&'m M> {
        if let Err(why) = model {
            self.parts_ui(ui, staging, |ui, _| {
                ui.colored_label(look.error_color(), why);
            });
        }
        model.as_ref().ok()
    }

    fn aspects(&self, staging: &Staging) -> Vec<layout::Aspect> {
        self.parts
            .iter()
            .filter_map(|id| staging.part(id).map(|p| p.aspect))
            .collect()
    }

    /// Where the parts went (CSS pixels of the page), the controls drawn, the narrative's rectangle (points)
    /// and the body text's size, for the status JSON.
    pub fn report(&self, ctx: &egui::Context, narrative: Option<egui::Rect>) -> StageReport {
        let zoom = ctx.zoom_factor();
        let screen = ctx.content_rect();
        let css = |r: egui::Rect| {
            [
                r.min.x * zoom,
                r.min.y * zoom,
                r.width() * zoom,
                r.height() * zoom,
            ]
        };
        StageReport {
            parts: self
                .laid
                .iter()
                .map(|&(id, r, overflow)| {
                    let [x, y, w, h] = css(r);
                    StagePart {
                        id,
                        x,
                        y,
                        w,
                        h,
                        clipped: !screen.expand(0.5).contains_rect(r),
                        overflow,
                    }
                })
                .collect(),
            controls: self.drawn_controls.clone(),
            narrative: narrative.map(css),
            text_px: egui::TextStyle::Body.resolve(&ctx.global_style()).size * zoom,
        }
    }
}

/// A control's row on a stage (points): two lines (a slider's words above it, Play's progress under it).
fn row_height(ui: &egui::Ui) -> f32 {
    2.0 * (ui.spacing().interact_size.y * LARGE + ui.spacing().item_spacing.y) + 6.0
}

/// The stage's controls: larger text and rows, sliders as wide as a control's `width` allows beside the value
/// and the label.
fn enlarge(style: &mut egui::Style, width: f32) {
    for font in style.text_styles.values_mut() {
        font.size *= LARGE;
    }
    style.spacing.interact_size.y *= LARGE;
    // The slider and its value share the control's width.
    style.spacing.slider_width = (width - 90.0).clamp(60.0, 320.0);
}

//! The one trait every view implements (like egui demo's `Demo`/`View`), and what the shell lends a view
//! each frame.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::app::look::Look;
use crate::app::stage::{Stage, Staging};
use crate::gpu::{ComputeRuntime, SelfCheck};
use crate::scenario::document::halves;
use crate::scenario::json::pretty;
use crate::scenario::query::to_query;
use crate::scenario::{VIEW_KINDS, ViewKind};
use crate::status::UiRect;

/// What a view may use while drawing.
pub struct ViewCtx<'a> {
    pub runtime: &'a mut ComputeRuntime,
    /// Where this frame's share of sliced work ends (`budget::deadline`): every unit of a view's work,
    /// its GPU jobs' CPU twins and lesson checks stop there.
    pub deadline: web_time::Instant,
    pub self_check: &'a mut SelfCheck,
    pub look: Look,
    /// Where the view reports its controls and numbers for the status JSON (browser tests, bug reports).
    pub report: &'a mut ViewReport,
    /// A link (`#view?…`) the view asks the shell to open after this frame: a lesson card, a figure, a
    /// lesson's step. The shell switches tabs and writes the URL.
    pub navigate: &'a mut Option<String>,
    /// Whether long work may leave for workers (the Control view's training: `app::training`). Not in a
    /// headless run (the CLI, lesson checks), which plays its frames back to back until the numbers hold
    /// still: there the frames train, as before.
    pub workers: bool,
}

/// A view's controls (CSS-pixel rectangles) and its state in numbers, rebuilt every frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ViewReport {
    pub controls: Vec<UiRect>,
    pub values: serde_json::Map<String, serde_json::Value>,
    /// Where the view's stage put things, when it drew one.
    pub stage: Option<crate::status::StageReport>,
}

impl ViewReport {
    /// Publishes a control's rectangle under `id`.
    pub fn control(&mut self, id: &'static str, response: &egui::Response) {
        self.controls.push(UiRect::of(id, response));
    }

    /// Publishes a spot that is not a widget (e.g. a draggable marker) as a small square around `pos`.
    pub fn spot(&mut self, id: &'static str, ctx: &egui::Context, pos: egui::Pos2) {
        self.controls.push(UiRect::at(
            id,
            ctx,
            egui::Rect::from_center_size(pos, egui::vec2(4.0, 4.0)),
        ));
    }

    /// Publishes a value.
    pub fn value(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        self.values.insert(key.to_owned(), value.into());
    }
}

/// One tab of the app.
pub trait View {
    /// Stable id used in the URL hash (`#<anchor>`), e.g. `"stackelberg"`.
    fn anchor(&self) -> &'static str;

    /// Tab title.
    fn title(&self) -> &'static str;

    /// Whether the view has a tab (and a place in the phone's view picker); a view without one is opened
    /// by its link or from elsewhere (Diagnostics: About → Diagnostics).
    fn tab(&self) -> bool {
        true
    }

    /// Draws the view; long work is time-sliced across frames or dispatched to the GPU.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>);

    /// The figure parts this view names and its own stage's parts and controls (`app::stage`); `None`
    /// for a view without a figure (the landing page, lessons, Compute), which a stage draws as it is.
    fn staging(&self) -> Option<&'static Staging> {
        None
    }

    /// The parts the view's stage shows where a step names none: its staging's defaults, unless what it
    /// shows depends on its state (the IHVP lab's section).
    fn default_parts(&self) -> &'static [&'static str] {
        self.staging().map_or(&[], |s| s.default_parts)
    }

    /// Draws the view on a stage: `Stage::controls_ui` (its run row and the named controls), the frame's
    /// work, `Stage::parts_ui` (each shown part in its rectangle). A view without a staging draws itself.
    fn stage_ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>, _stage: &mut Stage) {
        self.ui(ui, ctx);
    }

    /// Whether the view draws itself on a stage now (an open lesson step): the shell then hides its status
    /// bar.
    fn on_stage(&self) -> bool {
        false
    }

    /// Back to the view's defaults ("reset this view").
    fn reset(&mut self);

    /// The view's scenario as URL query pairs, so a shared link restores it. Empty when stateless.
    fn to_query(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The view's state as JSON, typed as its scenario struct (for its document: `app::document`).
    /// `None` for views without a scenario.
    fn state_json(&self) -> Option<serde_json::Value> {
        None
    }

    /// Restores a scenario from URL query pairs; an error names the offending field and its range.
    fn apply_query(&mut self, query: &[(String, String)]) -> Result<(), String> {
        match query.first() {
            None => Ok(()),
            Some((key, _)) => Err(format!(
                "URL parameter `{key}`: this view takes no parameters"
            )),
        }
    }
}

/// Builds the view a link's anchor names, its link not yet applied (the app's `views::by_anchor`), for code
/// that opens views but sits below the list of them (lesson checks, which the lesson view runs).
pub type OpenView = fn(&str) -> Result<Box<dyn View>, String>;

/// The document kind of a view (`None`: the view has no scenario).
pub fn kind_of(anchor: &str) -> Option<&'static ViewKind> {
    VIEW_KINDS.iter().find(|k| k.anchor == anchor)
}

/// The open view's document, `{"kind", "run", "show"}` (`scenario::document`), or `None` for a view
/// without a scenario (the landing page, lessons, compute).
pub fn document(view: &dyn View) -> Option<Value> {
    let kind = kind_of(view.anchor())?;
    let Value::Object(mut state) = view.state_json()? else {
        return None;
    };
    // What the link has beyond the state (the step it replays to), as numbers where they are.
    let known: HashMap<String, String> = to_query(&Value::Object(state.clone()))
        .into_iter()
        .collect();
    for (key, text) in view.to_query() {
        if !key.contains('.') && known.get(&key) != Some(&text) {
            let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            state.insert(key, value);
        }
    }
    Some(halves(kind.kind, state, kind.show))
}

/// A view's JSON export: its document with `result` (what the view computed), as [`pretty`] text.
pub fn export(view: &dyn View, result: Value) -> String {
    let mut doc = document(view).unwrap_or_else(|| json!({}));
    doc["result"] = result;
    pretty(&doc)
}

//! The machine-readable status published in the page (for the browser tests and for people filing bugs).

use serde::Serialize;

use crate::gpu::SelfCheckReport;

/// Serialized to JSON and published as `window.bilevelStatus` and `<pre id="bilevel-status">`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AppStatus {
    pub app: &'static str,
    pub version: &'static str,
    pub active_view: String,
    /// "WebGPU · SwiftShader", "Vulkan · llvmpipe", "CPU fallback: <reason>".
    pub compute_backend: String,
    pub gpu: bool,
    /// `None` while the self-check is still running.
    pub self_check: Option<SelfCheckReport>,
    pub last_error: Option<String>,
    pub projector: bool,
    pub dark: bool,
    /// Where each tab button is (id = the view's anchor), in CSS pixels, so browser tests can click the
    /// canvas-drawn UI.
    pub tabs: Vec<UiRect>,
    /// The top bar's other controls ("reset", "theme-system", "theme-light", "theme-dark", "projector",
    /// "about"), then the open view's ("play", "step", "panel-0", …).
    pub controls: Vec<UiRect>,
    /// The open view's state in numbers (e.g. the step and each panel's distance to the equilibrium).
    pub view: serde_json::Value,
    /// Milliseconds of the app's own work per frame over the last 5 s of the open view
    /// (`app::frame_clock`); `None` before the first frame.
    pub frame_ms: Option<crate::app::frame_clock::FrameStats>,
    /// The wasm instance's linear memory in bytes (it only grows: a view that keeps growing shows here);
    /// `None` natively.
    pub memory_bytes: Option<u64>,
    /// Where a stage put things (a lesson, a course, Present: `app::stage`); absent when none is drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<StageReport>,
}

/// A drawn stage, in CSS pixels of the page.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StageReport {
    /// Each shown part's rectangle as laid out: its full size, even where the window cuts it.
    pub parts: Vec<StagePart>,
    /// The controls drawn, in order.
    pub controls: Vec<&'static str>,
    /// The narrative's rectangle `[x, y, w, h]` (`None`: no narrative, or folded away).
    pub narrative: Option<[f32; 4]>,
    /// The body text's size (a lesson's narrative text).
    pub text_px: f32,
}

/// One part of a stage's figure.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StagePart {
    pub id: &'static str,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// Some of it lies outside the window.
    pub clipped: bool,
    /// What the part drew ran past its rectangle (cut off there: a plot or a title that did not fit).
    pub overflow: bool,
}

/// A control's id and rectangle (CSS pixels, top-left origin).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UiRect {
    pub id: &'static str,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl AppStatus {
    pub const APP: &'static str = "bilevel-lab";

    /// The centre of the published control `id` (where a test clicks it), if it is published.
    pub fn control_center(&self, id: &str) -> Option<egui::Pos2> {
        let c = self.controls.iter().find(|c| c.id == id)?;
        Some(egui::pos2(c.x + c.w / 2.0, c.y + c.h / 2.0))
    }

    pub const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"status: {e}\"}}"))
    }
}

impl UiRect {
    /// The rectangle of a drawn widget, converted from egui points to CSS pixels.
    pub fn of(id: &'static str, response: &egui::Response) -> Self {
        Self::at(id, &response.ctx, response.rect)
    }

    /// A rectangle in egui points, converted to CSS pixels.
    pub fn at(id: &'static str, ctx: &egui::Context, r: egui::Rect) -> Self {
        let zoom = ctx.zoom_factor();
        Self {
            id,
            x: r.min.x * zoom,
            y: r.min.y * zoom,
            w: r.width() * zoom,
            h: r.height() * zoom,
        }
    }
}

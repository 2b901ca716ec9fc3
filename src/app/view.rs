//! The one trait every view implements (like egui demo's `Demo`/`View`), and what the shell lends a view
//! each frame.

use crate::app::look::Look;
use crate::gpu::{ComputeRuntime, SelfCheck};

/// What a view may use while drawing.
pub struct ViewCtx<'a> {
    pub runtime: &'a mut ComputeRuntime,
    pub self_check: &'a mut SelfCheck,
    pub look: Look,
}

/// One tab of the app.
pub trait View {
    /// Stable id used in the URL hash (`#<anchor>`), e.g. `"stackelberg"`.
    fn anchor(&self) -> &'static str;

    /// Tab title.
    fn title(&self) -> &'static str;

    /// Draws the view; long work is time-sliced across frames or dispatched to the GPU.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>);

    /// Back to the view's defaults ("reset this view").
    fn reset(&mut self);

    /// The view's scenario as URL query pairs, so a shared link restores it. Empty when stateless.
    fn to_query(&self) -> Vec<(String, String)> {
        Vec::new()
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

//! Widgets every view shares: the preset picker, parameter sliders with a unit and a formula tooltip, run controls, the
//! color map and its legend, export of files and images. Views build from these instead of copying them.

pub mod band;
pub mod colormap;
pub mod empty;
pub mod export;
pub mod heatmap;
pub mod histogram;
pub mod layout;
pub mod math;
pub mod param;
pub mod preset;
pub mod run_controls;
pub mod thin;

pub use empty::empty_chart;
pub use layout::{controls_and_results, out_of_sight_later};
pub use param::{Param, nystrom_columns_ui, param_f64, param_usize};
pub use preset::preset_picker;

/// A paste box's text and the error its last use left (the user's own matrix, problem JSON).
#[derive(Clone, Debug, Default)]
pub struct Paste {
    pub text: String,
    pub error: Option<String>,
}
pub use run_controls::{RunAction, quiet_spinner, run_controls_ui};
pub use thin::{series_line, thin};

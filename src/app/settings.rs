//! Settings kept between visits (eframe storage: local storage on the web, a file natively).

use serde::{Deserialize, Serialize};

/// Light, dark, or follow the system.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Self::System => egui::ThemePreference::System,
            Self::Light => egui::ThemePreference::Light,
            Self::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// Persisted settings. `serde(default)`: fields added later never break what a browser has stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub theme: ThemeChoice,
    pub projector: bool,
    /// The last view, used when the URL names none.
    pub view: String,
    /// The live classroom's voter id and the room held (a reload keeps it).
    pub live: crate::app::live::Memory,
    /// How many workers train the Control view's learners (issue 40).
    pub workers: crate::app::training::Workers,
}

/// The storage key.
pub const KEY: &str = "bilevel-lab/settings";

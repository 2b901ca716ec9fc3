//! Where the Control view's learners train (issue 40): on workers — Web Workers in the browser, threads
//! natively — as many as the machine has cores (`navigator.hardwareConcurrency`, at most [`MAX`], at most
//! one per job), or in the page's own frames. The choice is a setting kept in the browser's storage
//! (`Settings::workers`), never in a link: a link replays the same numbers on any machine.

use std::sync::atomic::{AtomicU8, Ordering};

use serde::{Deserialize, Serialize};

use crate::scenario::control_lab::jobs::Pool;

/// The most workers a run starts.
pub const MAX: usize = 8;

/// How many workers train.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Workers {
    /// One per core, at most [`MAX`].
    #[default]
    Auto,
    /// None: the page's frames train, a unit at a time within their budget.
    Frames,
    Count(u8),
}

/// The choice, shared by the settings (the shell) and the Control view: 0 auto, 255 frames, else a count.
static CHOICE: AtomicU8 = AtomicU8::new(0);

impl Workers {
    /// The app's current choice.
    pub fn chosen() -> Self {
        match CHOICE.load(Ordering::Relaxed) {
            0 => Self::Auto,
            u8::MAX => Self::Frames,
            n => Self::Count(n),
        }
    }

    /// Makes this the app's choice (the settings' value at start, the view's picker).
    pub fn choose(self) {
        let code = match self {
            Self::Auto => 0,
            Self::Frames => u8::MAX,
            Self::Count(n) => n.clamp(1, MAX as u8),
        };
        CHOICE.store(code, Ordering::Relaxed);
    }

    /// How many workers this choice starts for `jobs` jobs (none: the frames train).
    pub fn count(self, jobs: usize) -> Option<usize> {
        let n = match self {
            Self::Auto => cores().min(MAX),
            Self::Frames => return None,
            Self::Count(n) => usize::from(n),
        };
        Some(n.clamp(1, jobs.max(1)))
    }

    pub fn label(self) -> String {
        match self {
            Self::Auto => format!("one per core ({})", cores().min(MAX)),
            Self::Frames => "none: the page's frames".to_owned(),
            Self::Count(n) => n.to_string(),
        }
    }
}

/// The machine's logical cores, as the browser (or the system) says.
pub fn cores() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::workers::cores()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::numerics::control::parallel::threads()
    }
}

/// How often at most a page drawn in software draws while workers train (4 frames a second): each frame
/// there costs ~45 ms of CPU at 1280 × 800 (SwiftShader, issue 40's 2-core VM), and a page asking for 50
/// took ~0.8 of the two cores the workers needed. Input still answers at once.
pub const SOFTWARE_PACE: std::time::Duration = std::time::Duration::from_millis(250);

/// The least time between the frames that training asks for: `SOFTWARE_PACE` on a page drawn in
/// software, none otherwise.
pub fn pace(drawn_in_software: bool) -> std::time::Duration {
    if drawn_in_software {
        SOFTWARE_PACE
    } else {
        std::time::Duration::ZERO
    }
}

/// Workers for `jobs` jobs, asking egui for a frame (no sooner than `pace`) when an update arrives; or
/// why the frames train.
pub fn pool(
    ctx: &egui::Context,
    jobs: usize,
    pace: std::time::Duration,
) -> Result<Box<dyn Pool>, String> {
    let Some(n) = Workers::chosen().count(jobs) else {
        return Err("no workers in the settings".to_owned());
    };
    let ctx = ctx.clone();
    #[cfg(target_arch = "wasm32")]
    {
        if !crate::web::workers::available() {
            return Err("this browser has no Web Workers".to_owned());
        }
        crate::web::workers::WebWorkers::spawn(
            n,
            std::rc::Rc::new(move || ctx.request_repaint_after(pace)),
        )
        .map(|p| Box::new(p) as Box<dyn Pool>)
        .map_err(|e| format!("the browser refused a Web Worker ({e})"))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let clock = crate::app::frame_clock::seconds;
        let wake = std::sync::Arc::new(move || ctx.request_repaint_after(pace));
        Ok(Box::new(
            crate::scenario::control_lab::threads::Threads::new(n, clock, wake),
        ))
    }
}

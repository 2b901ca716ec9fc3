//! The app shell: tabs (mirrored in the URL hash), theme, projector mode, reset, About, status bar.

pub mod about;
mod bars;
pub mod document;
pub mod format;
pub mod frame_clock;
pub mod headless;
pub mod lesson_check;
pub mod live;
pub mod look;
pub mod playback;
pub mod settings;
pub mod stage;
pub mod training;
pub mod view;
pub mod views;
pub mod widgets;

pub use look::{Look, Series};
pub use view::{View, ViewCtx, ViewReport};

use crate::scenario::anchor::Anchor;
use frame_clock::FrameClock;
use settings::Settings;
use stage::Stage;

use web_time::Instant;

use crate::gpu::{ComputeRuntime, SelfCheck};
use crate::platform;
use crate::status::{AppStatus, UiRect};

/// The URL hash is rewritten at most this often.
const HASH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Settings are saved this long after they change.
const SAVE_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// The eframe app.
pub struct BilevelApp {
    settings: Settings,
    views: Vec<Box<dyn View>>,
    active: usize,
    runtime: ComputeRuntime,
    self_check: SelfCheck,
    show_about: bool,
    /// A malformed URL or unknown view, shown until dismissed.
    url_error: Option<String>,
    /// The hash we last read or wrote, to notice edits of the URL (and Back/Forward).
    last_hash: Option<String>,
    /// The status as last published: the JSON is written only when it changes.
    published: Option<AppStatus>,
    /// The app's own work per frame, for the open view (`frame_ms` in the status).
    frame_clock: FrameClock,
    /// The view the frame clock's window belongs to.
    clocked_view: usize,
    applied_zoom: Option<f32>,
    /// The settings as last saved: a change schedules a save (eframe's web save-on-close never fires).
    saved_settings: Settings,
    /// Tab buttons and top-bar controls as last drawn, in CSS pixels (published for browser tests).
    tab_rects: Vec<UiRect>,
    control_rects: Vec<UiRect>,
    /// What the open view reported in its last frame.
    view_report: ViewReport,
    /// When the URL hash was last written.
    hash_written: Option<Instant>,
    /// A scenario file the user opened (the browser's file picker delivers it between frames).
    opened_file: platform::FileSlot,
    /// Present (key P): the open view on its stage (`app::stage`), "All controls" open or not.
    presenting: bool,
    present_all_controls: bool,
    /// The live classroom: this page's room, as presenter or student (`live`).
    live: live::Live,
}

impl BilevelApp {
    /// Builds the app on eframe's wgpu device (if it can compute) and starts the GPU self-check.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, settings::KEY))
            .unwrap_or_default();
        let runtime = ComputeRuntime::from_render_state(cc.wgpu_render_state.as_ref());
        Self::with_runtime(&cc.egui_ctx, runtime, settings)
    }

    /// Builds the app on a given runtime (tests, and the CPU-only case).
    pub fn with_runtime(
        ctx: &egui::Context,
        mut runtime: ComputeRuntime,
        settings: Settings,
    ) -> Self {
        let self_check = SelfCheck::start_default(&mut runtime);
        let mut app = Self {
            saved_settings: settings.clone(),
            settings,
            views: views::all(),
            active: 0,
            runtime,
            self_check,
            show_about: false,
            url_error: None,
            last_hash: None,
            published: None,
            frame_clock: FrameClock::default(),
            clocked_view: 0,
            applied_zoom: None,
            tab_rects: Vec::new(),
            control_rects: Vec::new(),
            view_report: ViewReport::default(),
            hash_written: None,
            opened_file: std::sync::Arc::default(),
            presenting: false,
            present_all_controls: false,
            live: live::Live::default(),
        };
        app.live = live::Live::resume(&app.settings.live);
        app.settings.workers.choose();
        ctx.set_theme(app.settings.theme.preference());
        ctx.set_fonts(fonts());
        look::legible(ctx);
        let stored = app.settings.view.clone();
        if let Some(i) = app.views.iter().position(|v| v.anchor() == stored) {
            app.active = i;
        }
        if let Some(hash) = platform::read_hash() {
            app.open_link(&hash);
        }
        app
    }

    /// The anchor of the open view.
    pub fn active_view(&self) -> &'static str {
        self.views[self.active].anchor()
    }

    /// Projector mode on or off (the top bar's toggle; tests).
    pub fn set_projector(&mut self, on: bool) {
        self.settings.projector = on;
    }

    /// The compute runtime (for tests and the status).
    pub fn runtime(&self) -> &ComputeRuntime {
        &self.runtime
    }

    /// The current status record.
    pub fn status(&self, dark: bool) -> AppStatus {
        AppStatus {
            app: AppStatus::APP,
            version: AppStatus::VERSION,
            active_view: self.active_view().to_owned(),
            compute_backend: self.runtime.backend_label(),
            gpu: self.runtime.has_gpu(),
            self_check: self.self_check.report().cloned(),
            last_error: self
                .url_error
                .clone()
                .or_else(|| self.runtime.last_error().map(str::to_owned)),
            projector: self.settings.projector,
            dark,
            tabs: self.tab_rects.clone(),
            controls: self
                .control_rects
                .iter()
                .chain(&self.view_report.controls)
                .cloned()
                .collect(),
            view: serde_json::Value::Object(self.view_report.values.clone()),
            frame_ms: self.frame_clock.stats(),
            memory_bytes: platform::memory_bytes(),
            stage: self.view_report.stage.clone(),
        }
    }

    /// Opens the view and scenario a URL hash names; a malformed hash is reported (status bar and
    /// status JSON), never fatal.
    pub fn open_link(&mut self, hash: &str) {
        self.last_hash = Some(hash.to_owned());
        let anchor = match Anchor::parse(hash) {
            Ok(a) if a.view.is_empty() => return,
            Ok(a) if a.view == "join" => {
                self.url_error = self.open_join(&a.query).err();
                return;
            }
            Ok(a) => a,
            Err(e) => {
                self.url_error = Some(e);
                return;
            }
        };
        let Some(index) = self.views.iter().position(|v| v.anchor() == anchor.view) else {
            let known: Vec<&str> = self.views.iter().map(|v| v.anchor()).collect();
            self.url_error = Some(format!(
                "URL names the view `{}`, which does not exist (views: {})",
                anchor.view,
                known.join(", ")
            ));
            return;
        };
        self.active = index;
        self.settings.view = anchor.view.clone();
        self.url_error = self.views[index].apply_query(&anchor.query).err();
    }

    /// Opens a link a view asked for (a lesson card, a figure, a lesson's step) as a new history entry,
    /// so the browser's Back returns to where the user was.
    pub(crate) fn follow(&mut self, link: &str) {
        self.open_link(link);
        if self.url_error.is_none() {
            self.last_hash = None;
            self.write_hash(true);
        }
    }

    fn select(&mut self, index: usize) {
        if index != self.active {
            // A student who picks another view explores on their own.
            self.live.following = false;
            self.active = index;
            self.settings.view = self.active_view().to_owned();
            self.url_error = None;
            self.write_hash(true);
        }
    }

    fn write_hash(&mut self, push: bool) {
        let view = &self.views[self.active];
        let hash = Anchor::new(view.anchor(), view.to_query()).to_hash();
        if self.last_hash.as_deref() != Some(hash.as_str()) {
            platform::write_hash(&hash, push);
            self.last_hash = Some(hash);
            self.hash_written = Some(Instant::now());
        }
    }

    /// The per-frame hash update, at most every [`HASH_EVERY`] (browsers throttle `history.replaceState`
    /// when a slider drag would call it every frame); the last state is written once the drag pauses.
    fn sync_hash(&mut self, ctx: &egui::Context) {
        let wait = self.hash_written.map_or(std::time::Duration::ZERO, |t| {
            HASH_EVERY.saturating_sub(t.elapsed())
        });
        if wait.is_zero() {
            self.write_hash(false);
        } else {
            ctx.request_repaint_after(wait);
        }
    }

    /// P presents the open view, Esc leaves presenting (and full screen); not while a text field has the
    /// keyboard.
    fn present_keys(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::P)) {
            if self.presenting {
                self.leave_presenting(ctx);
            } else {
                self.presenting = true;
            }
        }
        if self.presenting
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
        {
            self.leave_presenting(ctx);
        }
    }

    fn leave_presenting(&mut self, ctx: &egui::Context) {
        self.presenting = false;
        platform::set_fullscreen(ctx, false);
    }

    /// Sets egui's zoom to the projector setting when it differs (the first frame, or the frame in which
    /// the toggle was clicked) and asks egui to redo this pass at the new zoom. Returns whether it did.
    fn apply_zoom(&mut self, ctx: &egui::Context) -> bool {
        let zoom = Look::zoom_for(self.settings.projector);
        if self.applied_zoom == Some(zoom) {
            return false;
        }
        ctx.set_zoom_factor(zoom);
        self.applied_zoom = Some(zoom);
        ctx.request_discard("the projector zoom changed");
        ctx.will_discard()
    }
}

/// egui's bundled fonts, with Hack behind Ubuntu-Light in proportional text: Ubuntu-Light lacks some
/// math symbols the views write (‖, ←, ∈, ⁻¹), Hack has them.
pub fn fonts() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    if let Some(family) = fonts.families.get_mut(&egui::FontFamily::Proportional)
        && !family.iter().any(|f| f == "Hack")
    {
        family.push("Hack".to_owned());
    }
    fonts
}

impl eframe::App for BilevelApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let frame_start = Instant::now();
        let deadline = crate::budget::deadline(None);
        self.runtime.poll();
        self.self_check.poll(&mut self.runtime, deadline);
        if self.self_check.report().is_none() {
            ui.ctx().request_repaint();
        }
        if let Some(hash) = platform::moved_hash()
            && self.last_hash.as_deref() != Some(hash.as_str())
        {
            self.open_link(&hash);
        }

        self.present_keys(ui.ctx());
        let presenting = self.presenting;
        if presenting {
            egui::Panel::top("present_bar").show(ui, |ui| self.present_bar_ui(ui));
        } else {
            let on_stage = self.views[self.active].on_stage();
            egui::Panel::top("top_bar").show(ui, |ui| self.top_bar_ui(ui, on_stage));
        }
        if self.apply_zoom(ui.ctx()) {
            // This pass was laid out at the old zoom: egui discards it and lays the frame out again, so
            // no drawn frame (and no published rectangle) mixes the two sizes.
            return;
        }
        let look = Look {
            dark: ui.visuals().dark_mode,
            projector: self.settings.projector,
        };
        if presenting || self.views[self.active].on_stage() {
            egui::Panel::bottom("status_bar")
                .show_separator_line(false)
                .show(ui, |ui| self.stage_error_ui(ui, look));
        } else {
            egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar_ui(ui, look));
        }
        if self.show_about {
            let diagnostics = about::window(
                ui.ctx(),
                &mut self.show_about,
                &self.runtime.backend_label(),
            );
            if let Some(button) = diagnostics {
                self.control_rects.push(UiRect::of("diagnostics", &button));
                if button.clicked() {
                    self.show_about = false;
                    self.select(
                        self.views
                            .iter()
                            .position(|v| v.anchor() == "compute")
                            .unwrap_or(0),
                    );
                }
            }
        }
        // The frame's report starts with the live classroom's parts (read off the last frame's report).
        self.view_report = self.live_ui(ui, look);
        let mut navigate = None;
        egui::CentralPanel::default().show(ui, |ui| {
            let mut ctx = ViewCtx {
                runtime: &mut self.runtime,
                deadline,
                self_check: &mut self.self_check,
                look,
                report: &mut self.view_report,
                navigate: &mut navigate,
                workers: true,
            };
            let view = &mut self.views[self.active];
            match view.staging().filter(|_| presenting) {
                Some(staging) => {
                    let defaults = (staging, view.default_parts());
                    let mut stage = Stage::new(defaults, (&[], &[]), self.present_all_controls);
                    view.stage_ui(ui, &mut ctx, &mut stage);
                    self.present_all_controls = stage.all_controls;
                    ctx.report.stage = Some(stage.report(ui.ctx(), None));
                }
                None => view.ui(ui, &mut ctx),
            }
        });
        if let Some(link) = navigate {
            self.follow(&link);
            ui.ctx().request_repaint();
        }
        self.live_lead(ui.ctx());
        self.sync_hash(ui.ctx());

        self.settings.workers = training::Workers::chosen();
        if self.settings != self.saved_settings {
            // eframe saves in the first frame after `auto_save_interval`; make sure there is one.
            ui.ctx()
                .request_repaint_after(SAVE_AFTER + std::time::Duration::from_millis(100));
        }

        if self.clocked_view != self.active {
            self.frame_clock.clear();
            self.clocked_view = self.active;
        }
        self.frame_clock
            .record(frame_start, platform::previous_frame_work_ms());
        let status = self.status(look.dark);
        if self.published.as_ref() != Some(&status) {
            platform::publish_status(&status.to_json());
            self.published = Some(status);
        }
        platform::publish_frame(ui.ctx().cumulative_frame_nr());
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, settings::KEY, &self.settings);
        self.saved_settings = self.settings.clone();
    }

    fn auto_save_interval(&self) -> std::time::Duration {
        SAVE_AFTER
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> BilevelApp {
        BilevelApp::with_runtime(
            &egui::Context::default(),
            ComputeRuntime::cpu("test"),
            Settings::default(),
        )
    }

    #[test]
    fn links_open_views_and_bad_links_are_named() {
        let mut app = app();
        assert_eq!(app.active_view(), "welcome");
        // The error a link leaves in the status ("" when it opened).
        let open = |app: &mut BilevelApp, link: &str| {
            app.open_link(link);
            app.status(false).last_error.unwrap_or_default()
        };
        assert_eq!(open(&mut app, "#compute?batch=64&n=8"), "");
        assert_eq!(app.active_view(), "compute");
        let e = open(&mut app, "#compute?batch=0");
        assert!(e.contains("`batch`") && e.contains("1..=4096"), "{e}");
        let e = open(&mut app, "#nowhere");
        let views = "welcome, lesson, stackelberg, ihvp, playground, soft_rl, control, compute";
        assert!(e.contains("`nowhere`") && e.contains(views), "{e}");
        let e = open(&mut app, "#stackelberg?reg=5&step=10");
        assert!(e.contains("`reg`") && e.contains("0..=1"), "{e}");
        let e = open(
            &mut app,
            "#stackelberg?reg=0.5&panels.1.rule=stackelberg&step=10",
        );
        assert_eq!(e, "");
        let query = app.views[app.active].to_query();
        assert!(query.contains(&("reg".into(), "0.5".into())), "{query:?}");
        assert!(query.contains(&("step".into(), "10".into())), "{query:?}");
        let e = open(&mut app, "#welcome?x=1");
        assert!(e.contains("`x`"), "{e}");
    }

    #[test]
    fn a_bad_scenario_file_is_named_and_the_open_view_keeps_its_state() {
        let mut app = app();
        app.open_link("#stackelberg?reg=0.3");
        let deliver = |app: &BilevelApp, name: &str, text: &str| {
            if let Ok(mut slot) = app.opened_file.lock() {
                *slot = Some(Ok((name.to_owned(), text.to_owned())));
            }
        };
        deliver(
            &app,
            "bad.json",
            r#"{"kind": "playground", "outer_lr": -1}"#,
        );
        app.take_opened_file();
        let error = app.status(false).last_error.unwrap_or_default();
        assert!(error.starts_with("bad.json: `outer_lr`"), "{error}");
        assert_eq!(app.active_view(), "stackelberg");
        let query = app.views[app.active].to_query();
        assert!(query.contains(&("reg".into(), "0.3".into())), "{query:?}");
        deliver(
            &app,
            "good.json",
            r#"{"kind": "playground", "outer_lr": 0.1}"#,
        );
        app.take_opened_file();
        assert_eq!(app.active_view(), "playground");
        assert_eq!(app.status(false).last_error, None);
    }

    #[test]
    fn stored_view_is_reopened_and_status_names_the_cpu_fallback() {
        let settings = Settings {
            view: "compute".into(),
            ..Settings::default()
        };
        let mut app = BilevelApp::with_runtime(
            &egui::Context::default(),
            ComputeRuntime::cpu("no WebGPU"),
            settings,
        );
        assert_eq!(
            app.status(true).self_check,
            None,
            "reported from the first frame on"
        );
        app.self_check
            .poll(&mut app.runtime, crate::budget::deadline(None));
        let status = app.status(true);
        assert_eq!(status.active_view, "compute");
        assert_eq!(status.compute_backend, "CPU fallback: no WebGPU");
        assert!(!status.gpu);
        let json = status.to_json();
        assert!(
            json.contains("\"self_check\":{\"ran_on\":\"cpu\""),
            "{json}"
        );
    }
}

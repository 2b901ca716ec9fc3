//! The shell's two bars: the top bar (tabs, reset, the view's scenario file, theme, projector, About)
//! and the status bar (compute backend, self-check, errors).

use super::settings::ThemeChoice;
use super::{BilevelApp, Look, document, format};
use crate::app::widgets::layout::PHONE;
use crate::platform;
use crate::status::UiRect;

fn menu_key() -> egui::Id {
    egui::Id::unique("top-bar-menu-open")
}

impl BilevelApp {
    /// On a wide screen one wrapped row: the name, a tab per view, the actions. On a phone (narrower than
    /// [`PHONE`]) one row — the name, a view picker and a "Menu" toggle — with the actions in a row
    /// under it while the menu is open, so the figure keeps the screen.
    ///
    /// On a stage (an open lesson step) the bar is that one row on any screen, with Projector in it where
    /// there is room: the figure keeps the height.
    pub(super) fn top_bar_ui(&mut self, ui: &mut egui::Ui, on_stage: bool) {
        self.tab_rects.clear();
        self.control_rects.clear();
        let wide = ui.available_width() >= PHONE;
        if wide && !on_stage {
            ui.horizontal_wrapped(|ui| {
                ui.strong("bilevel-lab");
                ui.separator();
                self.tabs_ui(ui);
                ui.separator();
                self.actions_ui(ui, true);
            });
            return;
        }
        let mut menu = ui.data(|d| d.get_temp(menu_key())).unwrap_or(false);
        ui.horizontal(|ui| {
            ui.strong("bilevel-lab");
            let mut picked = self.active;
            let picker = egui::ComboBox::new("view-picker", "view")
                .selected_text(self.views[self.active].title())
                .show_ui(ui, |ui| {
                    for (i, view) in self.views.iter().enumerate().filter(|(_, v)| v.tab()) {
                        ui.selectable_value(&mut picked, i, view.title());
                    }
                });
            self.control_rects
                .push(UiRect::of("view-picker", &picker.response));
            if picked != self.active {
                self.select(picked);
            }
            if wide {
                let projector = ui
                    .toggle_value(&mut self.settings.projector, "Projector")
                    .on_hover_text("Larger text and thicker lines, for a lecture hall");
                self.control_rects.push(UiRect::of("projector", &projector));
                if on_stage {
                    self.go_live_ui(ui);
                }
            }
            let toggle = ui
                .toggle_value(&mut menu, "Menu")
                .on_hover_text("Reset, scenario files, theme, projector mode, About");
            self.control_rects.push(UiRect::of("menu", &toggle));
        });
        if menu {
            ui.horizontal_wrapped(|ui| self.actions_ui(ui, !wide));
        }
        ui.data_mut(|d| d.insert_temp(menu_key(), menu));
    }

    /// A tab per view.
    fn tabs_ui(&mut self, ui: &mut egui::Ui) {
        let mut clicked = None;
        for (i, view) in self.views.iter().enumerate().filter(|(_, v)| v.tab()) {
            let response = ui.selectable_label(i == self.active, view.title());
            if response.clicked() {
                clicked = Some(i);
            }
            self.tab_rects.push(UiRect::of(view.anchor(), &response));
        }
        if let Some(i) = clicked {
            self.select(i);
        }
    }

    /// Reset, the view's scenario file, theme, projector mode (unless the bar has it), About, Present.
    fn actions_ui(&mut self, ui: &mut egui::Ui, projector: bool) {
        let reset = ui
            .button("Reset")
            .on_hover_text("Put this view back to its defaults");
        self.control_rects.push(UiRect::of("reset", &reset));
        if reset.clicked() {
            self.views[self.active].reset();
            self.write_hash(false);
        }
        self.scenario_file_ui(ui);
        ui.separator();
        let before = self.settings.theme;
        for (choice, id, text, hint) in [
            (
                ThemeChoice::System,
                "theme-system",
                "System",
                "Follow the system theme",
            ),
            (ThemeChoice::Light, "theme-light", "Light", "Light theme"),
            (ThemeChoice::Dark, "theme-dark", "Dark", "Dark theme"),
        ] {
            let response = ui
                .selectable_value(&mut self.settings.theme, choice, text)
                .on_hover_text(hint);
            self.control_rects.push(UiRect::of(id, &response));
        }
        if self.settings.theme != before {
            ui.ctx().set_theme(self.settings.theme.preference());
        }
        ui.separator();
        if projector {
            let projector = ui
                .toggle_value(&mut self.settings.projector, "Projector")
                .on_hover_text("Larger text and thicker lines, for a lecture hall");
            self.control_rects.push(UiRect::of("projector", &projector));
        }
        let about = ui.toggle_value(&mut self.show_about, "About");
        self.control_rects.push(UiRect::of("about", &about));
        let present = ui.button("Present").on_hover_text(
            "This view on the stage: its figure large, a few controls (P; Esc leaves)",
        );
        self.control_rects.push(UiRect::of("present", &present));
        if present.clicked() {
            self.presenting = true;
        }
        // A lesson's stage on a phone: Go live is in the menu (the row has no room).
        if self.views[self.active].on_stage() && projector {
            self.go_live_ui(ui);
        }
    }

    /// "Go live" (on a lesson's stage): a room for this class on the page's live server (`live`), unless this
    /// page is in one.
    fn go_live_ui(&mut self, ui: &mut egui::Ui) {
        if self.live.session().is_some() {
            return;
        }
        let live = ui.button("Go live").on_hover_text(
            "Open a live room: students join with a code or QR code, follow your steps and vote",
        );
        self.control_rects.push(UiRect::of("go-live", &live));
        if live.clicked() {
            self.go_live();
        }
    }

    /// While presenting, the one bar: the view's title and "Leave" (Esc).
    pub(super) fn present_bar_ui(&mut self, ui: &mut egui::Ui) {
        self.tab_rects.clear();
        self.control_rects.clear();
        ui.horizontal(|ui| {
            ui.strong(self.views[self.active].title());
            ui.separator();
            let leave = ui
                .button("Leave")
                .on_hover_text("Back to the whole view (Esc)");
            self.control_rects.push(UiRect::of("present-leave", &leave));
            if leave.clicked() {
                self.leave_presenting(ui.ctx());
            }
        });
    }

    /// On a stage the status bar shows only an error, if there is one.
    pub(super) fn stage_error_ui(&mut self, ui: &mut egui::Ui, look: Look) {
        if let Some(error) = self.error() {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(look.error_color(), format!("Error: {error}"));
                if self.url_error.is_some() && ui.small_button("dismiss").clicked() {
                    self.url_error = None;
                }
            });
        }
    }

    /// The link's error, or the compute runtime's last one.
    fn error(&self) -> Option<String> {
        self.url_error
            .clone()
            .or_else(|| self.runtime.last_error().map(str::to_owned))
    }

    pub(super) fn status_bar_ui(&mut self, ui: &mut egui::Ui, look: Look) {
        ui.horizontal_wrapped(|ui| {
            // One row on a phone too: the fallback's reason is long; the whole text shows on hover.
            ui.add(
                egui::Label::new(format!("Compute: {}", self.runtime.backend_label())).truncate(),
            )
            .on_hover_text("What runs the batch computations");
            ui.separator();
            match self.self_check.report() {
                None => {
                    ui.label("self-check running…");
                }
                Some(r) if r.passed => {
                    ui.colored_label(
                        look.ok_color(),
                        format!(
                            "self-check passed, max error {}",
                            format::error(r.max_error)
                        ),
                    );
                }
                Some(r) => {
                    ui.colored_label(
                        look.error_color(),
                        format!(
                            "self-check FAILED, max error {}",
                            format::error(r.max_error)
                        ),
                    );
                }
            }
            if let Some(error) = self.error() {
                ui.separator();
                ui.colored_label(look.error_color(), format!("Error: {error}"));
                if self.url_error.is_some() && ui.small_button("dismiss").clicked() {
                    self.url_error = None;
                }
            }
        });
    }

    /// "Save scenario": the open view's document as a file (`bilevel-lab run` replays it headless), and
    /// on the web "Open scenario…", which opens a document in its view. Errors go to the status bar.
    fn scenario_file_ui(&mut self, ui: &mut egui::Ui) {
        let view = &*self.views[self.active];
        if document::kind_of(view.anchor()).is_some() {
            let save = ui.button("Save scenario").on_hover_text(
                "This view's settings as a scenario file (JSON): open it here again, or replay it \
                 headless with `bilevel-lab run FILE`",
            );
            self.control_rects.push(UiRect::of("save-scenario", &save));
            if save.clicked()
                && let Some(doc) = document::document(view)
            {
                let name = format!("{}.json", doc["kind"].as_str().unwrap_or("scenario"));
                let text = document::pretty(&doc);
                if let Err(e) = platform::save_file(&name, "application/json", text.as_bytes()) {
                    self.url_error = Some(e);
                }
            }
        }
        #[cfg(target_arch = "wasm32")]
        {
            let open = ui
                .button("Open scenario…")
                .on_hover_text("Open a view's scenario file (JSON) in its view");
            self.control_rects.push(UiRect::of("open-scenario", &open));
            if open.clicked()
                && let Err(e) = platform::pick_text_file(&self.opened_file, ui.ctx())
            {
                self.url_error = Some(e);
            }
        }
        self.take_opened_file();
    }

    /// Opens a scenario file that arrived: checked on a fresh view first, so a bad one is named (file and
    /// field) in the status bar and the open view keeps what it had.
    pub(super) fn take_opened_file(&mut self) {
        let opened = self.opened_file.lock().ok().and_then(|mut s| s.take());
        match opened {
            Some(Ok((name, text))) => match document::open(&text) {
                Ok((_, anchor)) => self.follow(&anchor.to_hash()),
                Err(e) => self.url_error = Some(format!("{name}: {e}")),
            },
            Some(Err(e)) => self.url_error = Some(e),
            None => {}
        }
    }
}

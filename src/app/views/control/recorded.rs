//! A recorded run in the Control view (issue 36): the record the state's `record` names
//! (`assets/records/<record>.json`, fetched from the page's own origin), drawn as if trained live — the
//! table, the return curves with their 95% bands and the diagnostics — and marked "recorded: N seeds,
//! machine, date". Nothing trains; "Train live" leaves it.

use std::cell::RefCell;
use std::rc::Rc;

use super::{Model, curves, learners_report};
use crate::app::ViewCtx;
use crate::app::stage::Controls;
use crate::scenario::control_lab::ControlLabState;
use crate::scenario::control_record::ControlRecord;

/// A fetched record and its learners as the view draws them.
pub struct Recorded {
    pub record: ControlRecord,
    pub model: Model,
}

/// "Train live": leaves the recorded run (published as `train-live`, drawn on every stage of one);
/// whether it was clicked.
pub fn train_live_ui(ui: &mut egui::Ui, c: &mut Controls<'_>) -> bool {
    let r = ui.button("Train live").on_hover_text(
        "Leave the recorded run: train the learners of the side panel in this browser",
    );
    c.publish("train-live", &r);
    r.clicked()
}

/// A fetch's record name and its text (or why not).
type Fetched = (String, Result<String, String>);

/// The record shown, by name, and the fetch in flight.
#[derive(Default)]
pub struct Slot {
    shown: Option<(String, Result<Recorded, String>)>,
    /// The name being fetched, and where each fetch delivers (the name it was for, and the text).
    pending: Option<String>,
    arrived: Rc<RefCell<Option<Fetched>>>,
}

impl Slot {
    /// Fetches the record `state.record` names when it is not the one shown, and draws it.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut ViewCtx<'_>, state: &mut ControlLabState) {
        let mut live = false;
        ui.horizontal_wrapped(|ui| live = train_live_ui(ui, &mut Controls::all(ctx.report)));
        let look = ctx.look;
        match self.get(ui.ctx(), ctx, &state.record) {
            Some(Ok(rec)) => {
                let r = &rec.record;
                egui::ScrollArea::vertical()
                    .id_salt("recorded-run")
                    .auto_shrink(false)
                    .show(ui, |ui| {
                        ui.strong(format!(
                            "Recorded: {} seeds × {} environment steps on {}, {} ({} threads, {:.0} min) — not trained here",
                            r.seeds.len(),
                            crate::app::format::count(r.total_steps),
                            r.machine,
                            r.date,
                            r.threads,
                            r.wall_seconds / 60.0
                        ));
                        // The table is wider than a phone: it scrolls sideways, the page does not.
                        egui::ScrollArea::horizontal()
                            .id_salt("recorded-table")
                            .show(ui, |ui| curves::table_ui(ui, &rec.model, look));
                        ui.add_space(4.0);
                        curves::curves_ui(ui, &rec.model, r.env, look);
                    });
            }
            Some(Err(e)) => {
                ui.colored_label(look.error_color(), e);
            }
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!("Fetching the recorded run {} …", state.record));
                });
            }
        }
        if live {
            state.record.clear();
        }
    }

    /// The record `name` (fetched when it is not the one shown; its numbers reported), why it failed (as
    /// the view says it), or nothing while it is on its way.
    pub fn get(
        &mut self,
        egui_ctx: &egui::Context,
        ctx: &mut ViewCtx<'_>,
        name: &str,
    ) -> Option<Result<&Recorded, String>> {
        self.load(egui_ctx, name);
        match &self.shown {
            Some((shown, Ok(rec))) if shown == name => {
                let r = &rec.record;
                ctx.report.value(
                    "recorded",
                    serde_json::json!({
                        "name": name, "machine": r.machine, "date": r.date,
                        "seeds": r.seeds.len(), "total_steps": r.total_steps,
                    }),
                );
                ctx.report.value("env", r.env.label());
                ctx.report.value("learners", learners_report(&rec.model));
                Some(Ok(rec))
            }
            Some((shown, Err(e))) if shown == name => {
                let e = format!("`record`: {e}");
                ctx.report.value("record_error", e.clone());
                Some(Err(e))
            }
            _ => None,
        }
    }

    /// Starts fetching `name` unless it is shown or on its way; takes what arrived.
    fn load(&mut self, egui_ctx: &egui::Context, name: &str) {
        let arrived = self.arrived.borrow_mut().take();
        if let Some((fetched, text)) = arrived {
            let opened = text
                .and_then(|t| ControlRecord::parse(&t))
                .map(|record| Recorded {
                    model: Model::recorded(&record),
                    record,
                });
            if self.pending.as_deref() == Some(fetched.as_str()) {
                self.pending = None;
            }
            self.shown = Some((fetched, opened));
        }
        let shown = self.shown.as_ref().is_some_and(|(n, _)| n == name);
        if shown || self.pending.as_deref() == Some(name) {
            return;
        }
        self.pending = Some(name.to_owned());
        let (slot, repaint, owned) = (Rc::clone(&self.arrived), egui_ctx.clone(), name.to_owned());
        crate::platform::fetch_asset(&format!("records/{name}.json"), move |text| {
            *slot.borrow_mut() = Some((owned, text));
            repaint.request_repaint();
        });
        // Natively the file is read at once; it is shown next frame all the same, as on the web (a
        // lesson step's start is the view before its record has arrived).
    }
}

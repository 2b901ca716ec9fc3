//! The live classroom in the app's frame: the `#join?code=…` link, the panels around the open view, the
//! presenter's lead (the open view's link, the step's question as a poll) and a student's following.

use serde_json::{Value, json};

use super::ui::{self, Asked, Ballot};
use super::{Live, Role, join_url, socket_url};
use crate::app::{BilevelApp, Look, ViewReport};
use crate::platform;
use crate::scenario::anchor::Anchor;

/// The page the live server serves: the browser's own page, or natively the server set for this app
/// (tests), in `BILEVEL_LAB_SERVER`, or `http://127.0.0.1:8080/` (what serve.sh starts).
fn page(live: &Live) -> String {
    let page = platform::page_url();
    if !page.is_empty() {
        return page;
    }
    live.server.clone().unwrap_or_else(|| {
        std::env::var("BILEVEL_LAB_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8080/".to_owned())
    })
}

impl BilevelApp {
    /// Natively: the live server's page (`http://host:port/base/`) this app presents or joins on.
    pub fn set_live_server(&mut self, page: &str) {
        self.live.server = Some(page.to_owned());
    }

    /// The wait between tries after a lost connection (tests shorten it).
    pub fn set_live_backoff(&mut self, backoff: super::Backoff) {
        self.live.set_backoff(backoff);
    }

    /// `#join?code=…`: a student joins the room (the open view stays).
    pub(in crate::app) fn open_join(&mut self, query: &[(String, String)]) -> Result<(), String> {
        match query {
            [(key, code)] if key == "code" => self.live.join(code),
            _ => Err(
                "URL parameter: a join link is `#join?code=…` (the code on the projector)".into(),
            ),
        }
    }

    /// The lecturer's Go live (the lesson bar's button).
    pub(in crate::app) fn go_live(&mut self) {
        self.live.go_live();
    }

    /// This frame's live classroom before the view: the connection's traffic, a following student's new
    /// step, and the panels (the presenter's beside the stage, a student's strip and answer buttons).
    pub(in crate::app) fn live_ui(&mut self, ui: &mut egui::Ui, look: Look) -> ViewReport {
        let mut report = ViewReport::default();
        if self.live.session().is_none() {
            ui::set_ballot(ui.ctx(), None);
            return report;
        }
        if self.settings.live.device.is_empty() {
            self.settings.live.device = format!("{:016x}", platform::random_u64());
        }
        let url = socket_url(&page(&self.live));
        self.live.poll(ui.ctx(), &url, &self.settings.live.device);
        self.live.remember(&mut self.settings.live);
        let Some(mut session) = self.live.session.clone() else {
            return report;
        };
        report.value(
            "live",
            json!({
                "role": match session.role { Role::Presenter => "presenter", Role::Student => "student" },
                "code": session.code,
                "link": session.link_text(web_time::Instant::now()),
                "open": session.link == super::Link::Open,
                "students": session.students,
                "following": self.live.following,
                "vote": session.vote,
                "poll": session.poll.as_ref().map(|p| json!({"id": p.poll, "open": p.open})),
                "notice": session.notice,
            }),
        );
        let asked = match session.role {
            Role::Presenter => {
                let join = session
                    .code
                    .as_deref()
                    .map(|c| join_url(&page(&self.live), c));
                let values = &self.view_report.values;
                let correct = values
                    .get("question")
                    .and_then(|q| q.get("correct"))
                    .and_then(Value::as_u64)
                    .map(|c| c as usize);
                // The histogram is the open step's: another step's last tally is not shown.
                let poll = step_poll(values).map(|p| p.0);
                session.tally = session
                    .tally
                    .take()
                    .filter(|t| Some(&t.poll) == poll.as_ref());
                // Narrower once the QR code has given way to the answers: the stage gets the room.
                let width = if self.live.qr_shown {
                    (ui.available_width() * 0.28).clamp(200.0, 440.0)
                } else {
                    (ui.available_width() * 0.2).clamp(170.0, 320.0)
                };
                egui::Panel::right("live")
                    .exact_size(width)
                    .resizable(false)
                    .show(ui, |ui| {
                        let bottom = ui.max_rect().bottom();
                        egui::ScrollArea::vertical()
                            .show(ui, |ui| {
                                let lecture = ui::Lecture {
                                    join: join.as_deref(),
                                    bottom,
                                    correct,
                                };
                                ui::presenter(
                                    ui,
                                    &session,
                                    &lecture,
                                    &mut self.live.show_join,
                                    look,
                                    &mut report,
                                )
                            })
                            .inner
                    })
                    .inner
            }
            Role::Student => self.student_ui(ui, &session, look, &mut report),
        };
        self.live.qr_shown = report.controls.iter().any(|c| c.id == "live-qr");
        if let Some(asked) = asked {
            self.live_asked(asked);
            ui.ctx().request_repaint();
        }
        if let Some(csv) = self.live.session.as_mut().and_then(|s| s.csv.take()) {
            let code = session.code.as_deref().unwrap_or("room");
            if let Err(e) =
                platform::save_file(&format!("tallies-{code}.csv"), "text/csv", csv.as_bytes())
            {
                self.url_error = Some(e);
            }
        }
        report
    }

    fn student_ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &super::Session,
        look: Look,
        report: &mut ViewReport,
    ) -> Option<Asked> {
        if let Some(k) = ui::take_cast(ui.ctx()) {
            self.live_asked(Asked::Vote(k));
        }
        let following = self.live.following;
        let mut asked = egui::Panel::top("live_strip")
            .show(ui, |ui| {
                ui::student_strip(
                    ui,
                    session,
                    following,
                    &mut self.live.code_field,
                    look,
                    report,
                )
            })
            .inner;
        // The step's question, if the lecturer's step has one (a poll of an earlier step is not shown).
        let step_poll = session
            .state
            .as_ref()
            .and_then(|s| s.get("poll"))
            .and_then(Value::as_str);
        let asks = session
            .poll
            .as_ref()
            .is_some_and(|p| Some(p.poll.as_str()) == step_poll);
        if asks {
            let vote = egui::Panel::bottom("live_vote")
                .show(ui, |ui| ui::vote_bar(ui, session, look, report))
                .inner;
            asked = asked.or(vote);
        }
        let ballot = session
            .poll
            .as_ref()
            .filter(|_| following && asks)
            .map(|p| Ballot {
                vote: session.vote,
                open: p.open,
            });
        ui::set_ballot(ui.ctx(), ballot);
        if following && session.state_seq != self.live.applied_seq {
            self.live.applied_seq = session.state_seq;
            if let Some(link) = session
                .state
                .as_ref()
                .and_then(|s| s.get("link"))
                .and_then(Value::as_str)
            {
                self.open_link(link);
                self.write_hash(false);
            }
        }
        asked
    }

    fn live_asked(&mut self, asked: Asked) {
        match asked {
            Asked::Reveal => {
                let view = &self.views[self.active];
                let mut query = view.to_query();
                query.push(("play".to_owned(), "1".to_owned()));
                self.open_link(&Anchor::new(view.anchor(), query).to_hash());
            }
            Asked::Csv => self.live.send(vec![bilevel_lab_classroom::ToServer::Csv]),
            Asked::End => {
                self.live.end();
                self.live.remember(&mut self.settings.live);
            }
            Asked::Follow(on) => {
                self.live.following = on;
                // Back to the lecture opens its step now.
                self.live.applied_seq = 0;
            }
            Asked::Join(code) => {
                if let Err(e) = self.live.join(&code)
                    && let Some(s) = &mut self.live.session
                {
                    s.notice = Some(e);
                }
            }
            Asked::Vote(k) => {
                if let Some(msg) = self.live.session.as_ref().and_then(|s| s.cast(k)) {
                    self.live.send(vec![msg]);
                }
            }
            Asked::Retry => {
                if let Some(s) = &mut self.live.session {
                    s.notice = None;
                    s.link = super::Link::Waiting(web_time::Instant::now());
                }
            }
        }
    }

    /// After the view's frame, a presenter brings the room up to date: the open view's link (with `play`
    /// once a question is revealed), the step's title and question, and the question's poll while it asks.
    pub(in crate::app) fn live_lead(&mut self, ctx: &egui::Context) {
        let Some(session) = self.live.session.as_mut() else {
            return;
        };
        if session.role != Role::Presenter {
            return;
        }
        let view = &self.views[self.active];
        let link = Anchor::new(view.anchor(), view.to_query()).to_hash();
        let values = &self.view_report.values;
        let question = values.get("question").filter(|q| q.is_object());
        let poll = step_poll(values);
        let state = json!({
            "link": link,
            "title": values.get("title"),
            "question": question.map(|q| json!({"prompt": q.get("prompt"), "answers": q.get("answers")})),
            "poll": poll.as_ref().map(|p| p.0.clone()),
        });
        let now = web_time::Instant::now();
        let out = session.lead(
            &state,
            poll,
            now,
            &mut self.live.last_push,
            super::STATE_EVERY,
        );
        if !out.is_empty() {
            self.live.send(out);
        }
        if session_behind(&self.live, &state) {
            ctx.request_repaint_after(super::STATE_EVERY);
        }
    }
}

/// The presenter's state has not gone out yet (held back to the state rate): a later frame sends it.
fn session_behind(live: &Live, state: &Value) -> bool {
    live.session()
        .is_some_and(|s| s.link == super::Link::Open && s.sent_state.as_ref() != Some(state))
}

/// The open lesson step's poll, `(id, answers, open)`, read off the view's report: its question, open while
/// the step asks it.
fn step_poll(values: &serde_json::Map<String, Value>) -> Option<(String, usize, bool)> {
    let q = values.get("question").filter(|q| q.is_object())?;
    let answers = q.get("answers")?.as_array()?.len();
    let id = format!(
        "{}/{}",
        values.get("lesson")?.as_str()?,
        values.get("step")?
    );
    let asking = values.get("phase").and_then(Value::as_str) == Some("asking");
    Some((id, answers, asking))
}

//! What the live classroom draws: the presenter's panel beside the stage (join link, QR code, room code, the
//! class's answers until Reveal) and a student's strip (following the lecture / exploring, the connection)
//! with the step's question as large answer buttons. Sizes follow the body font, so projector mode
//! enlarges them with the rest.

use egui::{FontId, RichText};
use serde_json::Value;

use super::qr::Qr;
use super::session::{Link, NO_SERVER, Role, Session};
use crate::app::widgets::math;
use crate::app::{Look, ViewReport};

/// What a click in the live classroom's parts asks the app for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Asked {
    /// The presenter reveals the step's answer: the poll closes and the run plays.
    Reveal,
    /// The presenter asks for the room's tallies as CSV.
    Csv,
    /// Leave the room (the presenter's End, the student's Leave).
    End,
    /// A student leaves to explore, or comes back to the lecture.
    Follow(bool),
    /// A student joins the room of a typed code.
    Join(String),
    /// A student's vote.
    Vote(usize),
    /// Try to connect again (after "no live server here").
    Retry,
}

/// The step's question as the lecture's state carries it: prompt and answers.
pub fn question(state: Option<&Value>) -> Option<(String, Vec<String>)> {
    let q = state?.get("question")?;
    let prompt = q.get("prompt")?.as_str()?.to_owned();
    let answers = q
        .get("answers")?
        .as_array()?
        .iter()
        .map(|a| a.as_str().unwrap_or_default().to_owned())
        .collect();
    Some((prompt, answers))
}

/// Publishes a button's rectangle under `id` (the browser tests click by it) and says whether it was clicked.
fn pressed(report: &mut ViewReport, id: &'static str, button: &egui::Response) -> bool {
    report.control(id, button);
    button.clicked()
}

fn letter(k: usize) -> char {
    char::from(b'A' + (k as u8).min(25))
}

/// The connection in a few coloured words.
fn link_label(ui: &mut egui::Ui, session: &Session, look: Look) {
    let text = session.link_text(web_time::Instant::now());
    let color = match session.link {
        Link::Open => look.ok_color(),
        Link::Connecting => ui.visuals().text_color(),
        Link::Waiting(_) | Link::Stopped => look.error_color(),
    };
    ui.colored_label(color, text);
}

/// The notice, with a "Try again" where no more tries are made.
fn notice_ui(ui: &mut egui::Ui, session: &Session, look: Look, asked: &mut Option<Asked>) {
    if let Some(notice) = &session.notice {
        ui.add(egui::Label::new(RichText::new(notice).color(look.error_color())).wrap());
    }
    // A student whose room is gone types the new code instead.
    let retry = session.role == Role::Presenter || session.notice.as_deref() == Some(NO_SERVER);
    if session.link == Link::Stopped && retry && ui.button("Try again").clicked() {
        *asked = Some(Asked::Retry);
    }
}

/// Where the presenter's panel stands: the join link, the panel's bottom edge and the step's right answer.
#[derive(Clone, Copy, Debug)]
pub struct Lecture<'a> {
    pub join: Option<&'a str>,
    pub bottom: f32,
    pub correct: Option<usize>,
}

/// The presenter's panel (its bottom at `bottom`): the join link, QR code and code while `show_join` (the QR
/// code as large as the answers leave room for), the students in the room,
/// the poll's histogram (counts and %) and Reveal, CSV and End. `correct` is the step's right answer, marked
/// once the poll is closed.
pub fn presenter(
    ui: &mut egui::Ui,
    session: &Session,
    step: &Lecture<'_>,
    show_join: &mut bool,
    look: Look,
    report: &mut ViewReport,
) -> Option<Asked> {
    let Lecture {
        join,
        bottom,
        correct,
    } = *step;
    let mut asked = None;
    let size = egui::TextStyle::Body.resolve(ui.style()).size;
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Live classroom").strong().size(size * 1.2));
        let end = ui
            .button("End")
            .on_hover_text("Close the room's page here (the room expires)");
        if pressed(report, "live-end", &end) {
            asked = Some(Asked::End);
        }
    });
    link_label(ui, session, look);
    notice_ui(ui, session, look, &mut asked);
    // Read off a projector in two halves: "7K3 M9Q".
    let spaced = match session.code.as_deref() {
        Some(code) => code
            .chars()
            .enumerate()
            .flat_map(|(k, c)| (k == 3).then_some(' ').into_iter().chain([c]))
            .collect::<String>(),
        None => "··· ···".to_owned(),
    };
    let students = session.students;
    let count = ui.label(
        RichText::new(format!(
            "{students} student{}",
            if students == 1 { "" } else { "s" }
        ))
        .size(size * 1.3)
        .strong(),
    );
    report.control("live-students", &count);
    let toggle = ui.toggle_value(show_join, "Join code and QR");
    report.control("live-show-join", &toggle);
    let mut qr_drawn = false;
    if *show_join {
        if let Some(join) = join {
            ui.label("Join at");
            ui.add(egui::Label::new(RichText::new(join).monospace()).wrap());
            // The QR code takes the height the code and the answers leave (one row per answer and the
            // buttons); smaller than 120 points it gives way, the link and code stay.
            let answers = session.tally.as_ref().map_or(0, |t| t.counts.len() + 4);
            let below = size * (6.0 + 2.2 * answers as f32);
            let side = ui.available_width().min(bottom - ui.cursor().top() - below);
            if side >= 120.0
                && let Ok(qr) = Qr::new(join)
            {
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
                let drawn = qr.paint(ui.painter(), rect);
                qr_drawn = true;
                report
                    .controls
                    .push(crate::status::UiRect::at("live-qr", ui.ctx(), drawn));
            }
        }
        ui.label("Room code");
    }
    let big = ui.label(
        RichText::new(spaced)
            .font(FontId::monospace(size * if qr_drawn { 3.0 } else { 2.2 }))
            .strong(),
    );
    report.control("live-code", &big);
    if let Some(tally) = &session.tally {
        ui.separator();
        ui.label(
            RichText::new(if tally.open {
                "Answers so far"
            } else {
                "Answers"
            })
            .strong(),
        );
        histogram(
            ui,
            &tally.counts,
            (!tally.open).then_some(correct).flatten(),
            look,
        );
        report.value(
            "live_tally",
            serde_json::json!({"poll": tally.poll, "counts": tally.counts, "open": tally.open}),
        );
        if tally.open {
            let reveal = ui
                .add(egui::Button::new(
                    RichText::new("Reveal").size(size * 1.3).strong(),
                ))
                .on_hover_text("Close the vote and play the step");
            if pressed(report, "live-reveal", &reveal) {
                asked = Some(Asked::Reveal);
            }
        }
    }
    let csv = ui
        .button("Tallies as CSV")
        .on_hover_text("Every poll of this room: poll, answer, votes");
    if pressed(report, "live-csv", &csv) {
        asked = Some(Asked::Csv);
    }
    asked
}

/// The class's answers: a bar per answer with its count and share, the right one (once revealed) marked in
/// the "ok" colour and in words.
pub fn histogram(ui: &mut egui::Ui, counts: &[usize], correct: Option<usize>, look: Look) {
    let total: usize = counts.iter().sum();
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    // Read from the back of the hall: half again the body text.
    let size = egui::TextStyle::Body.resolve(ui.style()).size * 1.5;
    for (k, &n) in counts.iter().enumerate() {
        let share = if total == 0 {
            0.0
        } else {
            100.0 * n as f64 / total as f64
        };
        let right = correct == Some(k);
        let color = if right {
            look.ok_color()
        } else {
            look.neutral()
        };
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(letter(k).to_string())
                    .size(size)
                    .strong()
                    .monospace(),
            );
            let text = format!("{n} · {share:.0} %{}", if right { " (right)" } else { "" });
            // Laid out once: its width sizes the bar, then it is drawn.
            let galley =
                ui.fonts_mut(|f| f.layout_no_wrap(text, FontId::proportional(size), color));
            let room = (ui.available_width() - galley.size().x - 8.0).max(8.0);
            let (rect, _) =
                ui.allocate_exact_size(egui::vec2(room, size * 1.1), egui::Sense::hover());
            let bar = egui::Rect::from_min_size(
                rect.min,
                egui::vec2(rect.width() * n as f32 / most as f32, rect.height()),
            );
            ui.painter()
                .rect_filled(bar, 2.0, crate::app::look::area(color));
            ui.painter().rect_stroke(
                bar,
                2.0,
                egui::Stroke::new(2.0, color),
                egui::StrokeKind::Inside,
            );
            ui.label(galley);
        });
    }
}

/// A student's strip: following the lecture or exploring, the room and the connection, and a code field
/// when the room is gone.
pub fn student_strip(
    ui: &mut egui::Ui,
    session: &Session,
    following: bool,
    code_field: &mut String,
    look: Look,
    report: &mut ViewReport,
) -> Option<Asked> {
    let mut asked = None;
    let size = egui::TextStyle::Body.resolve(ui.style()).size * 1.15;
    ui.horizontal_wrapped(|ui| {
        let code = session.code.as_deref().unwrap_or("");
        let (what, button) = if following {
            ("Following the lecture", "Explore on my own")
        } else {
            ("Exploring on your own", "Back to the lecture")
        };
        let state = ui.label(RichText::new(what).strong().size(size));
        report.control("live-following", &state);
        let toggle = ui.button(RichText::new(button).size(size));
        if pressed(report, "live-follow", &toggle) {
            asked = Some(Asked::Follow(!following));
        }
        ui.label(format!("room {code}"));
        link_label(ui, session, look);
        if ui.small_button("Leave").clicked() {
            asked = Some(Asked::End);
        }
    });
    notice_ui(ui, session, look, &mut asked);
    if session.link == Link::Stopped {
        ui.horizontal(|ui| {
            ui.label("Room code");
            let field = ui.add(egui::TextEdit::singleline(code_field).desired_width(110.0));
            report.control("live-code-field", &field);
            let join = ui.button("Join");
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if pressed(report, "live-join", &join) || enter {
                asked = Some(Asked::Join(code_field.clone()));
            }
        });
    }
    asked
}

/// The open (or just closed) poll's question with one large button per answer; this device's vote is marked
/// and can change until the poll closes.
pub fn vote_bar(
    ui: &mut egui::Ui,
    session: &Session,
    look: Look,
    report: &mut ViewReport,
) -> Option<Asked> {
    let poll = session.poll.as_ref()?;
    let (prompt, answers) = question(session.state.as_ref()).unwrap_or_else(|| {
        (
            String::new(),
            (0..poll.answers).map(|_| String::new()).collect(),
        )
    });
    let size = egui::TextStyle::Body.resolve(ui.style()).size * 1.25;
    let mut asked = None;
    ui.label(math::job(
        &prompt,
        FontId::proportional(size),
        ui.visuals().strong_text_color(),
    ));
    for k in 0..poll.answers {
        let mine = session.vote == Some(k);
        let text = answers.get(k).map_or("", String::as_str);
        let line = format!("{}{}. {text}", if mine { "▶ " } else { "" }, letter(k));
        let color = if mine {
            look.focus_color()
        } else {
            ui.visuals().text_color()
        };
        let button = egui::Button::new(math::job(&line, FontId::proportional(size), color))
            .wrap()
            .min_size(egui::vec2(ui.available_width(), size * 2.4))
            .stroke(egui::Stroke::new(if mine { 3.0 } else { 1.0 }, color))
            .sense(if poll.open {
                egui::Sense::click()
            } else {
                egui::Sense::hover()
            });
        let response = ui.add(button);
        if let Some(id) = ["vote-0", "vote-1", "vote-2", "vote-3", "vote-4", "vote-5"].get(k) {
            report.control(id, &response);
        }
        if response.clicked() {
            asked = Some(Asked::Vote(k));
        }
    }
    let note = match (poll.open, session.vote) {
        (true, None) => "Tap your answer: the lecturer reveals it.".to_owned(),
        (true, Some(v)) => format!(
            "Your vote: {}. You can change it until the reveal.",
            letter(v)
        ),
        (false, Some(v)) => format!("Voting closed. Your vote: {}.", letter(v)),
        (false, None) => "Voting closed.".to_owned(),
    };
    let note = ui.label(RichText::new(note).italics());
    report.control("vote-note", &note);
    asked
}

/// The narrative's answer buttons on a student's page that follows a live poll: they vote instead of
/// playing the step. The live classroom sets this for the frame; the lesson reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ballot {
    pub vote: Option<usize>,
    pub open: bool,
}

fn ballot_id() -> egui::Id {
    egui::Id::unique("live-ballot")
}

/// Sets (or clears) this frame's ballot.
pub fn set_ballot(ctx: &egui::Context, ballot: Option<Ballot>) {
    ctx.data_mut(|d| match ballot {
        Some(b) => {
            d.insert_temp(ballot_id(), b);
        }
        None => d.remove::<Ballot>(ballot_id()),
    });
}

/// The ballot a student's lesson page votes with, if it follows a live poll.
pub fn ballot(ctx: &egui::Context) -> Option<Ballot> {
    ctx.data(|d| d.get_temp::<Ballot>(ballot_id()))
}

fn cast_id() -> egui::Id {
    egui::Id::unique("live-cast")
}

/// The narrative's vote, for the live classroom to send.
pub fn cast(ctx: &egui::Context, answer: usize) {
    ctx.data_mut(|d| d.insert_temp(cast_id(), answer));
}

/// The vote the narrative cast this frame, taken.
pub fn take_cast(ctx: &egui::Context) -> Option<usize> {
    ctx.data_mut(|d| d.remove_temp::<usize>(cast_id()))
}

//! The live classroom in the app (issue 39, docs/classroom.md): the lecturer's "Go live" opens a room on the
//! page's own `bilevel-lab-server` (`{base}live`), shows its code, join link and QR code beside the stage and
//! the class's answers until Reveal; a student's page (`#join?code=…`) follows the lecturer's step, can leave
//! to explore and come back, and votes with large buttons. One WebSocket a page (ewebsock: the browser's
//! WebSocket, a thread natively), reconnected with backoff; the rules are `session`'s, the drawing `ui`'s.

mod qr;
mod session;
mod shell;
mod ui;

use serde::{Deserialize, Serialize};
use web_time::{Instant, SystemTime, UNIX_EPOCH};

use bilevel_lab_classroom::{ToClient, ToServer, decode, encode};
pub use session::{Backoff, Link, Role, Session};
pub use ui::{Ballot, ballot, cast};

/// Rooms expire after this long idle on the server; a stored room older than this is not tried again.
const ROOM_LIFE_S: u64 = 4 * 3600;

/// The presenter's state goes out at most this often (the protocol's ~10 a second).
const STATE_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// A room this browser held, kept in its storage (the app's settings) so that a reload keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Held {
    pub code: String,
    /// The presenter's secret (empty for a student): in storage only, never in a link.
    pub secret: String,
    /// When the room was last used, in seconds since 1970.
    pub at: u64,
}

/// What the browser remembers of the live classroom.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Memory {
    /// This browser's random voter id (no personal data).
    pub device: String,
    pub presenter: Option<Held>,
    pub student: Option<Held>,
}

/// The page's live classroom: its session, socket and what the page shows of it.
#[derive(Default)]
pub struct Live {
    session: Option<Session>,
    socket: Option<(ewebsock::WsSender, ewebsock::WsReceiver)>,
    /// A student follows the lecturer's step (or explores on their own).
    pub following: bool,
    /// The last lecture state a following student opened.
    applied_seq: u64,
    last_push: Option<Instant>,
    /// The presenter shows the join code and QR code (hidden once the class is in).
    show_join: bool,
    /// The QR code was drawn last frame (the panel is wider for it).
    qr_shown: bool,
    /// A student's typed room code.
    code_field: String,
    /// The wait before tries (tests shorten it).
    backoff: Backoff,
    /// Natively, the live server's page (else `BILEVEL_LAB_SERVER` or the default).
    server: Option<String>,
}

/// Seconds since 1970.
fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The live endpoint for the page at `page` (`http://host/base/…` → `ws://host/base/live`).
pub fn socket_url(page: &str) -> Result<String, String> {
    let page = page.split(['#', '?']).next().unwrap_or_default();
    let (scheme, rest) = page
        .split_once("://")
        .ok_or_else(|| format!("the page's address `{page}` has no scheme"))?;
    let ws = match scheme {
        "http" => "ws",
        "https" => "wss",
        other => return Err(format!("a live room needs an http(s) page, not `{other}:`")),
    };
    let dir = match rest.rfind('/') {
        Some(i) => &rest[..=i],
        None => return Ok(format!("{ws}://{rest}/live")),
    };
    Ok(format!("{ws}://{dir}live"))
}

/// The link a student opens to join room `code` (the QR code's text).
pub fn join_url(page: &str, code: &str) -> String {
    let page = page.split('#').next().unwrap_or_default();
    format!("{page}#join?code={code}")
}

impl Live {
    /// The live classroom as the browser left it: a stored room younger than its life is taken up again
    /// (a reload keeps the presenter's room and the student's place).
    pub fn resume(memory: &Memory) -> Self {
        let mut live = Self::default();
        let fresh = |h: &&Held| now_s().saturating_sub(h.at) < ROOM_LIFE_S && !h.code.is_empty();
        if let Some(held) = memory.presenter.as_ref().filter(fresh) {
            // A first try that fails says "no live server" with Try again (the page may be another host's).
            let mut s = Session::new(Role::Presenter, Some(held.code.clone()), String::new());
            s.secret = Some(held.secret.clone());
            live.start(s);
        } else if let Some(held) = memory.student.as_ref().filter(fresh) {
            live.start(Session::new(
                Role::Student,
                Some(held.code.clone()),
                String::new(),
            ));
            live.following = true;
        }
        live
    }

    fn start(&mut self, mut session: Session) {
        session.backoff = self.backoff;
        session.link = Link::Waiting(Instant::now());
        self.session = Some(session);
        self.socket = None;
        self.applied_seq = 0;
        self.last_push = None;
        self.show_join = true;
    }

    /// The lecturer's "Go live".
    pub fn go_live(&mut self) {
        self.start(Session::new(Role::Presenter, None, String::new()));
    }

    /// A student joins room `code` (typed leniently), or is told why the code is not one.
    pub fn join(&mut self, typed: &str) -> Result<(), String> {
        let code = bilevel_lab_classroom::normalize_code(typed)?;
        self.start(Session::new(Role::Student, Some(code), String::new()));
        self.following = true;
        Ok(())
    }

    /// Leaves the room (the presenter's End, the student's Leave).
    pub fn end(&mut self) {
        if let Some((mut tx, _)) = self.socket.take() {
            tx.close();
        }
        self.session = None;
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Sets the wait between tries (tests).
    pub fn set_backoff(&mut self, backoff: Backoff) {
        self.backoff = backoff;
        if let Some(s) = &mut self.session {
            s.backoff = backoff;
        }
    }

    fn send(&mut self, msgs: Vec<ToServer>) {
        if let Some((tx, _)) = &mut self.socket {
            for msg in msgs {
                tx.send(ewebsock::WsMessage::Text(encode(&msg)));
            }
        }
    }

    /// A frame's traffic: connects when a try is due, reads what arrived, and tries again after a loss.
    /// `url` is the live endpoint; the page repaints when a message arrives or a try falls due.
    pub fn poll(&mut self, ctx: &egui::Context, url: &Result<String, String>, device: &str) {
        let now = Instant::now();
        let Some(session) = &mut self.session else {
            return;
        };
        session.device = device.to_owned();
        if session.due(now) {
            match url {
                Ok(url) => {
                    let wake = ctx.clone();
                    let options = ewebsock::Options {
                        max_incoming_frame_size: bilevel_lab_classroom::MAX_FRAME,
                        ..ewebsock::Options::default()
                    };
                    match ewebsock::connect_with_wakeup(url.as_str(), options, move || {
                        wake.request_repaint();
                    }) {
                        Ok(socket) => {
                            session.link = Link::Connecting;
                            self.socket = Some(socket);
                        }
                        Err(e) => {
                            session.closed(now);
                            session.notice.get_or_insert(e);
                        }
                    }
                }
                Err(e) => {
                    session.link = Link::Stopped;
                    session.notice = Some(e.clone());
                }
            }
        }
        let mut out = Vec::new();
        let mut lost = false;
        while let Some(event) = self.socket.as_ref().and_then(|(_, rx)| rx.try_recv()) {
            match event {
                ewebsock::WsEvent::Opened => out.extend(session.opened()),
                ewebsock::WsEvent::Message(ewebsock::WsMessage::Text(text)) => {
                    match decode::<ToClient>(&text) {
                        Ok(msg) => out.extend(session.received(msg)),
                        Err((_, why)) => session.notice = Some(format!("the server sent {why}")),
                    }
                }
                ewebsock::WsEvent::Message(_) => {}
                ewebsock::WsEvent::Error(_) | ewebsock::WsEvent::Closed => lost = true,
            }
        }
        self.send(out);
        let Some(session) = &mut self.session else {
            return;
        };
        if lost {
            self.socket = None;
            session.closed(now);
        }
        if let Link::Waiting(at) = session.link {
            ctx.request_repaint_after(at.saturating_duration_since(now));
        }
    }

    /// What the browser should remember now (the room held, refreshed while it is used).
    pub fn remember(&self, memory: &mut Memory) {
        let held = self.session.as_ref().and_then(|s| {
            Some(Held {
                code: s.code.clone()?,
                secret: s.secret.clone().unwrap_or_default(),
                at: now_s(),
            })
        });
        let role = self.session.as_ref().map(|s| s.role.clone());
        let keep = |slot: &mut Option<Held>, mine: bool| {
            let new = held.clone().filter(|_| mine);
            // Refreshed at most once a minute: the settings are saved when they change.
            let same = match (&*slot, &new) {
                (Some(a), Some(b)) => a.code == b.code && b.at.saturating_sub(a.at) < 60,
                (None, None) => true,
                _ => false,
            };
            if !same {
                *slot = new;
            }
        };
        keep(&mut memory.presenter, role == Some(Role::Presenter));
        keep(&mut memory.student, role == Some(Role::Student));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_endpoint_and_the_join_link_follow_the_page() {
        let url = |p: &str| socket_url(p).unwrap_or_else(|e| e);
        assert_eq!(url("http://127.0.0.1:8080/"), "ws://127.0.0.1:8080/live");
        assert_eq!(
            url("https://lab.example.org/course/index.html?x=1#lesson?id=a"),
            "wss://lab.example.org/course/live"
        );
        assert_eq!(url("http://h:1"), "ws://h:1/live");
        assert!(url("file:///x/index.html").contains("`file:`"));
        assert_eq!(
            join_url("https://h/c/#lesson?id=a&step=2", "ABC123"),
            "https://h/c/#join?code=ABC123"
        );
    }
}

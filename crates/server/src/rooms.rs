//! The rooms, as a state machine without sockets or clocks: each message a connection sends, each connection
//! that ends and each tick of time goes in with the time now, and what to send to whom comes out. The server
//! (`live`) only moves frames; the tests drive this directly and through the server.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bilevel_lab_classroom::{Fault, MAX_ANSWERS, ToClient, ToServer, code_of, normalize_code};
use serde_json::Value;

use crate::poll::{PollState, csv_field};

/// A connection, numbered by the server.
pub type Conn = u64;

/// The limits a server keeps (`Settings` sets them; tests shrink them).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_rooms: usize,
    pub max_students: usize,
    /// A room nobody has sent anything to for this long is closed.
    pub expiry: Duration,
    /// The presenter's tally is sent at most once per period.
    pub tally_period: Duration,
}

/// What to send, and which connections to close after sending.
#[derive(Debug, Default)]
pub struct Effects {
    pub send: Vec<(Conn, ToClient)>,
    pub close: Vec<Conn>,
}

impl Effects {
    fn to(&mut self, conn: Conn, msg: ToClient) {
        self.send.push((conn, msg));
    }

    fn refuse(&mut self, conn: Conn, error: Fault, message: impl Into<String>) {
        let message = message.into();
        self.to(conn, ToClient::Error { error, message });
    }
}

/// Who a connection is.
#[derive(Clone, Debug)]
enum Role {
    Presenter(String),
    Student { code: String, device: String },
}

struct Room {
    secret: String,
    presenter: Option<Conn>,
    /// Students' connections and their devices.
    students: BTreeMap<Conn, String>,
    state: Option<Value>,
    poll: Option<PollState>,
    /// Closed polls, oldest first (the CSV).
    past: Vec<PollState>,
    active: Duration,
    tally_due: bool,
    tally_sent: Option<Duration>,
}

/// Every room of a server.
pub struct Rooms {
    rooms: HashMap<String, Room>,
    roles: HashMap<Conn, Role>,
    limits: Limits,
    random: Box<dyn FnMut() -> u64 + Send>,
}

impl Rooms {
    /// No rooms yet; codes and secrets drawn from `random`.
    pub fn new(limits: Limits, random: Box<dyn FnMut() -> u64 + Send>) -> Self {
        Self {
            rooms: HashMap::new(),
            roles: HashMap::new(),
            limits,
            random,
        }
    }

    /// Rooms open now.
    pub fn len(&self) -> usize {
        self.rooms.len()
    }

    /// Whether no room is open.
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// What `msg` from `conn` does at `now`.
    pub fn handle(&mut self, conn: Conn, msg: ToServer, now: Duration) -> Effects {
        let mut out = self.tick(now);
        let role = self.roles.get(&conn).cloned();
        match (msg, role) {
            (ToServer::Create | ToServer::Present { .. } | ToServer::Join { .. }, Some(_)) => {
                out.refuse(
                    conn,
                    Fault::AlreadyInRoom,
                    "this connection is in a room already",
                );
            }
            (ToServer::Create, None) => self.create(conn, now, &mut out),
            (ToServer::Present { code, secret }, None) => {
                self.present(conn, (&code, &secret), now, &mut out);
            }
            (ToServer::Join { code, device }, None) => {
                self.join(conn, (&code, device), now, &mut out);
            }
            (ToServer::Vote { poll, answer }, Some(Role::Student { code, device })) => {
                self.vote(conn, (&code, device), (&poll, answer), now, &mut out);
            }
            (ToServer::Vote { .. }, _) => {
                out.refuse(conn, Fault::NotStudent, "only a student in a room votes");
            }
            (msg, Some(Role::Presenter(code))) => self.lead(conn, &code, msg, now, &mut out),
            (_, _) => out.refuse(
                conn,
                Fault::NotPresenter,
                "only the room's presenter sends this",
            ),
        }
        self.flush(now, &mut out);
        out
    }

    /// `conn` has gone: a student leaves its room (its vote stays), a presenter's room waits for it.
    pub fn leave(&mut self, conn: Conn, now: Duration) -> Effects {
        let mut out = Effects::default();
        match self.roles.remove(&conn) {
            Some(Role::Student { code, .. }) => {
                if let Some(room) = self.rooms.get_mut(&code) {
                    room.students.remove(&conn);
                    room.tally_due = true;
                }
            }
            Some(Role::Presenter(code)) => {
                if let Some(room) = self.rooms.get_mut(&code)
                    && room.presenter == Some(conn)
                {
                    room.presenter = None;
                }
            }
            None => {}
        }
        self.flush(now, &mut out);
        out
    }

    /// Time passes: rooms idle past the expiry close (their members are told), due tallies go out.
    pub fn tick(&mut self, now: Duration) -> Effects {
        let mut out = Effects::default();
        let expiry = self.limits.expiry;
        let expired: Vec<String> = self
            .rooms
            .iter()
            .filter(|(_, r)| now.saturating_sub(r.active) >= expiry)
            .map(|(c, _)| c.clone())
            .collect();
        for code in expired {
            if let Some(room) = self.rooms.remove(&code) {
                let reason = format!(
                    "room {code} closed after {} hours without activity",
                    expiry.as_secs() / 3600
                );
                for conn in room.presenter.into_iter().chain(room.students.into_keys()) {
                    self.roles.remove(&conn);
                    out.to(
                        conn,
                        ToClient::Closed {
                            reason: reason.clone(),
                        },
                    );
                }
            }
        }
        self.flush(now, &mut out);
        out
    }

    fn create(&mut self, conn: Conn, now: Duration, out: &mut Effects) {
        if self.rooms.len() >= self.limits.max_rooms {
            let why = format!(
                "this server holds {} rooms, its most; try later",
                self.limits.max_rooms
            );
            out.refuse(conn, Fault::ServerFull, why);
            return;
        }
        let code = loop {
            let code = code_of(((self.random)() & ((1 << 30) - 1)) as u32);
            if !self.rooms.contains_key(&code) {
                break code;
            }
        };
        let secret = format!("{:016x}{:016x}", (self.random)(), (self.random)());
        self.rooms.insert(
            code.clone(),
            Room {
                secret: secret.clone(),
                presenter: Some(conn),
                students: BTreeMap::new(),
                state: None,
                poll: None,
                past: Vec::new(),
                active: now,
                tally_due: false,
                tally_sent: None,
            },
        );
        self.roles.insert(conn, Role::Presenter(code.clone()));
        out.to(conn, ToClient::Created { code, secret });
    }

    fn present(
        &mut self,
        conn: Conn,
        (code, secret): (&str, &str),
        now: Duration,
        out: &mut Effects,
    ) {
        let Some((code, room)) = self.room(code, conn, out) else {
            return;
        };
        if room.secret != secret {
            out.refuse(
                conn,
                Fault::WrongSecret,
                format!("the secret of room {code} is not this one"),
            );
            return;
        }
        let old = room.presenter.replace(conn);
        room.active = now;
        room.tally_due = room.poll.is_some();
        room.tally_sent = None;
        let presenting = ToClient::Presenting {
            code: code.clone(),
            students: room.students.len(),
            state: room.state.clone(),
            poll: room.poll.as_ref().map(PollState::shown),
        };
        if let Some(old) = old {
            self.roles.remove(&old);
            let reason = "another presenter page took this room".to_owned();
            out.to(old, ToClient::Closed { reason });
        }
        out.to(conn, presenting);
        self.roles.insert(conn, Role::Presenter(code));
    }

    fn join(
        &mut self,
        conn: Conn,
        (code, device): (&str, String),
        now: Duration,
        out: &mut Effects,
    ) {
        let max = self.limits.max_students;
        let Some((code, room)) = self.room(code, conn, out) else {
            return;
        };
        if room.students.len() >= max {
            let why = format!("room {code} has {max} students, its most");
            out.refuse(conn, Fault::RoomFull, why);
            return;
        }
        room.students.insert(conn, device.clone());
        room.active = now;
        room.tally_due = true;
        let joined = ToClient::Joined {
            code: code.clone(),
            state: room.state.clone(),
            poll: room.poll.as_ref().map(PollState::shown),
            vote: room
                .poll
                .as_ref()
                .and_then(|p| p.votes.get(&device).copied()),
        };
        out.to(conn, joined);
        self.roles.insert(conn, Role::Student { code, device });
    }

    fn vote(
        &mut self,
        conn: Conn,
        (code, device): (&str, String),
        (poll, answer): (&str, usize),
        now: Duration,
        out: &mut Effects,
    ) {
        let Some(room) = self.rooms.get_mut(code) else {
            return;
        };
        let Some(p) = room.poll.as_mut().filter(|p| p.id == poll) else {
            out.refuse(
                conn,
                Fault::NoPoll,
                format!("no poll `{poll}` in this room now"),
            );
            return;
        };
        if !p.open {
            out.refuse(conn, Fault::PollClosed, format!("poll `{poll}` is closed"));
        } else if answer >= p.answers {
            let why = format!("answer {answer} of a poll with {} answers", p.answers);
            out.refuse(conn, Fault::BadAnswer, why);
        } else {
            p.votes.insert(device, answer);
            room.active = now;
            room.tally_due = true;
            out.to(
                conn,
                ToClient::Voted {
                    poll: poll.to_owned(),
                    answer,
                },
            );
        }
    }

    /// A presenter's message about its room.
    fn lead(&mut self, conn: Conn, code: &str, msg: ToServer, now: Duration, out: &mut Effects) {
        let Some(room) = self.rooms.get_mut(code) else {
            return;
        };
        room.active = now;
        let students: Vec<Conn> = room.students.keys().copied().collect();
        match msg {
            ToServer::State { state } => {
                room.state = Some(state.clone());
                for &s in &students {
                    out.to(
                        s,
                        ToClient::State {
                            state: state.clone(),
                        },
                    );
                }
            }
            ToServer::OpenPoll { poll, answers } => {
                if !(1..=MAX_ANSWERS).contains(&answers) {
                    let why = format!("a poll has 1 to {MAX_ANSWERS} answers (got {answers})");
                    out.refuse(conn, Fault::BadAnswer, why);
                    return;
                }
                let same = room
                    .poll
                    .as_ref()
                    .is_some_and(|p| p.id == poll && p.answers == answers);
                if same {
                    if let Some(p) = room.poll.as_mut() {
                        p.open = true;
                    }
                } else {
                    let next = PollState {
                        id: poll,
                        answers,
                        open: true,
                        votes: HashMap::new(),
                    };
                    if let Some(old) = room.poll.replace(next) {
                        room.past.push(old);
                    }
                }
                room.tally_due = true;
                room.tally_sent = None;
                let shown = room.poll.as_ref().map(PollState::shown);
                for &s in &students {
                    out.to(
                        s,
                        ToClient::Poll {
                            poll: shown.clone(),
                        },
                    );
                }
            }
            ToServer::ClosePoll => {
                let Some(p) = room.poll.as_mut() else {
                    out.refuse(conn, Fault::NoPoll, "no poll is open");
                    return;
                };
                p.open = false;
                room.tally_due = true;
                room.tally_sent = None;
                let shown = Some(p.shown());
                for &s in &students {
                    out.to(
                        s,
                        ToClient::Poll {
                            poll: shown.clone(),
                        },
                    );
                }
            }
            ToServer::Csv => {
                let mut text = String::from("poll,answer,votes\n");
                for p in room.past.iter().chain(room.poll.as_ref()) {
                    for (a, n) in p.counts().iter().enumerate() {
                        text.push_str(&format!("{},{},{n}\n", csv_field(&p.id), a));
                    }
                }
                out.to(conn, ToClient::Csv { text });
            }
            ToServer::Create
            | ToServer::Present { .. }
            | ToServer::Join { .. }
            | ToServer::Vote { .. } => {}
        }
    }

    /// The room of a typed code, or the refusal said to `conn`.
    fn room(&mut self, typed: &str, conn: Conn, out: &mut Effects) -> Option<(String, &mut Room)> {
        let code = match normalize_code(typed) {
            Ok(code) => code,
            Err(why) => {
                out.refuse(conn, Fault::NoRoom, why);
                return None;
            }
        };
        if let Some(room) = self.rooms.get_mut(&code) {
            return Some((code, room));
        }
        let why = format!("no room {code} on this server (closed, or the server restarted)");
        out.refuse(conn, Fault::NoRoom, why);
        None
    }

    /// Sends each due tally whose period has passed to its room's presenter.
    fn flush(&mut self, now: Duration, out: &mut Effects) {
        let period = self.limits.tally_period;
        for room in self.rooms.values_mut() {
            let ready = room
                .tally_sent
                .is_none_or(|t| now.saturating_sub(t) >= period);
            let (Some(presenter), true, true) = (room.presenter, room.tally_due, ready) else {
                continue;
            };
            // Without a poll the tally still counts the students in the room.
            let tally = ToClient::Tally {
                poll: room.poll.as_ref().map(|p| p.id.clone()).unwrap_or_default(),
                counts: room
                    .poll
                    .as_ref()
                    .map(PollState::counts)
                    .unwrap_or_default(),
                open: room.poll.as_ref().is_some_and(|p| p.open),
                students: room.students.len(),
            };
            out.to(presenter, tally);
            room.tally_due = false;
            room.tally_sent = Some(now);
        }
    }
}

#[cfg(test)]
#[path = "tests_rooms.rs"]
mod tests;

//! A live classroom connection's rules (issue 39, docs/classroom.md), without a socket or a clock of its own:
//! what to say when the connection opens, what each server message changes, when to try again (backoff), and
//! what the page says meanwhile. `live::Live` feeds it a socket's events and the time; the tests feed it
//! messages and instants.

use std::time::Duration;

use bilevel_lab_classroom::{Fault, Poll, ToClient, ToServer};
use serde_json::Value;
use web_time::Instant;

/// Who this page is in the room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// The lecturer's page: creates the room (or takes it back with its secret) and leads it.
    Presenter,
    /// A student's page, in the room of this code.
    Student,
}

/// How long to wait before trying again: `first`, doubled at each failed try, at most `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }
    }
}

impl Backoff {
    /// The wait before try `attempt` (1 after the first failure).
    pub fn wait(&self, attempt: u32) -> Duration {
        let doubled = self
            .first
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        doubled.min(self.max)
    }
}

/// Where the connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// A connection is being made.
    Connecting,
    /// Connected, and the room is held (created, presented or joined).
    Open,
    /// Lost: the next try is at this instant.
    Waiting(Instant),
    /// No more tries (no live server on this host, the room is gone, the room is full): see the notice.
    Stopped,
}

/// The tally of the open (or last) poll, as the presenter sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub poll: String,
    pub counts: Vec<usize>,
    pub open: bool,
}

/// One page's place in a live room.
#[derive(Clone, Debug)]
pub struct Session {
    pub role: Role,
    /// The room's code (a presenter's once created).
    pub code: Option<String>,
    /// The presenter's secret (kept in the browser's storage, never in a link).
    pub secret: Option<String>,
    /// This browser's random voter id.
    pub device: String,
    pub backoff: Backoff,
    pub link: Link,
    /// Failed tries since the last open connection.
    pub attempts: u32,
    /// A connection has opened once: a later loss is a reconnect, not "no live server here".
    pub ever_open: bool,
    pub students: usize,
    /// The lecture's state, and how many states have arrived (a student follows each new one).
    pub state: Option<Value>,
    pub state_seq: u64,
    pub poll: Option<Poll>,
    /// This device's counted vote in `poll`.
    pub vote: Option<usize>,
    pub tally: Option<Tally>,
    /// What the page says about the room (a restart, a refusal), until the next open connection.
    pub notice: Option<String>,
    /// CSV the presenter asked for, to be saved.
    pub csv: Option<String>,
    /// The presenter's state and poll as the server has them (sent again after a new room).
    pub sent_state: Option<Value>,
    pub sent_poll: Option<(String, usize, bool)>,
}

/// What the page says when a first connection fails: the site is served without `bilevel-lab-server`.
pub const NO_SERVER: &str = "This host has no live server (a static site). Start one with ./scripts/serve.sh \
     on a laptop or a VM (docs/classroom.md).";

impl Session {
    pub fn new(role: Role, code: Option<String>, device: String) -> Self {
        Self {
            role,
            code,
            secret: None,
            device,
            backoff: Backoff::default(),
            link: Link::Connecting,
            attempts: 0,
            ever_open: false,
            students: 0,
            state: None,
            state_seq: 0,
            poll: None,
            vote: None,
            tally: None,
            notice: None,
            csv: None,
            sent_state: None,
            sent_poll: None,
        }
    }

    /// The first message on a new connection: create a room, present it again, or join it.
    pub fn opened(&mut self) -> Vec<ToServer> {
        self.link = Link::Connecting;
        match (&self.role, &self.code, &self.secret) {
            (Role::Presenter, Some(code), Some(secret)) => vec![ToServer::Present {
                code: code.clone(),
                secret: secret.clone(),
            }],
            (Role::Presenter, ..) => vec![ToServer::Create],
            (Role::Student, Some(code), _) => vec![ToServer::Join {
                code: code.clone(),
                device: self.device.clone(),
            }],
            (Role::Student, None, _) => {
                self.link = Link::Stopped;
                Vec::new()
            }
        }
    }

    /// The connection was lost (or never made): try again after the backoff, or stop when no connection
    /// ever opened (a static host answers no WebSocket).
    pub fn closed(&mut self, now: Instant) {
        if self.link == Link::Stopped {
            return;
        }
        if !self.ever_open {
            self.link = Link::Stopped;
            self.notice = Some(NO_SERVER.to_owned());
            return;
        }
        self.attempts += 1;
        self.link = Link::Waiting(now + self.backoff.wait(self.attempts));
        self.sent_state = None;
        self.sent_poll = None;
    }

    /// A message from the server; returns what to answer.
    pub fn received(&mut self, msg: ToClient) -> Vec<ToServer> {
        match msg {
            ToClient::Created { code, secret } => {
                // After a lost room the notice stays: the class must hear of the new code.
                let gone = self.notice.take().filter(|n| n.starts_with("Room "));
                self.held();
                self.notice = gone.map(|n| format!("{n} The new room's code is {code}."));
                self.code = Some(code);
                self.secret = Some(secret);
            }
            ToClient::Presenting {
                students, state, ..
            } => {
                self.students = students;
                self.sent_state = state;
                self.held();
            }
            ToClient::Joined {
                state, poll, vote, ..
            } => {
                self.set_state(state);
                self.poll = poll;
                self.vote = vote;
                self.held();
            }
            ToClient::State { state } => self.set_state(Some(state)),
            ToClient::Poll { poll } => {
                if self.poll.as_ref().map(|p| &p.poll) != poll.as_ref().map(|p| &p.poll) {
                    self.vote = None;
                }
                self.poll = poll;
            }
            ToClient::Voted { answer, .. } => self.vote = Some(answer),
            ToClient::Tally {
                poll,
                counts,
                open,
                students,
            } => {
                self.students = students;
                self.tally = (!poll.is_empty()).then_some(Tally { poll, counts, open });
            }
            ToClient::Csv { text } => self.csv = Some(text),
            ToClient::Error { error, message } => return self.refused(error, message),
            ToClient::Closed { reason } => return self.room_gone(&reason),
        }
        Vec::new()
    }

    fn held(&mut self) {
        self.link = Link::Open;
        self.attempts = 0;
        self.ever_open = true;
        self.notice = None;
    }

    fn set_state(&mut self, state: Option<Value>) {
        if state.is_some() {
            self.state = state;
            self.state_seq += 1;
        }
    }

    fn refused(&mut self, fault: Fault, message: String) -> Vec<ToServer> {
        match fault {
            Fault::NoRoom | Fault::WrongSecret => self.room_gone("closed, or the server restarted"),
            Fault::RoomFull | Fault::ServerFull | Fault::WrongVersion => {
                self.link = Link::Stopped;
                self.notice = Some(message);
                Vec::new()
            }
            _ => {
                self.notice = Some(message);
                Vec::new()
            }
        }
    }

    /// The room is gone: a presenter opens a new one at once (its page shows the new code); a student is
    /// told and asked for the code on the projector.
    fn room_gone(&mut self, why: &str) -> Vec<ToServer> {
        let old = self.code.clone().unwrap_or_default();
        self.poll = None;
        self.vote = None;
        self.tally = None;
        match self.role {
            Role::Presenter => {
                self.code = None;
                self.secret = None;
                self.sent_state = None;
                self.sent_poll = None;
                self.notice = Some(format!("Room {old} is gone ({why})."));
                vec![ToServer::Create]
            }
            Role::Student => {
                self.link = Link::Stopped;
                self.notice = Some(format!(
                    "Room {old} is gone ({why}). Type the code the projector shows."
                ));
                Vec::new()
            }
        }
    }

    /// The presenter's lecture now and its poll (`(id, answers, open)`): what to send to bring the room
    /// up to date, the state at most once per `every` (`last` is when it was last sent).
    pub fn lead(
        &mut self,
        state: &Value,
        poll: Option<(String, usize, bool)>,
        now: Instant,
        last: &mut Option<Instant>,
        every: Duration,
    ) -> Vec<ToServer> {
        if self.link != Link::Open || self.role != Role::Presenter {
            return Vec::new();
        }
        let mut out = Vec::new();
        let due = last.is_none_or(|t| now.duration_since(t) >= every);
        if self.sent_state.as_ref() != Some(state) && due {
            out.push(ToServer::State {
                state: state.clone(),
            });
            self.sent_state = Some(state.clone());
            *last = Some(now);
        }
        if poll != self.sent_poll {
            match &poll {
                Some((id, answers, true)) => out.push(ToServer::OpenPoll {
                    poll: id.clone(),
                    answers: *answers,
                }),
                Some((_, _, false)) | None => {
                    if self.sent_poll.as_ref().is_some_and(|p| p.2) {
                        out.push(ToServer::ClosePoll);
                    }
                }
            }
            self.sent_poll = poll;
        }
        out
    }

    /// A student's vote in the open poll.
    pub fn cast(&self, answer: usize) -> Option<ToServer> {
        let poll = self.poll.as_ref().filter(|p| p.open)?;
        (self.link == Link::Open && answer < poll.answers).then(|| ToServer::Vote {
            poll: poll.poll.clone(),
            answer,
        })
    }

    /// Is it time to connect again?
    pub fn due(&self, now: Instant) -> bool {
        matches!(self.link, Link::Waiting(at) if now >= at)
    }

    /// What the page says about the connection, in a few words.
    pub fn link_text(&self, now: Instant) -> String {
        match self.link {
            Link::Connecting if self.attempts > 0 => {
                format!("reconnecting (try {})…", self.attempts + 1)
            }
            Link::Connecting => "connecting…".to_owned(),
            Link::Open => "connected".to_owned(),
            Link::Waiting(at) => format!(
                "connection lost: trying again in {:.0} s",
                at.saturating_duration_since(now).as_secs_f32().ceil()
            ),
            Link::Stopped => "not connected".to_owned(),
        }
    }
}

#[cfg(test)]
#[path = "tests_session.rs"]
mod tests;

//! The live classroom's protocol (issue 39, docs/classroom.md): the messages a presenter's page, the students'
//! phones and `bilevel-lab-server` exchange over one WebSocket each, as JSON text frames `{"v": 1, "type": …}`.
//!
//! A presenter creates a room and gets its code (6 symbols of Crockford's base32: 2³⁰ ≈ 10⁹ codes) and a
//! secret, returned once; it pushes the lecture's `state` (lesson, step, the view's link) and opens and closes
//! a poll on the step's question. Students join by code, receive the state and the open poll, and vote — one
//! vote per device, changeable until the poll closes. The presenter receives the tally. Both sides use these
//! types; nothing here knows about sockets, threads or time.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The protocol's version, the `v` of every frame; a frame of another version is refused by name.
pub const VERSION: u64 = 1;

/// The largest frame either side accepts, in bytes.
pub const MAX_FRAME: usize = 16 * 1024;

/// Symbols in a room code.
pub const CODE_LEN: usize = 6;

/// Crockford's base32: digits and capitals without I, L, O and U, so a code read off a projector is not
/// mistyped (`normalize_code` reads I and L as 1, O as 0).
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The most answers a poll has (the lesson format's questions have at most 6).
pub const MAX_ANSWERS: usize = 8;

/// A message to the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ToServer {
    /// A presenter opens a room; the answer is `Created`.
    Create,
    /// A presenter takes its room back (a reload, a new connection) with the secret `Created` gave.
    Present { code: String, secret: String },
    /// The presenter's lecture now: the lesson, the step and the view's link (what a late joiner receives).
    State { state: Value },
    /// The presenter opens a poll on the step's question, `answers` choices (0 … answers − 1).
    OpenPoll { poll: String, answers: usize },
    /// The presenter closes the open poll: votes stop, the tally stays.
    ClosePoll,
    /// The presenter asks for every poll's tally as CSV (`Csv`).
    Csv,
    /// A student joins a room; `device` is a random id the phone keeps, so a reconnect is the same voter.
    Join { code: String, device: String },
    /// A student's vote (or changed vote) in the open poll.
    Vote { poll: String, answer: usize },
}

/// A poll as the students see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poll {
    pub poll: String,
    pub answers: usize,
    pub open: bool,
}

/// A message from the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToClient {
    /// The new room's code and the presenter's secret (sent once, only to the presenter).
    Created { code: String, secret: String },
    /// The presenter holds its room: who is in it and what the students see.
    Presenting {
        code: String,
        students: usize,
        state: Option<Value>,
        poll: Option<Poll>,
    },
    /// A student is in the room: the lecture's state and poll now.
    Joined {
        code: String,
        state: Option<Value>,
        poll: Option<Poll>,
        /// This device's vote in that poll, when it has one (a reconnect).
        vote: Option<usize>,
    },
    /// The presenter's new state, to every student.
    State { state: Value },
    /// A poll opened or closed (`None`: no poll), to every student.
    Poll { poll: Option<Poll> },
    /// The student's vote as counted.
    Voted { poll: String, answer: usize },
    /// The poll's counts per answer and the students in the room, to the presenter (at most every tally
    /// period); before the first poll `poll` is empty and `counts` too.
    Tally {
        poll: String,
        counts: Vec<usize>,
        open: bool,
        students: usize,
    },
    /// Every poll of the room so far, as CSV (`poll,answer,votes`).
    Csv { text: String },
    /// A refused message: it was dropped (or, for a fault named so, the connection is closed).
    Error { error: Fault, message: String },
    /// The room is gone (expired, the server restarted): nothing more comes.
    Closed { reason: String },
}

/// Why a message was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    TooLarge,
    Malformed,
    WrongVersion,
    NoRoom,
    WrongSecret,
    NotPresenter,
    NotStudent,
    AlreadyInRoom,
    NoPoll,
    PollClosed,
    BadAnswer,
    RateLimited,
    RoomFull,
    ServerFull,
}

/// `msg` as a frame: its JSON with the version.
pub fn encode<T: Serialize>(msg: &T) -> String {
    let mut value = serde_json::to_value(msg).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("v".to_owned(), Value::from(VERSION));
    }
    value.to_string()
}

/// A frame read: the message, or why it is refused (too large, not JSON, another version, an unknown type
/// or field) with a message naming what is wrong.
pub fn decode<T: for<'de> Deserialize<'de> + Serialize>(frame: &str) -> Result<T, (Fault, String)> {
    if frame.len() > MAX_FRAME {
        let why = format!("a frame of {} bytes (at most {MAX_FRAME})", frame.len());
        return Err((Fault::TooLarge, why));
    }
    let mut value: Value =
        serde_json::from_str(frame).map_err(|e| (Fault::Malformed, format!("not JSON: {e}")))?;
    let Value::Object(map) = &mut value else {
        return Err((Fault::Malformed, "a frame is a JSON object".to_owned()));
    };
    match map.remove("v") {
        Some(v) if v == VERSION => {}
        Some(v) => {
            let why = format!("protocol version {v}; this server speaks {VERSION}");
            return Err((Fault::WrongVersion, why));
        }
        None => {
            return Err((
                Fault::Malformed,
                "field `v` (the protocol version) is missing".to_owned(),
            ));
        }
    }
    let keys: Vec<String> = map.keys().cloned().collect();
    let msg: T = serde_json::from_value(value).map_err(|e| (Fault::Malformed, e.to_string()))?;
    // Fields the message does not have (serde lets them pass on a variant without fields) are refused too.
    if let Ok(Value::Object(known)) = serde_json::to_value(&msg)
        && let Some(extra) = keys.iter().find(|k| !known.contains_key(*k))
    {
        return Err((Fault::Malformed, format!("unknown field `{extra}`")));
    }
    Ok(msg)
}

/// A room code as typed (lower case, spaces, dashes, I/L for 1, O for 0) in its canonical form, or why it
/// is not one.
pub fn normalize_code(typed: &str) -> Result<String, String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        })
        .collect();
    if code.len() != CODE_LEN || !code.bytes().all(|b| ALPHABET.contains(&b)) {
        return Err(format!(
            "a room code is {CODE_LEN} letters and digits (got `{}`)",
            typed.trim()
        ));
    }
    Ok(code)
}

/// The code of these 30 random bits (5 a symbol).
pub fn code_of(bits: u32) -> String {
    (0..CODE_LEN)
        .map(|k| char::from(ALPHABET[((bits >> (5 * k)) & 31) as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message survives a round trip, with its version.
    #[test]
    fn messages_round_trip_with_their_version() {
        let msgs = [
            ToServer::Create,
            ToServer::Present {
                code: "ABC123".into(),
                secret: "s".into(),
            },
            ToServer::State {
                state: serde_json::json!({"lesson": "x", "step": 2}),
            },
            ToServer::OpenPoll {
                poll: "x/2".into(),
                answers: 3,
            },
            ToServer::ClosePoll,
            ToServer::Csv,
            ToServer::Join {
                code: "ABC123".into(),
                device: "d".into(),
            },
            ToServer::Vote {
                poll: "x/2".into(),
                answer: 1,
            },
        ];
        for msg in msgs {
            let frame = encode(&msg);
            assert!(frame.contains("\"v\":1"), "{frame}");
            assert_eq!(decode::<ToServer>(&frame), Ok(msg));
        }
        let tally = ToClient::Tally {
            poll: "p".into(),
            counts: vec![1, 2],
            open: true,
            students: 3,
        };
        assert_eq!(decode::<ToClient>(&encode(&tally)), Ok(tally));
    }

    /// Bad frames are refused by name: too large, not JSON, no version or another one, an unknown type or field.
    #[test]
    fn bad_frames_are_refused_by_name() {
        let fault = |frame: &str| decode::<ToServer>(frame).err().map(|e| e.0);
        assert_eq!(fault(&"x".repeat(MAX_FRAME + 1)), Some(Fault::TooLarge));
        assert_eq!(fault("{"), Some(Fault::Malformed));
        assert_eq!(fault("[1]"), Some(Fault::Malformed));
        assert_eq!(fault(r#"{"type":"create"}"#), Some(Fault::Malformed));
        assert_eq!(
            fault(r#"{"v":2,"type":"create"}"#),
            Some(Fault::WrongVersion)
        );
        assert_eq!(fault(r#"{"v":1,"type":"launch"}"#), Some(Fault::Malformed));
        assert_eq!(
            fault(r#"{"v":1,"type":"vote","poll":"p"}"#),
            Some(Fault::Malformed)
        );
        assert_eq!(
            fault(r#"{"v":1,"type":"create","x":1}"#),
            Some(Fault::Malformed)
        );
        assert_eq!(fault(r#"{"v":1,"type":"create"}"#), None);
        let (_, why) = decode::<ToServer>(r#"{"v":1,"type":"vote","poll":"p"}"#).unwrap_err();
        assert!(why.contains("answer"), "{why}");
    }

    /// Codes: 30 bits make 6 symbols of the alphabet, every symbol reachable; typed codes are read leniently
    /// and refused with a message when they cannot be one.
    #[test]
    fn codes_are_six_unambiguous_symbols() {
        assert_eq!(code_of(0), "000000");
        assert_eq!(code_of((1 << 30) - 1), "ZZZZZZ");
        let seen: std::collections::HashSet<char> = (0..32u32)
            .flat_map(|k| code_of(k * 0x0842_1084).chars().collect::<Vec<_>>())
            .collect();
        assert_eq!(seen.len(), 32);
        assert_eq!(normalize_code(" abc-1o2 ").as_deref(), Ok("ABC102"));
        assert_eq!(normalize_code("il0000").as_deref(), Ok("110000"));
        assert!(normalize_code("ABCU12").is_err_and(|e| e.contains("6 letters")));
        assert!(normalize_code("ABC12").is_err());
        for code in ["000000", "ZZZZZZ", "7K3M9Q"] {
            assert_eq!(normalize_code(code).as_deref(), Ok(code));
        }
    }
}

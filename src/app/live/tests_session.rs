//! The live session's rules on messages and instants, without a socket.

use std::time::Duration;

use bilevel_lab_classroom::{Fault, Poll, ToClient, ToServer};
use serde_json::json;
use web_time::Instant;

use super::{Backoff, Link, NO_SERVER, Role, Session};

fn created(s: &mut Session) {
    assert_eq!(s.opened(), vec![ToServer::Create]);
    s.received(ToClient::Created {
        code: "ABC123".into(),
        secret: "s3".into(),
    });
}

#[test]
fn backoff_doubles_to_its_cap() {
    let b = Backoff {
        first: Duration::from_millis(500),
        max: Duration::from_secs(8),
    };
    let waits: Vec<u128> = (1..=7).map(|k| b.wait(k).as_millis()).collect();
    assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    assert_eq!(b.wait(60), b.max);
}

#[test]
fn a_first_connection_that_fails_says_there_is_no_live_server() {
    let mut s = Session::new(Role::Presenter, None, "d".into());
    s.closed(Instant::now());
    assert_eq!(s.link, Link::Stopped);
    assert_eq!(s.notice.as_deref(), Some(NO_SERVER));
}

#[test]
fn a_presenter_creates_then_presents_again_after_a_loss_with_backoff() {
    let mut s = Session::new(Role::Presenter, None, "d".into());
    created(&mut s);
    assert_eq!(s.link, Link::Open);
    assert_eq!(
        (s.code.as_deref(), s.secret.as_deref()),
        (Some("ABC123"), Some("s3"))
    );
    let t0 = Instant::now();
    s.closed(t0);
    assert_eq!(s.link, Link::Waiting(t0 + Duration::from_millis(500)));
    assert!(!s.due(t0) && s.due(t0 + Duration::from_millis(500)));
    assert!(
        s.link_text(t0).contains("trying again in 1 s"),
        "{}",
        s.link_text(t0)
    );
    s.opened();
    s.closed(t0);
    assert_eq!(s.link, Link::Waiting(t0 + Duration::from_secs(1)));
    assert_eq!(
        s.opened(),
        vec![ToServer::Present {
            code: "ABC123".into(),
            secret: "s3".into()
        }]
    );
    s.received(ToClient::Presenting {
        code: "ABC123".into(),
        students: 3,
        state: None,
        poll: None,
    });
    assert_eq!((s.link, s.attempts, s.students), (Link::Open, 0, 3));
}

#[test]
fn a_presenter_whose_room_is_gone_opens_a_new_one_and_sends_its_lecture_again() {
    let mut s = Session::new(Role::Presenter, None, "d".into());
    created(&mut s);
    let state = json!({"link": "#lesson?id=a&step=2"});
    let poll = Some(("a/2".to_owned(), 3, true));
    let (now, mut last) = (Instant::now(), None);
    let every = Duration::from_millis(100);
    let out = s.lead(&state, poll.clone(), now, &mut last, every);
    assert_eq!(
        out,
        vec![
            ToServer::State {
                state: state.clone()
            },
            ToServer::OpenPoll {
                poll: "a/2".into(),
                answers: 3
            }
        ]
    );
    assert!(
        s.lead(&state, poll.clone(), now, &mut last, every)
            .is_empty()
    );
    // The server restarted: the old code is refused; a new room, and the lecture is sent again.
    s.closed(now);
    s.opened();
    let again = s.received(ToClient::Error {
        error: Fault::NoRoom,
        message: "closed, or the server restarted".into(),
    });
    assert_eq!(again, vec![ToServer::Create]);
    assert!(
        s.notice
            .as_deref()
            .is_some_and(|n| n.contains("Room ABC123 is gone"))
    );
    s.received(ToClient::Created {
        code: "XYZ789".into(),
        secret: "t".into(),
    });
    assert!(s.notice.as_deref().is_some_and(|n| n == "Room ABC123 is gone (closed, or the server restarted). The new room's code is XYZ789."));
    let later = now + every;
    assert_eq!(s.lead(&state, poll, later, &mut last, every).len(), 2);
    // A revealed step closes the poll; a step without a question sends none.
    let closed = s.lead(
        &state,
        Some(("a/2".into(), 3, false)),
        later,
        &mut last,
        every,
    );
    assert_eq!(closed, vec![ToServer::ClosePoll]);
    assert!(s.lead(&state, None, later, &mut last, every).is_empty());
}

#[test]
fn the_state_goes_out_at_most_once_a_period() {
    let mut s = Session::new(Role::Presenter, None, "d".into());
    created(&mut s);
    let (t0, mut last) = (Instant::now(), None);
    let every = Duration::from_millis(100);
    let a = json!({"link": "#a"});
    let b = json!({"link": "#b"});
    assert_eq!(s.lead(&a, None, t0, &mut last, every).len(), 1);
    let soon = t0 + Duration::from_millis(40);
    assert!(
        s.lead(&b, None, soon, &mut last, every).is_empty(),
        "held back"
    );
    assert_eq!(s.lead(&b, None, t0 + every, &mut last, every).len(), 1);
}

#[test]
fn a_student_joins_follows_votes_and_is_told_when_the_room_is_gone() {
    let mut s = Session::new(Role::Student, Some("ABC123".into()), "dev".into());
    assert_eq!(
        s.opened(),
        vec![ToServer::Join {
            code: "ABC123".into(),
            device: "dev".into()
        }]
    );
    let poll = Poll {
        poll: "a/2".into(),
        answers: 3,
        open: true,
    };
    s.received(ToClient::Joined {
        code: "ABC123".into(),
        state: Some(json!({"link": "#x"})),
        poll: Some(poll.clone()),
        vote: Some(1),
    });
    assert_eq!((s.link, s.state_seq, s.vote), (Link::Open, 1, Some(1)));
    assert_eq!(
        s.cast(2),
        Some(ToServer::Vote {
            poll: "a/2".into(),
            answer: 2
        })
    );
    assert_eq!(s.cast(3), None, "no answer D");
    s.received(ToClient::State {
        state: json!({"link": "#y"}),
    });
    assert_eq!(s.state_seq, 2);
    s.received(ToClient::Poll {
        poll: Some(Poll {
            open: false,
            ..poll.clone()
        }),
    });
    assert_eq!(s.vote, Some(1), "the same poll, closed: the vote stays");
    assert_eq!(s.cast(0), None, "closed");
    s.received(ToClient::Poll {
        poll: Some(Poll {
            poll: "a/3".into(),
            ..poll
        }),
    });
    assert_eq!(s.vote, None, "a new poll");
    // A lost connection is tried again; the room is gone after a restart: told, and no more tries.
    let t0 = Instant::now();
    s.closed(t0);
    assert!(matches!(s.link, Link::Waiting(_)));
    s.opened();
    s.received(ToClient::Error {
        error: Fault::NoRoom,
        message: "no room ABC123 (closed, or the server restarted)".into(),
    });
    assert_eq!(s.link, Link::Stopped);
    assert!(
        s.notice
            .as_deref()
            .is_some_and(|n| n.contains("Type the code"))
    );
    s.closed(t0);
    assert_eq!(s.link, Link::Stopped, "no retry into a gone room");
}

#[test]
fn a_full_room_stops_the_tries_with_the_servers_reason() {
    let mut s = Session::new(Role::Student, Some("ABC123".into()), "d".into());
    s.ever_open = true;
    s.opened();
    s.received(ToClient::Error {
        error: Fault::RoomFull,
        message: "room ABC123 is full (500 students)".into(),
    });
    assert_eq!(s.link, Link::Stopped);
    assert!(s.notice.as_deref().is_some_and(|n| n.contains("full")));
}

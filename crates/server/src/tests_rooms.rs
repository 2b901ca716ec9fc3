//! The rooms' rules, without a network: create, present again, join, follow, vote and change a vote, the
//! tally's period, expiry, the limits and every refusal.

use super::*;

const S: Duration = Duration::from_secs(1);

fn rooms(tally_period: Duration) -> Rooms {
    let mut n = 0x1234_5678_9abc_def0_u64;
    let limits = Limits {
        max_rooms: 3,
        max_students: 4,
        expiry: Duration::from_secs(4 * 3600),
        tally_period,
    };
    Rooms::new(
        limits,
        Box::new(move || {
            // xorshift: deterministic codes and secrets.
            n ^= n << 13;
            n ^= n >> 7;
            n ^= n << 17;
            n
        }),
    )
}

fn created(out: &Effects) -> (String, String) {
    match &out.send[..] {
        [(_, ToClient::Created { code, secret })] => (code.clone(), secret.clone()),
        other => panic!("{other:?}"),
    }
}

fn fault(out: &Effects) -> Option<Fault> {
    out.send.iter().find_map(|(_, m)| match m {
        ToClient::Error { error, .. } => Some(*error),
        _ => None,
    })
}

fn tallies(out: &Effects) -> Vec<(Vec<usize>, usize)> {
    out.send
        .iter()
        .filter_map(|(_, m)| match m {
            ToClient::Tally {
                counts, students, ..
            } => Some((counts.clone(), *students)),
            _ => None,
        })
        .collect()
}

fn join(r: &mut Rooms, conn: Conn, code: &str, now: Duration) -> Effects {
    r.handle(
        conn,
        ToServer::Join {
            code: code.to_owned(),
            device: format!("d{conn}"),
        },
        now,
    )
}

#[test]
fn a_class_follows_votes_changes_a_vote_and_the_presenter_sees_the_tally() {
    let mut r = rooms(Duration::ZERO);
    let (code, _) = created(&r.handle(1, ToServer::Create, S));
    assert_eq!(code.len(), 6);
    for s in 10..13 {
        let out = join(&mut r, s, &code.to_lowercase(), S);
        assert!(
            matches!(out.send[0], (c, ToClient::Joined { .. }) if c == s),
            "{out:?}"
        );
    }
    // The state reaches every student.
    let state = serde_json::json!({"lesson": "cycles", "step": 3});
    let out = r.handle(
        1,
        ToServer::State {
            state: state.clone(),
        },
        S,
    );
    let to: Vec<Conn> = out.send.iter().map(|(c, _)| *c).collect();
    assert_eq!(to, vec![10, 11, 12]);
    // A poll opens for the students; votes are counted, a changed vote moves.
    let out = r.handle(
        1,
        ToServer::OpenPoll {
            poll: "cycles/3".into(),
            answers: 3,
        },
        S,
    );
    assert_eq!(
        out.send
            .iter()
            .filter(|(_, m)| matches!(m, ToClient::Poll { .. }))
            .count(),
        3
    );
    assert_eq!(tallies(&out), vec![(vec![0, 0, 0], 3)]);
    for (s, a) in [(10, 1), (11, 1), (12, 2), (10, 0)] {
        let out = r.handle(
            s,
            ToServer::Vote {
                poll: "cycles/3".into(),
                answer: a,
            },
            S,
        );
        assert!(
            matches!(out.send[0], (c, ToClient::Voted { answer, .. }) if c == s && answer == a)
        );
    }
    let out = r.handle(1, ToServer::ClosePoll, S);
    assert_eq!(tallies(&out), vec![(vec![1, 1, 1], 3)]);
    // After the close a vote is refused and the tally does not move.
    let out = r.handle(
        11,
        ToServer::Vote {
            poll: "cycles/3".into(),
            answer: 0,
        },
        S,
    );
    assert_eq!(fault(&out), Some(Fault::PollClosed));
    // A late joiner gets the state and the (closed) poll; the CSV has the counts.
    let out = join(&mut r, 13, &code, S);
    match &out.send[0].1 {
        ToClient::Joined {
            state: s,
            poll: Some(p),
            vote: None,
            ..
        } => {
            assert_eq!(s.as_ref(), Some(&state));
            assert!(!p.open);
        }
        other => panic!("{other:?}"),
    }
    let out = r.handle(1, ToServer::Csv, S);
    match &out.send[..] {
        [(1, ToClient::Csv { text })] => {
            assert_eq!(
                text,
                "poll,answer,votes\ncycles/3,0,1\ncycles/3,1,1\ncycles/3,2,1\n"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_tally_goes_out_at_most_once_a_period_and_then_catches_up() {
    let mut r = rooms(Duration::from_millis(250));
    let (code, _) = created(&r.handle(1, ToServer::Create, S));
    join(&mut r, 10, &code, S);
    join(&mut r, 11, &code, S);
    r.handle(
        1,
        ToServer::OpenPoll {
            poll: "p".into(),
            answers: 2,
        },
        S,
    );
    let t = |ms| S + Duration::from_millis(ms);
    assert!(
        tallies(&r.handle(
            10,
            ToServer::Vote {
                poll: "p".into(),
                answer: 1
            },
            t(100)
        ))
        .is_empty()
    );
    assert!(tallies(&r.tick(t(200))).is_empty());
    assert_eq!(tallies(&r.tick(t(250))), vec![(vec![0, 1], 2)]);
    assert!(tallies(&r.tick(t(600))).is_empty(), "nothing new: no tally");
    // A period after the last tally, a vote's tally goes out with its answer.
    let out = r.handle(
        11,
        ToServer::Vote {
            poll: "p".into(),
            answer: 0,
        },
        t(610),
    );
    assert_eq!(tallies(&out), vec![(vec![1, 1], 2)]);
}

#[test]
fn a_presenter_takes_its_room_back_with_the_secret_only() {
    let mut r = rooms(Duration::ZERO);
    let (code, secret) = created(&r.handle(1, ToServer::Create, S));
    join(&mut r, 10, &code, S);
    r.leave(1, S);
    let wrong = r.handle(
        2,
        ToServer::Present {
            code: code.clone(),
            secret: "guess".into(),
        },
        S,
    );
    assert_eq!(fault(&wrong), Some(Fault::WrongSecret));
    let out = r.handle(
        2,
        ToServer::Present {
            code: code.clone(),
            secret: secret.clone(),
        },
        S,
    );
    assert!(
        matches!(&out.send[0], (2, ToClient::Presenting { students: 1, .. })),
        "{out:?}"
    );
    // A second page with the secret takes over; the first is told.
    let out = r.handle(3, ToServer::Present { code, secret }, S);
    assert!(
        out.send
            .iter()
            .any(|(c, m)| *c == 2 && matches!(m, ToClient::Closed { .. }))
    );
    let out = r.handle(2, ToServer::State { state: Value::Null }, S);
    assert_eq!(fault(&out), Some(Fault::NotPresenter));
}

#[test]
fn students_and_strangers_cannot_lead_and_bad_requests_are_named() {
    let mut r = rooms(Duration::ZERO);
    let (code, _) = created(&r.handle(1, ToServer::Create, S));
    join(&mut r, 10, &code, S);
    for msg in [
        ToServer::State { state: Value::Null },
        ToServer::OpenPoll {
            poll: "p".into(),
            answers: 2,
        },
        ToServer::ClosePoll,
        ToServer::Csv,
    ] {
        assert_eq!(
            fault(&r.handle(10, msg.clone(), S)),
            Some(Fault::NotPresenter)
        );
        assert_eq!(fault(&r.handle(99, msg, S)), Some(Fault::NotPresenter));
    }
    let vote = ToServer::Vote {
        poll: "p".into(),
        answer: 0,
    };
    assert_eq!(
        fault(&r.handle(1, vote.clone(), S)),
        Some(Fault::NotStudent)
    );
    assert_eq!(fault(&r.handle(10, vote, S)), Some(Fault::NoPoll));
    assert_eq!(
        fault(&join(&mut r, 10, &code, S)),
        Some(Fault::AlreadyInRoom)
    );
    assert_eq!(fault(&join(&mut r, 11, "nope", S)), Some(Fault::NoRoom));
    assert_eq!(fault(&join(&mut r, 11, "ZZZZZZ", S)), Some(Fault::NoRoom));
    let bad = r.handle(
        1,
        ToServer::OpenPoll {
            poll: "p".into(),
            answers: 0,
        },
        S,
    );
    assert_eq!(fault(&bad), Some(Fault::BadAnswer));
    r.handle(
        1,
        ToServer::OpenPoll {
            poll: "p".into(),
            answers: 2,
        },
        S,
    );
    let out = r.handle(
        10,
        ToServer::Vote {
            poll: "p".into(),
            answer: 2,
        },
        S,
    );
    assert_eq!(fault(&out), Some(Fault::BadAnswer));
}

#[test]
fn limits_refuse_clearly_and_idle_rooms_expire() {
    let mut r = rooms(Duration::ZERO);
    let (code, _) = created(&r.handle(1, ToServer::Create, S));
    for s in 10..14 {
        assert_eq!(fault(&join(&mut r, s, &code, S)), None);
    }
    let full = join(&mut r, 14, &code, S);
    assert_eq!(fault(&full), Some(Fault::RoomFull));
    created(&r.handle(2, ToServer::Create, S));
    created(&r.handle(3, ToServer::Create, S));
    assert_eq!(
        fault(&r.handle(4, ToServer::Create, S)),
        Some(Fault::ServerFull)
    );
    // Four hours without a message close every room; its members are told why.
    let later = S + Duration::from_secs(4 * 3600);
    let out = r.tick(later);
    assert!(r.is_empty());
    let closed: Vec<Conn> = out
        .send
        .iter()
        .filter(|(_, m)| matches!(m, ToClient::Closed { reason } if reason.contains("4 hours")))
        .map(|(c, _)| *c)
        .collect();
    assert_eq!(closed.len(), 7, "{closed:?}");
    assert_eq!(fault(&join(&mut r, 20, &code, later)), Some(Fault::NoRoom));
    // A room with activity stays.
    let (code, _) = created(&r.handle(5, ToServer::Create, later));
    join(&mut r, 21, &code, later + Duration::from_secs(3 * 3600));
    r.tick(later + Duration::from_secs(5 * 3600));
    assert_eq!(r.len(), 1);
}

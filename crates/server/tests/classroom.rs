//! The live classroom end to end on 127.0.0.1 (issue 39): a presenter and 50 simulated students join, follow
//! the lecture's state, vote and change a vote; a late joiner lands on the current step; the presenter
//! reconnects with its secret; bad frames, wrong roles and secrets, floods and a full room are refused by name;
//! idle rooms close; the server is restarted and the clients are told their room is gone. Time is a
//! `ManualClock`: nothing here sleeps for real. The site is served with its headers.
#![expect(
    clippy::expect_used,
    reason = "the helpers' failures are the tests' failures"
)]

use std::sync::Arc;
use std::time::Duration;

use bilevel_lab_classroom::{Fault, ToClient, ToServer, decode, encode};
use bilevel_lab_server::{ManualClock, Running, Settings, start_on_own_runtime};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const STUDENTS: usize = 50;
/// Long enough for any frame on a loaded 2-core machine; a test that waits this long has failed.
const PATIENCE: Duration = Duration::from_secs(20);

/// A server on its own runtime (dropping it closes every connection, as a restart does).
fn start(port: u16, settings: Settings, clock: Arc<ManualClock>) -> Running {
    start_on_own_runtime(Settings { port, ..settings }, clock).expect("a server")
}

fn settings(site: Option<std::path::PathBuf>) -> Settings {
    Settings {
        port: 0,
        site,
        max_students: STUDENTS + 1,
        tally_period: Duration::ZERO,
        ..Settings::default()
    }
}

async fn connect(port: u16) -> Socket {
    let (socket, _) = connect_async(format!("ws://127.0.0.1:{port}/live"))
        .await
        .expect("a connection");
    socket
}

async fn send(s: &mut Socket, msg: &ToServer) {
    s.send(Message::Text(encode(msg).into()))
        .await
        .expect("sent");
}

/// The next message, or `None` when the connection ends.
async fn next(s: &mut Socket) -> Option<ToClient> {
    loop {
        match tokio::time::timeout(PATIENCE, s.next())
            .await
            .expect("an answer in time")
        {
            Some(Ok(Message::Text(t))) => return Some(decode(t.as_str()).expect("a valid frame")),
            Some(Ok(Message::Close(_)) | Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// Reads until a message `want` accepts (skipping others), and returns it.
async fn until(s: &mut Socket, want: impl Fn(&ToClient) -> bool) -> ToClient {
    loop {
        let msg = next(s).await.expect("the connection stays open");
        if want(&msg) {
            return msg;
        }
    }
}

async fn refused(s: &mut Socket) -> Fault {
    match until(s, |m| matches!(m, ToClient::Error { .. })).await {
        ToClient::Error { error, .. } => error,
        _ => unreachable!(),
    }
}

#[test]
fn a_class_of_fifty_follows_votes_and_survives_a_restart() {
    let clock = Arc::new(ManualClock::default());
    let server = start(0, settings(None), clock.clone());
    let port = server.port;
    let client = tokio::runtime::Runtime::new().expect("a runtime");
    let (old, secret) = client.block_on(async {
        let mut presenter = connect(port).await;
        send(&mut presenter, &ToServer::Create).await;
        let Some(ToClient::Created { code, secret }) = next(&mut presenter).await else {
            panic!("no room");
        };
        let mut students = Vec::new();
        for i in 0..STUDENTS {
            let mut s = connect(port).await;
            send(&mut s, &ToServer::Join { code: code.to_lowercase(), device: format!("phone-{i}") }).await;
            assert!(matches!(next(&mut s).await, Some(ToClient::Joined { state: None, .. })));
            students.push(s);
        }
        // The lecturer moves to a step: every student follows.
        let state = serde_json::json!({"lesson": "actor-critic-cycles", "step": 2, "link": "#lesson?id=x&step=2"});
        send(&mut presenter, &ToServer::State { state: state.clone() }).await;
        for s in &mut students {
            let got = until(s, |m| matches!(m, ToClient::State { .. })).await;
            assert_eq!(got, ToClient::State { state: state.clone() });
        }
        // A poll: everyone votes answer i mod 3; student 0 changes its mind to 2.
        send(&mut presenter, &ToServer::OpenPoll { poll: "cycles/2".into(), answers: 3 }).await;
        for (i, s) in students.iter_mut().enumerate() {
            until(s, |m| matches!(m, ToClient::Poll { poll: Some(p) } if p.open)).await;
            send(s, &ToServer::Vote { poll: "cycles/2".into(), answer: i % 3 }).await;
            assert!(matches!(next(s).await, Some(ToClient::Voted { .. })));
        }
        send(&mut students[0], &ToServer::Vote { poll: "cycles/2".into(), answer: 2 }).await;
        assert!(matches!(next(&mut students[0]).await, Some(ToClient::Voted { answer: 2, .. })));
        let want = vec![16, 17, 17];
        let tally = until(&mut presenter, |m| matches!(m, ToClient::Tally { counts, .. } if *counts == want)).await;
        assert!(matches!(tally, ToClient::Tally { students: 50, open: true, .. }), "{tally:?}");
        // A late joiner lands on the current step and poll.
        let mut late = connect(port).await;
        send(&mut late, &ToServer::Join { code: code.clone(), device: "late".into() }).await;
        match next(&mut late).await {
            Some(ToClient::Joined { state: Some(s), poll: Some(p), vote: None, .. }) => {
                assert_eq!(s, state);
                assert!(p.open && p.answers == 3);
            }
            other => panic!("{other:?}"),
        }
        // The room is full now (51): one more is refused by name.
        let mut extra = connect(port).await;
        send(&mut extra, &ToServer::Join { code: code.clone(), device: "extra".into() }).await;
        assert_eq!(refused(&mut extra).await, Fault::RoomFull);
        // The presenter's page reloads: the secret takes the room back, with its students.
        drop(presenter);
        let mut presenter = connect(port).await;
        send(&mut presenter, &ToServer::Present { code: code.clone(), secret: "wrong".into() }).await;
        assert_eq!(refused(&mut presenter).await, Fault::WrongSecret);
        send(&mut presenter, &ToServer::Present { code: code.clone(), secret: secret.clone() }).await;
        let back = until(&mut presenter, |m| matches!(m, ToClient::Presenting { .. })).await;
        assert!(matches!(back, ToClient::Presenting { students: 51, .. }), "{back:?}");
        send(&mut presenter, &ToServer::ClosePoll).await;
        until(&mut presenter, |m| matches!(m, ToClient::Tally { open: false, .. })).await;
        assert_eq!(refused_vote(&mut students[1]).await, Fault::PollClosed);
        // Abuse: each refused by name, the connection still served.
        let s = &mut students[2];
        s.send(Message::Text("x".repeat(20_000).into())).await.expect("sent");
        assert_eq!(refused(s).await, Fault::TooLarge);
        s.send(Message::Text("{not json".into())).await.expect("sent");
        assert_eq!(refused(s).await, Fault::Malformed);
        s.send(Message::Text(r#"{"v":1,"type":"shutdown"}"#.into())).await.expect("sent");
        assert_eq!(refused(s).await, Fault::Malformed);
        s.send(Message::Text(r#"{"v":9,"type":"create"}"#.into())).await.expect("sent");
        assert_eq!(refused(s).await, Fault::WrongVersion);
        send(s, &ToServer::State { state: serde_json::json!({"step": 99}) }).await;
        assert_eq!(refused(s).await, Fault::NotPresenter);
        send(s, &ToServer::Vote { poll: "nope".into(), answer: 0 }).await;
        assert_eq!(refused(s).await, Fault::NoPoll);
        // A flood: the clock stands still, so after the burst every message is refused.
        for _ in 0..40 {
            send(s, &ToServer::Csv).await;
        }
        let mut limited = 0;
        for _ in 0..40 {
            if next_kind(s).await == Some(Fault::RateLimited) {
                limited += 1;
            }
        }
        assert!((20..40).contains(&limited), "{limited} of 40 refused as a flood");
        // Four idle hours close the room: its members are told.
        clock.advance(Duration::from_secs(4 * 3600));
        let mut other = connect(port).await;
        send(&mut other, &ToServer::Create).await;
        let closed = until(&mut late, |m| matches!(m, ToClient::Closed { .. })).await;
        assert!(matches!(&closed, ToClient::Closed { reason } if reason.contains("4 hours")), "{closed:?}");
        // The server restarts: connections end, and the old room is gone with a clear message.
        server.stop();
        // The client sees the server go (after what it had already been sent: its room).
        while let Some(msg) = next(&mut other).await {
            assert!(matches!(msg, ToClient::Created { .. }), "{msg:?}");
        }
        (code, secret)
    });
    let server = start(port, settings(None), Arc::new(ManualClock::default()));
    client.block_on(async {
        let mut presenter = connect(server.port).await;
        send(&mut presenter, &ToServer::Present { code: old, secret }).await;
        match next(&mut presenter).await {
            Some(ToClient::Error {
                error: Fault::NoRoom,
                message,
            }) => {
                assert!(message.contains("restarted"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    });
    server.stop();
}

/// A vote in poll `cycles/2`, and the fault it gets.
async fn refused_vote(s: &mut Socket) -> Fault {
    send(
        s,
        &ToServer::Vote {
            poll: "cycles/2".into(),
            answer: 0,
        },
    )
    .await;
    refused(s).await
}

/// The fault of the next message, if it is an error.
async fn next_kind(s: &mut Socket) -> Option<Fault> {
    match next(s).await {
        Some(ToClient::Error { error, .. }) => Some(error),
        _ => None,
    }
}

/// One HTTP/1.1 GET, as raw text (status line, headers, body).
async fn get(port: u16, path: &str, encoding: &str) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connected");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: {encoding}\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("written");
    let mut out = Vec::new();
    tcp.read_to_end(&mut out).await.expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn the_site_is_served_precompressed_cached_and_with_its_policy() {
    let dir = std::env::temp_dir().join(format!("bilevel-lab-site-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let html = "<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">";
    std::fs::write(dir.join("index.html"), html).expect("written");
    std::fs::write(dir.join("index.html.br"), "BROTLI").expect("written");
    std::fs::write(dir.join("app-0123456789abcdef_bg.wasm"), "WASM").expect("written");
    let server = start(
        0,
        Settings {
            base: "/course/".into(),
            ..settings(Some(dir.clone()))
        },
        Arc::default(),
    );
    let client = tokio::runtime::Runtime::new().expect("a runtime");
    client.block_on(async {
        let page = get(server.port, "/course/", "gzip, br")
            .await
            .to_lowercase();
        assert!(page.starts_with("http/1.1 200"), "{page}");
        assert!(
            page.contains("content-encoding: br") && page.ends_with("brotli"),
            "{page}"
        );
        assert!(page.contains("cache-control: no-cache"), "{page}");
        assert!(
            page.contains("content-security-policy: default-src 'none'"),
            "{page}"
        );
        let plain = get(server.port, "/course/index.html", "gzip").await;
        assert!(
            plain.contains("Content-Security-Policy")
                && !plain.to_lowercase().contains("content-encoding")
        );
        let wasm = get(server.port, "/course/app-0123456789abcdef_bg.wasm", "")
            .await
            .to_lowercase();
        assert!(
            wasm.contains("max-age=31536000, immutable") && wasm.contains("application/wasm"),
            "{wasm}"
        );
        assert!(
            get(server.port, "/course", "")
                .await
                .starts_with("HTTP/1.1 301")
        );
        assert!(
            get(server.port, "/course/../../etc/passwd", "")
                .await
                .starts_with("HTTP/1.1 404")
        );
        assert!(
            get(server.port, "/elsewhere", "")
                .await
                .starts_with("HTTP/1.1 404")
        );
    });
    server.stop();
    std::fs::remove_dir_all(dir).ok();
}

//! The app's live classroom (issue 39) against the real `bilevel-lab-server` on 127.0.0.1, natively (the
//! same ewebsock client the browser's page uses, on a thread): a presenter's page goes live on a lesson step
//! with a question; three students' pages (phones) join by the `#join` link, land on the step, vote; the
//! presenter's histogram shows the split; a late joiner lands on the current step; Reveal plays the step on
//! every page; a student explores and comes back; the server restarts: the presenter's page opens a new room,
//! the students' pages say their room is gone and join the new code. Without a server, Go live says this host
//! has none. The rooms' clock is a manual one moved by the waits; frames are polled until a condition holds.
#![expect(
    clippy::expect_used,
    reason = "the helpers' failures are the tests' failures"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bilevel_lab::BilevelApp;
use bilevel_lab::app::live::Backoff;
use bilevel_lab_server::{ManualClock, Running, Settings, start_on_own_runtime};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use serde_json::Value;

type Page = Harness<'static, BilevelApp>;

/// Long enough for any frame on a loaded 2-core machine; a wait this long has failed.
const PATIENCE: Duration = Duration::from_secs(30);

fn start(port: u16, clock: Arc<ManualClock>) -> Running {
    let settings = Settings {
        port,
        tally_period: Duration::ZERO,
        ..Settings::default()
    };
    start_on_own_runtime(settings, clock).expect("a server")
}

fn page(size: [f32; 2], port: u16) -> Page {
    let mut h = Harness::builder()
        .with_size(size)
        .build_eframe(|cc| BilevelApp::new(cc));
    h.state_mut()
        .set_live_server(&format!("http://127.0.0.1:{port}/"));
    h.state_mut().set_live_backoff(Backoff {
        first: Duration::from_millis(20),
        max: Duration::from_millis(200),
    });
    h.run_steps(2);
    h
}

fn status(h: &Page) -> Value {
    serde_json::to_value(h.state().status(false)).expect("a status")
}

fn live(h: &Page) -> Value {
    status(h)["view"]["live"].clone()
}

/// Runs frames of every page until `done` holds for them (the rooms' clock moves 50 ms a round).
fn until(pages: &mut [&mut Page], clock: &ManualClock, what: &str, done: impl Fn(&Page) -> bool) {
    let start = Instant::now();
    loop {
        for h in pages.iter_mut() {
            h.step();
        }
        if pages.iter().all(|h| done(h)) {
            return;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "waited {PATIENCE:?} for {what}: {:?}",
            pages.iter().map(|h| live(h)).collect::<Vec<_>>()
        );
        clock.advance(Duration::from_millis(50));
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn on_step(h: &Page, step: u64) -> bool {
    let s = status(h);
    s["active_view"] == "lesson" && s["view"]["step"] == step
}

/// A presenter's page on the question step of nash-vs-stackelberg, Go live clicked.
fn lecturer_live(port: u16) -> Page {
    let mut lecturer = page([1280.0, 800.0], port);
    lecturer
        .state_mut()
        .open_link("#lesson?id=nash-vs-stackelberg&step=2");
    lecturer.run_steps(3);
    click(&mut lecturer, "Go live");
    lecturer
}

fn click(h: &mut Page, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(2);
}

#[test]
fn a_class_follows_votes_and_recovers_from_a_server_restart() {
    let clock = Arc::new(ManualClock::default());
    let server = start(0, clock.clone());
    let port = server.port;
    let mut lecturer = lecturer_live(port);
    until(&mut [&mut lecturer], &clock, "a room", |h| {
        live(h)["code"].is_string()
    });
    let code = live(&lecturer)["code"].as_str().expect("a code").to_owned();
    lecturer.get_by_label_contains("#join?code=");
    let mut students: Vec<Page> = (0..3).map(|_| page([390.0, 844.0], port)).collect();
    for s in &mut students {
        s.state_mut().open_link(&format!("#join?code={code}"));
    }
    {
        let mut all: Vec<&mut Page> = students.iter_mut().collect();
        until(&mut all, &clock, "students on step 2", |h| on_step(h, 2));
    }
    until(&mut [&mut lecturer], &clock, "3 students", |h| {
        live(h)["students"] == 3
    });
    // Two vote B (one changes from A), one votes A.
    for (s, answer) in students
        .iter_mut()
        .zip(["A. At the Nash", "B. At the", "A. At the Nash"])
    {
        s.run_steps(2);
        // The large button (the vote bar's; the narrative's are votes too, but may be scrolled away).
        let button = s
            .get_all_by_label_contains(answer)
            .next()
            .expect("an answer");
        button.click();
        s.run_steps(2);
    }
    {
        let mut all: Vec<&mut Page> = students.iter_mut().collect();
        until(&mut all, &clock, "votes counted", |h| {
            live(h)["vote"].is_number()
        });
    }
    let first = &mut students[0];
    first
        .get_all_by_label_contains("B. At the")
        .next()
        .expect("B")
        .click();
    first.run_steps(2);
    until(&mut [&mut lecturer], &clock, "the split 1 / 2 / 0", |h| {
        status(h)["view"]["live_tally"]["counts"] == serde_json::json!([1, 2, 0])
    });
    lecturer.get_by_label_contains("2 · 67 %");
    // A late joiner lands on the current step, with the open poll.
    let mut late = page([390.0, 844.0], port);
    late.state_mut().open_link(&format!("#join?code={code}"));
    until(&mut [&mut late], &clock, "the late joiner on step 2", |h| {
        on_step(h, 2) && live(h)["poll"]["open"] == true
    });
    // Reveal: the poll closes and the step plays on every page.
    click(&mut lecturer, "Reveal");
    let mut all: Vec<&mut Page> = students.iter_mut().chain([&mut late]).collect();
    until(&mut all, &clock, "the reveal", |h| {
        status(h)["view"]["phase"] != "asking" && live(h)["poll"]["open"] == false
    });
    drop(all);
    // A student explores on their own, then comes back to the lecture's new step.
    click(&mut students[0], "Explore on my own");
    lecturer
        .state_mut()
        .open_link("#lesson?id=nash-vs-stackelberg&step=3");
    let (explorer, rest) = students.split_at_mut(1);
    until(&mut [&mut lecturer, &mut rest[0]], &clock, "step 3", |h| {
        on_step(h, 3)
    });
    explorer[0].run_steps(3);
    assert!(on_step(&students[0], 2), "the explorer stays");
    click(&mut students[0], "Back to the lecture");
    until(
        &mut [&mut lecturer, &mut students[0]],
        &clock,
        "back on step 3",
        |h| on_step(h, 3),
    );

    // The server restarts: the presenter's page opens a new room; the students' are told theirs is gone.
    // Dropped, not stopped in the background: the port is free again when the new server binds it.
    drop(server);
    let server = start(port, clock.clone());
    until(&mut [&mut lecturer], &clock, "a new room", |h| {
        live(h)["code"].as_str().is_some_and(|c| c != code) && live(h)["open"] == true
    });
    let new_code = live(&lecturer)["code"].as_str().expect("a code").to_owned();
    assert!(
        live(&lecturer)["notice"]
            .as_str()
            .is_some_and(|n| n.contains(&format!("Room {code} is gone")))
    );
    let s = &mut students[2];
    until(&mut [&mut *s], &clock, "the room gone", |h| {
        live(h)["notice"]
            .as_str()
            .is_some_and(|n| n.contains("gone"))
    });
    let field = s.get_by_role(egui::accesskit::Role::TextInput);
    field.focus();
    field.type_text(&new_code.to_lowercase());
    s.run_steps(1);
    click(s, "Join");
    lecturer
        .state_mut()
        .open_link("#lesson?id=nash-vs-stackelberg&step=4");
    until(
        &mut [&mut lecturer, s],
        &clock,
        "following the new room",
        |h| on_step(h, 4) && live(h)["code"] == new_code.as_str(),
    );
    server.stop();
}

#[test]
fn without_a_live_server_go_live_says_so() {
    let clock = ManualClock::default();
    // A port nothing listens on: bind one and let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut lecturer = lecturer_live(port);
    until(&mut [&mut lecturer], &clock, "the notice", |h| {
        live(h)["notice"]
            .as_str()
            .is_some_and(|n| n.contains("no live server"))
    });
    lecturer.get_by_label("Try again");
}

//! Lesson mode driven headless: links, presenter keys, the question's run and reveal, the editor's
//! round trip through the file format, the handout's Markdown.

use super::*;
use crate::app::headless::Headless;
use crate::app::lesson_check as check;
use crate::app::views::by_anchor;
use crate::lesson::FIXTURE;
use crate::lesson::Lesson;

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn key(key: egui::Key) -> egui::Event {
    egui::Event::Key {
        key,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: egui::Modifiers::NONE,
    }
}

/// Draws frames until the open step's run has ended (or `limit` frames).
fn settle(h: &mut Headless<LessonView>, limit: usize) -> ViewReport {
    for _ in 0..limit {
        let ((report, _), _) = h.frame_with(Vec::new());
        if report.values.get("phase") != Some(&json!("running")) {
            return report;
        }
    }
    panic!("the step was still running after {limit} frames");
}

/// The lesson view with storage read (headless there is none).
/// The delivered file's lesson, taking it frame by frame as the view does (a step validated per frame).
fn loaded(view: &mut LessonView) -> Option<Lesson> {
    let mut frames = 0;
    loop {
        frames += 1;
        let lesson = view.editor.take_loaded(by_anchor);
        if !view.editor.validating() {
            if let Some(l) = &lesson {
                assert_eq!(frames, l.steps.len(), "one step validated per frame");
            }
            return lesson;
        }
    }
}

fn library() -> LessonView {
    LessonView {
        own_loaded: true,
        ..LessonView::new(by_anchor)
    }
}

#[test]
fn step_links_open_steps_and_bad_links_name_the_field() {
    let mut view = library();
    assert_eq!(
        view.apply_query(&query(&[("id", "nash-vs-stackelberg"), ("step", "2")])),
        Ok(())
    );
    assert_eq!(
        view.to_query(),
        query(&[("id", "nash-vs-stackelberg"), ("step", "2")])
    );
    assert_eq!(
        view.step().map(|s| s.title.as_str()),
        Some("Playing at the same time")
    );
    let e = view
        .apply_query(&query(&[("id", "nowhere")]))
        .expect_err("unknown lesson");
    assert!(
        e.contains("`id`") && e.contains("nash-vs-stackelberg"),
        "{e}"
    );
    let e = view
        .apply_query(&query(&[("id", "nash-vs-stackelberg"), ("step", "99")]))
        .expect_err("past the end");
    assert!(e.contains("`step`") && e.contains("1..=6"), "{e}");
    let e = view
        .apply_query(&query(&[("id", "nash-vs-stackelberg"), ("step", "0")]))
        .expect_err("steps count from 1");
    assert!(e.contains("`step`"), "{e}");
    let e = view
        .apply_query(&query(&[("lesson", "x")]))
        .expect_err("unknown key");
    assert!(e.contains("`lesson`"), "{e}");
    assert_eq!(view.apply_query(&[]), Ok(()));
    assert!(view.open.is_none(), "an empty link shows the list");
}

/// An exercise step checks its goals live on the student's view and links with the view's state: the
/// hand-in link reopens the student's view as it was, and the goals read "done" there.
#[test]
fn an_exercise_checks_its_goals_live_and_hands_in_the_views_state() {
    use crate::scenario::anchor::encode_component;
    let mut view = library();
    let id = "nash-vs-stackelberg";
    view.apply_query(&query(&[("id", id)])).expect("opens");
    let steps = view.lessons[view.find(id).expect("built in")]
        .lesson
        .steps
        .clone();
    let k = steps
        .iter()
        .position(|s| s.is_exercise())
        .expect("an exercise");
    view.apply_query(&query(&[("id", id), ("step", &(k + 1).to_string())]))
        .expect("opens the exercise");
    let mut h = Headless::new(Box::new(view));
    let exercise = |h: &mut Headless<LessonView>| {
        let mut last = Value::Null;
        for _ in 0..200 {
            last = h.frame().0.values["exercise"].clone();
        }
        last
    };
    let start = exercise(&mut h);
    assert_eq!(start["done"], false, "{start}");
    assert_eq!(start["goals"][0]["passed"], false, "{start}");
    // Its link carries the view's state: the starting link, encoded.
    let link = h.view.to_query();
    let view_link = link
        .iter()
        .find(|(k, _)| k == "view")
        .map(|(_, v)| v.clone());
    assert!(
        view_link.is_some_and(|v| v.contains("outer_lr%3D9")),
        "{link:?}"
    );
    // The student's solved state, handed in and opened again.
    let solved =
        "#playground?outer_lr=0.5&runs.1.on=false&runs.2.on=false&runs.3.on=false&step=300";
    let step = (k + 1).to_string();
    let hand_in = query(&[
        ("id", id),
        ("step", &step),
        ("view", &encode_component(solved)),
    ]);
    h.view.apply_query(&hand_in).expect("a hand-in link opens");
    let done = exercise(&mut h);
    assert_eq!(done["done"], true, "{done}");
    let e = h
        .view
        .apply_query(&query(&[
            ("id", id),
            ("step", "1"),
            ("view", &encode_component(solved)),
        ]))
        .expect_err("step 1 is no exercise");
    assert!(e.contains("`view`") && e.contains("not an exercise"), "{e}");
}

#[test]
fn presenter_keys_walk_the_steps() {
    let mut view = library();
    view.apply_query(&query(&[("id", "actor-critic-cycles")]))
        .expect("opens");
    let steps = view.lessons[view.open.as_ref().expect("open").lesson]
        .lesson
        .steps
        .len();
    let mut h = Headless::new(Box::new(view));
    let at = |h: &mut Headless<LessonView>, k: egui::Key| {
        h.frame_with(vec![key(k)]);
        h.view.open.as_ref().expect("open").step + 1
    };
    assert_eq!(at(&mut h, egui::Key::ArrowRight), 2);
    assert_eq!(at(&mut h, egui::Key::PageDown), 3);
    assert_eq!(at(&mut h, egui::Key::ArrowLeft), 2);
    assert_eq!(at(&mut h, egui::Key::PageUp), 1);
    assert_eq!(at(&mut h, egui::Key::PageUp), 1, "stays at the first step");
    assert_eq!(at(&mut h, egui::Key::End), steps);
    assert_eq!(
        at(&mut h, egui::Key::ArrowRight),
        steps,
        "stays at the last"
    );
    assert_eq!(at(&mut h, egui::Key::Home), 1);
}

/// nash-vs-stackelberg's step 2 (a question) opened by its link, a frame drawn: it asks.
fn asking_at_step_2() -> (Headless<LessonView>, ViewReport) {
    let mut view = library();
    view.apply_query(&query(&[("id", "nash-vs-stackelberg"), ("step", "2")]))
        .expect("opens");
    let mut h = Headless::new(Box::new(view));
    let ((report, _), _) = h.frame_with(Vec::new());
    assert_eq!(report.values["phase"], json!("asking"));
    (h, report)
}

#[test]
fn a_question_waits_then_runs_and_reveals_with_the_claims_holding() {
    let (mut h, report) = asking_at_step_2();
    assert_eq!(report.values["question_revealed"], json!(false));
    assert_eq!(report.values["inner_view"], json!("playground"));
    assert!(
        report.controls.iter().any(|r| r.id == "answer-0")
            && report.controls.iter().any(|r| r.id == "lesson-run")
            && report.controls.iter().any(|r| r.id == "play"),
        "answers, run and the view's own controls are published"
    );
    // Answer A, as a click would.
    h.view.open.as_mut().expect("open").answer = Some(0);
    h.view.run();
    let report = settle(&mut h, 20_000);
    assert_eq!(report.values["phase"], json!("done"));
    assert_eq!(report.values["question_revealed"], json!(true));
    assert_eq!(report.values["answer"], json!(0));
    let open = h.view.open.as_ref().expect("open");
    let step = &h.view.lessons[open.lesson].lesson.steps[open.step];
    for claim in &step.claims {
        assert!(claim.check(&open.last).passed, "{claim} on {}", open.last);
    }
}

#[test]
fn a_hand_written_lesson_is_opened_edited_saved_and_reads_back_identically() {
    let mut view = library();
    view.editor
        .deliver(Ok(("short.lesson".into(), FIXTURE.into())));
    let loaded = loaded(&mut view).expect("the fixture loads");
    let mut navigate = None;
    view.add_own(loaded, &mut navigate);
    assert_eq!(navigate.as_deref(), Some("#lesson?id=short-one&step=1"));
    view.apply_query(&query(&[("id", "short-one"), ("step", "3")]))
        .expect("opens");
    assert_eq!(
        view.open.as_ref().map(|o| o.inner.anchor()),
        Some("stackelberg")
    );
    view.add_current_view("Added from the view", "What to see **here**.")
        .expect("adds");
    let open = view.open.as_ref().expect("open");
    assert_eq!(open.step, 3, "the new step is opened");
    let saved = view.lesson_text().expect("text");
    let reread = check::load(&saved, by_anchor).expect("reads back");
    assert_eq!(
        reread, view.lessons[open.lesson].lesson,
        "identical after a reload"
    );
    assert_eq!(reread.steps.len(), 4);
    assert_eq!(reread.steps[3].title, "Added from the view");
    assert!(
        reread.steps[3].view.starts_with("#stackelberg"),
        "{}",
        reread.steps[3].view
    );
    view.move_step(-1).expect("moves up");
    assert_eq!(
        view.step().map(|s| s.title.as_str()),
        Some("Added from the view")
    );
    assert_eq!(view.open.as_ref().map(|o| o.step), Some(2));
    view.delete_step().expect("deletes");
    let text = view.lesson_text().expect("text");
    assert_eq!(
        text,
        FIXTURE_CANONICAL.with(|t| t.clone()),
        "back to the fixture"
    );
    assert!(view.move_step(5).is_err());
    // A built-in lesson is edited through a copy.
    view.apply_query(&query(&[("id", "nash-vs-stackelberg")]))
        .expect("opens");
    assert!(view.delete_step().is_err());
    view.copy_open().expect("copies");
    assert_eq!(view.to_query()[0].1, "nash-vs-stackelberg-copy");
    view.delete_step().expect("the copy is editable");
}

thread_local! {
    static FIXTURE_CANONICAL: String = Lesson::parse(FIXTURE).expect("parses").to_text();
}

#[test]
fn malformed_files_are_rejected_and_the_library_is_kept() {
    let mut view = library();
    let before = view.lessons.len();
    view.editor.deliver(Ok((
        "bad.lesson".into(),
        FIXTURE.replace("view: #stackelberg", "view: #nowhere"),
    )));
    assert!(loaded(&mut view).is_none());
    let e = view.editor.error.clone().unwrap_or_default();
    assert!(
        e.starts_with("bad.lesson: line 26, `view`") && e.contains("`nowhere`"),
        "{e}"
    );
    let mut navigate = None;
    let builtin = view.lessons[0].lesson.clone();
    view.add_own(builtin, &mut navigate);
    assert!(navigate.is_none(), "a built-in id is not taken over");
    assert_eq!(view.lessons.len(), before);
}

#[test]
fn handout_markdown_has_every_step_its_links_and_pictures() {
    let lesson = Lesson::parse(FIXTURE).expect("parses");
    let pictures = vec![
        Ok(handout::base64(&[1, 2, 3])),
        Err("no screenshot".into()),
        Ok(handout::base64(b"Man")),
    ];
    let md = handout::markdown(&lesson, "https://host/app/", &pictures);
    assert!(
        md.starts_with("# A short lesson\n\nThree steps over two views."),
        "{md}"
    );
    for k in 1..=3 {
        assert!(
            md.contains(&format!("<https://host/app/#lesson?id=short-one&step={k}>")),
            "{md}"
        );
    }
    assert!(
        md.contains("**Answer:** A. Each player answers the other."),
        "{md}"
    );
    assert!(md.contains("](data:image/png;base64,AQID)"), "{md}");
    assert!(md.contains("](data:image/png;base64,TWFu)"), "{md}");
    assert!(md.contains("(no picture: no screenshot)"), "{md}");
    assert_eq!(handout::base64(b"Ma"), "TWE=");
    assert_eq!(handout::base64(b"M"), "TQ==");
    assert_eq!(handout::base64(b""), "");
    // RFC 4648's test vectors.
    assert_eq!(handout::base64(b"fooba"), "Zm9vYmE=");
    assert_eq!(handout::base64(b"foobar"), "Zm9vYmFy");
}

#[test]
fn every_figure_link_opens_its_view() {
    for figure in crate::app::views::welcome::figures() {
        let anchor = crate::scenario::anchor::Anchor::parse(&figure.link).expect("parses");
        let mut view = crate::app::views::all()
            .into_iter()
            .find(|v| v.anchor() == anchor.view)
            .unwrap_or_else(|| panic!("{}: no view `{}`", figure.title, anchor.view));
        assert_eq!(view.apply_query(&anchor.query), Ok(()), "{}", figure.title);
        // A recorded run's card names a record the site ships.
        for (key, name) in &anchor.query {
            if key == "record" {
                let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("assets/records")
                    .join(format!("{name}.json"));
                assert!(file.is_file(), "{}: no {}", figure.title, file.display());
            }
        }
        assert!(
            anchor.view != "playground"
                || figure.link.contains("problem")
                || figure.link.contains("runs"),
            "{}: a preset's link, not the view's defaults by accident: {}",
            figure.title,
            figure.link
        );
    }
}

#[test]
fn the_narrative_keeps_its_width_through_every_step() {
    // Unwrapped text in a side panel widens it for good: walk every step of every lesson and watch the
    // narrative's right edge.
    let mut view = library();
    view.apply_query(&query(&[("id", "nash-vs-stackelberg")]))
        .expect("opens");
    let mut h = Headless::new(Box::new(view));
    let edge = |r: &ViewReport| {
        r.controls
            .iter()
            .find(|c| c.id == "lesson-narrative")
            .map(|c| c.x + c.w)
    };
    let ((first, _), _) = h.frame_with(Vec::new());
    let width = edge(&first).expect("the narrative is published");
    for lesson in 0..h.view.lessons.len() {
        for step in 0..h.view.lessons[lesson].lesson.steps.len() {
            h.view.open_step(lesson, step).expect("opens");
            for _ in 0..3 {
                let ((report, _), _) = h.frame_with(Vec::new());
                let at = edge(&report).expect("published");
                assert!(
                    (at - width).abs() < 1.0,
                    "lesson {lesson} step {}: the narrative ends at {at}, not {width}",
                    step + 1
                );
            }
        }
    }
}

#[test]
fn check_this_lesson_runs_frame_by_frame_and_names_a_false_claim() {
    let mut view = library();
    let wrong = FIXTURE.replace(
        "claim: runs.0.x.0 = 1 ± 1e-3 | ends at x = 1",
        "claim: runs.0.x.0 = 2 ± 1e-3 | ends at x = 2",
    );
    view.editor.deliver(Ok(("wrong.lesson".into(), wrong)));
    let lesson = loaded(&mut view).expect("loads: the claim is well formed");
    let mut navigate = None;
    view.add_own(lesson, &mut navigate);
    view.apply_query(&query(&[("id", "short-one")]))
        .expect("opens");
    let lesson = view.lessons[view.find("short-one").expect("added")]
        .lesson
        .clone();
    view.checker = Some(check::LessonChecker::new(
        lesson,
        check::STEP_LIMIT,
        by_anchor,
    ));
    let mut h = Headless::new(Box::new(view));
    let mut frames = 0;
    let summary = loop {
        let ((report, _), _) = h.frame_with(Vec::new());
        frames += 1;
        let summary = report.values["check"].clone();
        if summary["steps_done"] == 3 {
            break summary;
        }
        assert!(frames < 20_000, "{summary}");
    };
    assert!(
        frames > 3,
        "the check is spread over the app's frames ({frames})"
    );
    assert_eq!(summary["claims_passed"], 3, "{summary}");
    assert_eq!(summary["claims_failed"], 1, "{summary}");
    assert_eq!(summary["errors"], 0, "{summary}");
}

/// `play=1` (what a live class follows after the reveal): a question's step opens revealed and its link says
/// so; the link without it asks again; another value is named.
#[test]
fn play_in_a_link_reveals_the_question_and_its_absence_asks_again() {
    let (mut h, _) = asking_at_step_2();
    let step2 = [("id", "nash-vs-stackelberg"), ("step", "2")];
    assert!(!h.view.to_query().iter().any(|(k, _)| k == "play"));
    let played = [step2[0], step2[1], ("play", "1")];
    h.view.apply_query(&query(&played)).expect("plays");
    let report = settle(&mut h, 20_000);
    assert_eq!(report.values["question_revealed"], json!(true));
    assert_eq!(h.view.to_query(), query(&played));
    assert_eq!(
        report.values["question"]["answers"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    h.view.apply_query(&query(&step2)).expect("asks again");
    let ((report, _), _) = h.frame_with(Vec::new());
    assert_eq!(report.values["phase"], json!("asking"));
    let e = h
        .view
        .apply_query(&query(&[step2[0], step2[1], ("play", "yes")]))
        .expect_err("refused");
    assert!(e.contains("`play`") && e.contains("`yes`"), "{e}");
}

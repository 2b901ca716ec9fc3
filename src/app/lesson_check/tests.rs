//! The lesson format, its errors, and the built-in lessons' claims played headless.

use super::{STEP_LIMIT, check, load, validate};
use crate::app::views::by_anchor;
use crate::lesson::claim::{Claim, Op};
use crate::lesson::*;

fn parse_err(text: &str) -> LessonError {
    match load(text, by_anchor) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn the_fixture_parses_with_every_part() {
    let lesson = Lesson::parse(FIXTURE).expect("fixture parses");
    assert_eq!(lesson.id, "short-one");
    assert_eq!(lesson.minutes, 5);
    assert_eq!(lesson.steps.len(), 3);
    let s = &lesson.steps[1];
    assert_eq!(s.run, Some(500));
    assert_eq!(s.lines.heading, 13);
    assert_eq!(s.lines.view, 14);
    assert_eq!(s.lines.claims, vec![23]);
    let q = s.question.as_ref().expect("question");
    assert_eq!(q.answers.len(), 2);
    assert_eq!(q.correct, 0);
    assert_eq!(q.explanation, "Each player answers the other.");
    assert_eq!(s.tries, vec!["Move the start point.".to_owned()]);
    assert_eq!(
        s.claims[0].op,
        Op::Near {
            value: 1.0,
            tol: 1e-3
        }
    );
    assert_eq!(
        lesson.steps[0].text,
        "The leader picks **x**, the follower *y*.\n- one bullet"
    );
    assert_eq!(lesson.steps[0].focus.as_deref(), Some("play"));
    assert_eq!(validate(&lesson, by_anchor), Ok(()));
}

#[test]
fn a_written_lesson_reads_back_identically() {
    let lesson = Lesson::parse(FIXTURE).expect("fixture parses");
    let text = lesson.to_text();
    let again = Lesson::parse(&text).expect("written lesson parses");
    assert_eq!(again.to_text(), text);
    for (a, b) in lesson.steps.iter().zip(&again.steps) {
        assert_eq!(
            (
                &a.title,
                &a.view,
                a.run,
                &a.focus,
                &a.text,
                &a.question,
                &a.tries,
                &a.claims
            ),
            (
                &b.title,
                &b.view,
                b.run,
                &b.focus,
                &b.text,
                &b.question,
                &b.tries,
                &b.claims
            )
        );
    }
    for (_, text) in BUILT_IN {
        let lesson = Lesson::parse(text).expect("built-in parses");
        assert_eq!(
            Lesson::parse(&lesson.to_text()).map(|l| l.to_text()),
            Ok(lesson.to_text())
        );
    }
}

#[test]
fn malformed_lessons_are_rejected_naming_the_line_and_field() {
    let with = |from: &str, to: &str| {
        assert!(FIXTURE.contains(from), "{from}");
        FIXTURE.replacen(from, to, 1)
    };
    let cases = [
        (
            with("view: #stackelberg", "view: #no_such_view"),
            26,
            "view",
            "unknown view",
        ),
        (
            with("view: #stackelberg", "view: #stackelberg?reg=abc"),
            26,
            "view",
            "`reg`",
        ),
        (with("- [ ] at (1.5, 1.5)\n", ""), 17, "question", "answers"),
        (
            with("- [x] at (1, 1)", "- [ ] at (1, 1)"),
            17,
            "question",
            "exactly one",
        ),
        (
            with("runs.0.x.0 = 1", "runs.3.x.0 = 1"),
            23,
            "claim",
            "no item 3",
        ),
        (
            with("claim: runs.0.x.0 = 1 ± 1e-3", "claim: runs.0.x.0 ≈ 1"),
            23,
            "claim",
            "comparison",
        ),
        (with("run: 500", "run: soon"), 15, "run", "whole number"),
        (
            with("view: #stackelberg", "view: #lesson?id=short-one&step=1"),
            26,
            "view",
            "not another lesson",
        ),
        (
            with("view: #stackelberg", "view: #soft_rl?stop_at=50&step=60"),
            26,
            "view",
            "`step`",
        ),
        (
            with("focus: play", "focus: nowhere"),
            6,
            "focus",
            "not a control",
        ),
        (
            with("minutes: 5", "minutes: many"),
            4,
            "minutes",
            "whole number",
        ),
        (with("id: short-one", "id: Short One"), 2, "id", "lowercase"),
        (
            with(
                "claim: panels.0.theta_sign_changes >= 1 | simultaneous play crosses θ = 0\n",
                "",
            ),
            28,
            "invariant",
            "needs a `claim:`",
        ),
        (with("view: #stackelberg\n", ""), 25, "view", "no `view:`"),
        (
            with("try: Move the start point.", "> stray"),
            22,
            "explanation",
            "outside",
        ),
    ];
    for (text, line, field, words) in cases {
        let e = parse_err(&text);
        assert_eq!((e.line, e.field), (line, field), "{e}");
        assert!(
            e.message.contains(words) || e.to_string().contains(words),
            "{e}"
        );
    }
    assert_eq!(parse_err("").field, "title");
    assert_eq!(parse_err("# Title\nid: x\n").field, "step");
}

#[test]
fn claims_compare_reported_values() {
    let report = serde_json::json!({"runs": [{"x": [1.0004], "status": "ok"}], "n": 3});
    let holds = |spec: &str| Claim::parse(spec).expect(spec).check(&report).passed;
    assert!(holds("runs.0.x.0 = 1 ± 1e-3"));
    assert!(!holds("runs.0.x.0 = 1 ± 1e-4"));
    assert!(holds("n > 2") && holds("n >= 3") && holds("n < 4") && holds("n <= 3"));
    assert!(!holds("n > 3") && !holds("n < 3"));
    assert!(holds("runs.0.status == ok") && !holds("runs.0.status != ok"));
    assert!(!holds("runs.1.x.0 = 1"), "a missing value fails");
    assert!(
        !holds("runs.0.status > 1"),
        "text compared as a number fails"
    );
    for bad in [
        "runs.0.x",
        "x = one",
        "x = 1 ± -1",
        "x ~ 1",
        "x = 1 2",
        "a..b = 1",
    ] {
        assert!(Claim::parse(bad).is_err(), "{bad}");
    }
}

/// A claim is checked at the step's start too: a `claim:` that holds there already fails (the run showed
/// nothing), an `invariant:` must hold at both ends; both values are reported.
#[test]
fn a_claim_must_change_over_the_run_and_an_invariant_must_not() {
    let start = serde_json::json!({"n": 0, "status": "ok"});
    let end = serde_json::json!({"n": 5, "status": "ok"});
    let verdict = |line: &str| {
        let lesson = Lesson::parse(&format!(
            "# T\nid: t\nminutes: 1\n\n## S\nview: #playground\n{line}\nclaim: n > 3\n"
        ))
        .expect("parses");
        let c = lesson.steps[0].claims[0].clone();
        c.check(&end).against_start(&c, c.check(&start))
    };
    let changed = verdict("claim: n > 3 | grows");
    assert!(changed.passed && !changed.held_at_start, "{changed:?}");
    assert_eq!(changed.start.as_deref(), Some("0"));
    let already = verdict("claim: status == ok | never diverges");
    assert!(!already.passed && already.held_at_start, "{already:?}");
    assert!(
        already.describe().contains("held before the run"),
        "{}",
        already.describe()
    );
    let kept = verdict("invariant: status == ok | never diverges");
    assert!(kept.passed, "{kept:?}");
    let broken = verdict("invariant: n = 0 | unmoved");
    assert!(!broken.passed, "an invariant that breaks fails: {broken:?}");
    // The written form keeps the keyword, and small numbers as one would write them.
    let lesson = Lesson::parse(
        "# T\nid: t\nminutes: 1\n\n## S\nview: #playground\nclaim: n < 1e-14\ninvariant: m == ok\n",
    )
    .expect("parses");
    let text = lesson.to_text();
    assert!(
        text.contains("claim: n < 1e-14\ninvariant: m == ok"),
        "{text}"
    );
}

#[test]
fn the_fixture_holds_its_claims_when_played() {
    let lesson = Lesson::parse(FIXTURE).expect("fixture parses");
    for step in check(&lesson, STEP_LIMIT, by_anchor) {
        assert!(step.passed(), "{step:?}");
    }
}

/// Every built-in lesson is 5–10 steps, and every claim in it holds when its steps are played headless
/// (`bilevel-lab lesson check --all` runs the same).
#[test]
fn built_in_lessons_hold_every_claim() {
    let lessons = built_in();
    assert_eq!(
        lessons.len(),
        BUILT_IN.len(),
        "every built-in lesson parses"
    );
    let mut ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), lessons.len(), "ids are unique");
    for lesson in &lessons {
        assert!((5..=10).contains(&lesson.steps.len()), "{}", lesson.id);
        assert_eq!(validate(lesson, by_anchor), Ok(()), "{}", lesson.id);
        let claims: usize = lesson.steps.iter().map(|s| s.claims.len()).sum();
        assert!(claims >= 3, "{} checks what it teaches", lesson.id);
        for step in check(lesson, STEP_LIMIT, by_anchor) {
            assert!(step.passed(), "{}: {step:?}", lesson.id);
        }
    }
}

#[test]
fn every_character_of_the_built_in_lessons_has_a_glyph() {
    // On the web a missing glyph is drawn by the browser; natively and in the snapshots it is a box.
    let ctx = egui::Context::default();
    ctx.set_fonts(crate::app::fonts());
    ctx.run_ui(Default::default(), |_| {})
        .textures_delta
        .clear();
    let font = egui::FontId::proportional(14.0);
    for (name, text) in BUILT_IN {
        for (n, line) in text.lines().enumerate() {
            for c in line.chars() {
                assert!(
                    ctx.fonts_mut(|f| f.has_glyph(&font, c)),
                    "{name}:{}: no glyph for `{c}` (U+{:04X}) in the app's fonts",
                    n + 1,
                    c as u32
                );
            }
        }
    }
}

/// Every piece of text a built-in lesson shows, laid out with its scripts (`widgets::math`), reads without a
/// `_` or `^`: one left over was meant as a script that the rules did not take (write `x_{…}`, or `\_` for
/// the character itself; file names go between backticks).
#[test]
fn no_built_in_lesson_shows_a_literal_underscore_or_caret() {
    for (name, text) in BUILT_IN {
        let lesson = Lesson::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut pieces = vec![lesson.title.clone(), lesson.summary.clone()];
        for step in &lesson.steps {
            pieces.extend([step.title.clone(), step.text.clone()]);
            pieces.extend(step.tries.iter().cloned());
            pieces.extend(
                step.claims
                    .iter()
                    .chain(&step.goals)
                    .map(|c| c.text.clone()),
            );
            if let Some(q) = &step.question {
                pieces.extend([q.prompt.clone(), q.explanation.clone()]);
                pieces.extend(q.answers.iter().cloned());
            }
        }
        for piece in pieces {
            let shown = crate::app::widgets::math::shown(&piece);
            assert!(
                !shown.contains(['_', '^']),
                "{name}: `{piece}` shows as `{shown}`"
            );
        }
    }
}

/// An exercise needs a solution of its own view, a solution needs goals, and `lesson check` plays both
/// ends: the goals must hold on the solution and must not all hold at the step's start.
#[test]
fn exercises_are_checked_at_their_start_and_on_their_solution() {
    let exercise = |goal: &str, solution: &str| {
        format!(
            "# T\nid: t\nminutes: 1\n\n## Ex\nview: #playground?outer_lr=9&runs.1.on=false\nrun: 300\n{goal}\n{solution}\n"
        )
    };
    let goal = "goal: runs.0.status == ok | converges";
    let solution = "solution: #playground?outer_lr=0.5&runs.1.on=false&step=300";
    let e = Lesson::parse(&exercise(goal, "")).expect_err("no solution");
    assert_eq!((e.line, e.field), (5, "solution"), "{e}");
    let e = Lesson::parse(&exercise(goal, "solution: #stackelberg")).expect_err("another view");
    assert_eq!((e.line, e.field), (9, "solution"), "{e}");
    let e = Lesson::parse(&exercise("", solution)).expect_err("no goals");
    assert_eq!(e.field, "solution", "{e}");
    let lesson = Lesson::parse(&exercise(goal, solution)).expect("parses");
    assert!(lesson.steps[0].is_exercise());
    let text = lesson.to_text();
    assert_eq!(
        Lesson::parse(&text).map(|l| l.to_text()),
        Ok(text),
        "round trip"
    );
    let [step] = check(&lesson, STEP_LIMIT, by_anchor)
        .try_into()
        .expect("one step");
    assert!(step.passed(), "{step:?}");
    assert_eq!(
        step.goals[0].1.start.as_deref(),
        Some("diverged at step 10"),
        "{step:?}"
    );
    // A goal the start reaches already: the exercise asks nothing.
    let easy =
        Lesson::parse(&exercise("goal: runs.0.phi > -1 | anything", solution)).expect("parses");
    let [step] = check(&easy, STEP_LIMIT, by_anchor)
        .try_into()
        .expect("one step");
    assert!(
        !step.passed()
            && step
                .error
                .as_deref()
                .is_some_and(|e| e.contains("solved at its start")),
        "{step:?}"
    );
    // A solution that misses the goal fails.
    let wrong = Lesson::parse(&exercise(
        goal,
        "solution: #playground?outer_lr=3&runs.1.on=false&step=300",
    ))
    .expect("parses");
    let [step] = check(&wrong, STEP_LIMIT, by_anchor)
        .try_into()
        .expect("one step");
    assert!(!step.passed() && !step.goals[0].1.passed, "{step:?}");
}

/// Every built-in lesson ends with an exercise.
#[test]
fn every_built_in_lesson_ends_with_an_exercise() {
    for lesson in built_in() {
        assert!(
            lesson.steps.last().is_some_and(|s| s.is_exercise()),
            "{} ends with an exercise",
            lesson.id
        );
    }
}

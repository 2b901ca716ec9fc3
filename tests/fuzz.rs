//! Property tests under abuse (issue 18): seeded mutations of every kind of input the app and the CLI
//! take — each view's link, the URL hash, view documents, scenario documents (parsed, and the small ones
//! run), pasted matrices and problems, lesson files. For every case: no panic; a rejection is one
//! non-empty line that names a field; a rejected link or paste leaves the state the user had. Seeded, so
//! a failure prints the input that caused it and reproduces.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Duration;

use bilevel_lab::app::{document, views};
use bilevel_lab::lesson::format::Lesson;
use bilevel_lab::numerics::random::SeededRng;
use bilevel_lab::scenario::anchor::Anchor;
use bilevel_lab::scenario::playground::PlaygroundState;
use bilevel_lab::scenario::{self, ihvp_lab};
use rand::{Rng as _, SeedableRng as _};
use serde_json::{Value, json};

/// Values a link parameter is set to: empty, signs, extremes, non-numbers, broken escapes, long.
fn link_token(rng: &mut SeededRng) -> String {
    const TOKENS: [&str; 22] = [
        "",
        "-1",
        "0",
        "1",
        "0.5",
        "1e308",
        "-1e308",
        "1e-320",
        "NaN",
        "inf",
        "-inf",
        "abc",
        "true",
        "99999999999999999999999",
        "4294967296",
        "%",
        "%zz",
        "[1,2]",
        "{}",
        "🦀",
        " 1",
        "1 ",
    ];
    match rng.random_range(0..10) {
        0 => "9".repeat(rng.random_range(1..400)),
        1 => format!("{}", rng.random_range(-1e6..1e6)),
        _ => TOKENS[rng.random_range(0..TOKENS.len())].to_owned(),
    }
}

/// JSON values a document's node is replaced with.
fn json_token(rng: &mut SeededRng) -> Value {
    match rng.random_range(0..19) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(0),
        3 => json!(-1),
        4 => json!(1e308),
        5 => json!(-1e308),
        6 => json!(1e-310),
        7 => json!(4_294_967_296u64),
        8 => json!(u64::MAX),
        9 => json!(0.5),
        10 => json!(""),
        11 => json!("x"),
        12 => json!([]),
        13 => json!({}),
        14 => json!([[[[[]]]]]),
        15 => json!("NaN"),
        16 => json!("y".repeat(3000)),
        17 => json!(-0.0),
        _ => json!(rng.random_range(-100.0..100.0)),
    }
}

/// The paths (object keys and array indices) to every node of `v` but the root.
fn paths(v: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                prefix.push(json!(k));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                prefix.push(json!(i));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'a>(v: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |node, seg| match seg {
        Value::String(k) => node.get_mut(k.as_str()),
        Value::Number(i) => node.get_mut(i.as_u64()? as usize),
        _ => None,
    })
}

/// One structural mutation of a JSON document: a node replaced, removed, or given an unknown sibling.
fn mutate_json(doc: &Value, rng: &mut SeededRng, numbers_only: bool) -> Value {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    if numbers_only {
        let mut probe = doc.clone();
        all.retain(|p| node_mut(&mut probe, p).is_some_and(|n| n.is_number()));
    }
    let mut out = doc.clone();
    if all.is_empty() {
        return out;
    }
    let path = all[rng.random_range(0..all.len())].clone();
    let (parent_path, last) = path.split_at(path.len() - 1);
    let op = if numbers_only {
        0
    } else {
        rng.random_range(0..4)
    };
    if let Some(parent) = node_mut(&mut out, parent_path) {
        match (op, &last[0], parent) {
            (1, Value::String(k), Value::Object(m)) => {
                m.remove(k.as_str());
            }
            (1, Value::Number(i), Value::Array(a)) => {
                a.remove(i.as_u64().unwrap_or(0) as usize);
            }
            (2, _, Value::Object(m)) => {
                m.insert("unknown_field".to_owned(), json_token(rng));
            }
            (2, Value::Number(i), Value::Array(a)) => {
                let i = i.as_u64().unwrap_or(0) as usize;
                let copy = a[i].clone();
                a.insert(i, copy);
            }
            _ => {
                if let Some(node) = node_mut(&mut out, &path) {
                    *node = if numbers_only {
                        [0.0, -1.0, 1e308, -1e308, 1e-300, 1e12, 0.5, 3.0, 1e6]
                            [rng.random_range(0..9)]
                        .into()
                    } else {
                        json_token(rng)
                    };
                }
            }
        }
    }
    out
}

/// Text-level damage: a cut, a deleted span, a doubled span, or a stray character.
fn mutate_text(text: &str, rng: &mut SeededRng) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return "{".to_owned();
    }
    let i = rng.random_range(0..chars.len());
    let j = (i + rng.random_range(1..20)).min(chars.len());
    let (a, b) = (
        chars[..i].iter().collect::<String>(),
        chars[j..].iter().collect::<String>(),
    );
    let mid: String = chars[i..j].iter().collect();
    let stray = ["\"", "{", "]", ",", "\\", "\u{0}", "é"][rng.random_range(0..7)];
    match rng.random_range(0..4) {
        0 => a,
        1 => format!("{a}{b}"),
        2 => format!("{a}{mid}{mid}{b}"),
        _ => format!("{a}{stray}{mid}{b}"),
    }
}

/// Runs `f`, failing with `input` when it panics.
fn no_panic<T>(input: &str, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("panicked on input:\n{input}"))
}

/// A rejection: one non-empty line whose head (before the first ": ") names a field — a key of the
/// document or query, a JSON path into it, or a fixed prefix for input that is not a document at all.
fn assert_names_a_field(error: &str, keys: &[String], input: &str) {
    assert!(
        !error.trim().is_empty() && !error.contains('\n'),
        "error not one line: {error:?}\ninput: {input}"
    );
    // The head before ": " is a field path (`steps`, `algorithm.ihvp.iters`, `runs[2]`, `` `beta` ``): a
    // missing field is named by its own name, which the document does not contain.
    let head = error.split(": ").next().unwrap_or("");
    let path_like = !head.is_empty()
        && head.split(", ").all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '`')
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.[]`".contains(c))
        });
    let named = path_like
        || keys
            .iter()
            .any(|k| !k.is_empty() && error.contains(k.as_str()))
        || [
            "invalid JSON",
            "the scenario must be",
            "a view's document",
            "problem JSON",
            "URL",
        ]
        .iter()
        .any(|p| error.starts_with(p));
    assert!(named, "error names no field: {error:?}\ninput: {input}");
}

/// Every key of a JSON document, at any depth.
fn json_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                out.push(k.clone());
                json_keys(c, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| json_keys(c, out)),
        _ => {}
    }
}

/// Each view's link, mutated: a value replaced, a key bent, a pair dropped, doubled or added. A view
/// first opened at a good link keeps that state when a bad one is rejected; an accepted link's state
/// round-trips.
#[test]
fn mutated_links_are_rejected_naming_the_field_and_the_state_is_kept() {
    let mut rng = SeededRng::seed_from_u64(18);
    let mut cases = 0;
    for template in views::all() {
        let base = template.to_query();
        if base.is_empty() {
            continue;
        }
        for _ in 0..500 {
            let mut query = base.clone();
            let k = rng.random_range(0..query.len());
            match rng.random_range(0..6) {
                0 | 1 => query[k].1 = link_token(&mut rng),
                2 => query[k]
                    .0
                    .push_str(["x", ".0", ".99", "[0]"][rng.random_range(0..4)]),
                3 => {
                    query.remove(k);
                }
                4 => query.push(query[k].clone()),
                _ => query.push(("nonsense".to_owned(), link_token(&mut rng))),
            }
            let input = format!("#{}?{query:?}", template.anchor());
            let mut view = views::by_anchor(template.anchor()).unwrap_or_else(|e| panic!("{e}"));
            // A non-default starting state: the base link with one value the view accepts changed.
            view.apply_query(&base)
                .unwrap_or_else(|e| panic!("base link: {e}"));
            let before = view.to_query();
            if let Err(e) = no_panic(&input, || view.apply_query(&query)) {
                let keys: Vec<String> = query
                    .iter()
                    .flat_map(|(k, _)| [k.clone(), k.split('.').next().unwrap_or("").to_owned()])
                    .collect();
                assert_names_a_field(&e, &keys, &input);
                assert_eq!(
                    view.to_query(),
                    before,
                    "state lost after {e}\ninput: {input}"
                );
            } else {
                let again = view.to_query();
                let mut fresh =
                    views::by_anchor(template.anchor()).unwrap_or_else(|e| panic!("{e}"));
                no_panic(&input, || fresh.apply_query(&again))
                    .unwrap_or_else(|e| panic!("accepted {input} but not its own link: {e}"));
            }
            cases += 1;
        }
    }
    assert!(cases >= 2000, "{cases} cases");
}

/// Whole URL hashes, damaged as text: parsed or rejected in one line, never a panic.
#[test]
fn damaged_url_hashes_parse_or_are_rejected_in_one_line() {
    let mut rng = SeededRng::seed_from_u64(19);
    let hashes: Vec<String> = views::all()
        .iter()
        .map(|v| Anchor::new(v.anchor(), v.to_query()).to_hash())
        .collect();
    for _ in 0..3000 {
        let hash = mutate_text(&hashes[rng.random_range(0..hashes.len())], &mut rng);
        if let Err(e) = no_panic(&hash, || Anchor::parse(&hash)) {
            assert!(!e.trim().is_empty() && !e.contains('\n'), "{e:?} on {hash}");
        }
    }
}

/// The documents of docs/scenarios.md, plus each view's document (`bilevel-lab run` takes both).
fn base_documents() -> Vec<Value> {
    let docs = include_str!("../docs/scenarios.md");
    let mut out: Vec<Value> = docs
        .split("```json")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .filter_map(|text| serde_json::from_str(text).ok())
        .collect();
    assert!(
        out.len() >= 7,
        "{} documents in docs/scenarios.md",
        out.len()
    );
    out.extend(
        views::all()
            .iter()
            .filter_map(|v| document::document(v.as_ref())),
    );
    out
}

/// Scenario and view documents, mutated in structure and as text: `scenario::parse` (the CLI's) or
/// `document::open` (a view's) accepts them or names a field in one line; never a panic.
#[test]
fn mutated_documents_are_parsed_or_rejected_naming_the_field() {
    let mut rng = SeededRng::seed_from_u64(20);
    let bases = base_documents();
    for case in 0..4000 {
        let base = &bases[case % bases.len()];
        let text = if rng.random_range(0..4) == 0 {
            mutate_text(&base.to_string(), &mut rng)
        } else {
            mutate_json(base, &mut rng, false).to_string()
        };
        let mut keys = vec!["kind".to_owned()];
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            json_keys(&v, &mut keys);
        }
        let result = if document::is_document(&text) {
            no_panic(&text, || document::open(&text).map(|_| ()))
        } else {
            no_panic(&text, || scenario::parse(&text).map(|_| ()))
        };
        if let Err(e) = result {
            assert_names_a_field(&e, &keys, &text);
        }
    }
}

/// Small scenarios with numbers set to extremes (0, −1, ±1e308, 1e−300, 1e12, 1e6, …), run when they
/// parse: each returns a result document within its deadline (a hang fails here instead of freezing
/// CI) and never panics.
#[test]
fn small_scenarios_with_extreme_numbers_run_to_a_result() {
    let small = [
        r#"{"kind": "ihvp", "hessian": [[4, 1], [1, 3]], "rhs": [1, 2], "methods": [{"method": "exact", "alpha": 0.1}, {"method": "cg", "alpha": 0.1, "iters": 20, "tol": 1e-10}, {"method": "neumann", "alpha": 0.1, "iters": 50, "step": 0.2}, {"method": "nystrom", "alpha": 0.1, "rank": 2, "sampling": "diagonal", "seed": 3}, {"method": "nystrom_pcg", "alpha": 0.1, "rank": 2, "iters": 20, "tol": 1e-10, "seed": 0}, {"method": "lanczos", "alpha": 0.1, "iters": 2}]}"#,
        r#"{"kind": "bilevel", "problem": {"name": "quadratic", "A": [[2]], "B": [[0]], "E": [[2]], "a": [-2], "c": [-4], "H": [[2]], "C": [[2]], "d": [0]}, "algorithm": {"name": "double_loop", "outer_lr": 0.05, "inner_lr": 0.2, "inner_steps": 10, "ihvp": {"method": "cg", "iters": 5, "alpha": 0.0}}, "x0": [-1], "y0": [3], "steps": 50}"#,
        r#"{"kind": "bilevel", "problem": {"name": "ridge_hpo", "features": 2}, "algorithm": {"name": "ttsa", "outer_lr": 0.05, "inner_lr": 0.2, "ihvp": {"method": "neumann", "iters": 5, "alpha": 0.0, "step": 0.1}}, "x0": [0, 0], "y0": [0, 0], "steps": 30, "noise": {"sigma": 0.1, "batch": 4, "seed": 1}}"#,
        r#"{"kind": "game", "dynamics": "stackelberg", "reg": 0.04, "actor_lr": 0.01, "critic_lr": 0.01, "critic_steps": 1, "start": [-1.0, 1.0], "steps": 500, "record_every": 100}"#,
        r#"{"kind": "soft_mdp", "mdp": {"random": {"states": 3, "actions": 2, "seed": 1}}, "gamma": 0.8, "tau": 0.5, "reward": {"features": "state_action"}, "upper": {"kind": "preferences", "true_reward": [1, 0, -1, 0.5, 0, 2], "l2": 0.01}, "x": [0, 0, 0, 0, 0, 0], "algorithm": {"name": "m_sobirl", "outer_lr": 0.1, "w_lr": 0.5, "bellman_steps": 5}, "steps": 10}"#,
        r#"{"kind": "soft_mdp", "mdp": {"random": {"states": 3, "actions": 2, "seed": 1}}, "gamma": 0.8, "tau": 0.5, "reward": {"features": "state_action"}, "upper": {"kind": "shaping", "true_reward": [1, 0, -1, 0.5, 0, 2], "true_tau": 0}, "x": [0, 0, 0, 0, 0, 0], "budget": {"cost": [1, 0, 0, 1, 0, 0], "budget": 0.5, "weight": 2}, "algorithm": {"name": "cbso", "outer_lr": 0.1, "batch": 8, "horizon": 10}, "steps": 10}"#,
        r#"{"kind": "ihvp_study", "family": "networks", "networks": 3, "inputs": 2, "hidden": 3, "samples": 8, "train_steps": 20, "lr": 0.1, "hessian": "full", "seed": 0, "methods": [{"method": "nystrom", "rank": 3}, {"method": "cg", "iters": 5}], "alphas": [1.0]}"#,
        r#"{"kind": "env", "env": "cartpole", "state": [0, 0, 0.2, 0.5], "actions": [1, 1, 0, 1]}"#,
    ];
    let mut rng = SeededRng::seed_from_u64(21);
    let mut ran = 0;
    for case in 0..400 {
        let base: Value = serde_json::from_str(small[case % small.len()]).unwrap_or(Value::Null);
        let text = mutate_json(&base, &mut rng, true).to_string();
        let Ok(parsed) = no_panic(&text, || scenario::parse(&text)) else {
            continue;
        };
        let (tx, rx) = mpsc::channel();
        let input = text.clone();
        std::thread::spawn(move || {
            let out = catch_unwind(AssertUnwindSafe(|| scenario::run(&parsed)));
            tx.send(out.map(|v| v.to_string())).ok();
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(out)) => assert!(out.starts_with('{'), "{out}"),
            Ok(Err(_)) => panic!("panicked running:\n{input}"),
            Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => {
                panic!("no result within 60 s (a hang?) running:\n{input}")
            }
        }
        ran += 1;
    }
    assert!(ran >= 100, "only {ran} of the mutated scenarios parsed");
}

/// Pasted matrices (IHVP lab) and problems (playground), mutated: accepted, or rejected naming a field
/// with the playground's state unchanged.
#[test]
fn pasted_matrices_and_problems_are_checked_and_the_state_is_kept() {
    let mut rng = SeededRng::seed_from_u64(22);
    let matrix = json!({"hessian": [[4, 1, 0], [1, 3, 0.5], [0, 0.5, 2]], "rhs": [1, 2, 3]});
    let problems = [
        json!({"name": "quadratic", "A": [[2]], "B": [[0]], "E": [[2]], "a": [-2], "c": [-4], "H": [[2]], "C": [[2]], "d": [0]}),
        json!({"name": "ridge_hpo", "features": 3, "seed": 2}),
        json!({"name": "representation", "dim": 2, "tasks": 3}),
    ];
    for case in 0..2000 {
        let (base, is_matrix) = if case % 3 == 0 {
            (&matrix, true)
        } else {
            (&problems[case % problems.len()], false)
        };
        let text = if rng.random_range(0..4) == 0 {
            mutate_text(&base.to_string(), &mut rng)
        } else {
            mutate_json(base, &mut rng, false).to_string()
        };
        let mut keys = vec!["hessian".to_owned(), "matrix".to_owned(), "rhs".to_owned()];
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            json_keys(&v, &mut keys);
        }
        if is_matrix {
            if let Err(e) = no_panic(&text, || ihvp_lab::parse_pasted(&text)) {
                assert_names_a_field(&e, &keys, &text);
            }
        } else {
            let mut state = PlaygroundState::default();
            let before = state.clone();
            if let Err(e) = no_panic(&text, || state.load_problem(&text)) {
                keys.push("problem".to_owned());
                assert_names_a_field(&e, &keys, &text);
                assert_eq!(state, before, "state changed by a rejected paste: {text}");
            }
        }
    }
}

/// The built-in lesson files, damaged line by line and as text: loaded, or rejected with the line and
/// field named; never a panic.
#[test]
fn damaged_lesson_files_are_rejected_with_the_line_named() {
    let mut rng = SeededRng::seed_from_u64(23);
    for case in 0..1500 {
        let (_, text) = bilevel_lab::lesson::BUILT_IN[case % bilevel_lab::lesson::BUILT_IN.len()];
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let k = rng.random_range(0..lines.len());
        let damaged = match rng.random_range(0..4) {
            0 => {
                lines.remove(k);
                lines.join("\n")
            }
            1 => {
                lines[k] = format!("{} {}", lines[k], link_token(&mut rng));
                lines.join("\n")
            }
            2 => {
                let copy = lines[k].clone();
                lines.insert(k, copy);
                lines.join("\n")
            }
            _ => mutate_text(text, &mut rng),
        };
        // Parsing every case; the full load (one frame of each step's view) for every 50th, as opening a
        // file does.
        let result = if case % 50 == 0 {
            no_panic(&damaged, || {
                bilevel_lab::app::lesson_check::load(&damaged, bilevel_lab::app::views::by_anchor)
                    .map(|_| ())
            })
        } else {
            no_panic(&damaged, || Lesson::parse(&damaged).map(|_| ()))
        };
        if let Err(e) = result {
            let shown = e.to_string();
            assert!(
                shown.starts_with("line ") && !shown.contains('\n'),
                "{shown:?}\ninput:\n{damaged}"
            );
        }
    }
}

/// The guards the properties above rely on, each shown to catch a known-bad input (the test fails if
/// the guard is removed): a link value out of range, a scenario field of the wrong type, a pasted
/// matrix that is not square, a lesson step without its link.
#[test]
fn one_known_bad_input_of_each_kind_is_caught() {
    let mut view = views::by_anchor("playground").unwrap_or_else(|e| panic!("{e}"));
    let before = view.to_query();
    let e = view
        .apply_query(&[("outer_lr".to_owned(), "-1".to_owned())])
        .err()
        .unwrap_or_default();
    assert!(e.contains("outer_lr"), "{e}");
    assert_eq!(view.to_query(), before);
    let e = scenario::parse(r#"{"kind": "game", "steps": "many"}"#)
        .err()
        .unwrap_or_default();
    assert!(e.starts_with("steps"), "{e}");
    let e = ihvp_lab::parse_pasted(r#"{"hessian": [[1, 2], [3]], "rhs": [1, 1]}"#)
        .err()
        .unwrap_or_default();
    assert!(e.contains("hessian"), "{e}");
    // Oversized text of each kind is refused at once, named.
    let huge = format!("{{\"rhs\": [{}1]}}", "1, ".repeat(2 << 20));
    for (what, result) in [
        ("scenario", scenario::parse(&huge).map(|_| ())),
        ("pasted text", ihvp_lab::parse_pasted(&huge).map(|_| ())),
        (
            "problem JSON",
            PlaygroundState::default().load_problem(&huge),
        ),
        ("document", document::link(&huge).map(|_| ())),
        (
            "lesson file",
            Lesson::parse(&huge).map(|_| ()).map_err(|e| e.to_string()),
        ),
    ] {
        let e = result.err().unwrap_or_default();
        assert!(e.contains(what) && e.contains("MiB"), "{what}: {e}");
    }
    let e = bilevel_lab::app::lesson_check::load(
        "lesson: x\n\nstep: y\n",
        bilevel_lab::app::views::by_anchor,
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(e.starts_with("line "), "{e}");
}

//! The headless CLI: `bilevel-lab run FILE|-` answers every documented kind, and rejects bad input with
//! exit code 2 and one line naming the field.

// A test harness: a failed spawn or read is a test failure, so panicking helpers are right here.
#![allow(clippy::expect_used)]
use std::io::Write as _;
use std::process::{Command, Stdio};

fn run(json: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bilevel-lab"))
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the CLI");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(json.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("CLI finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

#[test]
fn ihvp_kind_runs_every_method_in_order() {
    let (code, out, err) = run(
        r#"{"kind": "ihvp", "hessian": [[4, 1, 0], [1, 3, 0.5], [0, 0.5, 2]], "rhs": [1, 2, 3],
        "methods": [{"method": "exact", "alpha": 0.1}, {"method": "cg", "alpha": 0.1, "iters": 3},
                    {"method": "neumann", "alpha": 0.1, "iters": 200, "step": 0.2},
                    {"method": "nystrom", "alpha": 0.1, "rank": 3, "columns": [0, 1, 2]},
                    {"method": "nystrom", "alpha": 0.1, "rank": 2, "sampling": "diagonal", "seed": 3, "variant": "damped"},
                    {"method": "lanczos", "alpha": 0.1, "iters": 3}, {"method": "identity", "alpha": 0.1}]}"#,
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON out");
    let results = doc["results"].as_array().expect("results");
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["method"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "exact", "cg", "neumann", "nystrom", "nystrom", "lanczos", "identity"
        ]
    );
    // Independent 3×3 solve by Cramer's rule.
    let a = [[4.1, 1.0, 0.0], [1.0, 3.1, 0.5], [0.0, 0.5, 2.1]];
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let b = [1.0, 2.0, 3.0];
    let want: Vec<f64> = (0..3)
        .map(|j| {
            let mut m = a;
            for i in 0..3 {
                m[i][j] = b[i];
            }
            det(m) / det(a)
        })
        .collect();
    for i in [0, 1, 2, 3, 5] {
        let v = floats(&results[i]["v"]);
        let err: f64 = v
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-9, "{}: {v:?} vs {want:?}", names[i]);
    }
    assert_eq!(floats(&results[6]["v"]), vec![10.0, 20.0, 30.0]);
}

#[test]
fn bilevel_kind_reaches_the_closed_form_optimum() {
    let (code, out, err) = run(r#"{"kind": "bilevel",
        "problem": {"name": "quadratic", "A": [[2]], "B": [[0]], "E": [[2]], "a": [-2], "c": [-4],
                    "H": [[2]], "C": [[2]], "d": [0]},
        "algorithm": {"name": "double_loop", "outer_lr": 0.05, "inner_lr": 0.2, "inner_steps": 10,
                      "ihvp": {"method": "cg", "iters": 5, "alpha": 0.0}},
        "x0": [-1], "y0": [3], "steps": 1500}"#);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON out");
    assert_eq!(doc["status"], "ok");
    let xs = doc["x"].as_array().expect("x");
    assert_eq!(xs.len(), 1501);
    let last = floats(&xs[1500])[0];
    assert!((last - floats(&doc["x_star"])[0]).abs() < 1e-8, "{last}");
    assert_eq!(doc["phi"].as_array().map(Vec::len), Some(1501));
    assert_eq!(doc["hypergrad_norm"].as_array().map(Vec::len), Some(1500));
}

#[test]
fn divergence_is_a_status() {
    let (code, out, _) = run(r#"{"kind": "bilevel", "problem": {"name": "actor_critic"},
        "algorithm": {"name": "simultaneous", "outer_lr": 100, "inner_lr": 100}, "x0": [-1], "y0": [1], "steps": 50}"#);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON out");
    assert!(
        doc["status"]
            .as_str()
            .unwrap_or("")
            .starts_with("diverged at step "),
        "{}",
        doc["status"]
    );
}

#[test]
fn bad_input_exits_2_with_one_line_naming_the_field() {
    for (json, expected) in [
        (
            r#"{"kind": "ihvp", "hessian": [[1, 0], [0, 1]], "rhs": [1, 1], "methods": [{"method": "cg", "alpha": 0.1, "iters": 2}, {"method": "nystrom", "alpha": 0.1, "rank": 40}]}"#,
            "methods[1].rank: must be in 1..=2, got 40",
        ),
        (
            r#"{"kind": "ihvp", "hessian": [[1]], "rhs": [1], "methods": [], "extra": 1}"#,
            "unknown field `extra`",
        ),
        (
            r#"{"kind": "ihvp", "hessian": [[1, 2], [3]], "rhs": [1, 1], "methods": []}"#,
            "hessian[1]: every row must have 2 entries, got 1",
        ),
        (
            r#"{"kind": "nope"}"#,
            "kind: must be one of ihvp, ihvp_study, bilevel, game, soft_mdp, env, control, or a view's stackelberg, playground, ihvp_lab, soft_rl, control_lab, got `nope`",
        ),
        (
            r#"{"kind": "bilevel", "problem": {"name": "actor_critic"}, "algorithm": {"name": "ttsa", "outer_lr": 0.1, "inner_lr": 0.1, "ihvp": {"method": "cg", "alpha": 0, "iters": 2}, "outer_decay": 2}, "x0": [1], "y0": [1], "steps": 5}"#,
            "algorithm.outer_decay: must be in 0..=1, got 2",
        ),
        (
            r#"{"kind": "ihvp_study", "family": "networks", "hidden": 0, "methods": [], "alphas": [1]}"#,
            "hidden: must be in 1..=64, got 0",
        ),
        (
            r#"{"kind": "ihvp_study", "family": "spectrum", "dim": 8, "methods": [{"method": "nystrom", "rank": 2}], "alphas": [1, 0]}"#,
            "methods[0].alpha: the Nyström IHVP needs α > 0, got 0 (at α = 0 from alphas)",
        ),
        ("not json", "invalid JSON"),
    ] {
        let (code, out, err) = run(json);
        assert_eq!(code, 2, "{json}");
        assert!(out.is_empty());
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(expected), "{err} should contain {expected}");
    }
}

#[test]
fn game_kind_reproduces_blpo_figure_1() {
    let game = |dynamics: &str, reg: f64| {
        let (code, out, err) = run(&format!(
            r#"{{"kind": "game", "dynamics": "{dynamics}", "reg": {reg}, "actor_lr": 0.01, "critic_lr": 0.01,
                "critic_steps": 1, "start": [-1.0, 1.0], "steps": 50000, "record_every": 100}}"#
        ));
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).expect("JSON out")
    };
    let sim = game("simultaneous", 0.0);
    assert_eq!(sim["theta"].as_array().map(Vec::len), Some(501));
    assert!(sim["theta_sign_changes"].as_u64().unwrap_or(0) > 10);
    let st = game("stackelberg", 0.0);
    assert_eq!(st["theta_sign_changes"], 0);
    let reg = game("stackelberg", 0.04);
    let last = |d: &serde_json::Value| floats(&d["distance"]).last().copied().unwrap_or(f64::NAN);
    assert!(last(&reg) * 3.0 < last(&st) && last(&st) < last(&sim));
    assert_eq!(st["status"], "ok");
}

#[test]
fn ihvp_study_kind_summarizes_errors_per_alpha_and_method() {
    let (code, out, err) = run(
        r#"{"kind": "ihvp_study", "family": "spectrum", "instances": 6, "dim": 16, "outliers": 2,
            "condition": 100, "negative_share": 0.5, "seed": 3,
            "methods": [{"method": "exact"}, {"method": "cg", "iters": 16},
                        {"method": "nystrom", "rank": 16, "variant": "pinv"}, {"method": "identity"}],
            "alphas": [0.001, 1.0], "budgets": [1, 16, 99]}"#,
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        (doc["instances"].as_u64(), doc["dim"].as_u64()),
        (Some(6), Some(16))
    );
    let small = &doc["alphas"][0];
    assert_eq!(
        small["indefinite_share"], 1.0,
        "half the bulk is negative and α is tiny"
    );
    assert_eq!(
        doc["alphas"][1]["indefinite_share"], 0.0,
        "α = 1 shifts past every eigenvalue"
    );
    for per_alpha in doc["alphas"].as_array().cloned().unwrap_or_default() {
        let methods = per_alpha["methods"].as_array().cloned().unwrap_or_default();
        let names: Vec<&str> = methods
            .iter()
            .filter_map(|m| m["method"].as_str())
            .collect();
        assert_eq!(names, ["exact", "cg", "nystrom", "identity"]);
        let definite = per_alpha["indefinite_share"] == 0.0;
        for m in &methods[..3] {
            // Exact and Nyström with every column solve exactly; CG in p steps only when H + αI ≻ 0.
            if m["method"] == "cg" && !definite {
                continue;
            }
            assert!(m["max"].as_f64().unwrap_or(1.0) < 1e-6, "{m}");
            let q = |k: &str| m[k].as_f64().unwrap_or(f64::NAN);
            assert!(
                q("q25") <= q("median") && q("median") <= q("q75") && q("q75") <= q("max"),
                "{m}"
            );
        }
        assert!(
            methods[3]["median"].as_f64().unwrap_or(0.0) > 0.1,
            "b/α is far off"
        );
    }
}

fn lesson_check(text: &str) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!("bilevel-lab-lesson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("{}.lesson", text.len()));
    std::fs::write(&file, text).expect("write the lesson");
    let out = Command::new(env!("CARGO_BIN_EXE_bilevel-lab"))
        .args(["lesson", "check"])
        .arg(&file)
        .output()
        .expect("CLI finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn lesson_check_prints_each_claim_with_its_measured_value() {
    let lesson = "# Toy\nid: toy\n\n## Simultaneous play\nview: #playground?runs.1.on=false&runs.2.on=false&runs.3.on=false\nrun: 500\nclaim: runs.0.x.0 = 1 ± 1e-3 | the Nash point\n";
    let (code, out, err) = lesson_check(lesson);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("ok   runs.0.x.0 = 1 ± 0.001 | the Nash point  [measured "),
        "{out}"
    );
    assert!(out.contains("claims: 1 passed, 0 failed"), "{out}");

    let wrong = lesson.replace("= 1 ± 1e-3", "= 1.5 ± 1e-3");
    let (code, out, _) = lesson_check(&wrong);
    assert_eq!(code, 1, "a false claim fails the check: {out}");
    assert!(out.contains("FAIL runs.0.x.0 = 1.5 ± 0.001"), "{out}");

    let malformed = lesson.replace("#playground", "#nowhere");
    let (code, _, err) = lesson_check(&malformed);
    assert_eq!(code, 2);
    assert!(
        err.contains("line 5, `view`: unknown view `nowhere`"),
        "{err}"
    );
}

/// A view's document runs headless in its view and prints what the view shows; a bad field is named.
#[test]
fn a_views_document_runs_in_its_view() {
    let (code, out, err) = run(
        r#"{"kind": "stackelberg", "run": {"reg": 0.04}, "show": {"step": 2000}, "result": {"ignored": true}}"#,
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON out");
    assert_eq!(doc["kind"], "stackelberg");
    assert_eq!(doc["view"]["step"], 2000);
    let panels = doc["view"]["panels"].as_array().expect("panels");
    assert_eq!(panels.len(), 4);
    assert_eq!(
        panels[3]["theta_sign_changes"], 0,
        "Stackelberg play never crosses θ = 0"
    );
    let (code, _, err) = run(r#"{"kind": "playground", "run": {"outer_lr": -1}}"#);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("`run.outer_lr`") && err.lines().count() == 1,
        "{err}"
    );
    // A flat document (the halves merged, as saved before them) still reads.
    let (code, _, err) = run(r#"{"kind": "playground", "outer_lr": -1}"#);
    assert!(code == 2 && err.starts_with("`outer_lr`"), "{err}");
}

#[test]
fn env_and_control_kinds_run_and_bench_control_checks_its_arguments() {
    let (code, out, err) =
        run(r#"{"kind": "env", "env": "acrobot", "state": [0, 0, 0, 0], "actions": [2, 2, 0]}"#);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(doc["states"].as_array().map(Vec::len), Some(4));
    assert_eq!(floats(&doc["rewards"]), vec![-1.0, -1.0, -1.0]);
    let (code, _, err) = run(
        r#"{"kind": "control", "env": "pendulum", "algorithm": {"name": "blpo_cg", "cg_iters": 0}, "seeds": [0], "total_steps": 10}"#,
    );
    assert_eq!(code, 2);
    assert!(
        err.starts_with("bilevel-lab: algorithm.cg_iters") || err.contains("algorithm.cg_iters"),
        "{err}"
    );
    let bench = Command::new(env!("CARGO_BIN_EXE_bilevel-lab"))
        .args(["bench-control", "pong"])
        .output()
        .expect("CLI finishes");
    assert_eq!(bench.status.code(), Some(2));
}

/// `lesson grade FILE`: CSV of hand-in links in, one graded CSV row per link out (a solved exercise, an
/// unsolved one, a foreign link, a quoted name with a comma); exit 2 when the file cannot be read or has
/// no `name,link` header. `lesson list --json` lists the built-in lessons with their steps' kinds.
#[test]
fn lesson_grade_and_list() {
    let dir = std::env::temp_dir().join(format!("bilevel-lab-grade-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_bilevel-lab"))
            .args(args)
            .output()
            .expect("CLI finishes");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, list) = cli(&["lesson", "list", "--json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&list).expect("JSON");
    let core = &list.as_array().expect("a list")[0];
    assert_eq!(core["id"], "the-core", "{core}");
    let steps = core["steps"].as_array().expect("steps");
    assert_eq!(steps.last().expect("a step")["kind"], "exercise", "{core}");
    assert!(
        steps[0]["view"]
            .as_str()
            .is_some_and(|v| v.starts_with("#playground"))
    );
    assert!(core["minutes"].as_u64().is_some() && core["title"].is_string());

    let off = "runs.0.on=false&runs.2.on=false&runs.3.on=false";
    let enc = |link: &str| {
        link.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let link = |eta: &str| {
        format!(
            "https://host/app/#lesson?id=the-core&step=5&view={}",
            enc(&format!(
                "#playground?{off}&outer_lr={eta}&stop_at=100&step=100"
            ))
        )
    };
    let csv = format!(
        "name,link\n\"Lovelace, Ada\",{}\nBob,{}\nEve,#playground?outer_lr=1\n",
        link("0.2"),
        link("0.01")
    );
    let file = dir.join("hand-ins.csv");
    std::fs::write(&file, csv).expect("write");
    let (code, out) = cli(&["lesson", "grade", file.to_str().expect("path")]);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "name,link,lesson,step,pass,measured,reason");
    assert!(
        lines[1].starts_with("\"Lovelace, Ada\",") && lines[1].contains(",the-core,5,true,"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("Bob,") && lines[2].contains(",the-core,5,false,"),
        "{out}"
    );
    assert!(lines[2].contains("not yet: "), "{out}");
    assert!(
        lines[3].starts_with("Eve,") && lines[3].contains(",false,,not a lesson link"),
        "{out}"
    );
    assert_eq!(lines.len(), 4, "{out}");

    std::fs::write(&file, "who,where\n").expect("write");
    assert_eq!(cli(&["lesson", "grade", file.to_str().expect("path")]).0, 2);
    assert_eq!(cli(&["lesson", "grade", "/no/such/file.csv"]).0, 2);
}

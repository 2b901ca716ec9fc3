//! The native command line: no arguments opens the window; subcommands run headless and print JSON.

use std::process::ExitCode;

use crate::gpu::{ComputeRuntime, SelfCheck};

const HELP: &str = "\
bilevel-lab — watch bilevel optimization happen

USAGE:
    bilevel-lab                 open the app window
    bilevel-lab run FILE        run a scenario (JSON; FILE = - reads stdin), print the result JSON
                                (kinds: docs/scenarios.md); invalid input: exit 2, one line on stderr
    bilevel-lab self-check      run the GPU self-check headless, print its JSON report
    bilevel-lab bench [N T]     time the convergence map (N×N starts, T steps; default 128 2000) on the
                                GPU and on its CPU twin in one run, print JSON with the ratio
    bilevel-lab bench-ihvp [N P]  time a batch of N IHVPs (p = P; default 1000 64; CG, Neumann, Lanczos,
                                Nyström) in float64, on the f32 CPU twin and on the GPU, print the ratios
    bilevel-lab bench-landscape [S F]  time the playground's Φ landscape (S×S grid, ridge HPO with F
                                features; default 256 2) in float64, on the f32 twin and on the GPU
    bilevel-lab bench-control [ENV U]  time U updates (default cartpole 5) of PPO, BLPO, BLPO-CG and
                                nesting alone at their defaults, print seconds per update and the ratio
                                to PPO (BLPO Fig. 4)
    bilevel-lab lesson check FILE|--all  play every step of a lesson file (or of every built-in
                                lesson) headless and print each claim with its measured value;
                                exit 1 when a claim fails, 2 when the file is malformed
    bilevel-lab lesson grade FILE  replay the hand-in links of a CSV `name,link` headless and print CSV
                                `name,link,lesson,step,pass,measured,reason`; exit 2 when unreadable
    bilevel-lab lesson list --json  the built-in lessons, their minutes and steps (step or exercise)
    bilevel-lab --version       print the version
    bilevel-lab --help          print this help
";

/// Runs the CLI; returns the process exit code (2 for usage errors).
pub fn main(args: &[String]) -> ExitCode {
    match args.first().map(String::as_str) {
        None => run_window(),
        Some("--help" | "-h" | "help") => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Some("--version" | "-V") => {
            println!("bilevel-lab {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("self-check") => self_check(),
        Some("bench") => match numbers(args, [(128, 1..=4096), (2000, 0..=1_000_000)]) {
            Some([n, t]) => crate::bench::convergence_map(n, t),
            None => usage("bench [N T]  (N in 1..=4096, T ≤ 1000000)"),
        },
        Some("bench-ihvp") => match numbers(args, [(1000, 1..=100_000), (64, 1..=128)]) {
            Some([n, p]) => crate::bench::ihvp_batch(n as usize, p as usize),
            None => usage("bench-ihvp [N P]  (N in 1..=100000, P in 1..=128)"),
        },
        Some("bench-landscape") => match numbers(args, [(256, 1..=1024), (2, 2..=8)]) {
            Some([side, f]) => crate::bench::landscape(side, f as usize),
            None => usage("bench-landscape [S F]  (S in 1..=1024, F in 2..=8)"),
        },
        Some("bench-control") => {
            use crate::numerics::control::envs::EnvKind;
            let env = match args.get(1).map(String::as_str) {
                None => Some(EnvKind::Cartpole),
                Some(name) => serde_json::from_value(serde_json::Value::from(name)).ok(),
            };
            let updates = args.get(2).map_or(Ok(5), |a| a.parse::<usize>());
            match (env, updates) {
                (Some(env), Ok(u)) if (1..=1000).contains(&u) => crate::bench::control(env, u),
                _ => usage(
                    "bench-control [cartpole|acrobot|pendulum|inverted_pendulum|inverted_double_pendulum U]  (U in 1..=1000)",
                ),
            }
        }
        Some("run") => match args.get(1) {
            Some(file) if args.len() == 2 => run_scenario(file),
            _ => usage("run FILE   (FILE = - for stdin)"),
        },
        Some("lesson") => match (args.get(1).map(String::as_str), args.get(2)) {
            (Some("check"), Some(file)) if args.len() == 3 => lesson_check(file),
            (Some("grade"), Some(file)) if args.len() == 3 => lesson_grade(file),
            (Some("list"), Some(flag)) if args.len() == 3 && flag == "--json" => lesson_list(),
            _ => usage("lesson check FILE|--all, lesson grade FILE, lesson list --json"),
        },
        Some(other) => {
            eprintln!("bilevel-lab: unknown command `{other}` (see bilevel-lab --help)");
            ExitCode::from(2)
        }
    }
}

/// A bench command's optional numbers after its name: each its default when absent, `None` when one does
/// not parse or is out of its range.
fn numbers<const N: usize>(
    args: &[String],
    spec: [(u32, std::ops::RangeInclusive<u32>); N],
) -> Option<[u32; N]> {
    let mut out = [0; N];
    for (i, (default, range)) in spec.into_iter().enumerate() {
        let value = args
            .get(i + 1)
            .map_or(Ok(default), |a| a.parse::<u32>())
            .ok()?;
        out[i] = range.contains(&value).then_some(value)?;
    }
    Some(out)
}

/// Prints a command's usage line; exit code 2.
fn usage(line: &str) -> ExitCode {
    eprintln!("bilevel-lab: usage: bilevel-lab {line}");
    ExitCode::from(2)
}

fn run_scenario(file: &str) -> ExitCode {
    let text = if file == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map(|_| s)
    } else {
        std::fs::read_to_string(file)
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{file}: cannot read: {e}");
            return ExitCode::from(2);
        }
    };
    // A view's document is played by the view itself; every other kind by the numerics core.
    let result = if crate::app::document::is_document(&text) {
        crate::app::document::run(&text)
    } else {
        crate::scenario::parse(&text).map(|s| crate::scenario::run(&s))
    };
    match result {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// `lesson grade FILE`: every hand-in link of a `name,link` CSV replayed headless, one CSV row each; exit 0
/// when the file was read (whatever the rows say), 2 when it was not.
fn lesson_grade(file: &str) -> ExitCode {
    use crate::app::lesson_check::{STEP_LIMIT, grade};
    use crate::app::views::by_anchor;
    let rows = std::fs::read_to_string(file)
        .map_err(|e| format!("{file}: {e}"))
        .and_then(|text| grade::hand_ins(&text).map_err(|e| format!("{file}: {e}")));
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let lessons = crate::lesson::built_in();
    println!("{}", grade::Graded::HEADER);
    for (name, link) in rows {
        println!(
            "{}",
            grade::grade(&name, &link, &lessons, by_anchor, STEP_LIMIT).csv()
        );
    }
    ExitCode::SUCCESS
}

/// `lesson list --json`: the built-in lessons, their steps and which are exercises.
fn lesson_list() -> ExitCode {
    let list: Vec<serde_json::Value> = crate::lesson::built_in()
        .iter()
        .map(|l| {
            let steps: Vec<serde_json::Value> = l
                .steps
                .iter()
                .map(|s| {
                    let kind = if s.is_exercise() { "exercise" } else { "step" };
                    serde_json::json!({"title": s.title, "view": s.view, "kind": kind})
                })
                .collect();
            serde_json::json!({"id": l.id, "title": l.title, "minutes": l.minutes, "steps": steps})
        })
        .collect();
    println!("{}", serde_json::Value::Array(list));
    ExitCode::SUCCESS
}

/// `lesson check`: a file, or every built-in lesson (`--all`).
fn lesson_check(file: &str) -> ExitCode {
    use crate::app::{lesson_check as check, views::by_anchor};
    use crate::lesson;
    let files: Vec<(String, String)> = if file == "--all" {
        lesson::BUILT_IN
            .iter()
            .map(|(name, text)| (format!("assets/lessons/{name}"), (*text).to_owned()))
            .collect()
    } else {
        match std::fs::read_to_string(file) {
            Ok(text) => vec![(file.to_owned(), text)],
            Err(e) => {
                eprintln!("{file}: cannot read: {e}");
                return ExitCode::from(2);
            }
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for (name, text) in &files {
        let lesson = match check::load(text, by_anchor) {
            Ok(lesson) => lesson,
            Err(e) => {
                eprintln!("{name}: {e}");
                return ExitCode::from(2);
            }
        };
        println!("{name}: {} ({} steps)", lesson.title, lesson.steps.len());
        for step in check::check(&lesson, check::STEP_LIMIT, by_anchor) {
            println!(
                "  step {} (line {}) {}: {} frames, {:.2} s",
                step.index + 1,
                step.line,
                step.title,
                step.frames,
                step.seconds
            );
            if let Some(e) = &step.error {
                failed += 1;
                println!("    FAIL {e}");
            }
            let claims = step.claims.iter().map(|(c, o)| {
                let key = if c.invariant { "invariant " } else { "" };
                (key, c, o)
            });
            let goals = step.goals.iter().map(|(g, o)| ("goal ", g, o));
            for (key, claim, outcome) in claims.chain(goals) {
                let mark = if outcome.passed { "ok  " } else { "FAIL" };
                println!("    {mark} {key}{claim}  [{}]", outcome.describe());
                if outcome.passed {
                    passed += 1;
                } else {
                    failed += 1;
                }
            }
        }
    }
    println!("claims: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn self_check() -> ExitCode {
    let mut runtime = ComputeRuntime::headless();
    let mut check = SelfCheck::start_default(&mut runtime);
    let report = loop {
        runtime.poll();
        if let Some(report) = check.poll(&mut runtime, crate::budget::deadline(None)) {
            break report.clone();
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    let json = serde_json::json!({
        "compute_backend": runtime.backend_label(),
        "self_check": report,
        "last_error": runtime.last_error(),
    });
    println!("{json}");
    if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Times the convergence map on the GPU (submit to readback, after one warm-up run that compiles the
/// kernel) and on the CPU twin (single thread), and checks that both agree.
fn run_window() -> ExitCode {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("bilevel-lab")
            .with_inner_size([1280.0, 820.0])
            .with_min_inner_size([640.0, 400.0]),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    match eframe::run_native(
        "bilevel-lab",
        options,
        Box::new(|cc| Ok(Box::new(crate::BilevelApp::new(cc)))),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bilevel-lab: could not open the window: {e}");
            ExitCode::FAILURE
        }
    }
}

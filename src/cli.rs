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
        Some("run") => match args.get(1) {
            Some(file) if args.len() == 2 => run_scenario(file),
            _ => {
                eprintln!("bilevel-lab: usage: bilevel-lab run FILE   (FILE = - for stdin)");
                ExitCode::from(2)
            }
        },
        Some(other) => {
            eprintln!("bilevel-lab: unknown command `{other}` (see bilevel-lab --help)");
            ExitCode::from(2)
        }
    }
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
    match crate::scenario::parse(&text) {
        Ok(scenario) => {
            println!("{}", crate::scenario::run(&scenario));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn self_check() -> ExitCode {
    let mut runtime = ComputeRuntime::headless();
    let mut check = SelfCheck::start_default(&mut runtime);
    let report = loop {
        runtime.poll();
        if let Some(report) = check.poll(&mut runtime) {
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

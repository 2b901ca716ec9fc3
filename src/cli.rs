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
        Some("bench") => {
            let number =
                |i: usize, default: u32| args.get(i).map_or(Ok(default), |a| a.parse::<u32>());
            match (number(1, 128), number(2, 2000)) {
                (Ok(n), Ok(t)) if (1..=4096).contains(&n) && t <= 1_000_000 => bench(n, t),
                _ => {
                    eprintln!(
                        "bilevel-lab: usage: bilevel-lab bench [N T]  (N in 1..=4096, T ≤ 1000000)"
                    );
                    ExitCode::from(2)
                }
            }
        }
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

/// Times the convergence map on the GPU (submit to readback, after one warm-up run that compiles the
/// kernel) and on the CPU twin (single thread), and checks that both agree.
fn bench(n: u32, steps: u32) -> ExitCode {
    use crate::gpu::kernels::{ConvergenceMap, MapRequest};
    use crate::gpu::{Job, Kernel as _, Ran};
    use crate::numerics::games::actor_critic::{Dynamics, GameParams};
    use std::time::Instant;
    let req = MapRequest {
        nx: n,
        ny: n,
        steps,
        window: [-1.0, 1.0, -1.0, 1.0],
        game: GameParams {
            dynamics: Dynamics::Stackelberg,
            reg: 0.04,
            actor_lr: 0.01,
            critic_lr: 0.01,
            critic_steps: 1,
        },
    };
    let mut runtime = ComputeRuntime::headless();
    let run_gpu = |runtime: &mut ComputeRuntime| {
        let started = Instant::now();
        let mut job = Job::<ConvergenceMap>::start(runtime, req.clone());
        loop {
            runtime.poll();
            if let Some(done) = job.poll(runtime) {
                return (done, started.elapsed().as_secs_f64());
            }
            std::thread::yield_now();
        }
    };
    let _warm_up = run_gpu(&mut runtime);
    let (gpu, gpu_s) = run_gpu(&mut runtime);
    let started = Instant::now();
    let cpu = ConvergenceMap::cpu(&req);
    let cpu_s = started.elapsed().as_secs_f64();
    let max_diff = gpu
        .value
        .iter()
        .zip(&cpu)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    let json = serde_json::json!({
        "benchmark": "convergence_map",
        "grid": [n, n],
        "steps": steps,
        "compute_backend": runtime.backend_label(),
        "ran_on": if gpu.ran_on == Ran::Gpu { "gpu" } else { "cpu" },
        "gpu_seconds": gpu_s,
        "cpu_twin_seconds": cpu_s,
        "cpu_over_gpu": cpu_s / gpu_s,
        "max_abs_diff_log10": max_diff,
    });
    println!("{json}");
    if gpu.ran_on == Ran::Gpu {
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

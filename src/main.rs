//! `bilevel-lab` with no arguments opens the window (natively) or starts in the page (web);
//! with a subcommand it runs headless (see `bilevel-lab --help`).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    bilevel_lab::cli::main(&args)
}

#[cfg(target_arch = "wasm32")]
fn main() {
    bilevel_lab::web::start();
}

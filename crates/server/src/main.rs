//! `bilevel-lab-server --site DIR [--host H] [--port P] [--base /path/]`: the built site and the live
//! classroom (docs/classroom.md). `./scripts/serve.sh` builds the site and starts it. `bilevel-lab-server
//! bench`: the load benchmark (`bench`).

use std::sync::Arc;

use bilevel_lab_server::{Settings, SystemClock, serve};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("bench") {
        return match bilevel_lab_server::bench::run(&args[1..]).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(why) => {
                eprintln!("bilevel-lab-server bench: {why}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let settings = match Settings::from_args(&args) {
        Ok(s) => s,
        Err(why) => {
            eprintln!("bilevel-lab-server: {why}");
            eprintln!("usage: bilevel-lab-server --site DIR [--host H] [--port P] [--base /path/]");
            return std::process::ExitCode::from(2);
        }
    };
    let listener =
        match tokio::net::TcpListener::bind((settings.host.as_str(), settings.port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!(
                    "bilevel-lab-server: cannot listen on {}:{}: {e}",
                    settings.host, settings.port
                );
                return std::process::ExitCode::FAILURE;
            }
        };
    let shown = if settings.host == "0.0.0.0" {
        "<this machine's address>"
    } else {
        &settings.host
    };
    println!(
        "bilevel-lab is served at http://{shown}:{}{}  (live classroom at {}live; Ctrl-C to stop)",
        settings.port, settings.base, settings.base
    );
    if settings.host != "127.0.0.1" && settings.host != "localhost" {
        println!(
            "Reachable from the network: WebGPU needs a secure context, so browsers on other machines use the \
             CPU fallback over plain http (put it behind https for WebGPU in the room: docs/classroom.md)."
        );
    }
    let shutdown = async {
        tokio::signal::ctrl_c().await.ok();
    };
    match serve(
        listener,
        settings,
        Arc::new(SystemClock::default()),
        shutdown,
    )
    .await
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("bilevel-lab-server: {why}");
            std::process::ExitCode::FAILURE
        }
    }
}

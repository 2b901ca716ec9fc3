//! `bilevel-lab-server bench` (issue 39's load benchmark; a benchmark, not a test): starts this binary as a
//! server process on 127.0.0.1 and drives it from this process — 300 students in one room (all joined within
//! 5 s), the presenter stepping 20 times with a poll each step, every student voting; then 10 rooms × 300.
//! One JSON line per phase and a last line, the worst of the phases: step → student and vote → tally latency
//! (p50, p95, max, ms), lost votes, the server's peak RSS and CPU seconds. `scripts/bench-classroom.sh` raises
//! the open-file limit first (3 000 sockets each side).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bilevel_lab_classroom::{ToClient, ToServer, decode, encode};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const STEPS: usize = 20;
const ANSWERS: usize = 4;

/// The latencies and losses one phase measured.
#[derive(Default)]
struct Measured {
    step_ms: Vec<f64>,
    tally_ms: Vec<f64>,
    lost: usize,
}

/// Per poll: each vote's send time in order, and how many of them a tally has covered.
type Votes = Arc<Mutex<HashMap<String, (Vec<Instant>, usize)>>>;

/// Runs the benchmark; `Err` says why it could not.
pub async fn run(args: &[String]) -> Result<(), String> {
    let students: usize = flag(args, "--students").unwrap_or(300);
    let port = free_port()?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut server = Command::new(exe)
        .args([
            "--port",
            &port.to_string(),
            "--max-students",
            "1000",
            "--max-rooms",
            "2000",
        ])
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let url = format!("ws://127.0.0.1:{port}/live");
    let started = Instant::now();
    while tokio_tungstenite::connect_async(&url).await.is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            server.kill().ok();
            return Err("the server did not start".to_owned());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut worst = Value::Null;
    for rooms in [1, 10] {
        let m = phase(&url, rooms, students).await;
        let line = report(&m, (students, rooms), &server);
        println!("{line}");
        worst = worse(&worst, &line);
    }
    println!("{worst}");
    server.kill().ok();
    server.wait().ok();
    Ok(())
}

/// A simulated phone's socket: small buffers, as the server's. tungstenite's default 128 KiB read buffer is
/// zeroed on every read: with 3 000 clients in this one process it was a third of the benchmark's CPU
/// (`perf`: memset), work that sat on the cores the server shares here and no phone does for a whole class.
fn client_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

fn flag(args: &[String], name: &str) -> Option<usize> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// One phase: `rooms` rooms of `students` each, stepped together.
async fn phase(url: &str, rooms: usize, students: usize) -> Measured {
    let t0 = Instant::now();
    let step_ms = Arc::new(Mutex::new(Vec::new()));
    let votes: Votes = Arc::default();
    let tally_ms = Arc::new(Mutex::new(Vec::new()));
    let mut presenters = Vec::new();
    for r in 0..rooms {
        let Ok((mut ws, _)) =
            tokio_tungstenite::connect_async_with_config(url, Some(client_config()), true).await
        else {
            continue;
        };
        ws.send(Message::Text(encode(&ToServer::Create).into()))
            .await
            .ok();
        let code = loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    if let Ok(ToClient::Created { code, .. }) = decode(t.as_str()) {
                        break Some(code);
                    }
                }
                _ => break None,
            }
        };
        let Some(code) = code else { continue };
        // Students join spread over 4 s (the goal: all within 5 s).
        for s in 0..students {
            let (url, code, step_ms, votes) =
                (url.to_owned(), code.clone(), step_ms.clone(), votes.clone());
            let delay = Duration::from_millis((4000 * s / students.max(1)) as u64);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                student(&url, (&code, format!("r{r}-s{s}")), t0, (step_ms, votes)).await;
            });
        }
        presenters.push((ws, r));
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut tasks = Vec::new();
    for (ws, r) in presenters {
        let (votes, tally_ms) = (votes.clone(), tally_ms.clone());
        tasks.push(tokio::spawn(presenter(
            ws,
            r,
            students,
            t0,
            (votes, tally_ms),
        )));
    }
    let mut lost = 0;
    for t in tasks {
        lost += t.await.unwrap_or(STEPS * students);
    }
    let take = |v: &Arc<Mutex<Vec<f64>>>| {
        std::mem::take(&mut *v.lock().unwrap_or_else(PoisonError::into_inner))
    };
    Measured {
        step_ms: take(&step_ms),
        tally_ms: take(&tally_ms),
        lost,
    }
}

/// A student: joins, records each state's latency, votes in each open poll.
async fn student(
    url: &str,
    (code, device): (&str, String),
    t0: Instant,
    (step_ms, votes): (Arc<Mutex<Vec<f64>>>, Votes),
) {
    let Ok((mut ws, _)) =
        tokio_tungstenite::connect_async_with_config(url, Some(client_config()), true).await
    else {
        return;
    };
    let join = ToServer::Join {
        code: code.to_owned(),
        device: device.clone(),
    };
    ws.send(Message::Text(encode(&join).into())).await.ok();
    let mut k = device.len();
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        match decode::<ToClient>(text.as_str()) {
            Ok(ToClient::State { state }) => {
                if let Some(sent) = state.get("t_ms").and_then(Value::as_f64) {
                    let ms = t0.elapsed().as_secs_f64() * 1e3 - sent;
                    step_ms
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(ms);
                }
            }
            Ok(ToClient::Poll { poll: Some(p) }) if p.open => {
                k = k.wrapping_mul(31).wrapping_add(7);
                let vote = ToServer::Vote {
                    poll: p.poll.clone(),
                    answer: k % ANSWERS,
                };
                {
                    let mut v = votes.lock().unwrap_or_else(PoisonError::into_inner);
                    v.entry(p.poll).or_default().0.push(Instant::now());
                }
                if ws.send(Message::Text(encode(&vote).into())).await.is_err() {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// The presenter of room `r`: 20 steps, each a state and a poll, waiting (≤ 5 s) until every vote is in the
/// tally; returns the votes the tally never counted.
async fn presenter(
    mut ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    r: usize,
    students: usize,
    t0: Instant,
    (votes, tally_ms): (Votes, Arc<Mutex<Vec<f64>>>),
) -> usize {
    let mut lost = 0;
    for k in 0..STEPS {
        let poll = format!("room{r}/step{k}");
        let state = json!({"lesson": "bench", "step": k, "t_ms": t0.elapsed().as_secs_f64() * 1e3});
        for msg in [
            ToServer::State { state },
            ToServer::OpenPoll {
                poll: poll.clone(),
                answers: ANSWERS,
            },
        ] {
            ws.send(Message::Text(encode(&msg).into())).await.ok();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut counted = 0;
        while counted < students && Instant::now() < deadline {
            let Ok(Some(Ok(Message::Text(text)))) =
                tokio::time::timeout_at(deadline.into(), ws.next()).await
            else {
                break;
            };
            let Ok(ToClient::Tally {
                poll: p, counts, ..
            }) = decode::<ToClient>(text.as_str())
            else {
                continue;
            };
            if p != poll {
                continue;
            }
            counted = counts.iter().sum();
            let now = Instant::now();
            let mut v = votes.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((sent, covered)) = v.get_mut(&poll) {
                let mut ms = tally_ms.lock().unwrap_or_else(PoisonError::into_inner);
                for at in sent.iter().take(counted).skip(*covered) {
                    ms.push(now.duration_since(*at).as_secs_f64() * 1e3);
                }
                *covered = (*covered).max(counted.min(sent.len()));
            }
        }
        let sent = votes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&poll)
            .map_or(0, |v| v.0.len());
        lost += sent.saturating_sub(counted);
        ws.send(Message::Text(encode(&ToServer::ClosePoll).into()))
            .await
            .ok();
    }
    lost
}

/// Field by field the larger of two phase lines (numbers; nested objects alike).
fn worse(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut out = y.clone();
            for (k, v) in x {
                out.insert(k.clone(), worse(v, y.get(k).unwrap_or(&Value::Null)));
            }
            Value::Object(out)
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            json!(x.max(y))
        }
        (Value::Null, b) => b.clone(),
        (a, _) => a.clone(),
    }
}

fn percentiles(v: &[f64]) -> Value {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        v.get(((v.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let r = |x: f64| (x * 10.0).round() / 10.0;
    json!({"p50": r(at(0.5)), "p95": r(at(0.95)), "max": r(at(1.0))})
}

/// The server's peak resident memory (MB) and CPU seconds, from /proc.
fn server_use(server: &Child) -> (f64, f64) {
    let pid = server.id();
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kb| kb / 1024.0);
    let cpu = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1.to_owned();
            let f: Vec<&str> = after.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(f64::NAN);
    (rss, cpu)
}

fn report(m: &Measured, (students, rooms): (usize, usize), server: &Child) -> Value {
    let (rss, cpu) = server_use(server);
    json!({
        "students": students,
        "rooms": rooms,
        "step_to_student_ms": percentiles(&m.step_ms),
        "vote_to_tally_ms": percentiles(&m.tally_ms),
        "lost_votes": m.lost,
        "server_rss_mb": (rss * 10.0).round() / 10.0,
        "server_cpu_s": (cpu * 100.0).round() / 100.0,
    })
}

//! `bilevel-lab-server` (issue 39): serves the built site as a real host would (`site`) and runs the live
//! classroom (`live`, `rooms`; the protocol is the `bilevel-lab-classroom` crate, docs/classroom.md).
//! Time and limits are settings and a [`Clock`], so the tests control them instead of sleeping.

pub mod bench;
pub mod live;
pub mod poll;
pub mod rooms;
pub mod site;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use axum::serve::ListenerExt as _;

use live::Live;
use rooms::Limits;
use site::Site;

/// Time since the server started, as the rooms see it.
pub trait Clock: Send + Sync {
    fn now(&self) -> Duration;
}

/// The real clock.
pub struct SystemClock(Instant);

impl Default for SystemClock {
    fn default() -> Self {
        Self(Instant::now())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// A clock the tests move by hand.
#[derive(Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.0.load(Ordering::SeqCst))
    }
}

/// How a server runs: where, under which path, which site, and the live classroom's limits.
#[derive(Clone, Debug)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    /// The path the site and `live` are under, starting and ending with `/`.
    pub base: String,
    pub site: Option<PathBuf>,
    pub max_rooms: usize,
    pub max_students: usize,
    /// Messages a second one connection may send (a burst of as many).
    pub rate: u32,
    pub tally_period: Duration,
    pub expiry: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 8080,
            base: "/".to_owned(),
            site: None,
            max_rooms: 1000,
            max_students: 500,
            rate: 20,
            tally_period: Duration::from_millis(250),
            expiry: Duration::from_secs(4 * 3600),
        }
    }
}

impl Settings {
    pub fn limits(&self) -> Limits {
        Limits {
            max_rooms: self.max_rooms,
            max_students: self.max_students,
            expiry: self.expiry,
            tally_period: self.tally_period,
        }
    }

    /// Settings from the command line (`--site DIR --host H --port P --base /path/ --max-rooms N
    /// --max-students N`), or what is wrong with it.
    pub fn from_args(args: &[String]) -> Result<Self, String> {
        let mut s = Self::default();
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let mut value = || {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            let number = |v: String| v.parse::<usize>().map_err(|e| format!("{flag}: {v}: {e}"));
            match flag.as_str() {
                "--site" => s.site = Some(PathBuf::from(value()?)),
                "--host" => s.host = value()?,
                "--port" => {
                    let v = value()?;
                    s.port = v.parse().map_err(|e| format!("--port: {v}: {e}"))?;
                }
                "--base" => s.base = normalize_base(&value()?),
                "--max-rooms" => s.max_rooms = number(value()?)?,
                "--max-students" => s.max_students = number(value()?)?,
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(s)
    }
}

/// `/path/` from `path`, `/path` or `path/`.
pub fn normalize_base(base: &str) -> String {
    let trimmed = base.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        format!("/{trimmed}/")
    }
}

#[derive(Clone)]
struct App {
    live: Arc<Live>,
    site: Option<Arc<Site>>,
    base: String,
}

/// The server's routes: `{base}live` (the WebSocket) and the site under `{base}`.
pub fn router(settings: &Settings, live: Arc<Live>) -> Result<Router, String> {
    let site = match &settings.site {
        Some(dir) => Some(Arc::new(Site::open(dir)?)),
        None => None,
    };
    let app = App {
        live,
        site,
        base: settings.base.clone(),
    };
    Ok(Router::new()
        .route(&format!("{}live", settings.base), get(live_socket))
        .fallback(get(static_file))
        .with_state(app))
}

async fn live_socket(State(app): State<App>, ws: WebSocketUpgrade) -> Response {
    // Small buffers: a class is thousands of sockets sending frames of a few hundred bytes (tungstenite's
    // default 128 KiB each way made 10 rooms × 300 students take 441 MB). Frames queued together (a step's
    // state and poll) leave in one write: the connection's writer flushes once for them.
    ws.max_message_size(live::SOCKET_LIMIT)
        .max_frame_size(live::SOCKET_LIMIT)
        .read_buffer_size(4096)
        .write_buffer_size(4096)
        .on_upgrade(move |socket| app.live.connection(socket))
}

async fn static_file(State(app): State<App>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path == app.base.trim_end_matches('/') && app.base != "/" {
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, app.base.clone())],
        )
            .into_response();
    }
    let Some(rel) = path.strip_prefix(&app.base) else {
        let why = format!("not found: the app is served under {}", app.base);
        return (StatusCode::NOT_FOUND, why).into_response();
    };
    match &app.site {
        Some(site) => site.get(rel, &headers),
        None => (
            StatusCode::NOT_FOUND,
            "this server runs without a site (--site DIR)",
        )
            .into_response(),
    }
}

/// Serves on `listener` until `shutdown` resolves, with `clock` as the rooms' time (a test that must drop
/// every connection, a restart, runs the server on a runtime of its own and shuts that down).
pub async fn serve(
    listener: tokio::net::TcpListener,
    settings: Settings,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let live = Arc::new(Live::new(settings.clone(), clock));
    let ticker = tokio::spawn(live.clone().ticker());
    let app = router(&settings, live)?;
    // Not axum's graceful shutdown: it would wait for every open WebSocket. Stopping closes them.
    // No Nagle delay: a class's frames are small and each is awaited by a person.
    let listener = listener.tap_io(|tcp| {
        tcp.set_nodelay(true).ok();
    });
    let served = axum::serve(listener, app.into_make_service());
    let out = tokio::select! {
        r = served => r.map_err(|e| e.to_string()),
        () = shutdown => Ok(()),
    };
    ticker.abort();
    out
}

/// A server on a runtime of its own, on 127.0.0.1 (tests: dropping it closes every connection at once, as a
/// restart does).
pub struct Running {
    runtime: tokio::runtime::Runtime,
    pub port: u16,
}

impl Running {
    /// Stops the server now, dropping every connection without waiting for it.
    pub fn stop(self) {
        self.runtime.shutdown_background();
    }
}

/// Starts a server with `settings` on 127.0.0.1 at `settings.port` (0: any free port), on its own runtime.
pub fn start_on_own_runtime(settings: Settings, clock: Arc<dyn Clock>) -> Result<Running, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", settings.port)))
        .map_err(|e| format!("127.0.0.1:{}: {e}", settings.port))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    runtime.spawn(serve(listener, settings, clock, std::future::pending()));
    Ok(Running { runtime, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_read_and_bad_ones_named() {
        let args = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let s = Settings::from_args(&args(
            "--site dist --port 9000 --base course/lab --max-rooms 5",
        ));
        let s = s.expect("valid");
        assert_eq!(
            (s.port, s.base.as_str(), s.max_rooms),
            (9000, "/course/lab/", 5)
        );
        assert_eq!(s.site, Some(PathBuf::from("dist")));
        assert!(Settings::from_args(&args("--port x")).is_err_and(|e| e.contains("--port")));
        assert!(Settings::from_args(&args("--nope")).is_err_and(|e| e.contains("--nope")));
        assert!(Settings::from_args(&args("--host")).is_err_and(|e| e.contains("needs a value")));
        assert_eq!(normalize_base("/"), "/");
        assert_eq!(normalize_base("x/"), "/x/");
    }
}

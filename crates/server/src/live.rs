//! The live endpoint: one WebSocket per page at `{base}live`. Each connection's frames are checked (size,
//! rate, JSON, version), handed to [`Rooms`] with the clock's time, and what comes out is sent; a ticker
//! sends due tallies and closes idle rooms. Nothing here panics on what a client sends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use bilevel_lab_classroom::{Fault, MAX_FRAME, ToClient, ToServer, decode, encode};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::mpsc;

use crate::rooms::{Conn, Effects, Rooms};
use crate::{Clock, Settings};

/// What a connection's writer is told (a frame's text is shared by the students it is broadcast to).
enum Out {
    Frame(Utf8Bytes),
    Close,
}

/// The rooms and the open connections, shared by every connection's task.
pub struct Live {
    rooms: Mutex<Rooms>,
    conns: Mutex<HashMap<Conn, mpsc::UnboundedSender<Out>>>,
    next: AtomicU64,
    clock: Arc<dyn Clock>,
    settings: Settings,
}

impl Live {
    pub fn new(settings: Settings, clock: Arc<dyn Clock>) -> Self {
        let mut seed = rand::random::<u64>();
        let random = Box::new(move || {
            // splitmix64 over an OS-seeded state: unguessable codes and secrets for a classroom server.
            seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        });
        Self {
            rooms: Mutex::new(Rooms::new(settings.limits(), random)),
            conns: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            clock,
            settings,
        }
    }

    /// Rooms open now.
    pub fn rooms(&self) -> usize {
        self.rooms
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Runs every tally period: due tallies go out, idle rooms close. Never returns (the server aborts it).
    #[expect(
        clippy::infinite_loop,
        reason = "the server's ticker runs as long as the server"
    )]
    pub async fn ticker(self: Arc<Self>) {
        // A tenth of the period: a due tally waits at most 1.1 periods (275 ms).
        let period = (self.settings.tally_period / 10).max(Duration::from_millis(10));
        let mut interval = tokio::time::interval(period);
        loop {
            interval.tick().await;
            let out = self.with_rooms(|r, now| r.tick(now));
            self.deliver(out);
        }
    }

    /// Serves one WebSocket until it closes.
    pub async fn connection(self: Arc<Self>, socket: WebSocket) {
        let conn = self.next.fetch_add(1, Ordering::Relaxed);
        let (mut sink, mut stream) = socket.split();
        let (tx, mut rx) = mpsc::unbounded_channel();
        self.conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(conn, tx);
        let writer = tokio::spawn(async move {
            // What is queued goes out in one flush (a step's state and poll: one write, not two).
            while let Some(mut out) = rx.recv().await {
                loop {
                    match out {
                        Out::Frame(text) => {
                            if sink.feed(Message::Text(text)).await.is_err() {
                                return;
                            }
                        }
                        Out::Close => {
                            sink.send(Message::Close(None)).await.ok();
                            return;
                        }
                    }
                    match rx.try_recv() {
                        Ok(next) => out = next,
                        Err(_) => break,
                    }
                }
                if sink.flush().await.is_err() {
                    return;
                }
            }
        });
        let mut bucket = Bucket::new(self.settings.rate, self.clock.now());
        while let Some(Ok(message)) = stream.next().await {
            let text = match message {
                Message::Text(text) => text,
                Message::Close(_) => break,
                Message::Ping(_) | Message::Pong(_) => continue,
                Message::Binary(_) => {
                    self.refuse(conn, Fault::Malformed, "frames are JSON text".to_owned());
                    continue;
                }
            };
            if !bucket.take(self.clock.now()) {
                let why = format!("more than {} messages a second", self.settings.rate);
                self.refuse(conn, Fault::RateLimited, why);
                continue;
            }
            match decode::<ToServer>(text.as_str()) {
                Ok(msg) => {
                    let out = self.with_rooms(|r, now| r.handle(conn, msg, now));
                    self.deliver(out);
                }
                Err((fault, why)) => self.refuse(conn, fault, why),
            }
        }
        self.conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&conn);
        let out = self.with_rooms(|r, now| r.leave(conn, now));
        self.deliver(out);
        writer.abort();
    }

    fn with_rooms(&self, f: impl FnOnce(&mut Rooms, Duration) -> Effects) -> Effects {
        let now = self.clock.now();
        f(
            &mut self.rooms.lock().unwrap_or_else(PoisonError::into_inner),
            now,
        )
    }

    fn refuse(&self, conn: Conn, error: Fault, message: String) {
        let mut out = Effects::default();
        out.send.push((conn, ToClient::Error { error, message }));
        self.deliver(out);
    }

    fn deliver(&self, out: Effects) {
        let conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        // A broadcast is the same message to every student in a row: encoded once.
        let mut last: Option<(ToClient, Utf8Bytes)> = None;
        for (conn, msg) in out.send {
            let text = match &last {
                Some((m, text)) if *m == msg => text.clone(),
                _ => {
                    let text = Utf8Bytes::from(encode(&msg));
                    last = Some((msg, text.clone()));
                    text
                }
            };
            if let Some(tx) = conns.get(&conn) {
                tx.send(Out::Frame(text)).ok();
            }
        }
        for conn in out.close {
            if let Some(tx) = conns.get(&conn) {
                tx.send(Out::Close).ok();
            }
        }
    }
}

/// A token bucket: `rate` messages a second on average, bursts up to `rate`.
struct Bucket {
    rate: f64,
    tokens: f64,
    at: Duration,
}

impl Bucket {
    fn new(rate: u32, now: Duration) -> Self {
        let rate = f64::from(rate.max(1));
        Self {
            rate,
            tokens: rate,
            at: now,
        }
    }

    fn take(&mut self, now: Duration) -> bool {
        let refill = now.saturating_sub(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The largest WebSocket message the socket reads at all: frames between [`MAX_FRAME`] and this are refused
/// with a message (and dropped); beyond it the socket closes.
pub const SOCKET_LIMIT: usize = 4 * MAX_FRAME;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_bursts_up_to_the_rate_then_refills_with_time() {
        let t0 = Duration::from_secs(10);
        let mut b = Bucket::new(20, t0);
        assert_eq!((0..30).filter(|_| b.take(t0)).count(), 20);
        assert!(!b.take(t0 + Duration::from_millis(10)));
        assert!(b.take(t0 + Duration::from_millis(60)));
        assert_eq!(
            (0..30)
                .filter(|_| b.take(t0 + Duration::from_secs(5)))
                .count(),
            20
        );
    }
}

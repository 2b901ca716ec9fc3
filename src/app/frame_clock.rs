//! The app's own work per frame (issue 18's frame budget): how long each `App::ui` pass took — layout and
//! every view's time-sliced work, not egui's tessellation or the GPU upload that follow it — over the
//! last few seconds of the open view, summarized as the status's `frame_ms` {p50, p95, max}.

use std::collections::VecDeque;

use serde::Serialize;
use web_time::{Duration, Instant};

/// How far back the statistics look.
const WINDOW: Duration = Duration::from_secs(5);
/// How often the summary is refreshed (the status is republished only when it changes).
const REFRESH: Duration = Duration::from_millis(500);

/// Milliseconds of the app's own work per frame.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FrameStats {
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
    /// Frames in the window.
    pub frames: usize,
}

#[derive(Debug, Default)]
pub struct FrameClock {
    samples: VecDeque<(Instant, f64)>,
    summary: Option<FrameStats>,
    refreshed: Option<Instant>,
}

impl FrameClock {
    /// Records a pass that began at `start` and ends now.
    pub fn record(&mut self, start: Instant) {
        let now = Instant::now();
        self.samples
            .push_back((now, now.duration_since(start).as_secs_f64() * 1e3));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > WINDOW)
        {
            self.samples.pop_front();
        }
        if self
            .refreshed
            .is_none_or(|t| now.duration_since(t) >= REFRESH)
        {
            self.summary = summarize(self.samples.iter().map(|(_, ms)| *ms).collect());
            self.refreshed = Some(now);
        }
    }

    /// Forgets the window (another view opened: its frames are its own).
    pub fn clear(&mut self) {
        self.samples.clear();
        self.summary = None;
        self.refreshed = None;
    }

    pub fn stats(&self) -> Option<FrameStats> {
        self.summary
    }
}

/// p50, p95 (nearest rank) and the largest of `ms`, rounded to 0.01 ms; `None` when empty.
fn summarize(mut ms: Vec<f64>) -> Option<FrameStats> {
    if ms.is_empty() {
        return None;
    }
    ms.sort_by(f64::total_cmp);
    let rank = |q: f64| ms[((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    let round = |v: f64| (v * 100.0).round() / 100.0;
    Some(FrameStats {
        p50: round(rank(0.5)),
        p95: round(rank(0.95)),
        max: round(ms[ms.len() - 1]),
        frames: ms.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_of_known_samples() {
        let stats =
            summarize((1..=100).map(f64::from).collect()).unwrap_or_else(|| panic!("stats"));
        assert_eq!(
            (stats.p50, stats.p95, stats.max, stats.frames),
            (50.0, 95.0, 100.0, 100)
        );
        let one = summarize(vec![1.23456]).unwrap_or_else(|| panic!("stats"));
        assert_eq!((one.p50, one.p95, one.max), (1.23, 1.23, 1.23));
        assert_eq!(summarize(Vec::new()), None);
    }

    #[test]
    fn the_clock_summarizes_what_it_recorded_and_forgets_on_clear() {
        let mut clock = FrameClock::default();
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(3));
        clock.record(start);
        let stats = clock.stats().unwrap_or_else(|| panic!("a frame"));
        assert!(stats.max >= 3.0 && stats.frames == 1, "{stats:?}");
        clock.clear();
        assert_eq!(clock.stats(), None);
    }
}

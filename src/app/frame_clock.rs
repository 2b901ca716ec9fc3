//! The app's own work per frame (issue 18's frame budget) over the last few seconds of the open view,
//! summarized as the status's `frame_ms` {p50, p95, max}. A frame's work is its `App::ui` pass (layout
//! and every view's time-sliced work) and, in the browser, everything else its animation-frame callback
//! did: egui's tessellation, wgpu's upload and submit, the JS glue (`web/frame-work.js` times it; the app
//! reads it back one frame later and amends that frame's sample).

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

#[derive(Clone, Copy, Debug)]
struct Sample {
    at: Instant,
    ms: f64,
}

#[derive(Debug, Default)]
pub struct FrameClock {
    samples: VecDeque<Sample>,
    summary: Option<FrameStats>,
    refreshed: Option<Instant>,
}

impl FrameClock {
    /// Records a pass that began at `start` and ends now. `previous_whole`: the previous frame's whole work
    /// where the platform measured it (it replaces that frame's `App::ui` time when larger).
    pub fn record(&mut self, start: Instant, previous_whole: Option<f64>) {
        let now = Instant::now();
        if let (Some(whole), Some(last)) = (previous_whole, self.samples.back_mut()) {
            last.ms = last.ms.max(whole);
        }
        self.samples.push_back(Sample {
            at: now,
            ms: now.duration_since(start).as_secs_f64() * 1e3,
        });
        while self
            .samples
            .front()
            .is_some_and(|s| now.duration_since(s.at) > WINDOW)
        {
            self.samples.pop_front();
        }
        if self
            .refreshed
            .is_none_or(|t| now.duration_since(t) >= REFRESH)
        {
            self.summary = self.summarize();
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

    fn summarize(&self) -> Option<FrameStats> {
        let all = Percentiles::of(self.samples.iter().map(|s| s.ms).collect())?;
        Some(FrameStats {
            p50: all.p50,
            p95: all.p95,
            max: all.max,
            frames: all.count,
        })
    }
}

/// p50, p95 (nearest rank) and the largest of some samples, rounded to 0.01 ms.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Percentiles {
    p50: f64,
    p95: f64,
    max: f64,
    count: usize,
}

impl Percentiles {
    /// `None` when `ms` is empty.
    fn of(mut ms: Vec<f64>) -> Option<Self> {
        if ms.is_empty() {
            return None;
        }
        ms.sort_by(f64::total_cmp);
        let rank = |q: f64| ms[((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
        let round = |v: f64| (v * 100.0).round() / 100.0;
        Some(Self {
            p50: round(rank(0.5)),
            p95: round(rank(0.95)),
            max: round(ms[ms.len() - 1]),
            count: ms.len(),
        })
    }
}

/// Seconds since the app's first call: the clock the app hands to models that time their own work (the
/// Control view's learners), which read none themselves.
pub fn seconds() -> f64 {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_of_known_samples() {
        let stats =
            Percentiles::of((1..=100).map(f64::from).collect()).unwrap_or_else(|| panic!("stats"));
        assert_eq!(
            (stats.p50, stats.p95, stats.max, stats.count),
            (50.0, 95.0, 100.0, 100)
        );
        let one = Percentiles::of(vec![1.23456]).unwrap_or_else(|| panic!("stats"));
        assert_eq!((one.p50, one.p95, one.max), (1.23, 1.23, 1.23));
        assert_eq!(Percentiles::of(Vec::new()), None);
    }

    #[test]
    fn the_clock_summarizes_what_it_recorded_and_forgets_on_clear() {
        let mut clock = FrameClock::default();
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(3));
        clock.record(start, None);
        let stats = clock.stats().unwrap_or_else(|| panic!("a frame"));
        assert!(stats.max >= 3.0 && stats.frames == 1, "{stats:?}");
        clock.clear();
        assert_eq!(clock.stats(), None);
    }

    #[test]
    fn the_platform_s_whole_frame_amends_the_previous_sample() {
        let mut clock = FrameClock::default();
        clock.record(Instant::now(), None);
        // The next pass learns the previous frame's whole work: 40 ms, more than its `App::ui`.
        clock.record(Instant::now(), Some(40.0));
        // The summary is refreshed at most every 500 ms: force one.
        let stats = clock.summarize().unwrap_or_else(|| panic!("two frames"));
        assert_eq!((stats.max, stats.frames), (40.0, 2), "{stats:?}");
        // A smaller whole (it cannot be less than the pass inside it) keeps the pass's own time.
        let mut clock = FrameClock::default();
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(3));
        clock.record(start, None);
        clock.record(Instant::now(), Some(0.5));
        let stats = clock.summarize().unwrap_or_else(|| panic!("two frames"));
        assert!(stats.max >= 3.0, "{stats:?}");
    }
}

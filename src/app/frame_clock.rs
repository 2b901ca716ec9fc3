//! The app's own work per frame (issue 18's frame budget) over the last few seconds of the open view,
//! summarized as the status's `frame_ms` {p50, p95, max}. A frame's work is its `App::ui` pass (layout
//! and every view's time-sliced work) and, in the browser, everything else its animation-frame callback
//! did: egui's tessellation, wgpu's upload and submit, the JS glue (`web/frame-work.js` times it; the app
//! reads it back one frame later and amends that frame's sample).

use std::collections::VecDeque;

use serde::Serialize;
use web_time::{Duration, Instant};

use crate::gpu::runtime::WORK_PER_FRAME;

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

/// The whole frame the app aims at: issue 18's 12 ms at p95, less a margin for frames that vary.
const FRAME_TARGET_MS: f64 = 10.0;
/// The least share of sliced work a frame keeps, so that work goes on where drawing alone fills the target.
const MIN_SHARE_MS: f64 = 1.0;

/// Each frame's share of sliced work (playing, replaying, the CPU twins' parts, a lesson check), fitted to
/// the frame budget: what [`FRAME_TARGET_MS`] leaves after the rest of a frame — its layout, tessellation
/// and painting — between [`MIN_SHARE_MS`] and [`WORK_PER_FRAME`]. One integral step a frame: the share
/// grows or shrinks by what the previous whole frame was under or over the target. So a view that draws
/// much (a noisy playground's 32 runs, a lesson check's headless view) plays more slowly rather than
/// dropping frames; where drawing is cheap the share is the full [`WORK_PER_FRAME`].
#[derive(Debug)]
pub struct WorkShare {
    ms: f64,
}

impl Default for WorkShare {
    fn default() -> Self {
        Self {
            ms: WORK_PER_FRAME.as_secs_f64() * 1e3,
        }
    }
}

impl WorkShare {
    /// This frame's share, given the previous frame's whole work in milliseconds (`None`: unknown — natively,
    /// where only `App::ui` is timed and tests run unoptimized frames — the share stays).
    pub fn next(&mut self, previous_frame_ms: Option<f64>) -> Duration {
        let most = WORK_PER_FRAME.as_secs_f64() * 1e3;
        if let Some(p) = previous_frame_ms.filter(|p| p.is_finite() && *p >= 0.0) {
            self.ms = (self.ms + FRAME_TARGET_MS - p).clamp(MIN_SHARE_MS, most);
        }
        Duration::from_secs_f64(self.ms / 1e3)
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
    fn the_work_share_is_what_the_target_leaves_after_drawing() {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mut share = WorkShare::default();
        assert!(
            (ms(share.next(None)) - 5.0).abs() < 1e-9,
            "the full share at first"
        );
        // Frames whose drawing takes 7 ms: after one frame over, the share is the 3 ms left, and stays.
        let mut s = ms(share.next(Some(7.0 + 5.0)));
        for _ in 0..5 {
            assert!((s - 3.0).abs() < 1e-9, "{s}");
            s = ms(share.next(Some(7.0 + s)));
        }
        // Drawing alone over the target: the least share, not none.
        assert!((ms(share.next(Some(30.0))) - MIN_SHARE_MS).abs() < 1e-9);
        // Cheap frames again: back to the full share, never more.
        for _ in 0..3 {
            share.next(Some(2.0));
        }
        assert!((ms(share.next(Some(2.0))) - 5.0).abs() < 1e-9);
        assert!(
            (ms(share.next(Some(f64::NAN))) - 5.0).abs() < 1e-9,
            "NaN changes nothing"
        );
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

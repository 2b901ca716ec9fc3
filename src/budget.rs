//! The frame budget (issue 18), one module: how much of a frame the main thread gives to sliced work
//! ([`WORK_PER_FRAME`]), where a frame's share ends ([`deadline`], passed to the views in `ViewCtx` and to
//! every polled GPU job, whose CPU twin is sliced by it), and the one loop that works within it
//! ([`work_until`]). The app and `gpu` both use it; it uses nothing of theirs.

use web_time::{Duration, Instant};

/// The main thread's work per frame outside the layout — a view's stepping, its CPU twins' parts, a
/// lesson check — all together: a frame's [`deadline`] is this long after it starts, and everything that
/// slices work stops there (after at least one unit, so nothing starves). With a frame's layout and drawing
/// this aims at issue 18's 12 ms of the app's own work per frame.
pub const WORK_PER_FRAME: Duration = Duration::from_millis(5);

/// A frame's share of sliced work: runs `unit` once, then again while it says more is left and the next
/// unit, expected to take as long as the last one, would end by `deadline` (normally the frame's
/// [`deadline`]): a long unit is left for the next frame rather than started late.
/// Returns whether more is left.
pub fn work_until(deadline: Instant, mut unit: impl FnMut() -> bool) -> bool {
    let mut start = Instant::now();
    while unit() {
        let now = Instant::now();
        if now + now.duration_since(start) > deadline {
            return true;
        }
        start = now;
    }
    false
}

/// Where the share of a frame starting now ends; `within`, when this frame is drawn inside another (a
/// headless view in one of the app's frames), ends it no later than that frame's.
pub fn deadline(within: Option<Instant>) -> Instant {
    let own = Instant::now() + WORK_PER_FRAME;
    within.map_or(own, |outer| own.min(outer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_until_does_not_start_a_unit_it_expects_to_end_past_the_deadline() {
        // 10 ms to go and a unit of at least 6 ms: a second would end past the deadline (sleep never
        // returns early, so this holds on a loaded machine too).
        let deadline = Instant::now() + Duration::from_millis(10);
        let mut units = 0;
        assert!(work_until(deadline, || {
            std::thread::sleep(Duration::from_millis(6));
            units += 1;
            true
        }));
        assert_eq!(units, 1);
    }

    #[test]
    fn work_until_runs_one_unit_past_the_deadline_and_stops_when_nothing_is_left() {
        // A deadline already passed: exactly one unit, and more is left.
        let mut units = 0;
        assert!(work_until(Instant::now(), || {
            units += 1;
            true
        }));
        assert_eq!(units, 1);
        // A far deadline: every unit until the work says it is done, and nothing is left.
        let mut units = 0;
        let far = Instant::now() + Duration::from_secs(60);
        assert!(!work_until(far, || {
            units += 1;
            units < 7
        }));
        assert_eq!(units, 7);
    }

    #[test]
    fn a_frame_inside_another_ends_no_later_than_it() {
        let outer = Instant::now() + Duration::from_millis(1);
        assert!(deadline(Some(outer)) <= outer);
        assert!(deadline(None) > outer);
    }
}

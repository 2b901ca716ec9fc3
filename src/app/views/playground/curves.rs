//! Live training curves of every run in its color, on linked step axes: Φ(x_k) − Φ* (or Φ where Φ* is
//! unknown), ‖∇Φ(x_k)‖, ‖y_k − y*(x_k)‖ and the direction's error against the exact hypergradient on
//! log₁₀ scales, and the HVPs spent so far. On stochastic oracles the x axis is the oracle calls (the
//! cost the lecture compares methods at) and a run of several seeds is drawn as the mean of the plotted
//! values over its seeds with a band from their 10th to their 90th percentile.

use egui_plot::{Line, Plot};

use super::{Model, run_color, run_label};
use crate::app::Look;
use crate::app::widgets::band::band;
use crate::app::widgets::thin;
use crate::numerics::bilevel::algorithms::Status;
use crate::numerics::bilevel::lockstep::Metrics;
use crate::scenario::playground::PlaygroundState;

/// Every curve's points, kept between frames for one model (the view starts a new cache with a new model).
/// A step's point is final once every run still going has passed it — runs step in lockstep and a run that
/// stops never grows again — so a frame computes the new steps' points only (all points of 20 curves, with
/// a sort per step, were half of a paused playground's layout).
#[derive(Default)]
pub struct SeriesCache {
    /// One per (plot, slot).
    entries: Vec<Entry>,
}

#[derive(Default)]
struct Entry {
    /// The stride the points were taken at, and the next step to take.
    every: usize,
    next: usize,
    line: Vec<[f64; 2]>,
    spread: Vec<(f64, f64, f64)>,
}

/// At most this many points per curve (older steps thinned evenly).
const MAX_POINTS: usize = 2000;

fn log10(v: f64) -> f64 {
    if v > 0.0 { v.log10() } else { f64::NAN }
}

/// The first `shown` of the five curves (the gap to Φ*, ‖∇Φ‖, the inner error, the direction's error, HVPs),
/// `per_row` a row, each plot `height` points high.
pub fn curves_ui(
    ui: &mut egui::Ui,
    state: &PlaygroundState,
    (model, cache): (&Model, &mut SeriesCache),
    look: Look,
    (shown, per_row, height): (usize, usize, f32),
) {
    let phi_star = model.lock.phi_star();
    type Pick = Box<dyn Fn(&Metrics) -> f64>;
    let gap_title = if phi_star.is_some() {
        "log₁₀ (Φ(x_k) − Φ*)"
    } else {
        "Φ(x_k) (Φ* unknown)"
    };
    let plots: [(&str, &str, Pick); 5] = [
        (
            "gap",
            gap_title,
            match phi_star {
                Some(s) => Box::new(move |m: &Metrics| log10(m.phi - s)),
                None => Box::new(|m: &Metrics| m.phi),
            },
        ),
        (
            "grad",
            "log₁₀ ‖∇Φ(x_k)‖",
            Box::new(|m: &Metrics| log10(m.grad_norm)),
        ),
        (
            "inner",
            "log₁₀ ‖y_k − y*(x_k)‖",
            Box::new(|m: &Metrics| log10(m.inner_error)),
        ),
        (
            "direction",
            "log₁₀ relative error of the direction vs ∇Φ",
            Box::new(|m: &Metrics| log10(m.direction_error)),
        ),
        ("hvps", "HVPs spent", Box::new(|m: &Metrics| m.hvps as f64)),
    ];
    let link = egui::Id::unique("playground-curves-link");
    let per_row = per_row.max(1);
    let gaps = 16.0 * (per_row - 1) as f32;
    let width = ((ui.available_width() - gaps) / per_row as f32).max(160.0);
    let x_label = if state.stochastic {
        "oracle calls"
    } else {
        "step"
    };
    let slots = model.slots();
    if cache.entries.len() < plots.len() * 4 {
        cache.entries.resize_with(plots.len() * 4, Entry::default);
    }
    let plots = &plots[..shown.min(plots.len())];
    for (row, entries) in plots
        .chunks(per_row)
        .zip(cache.entries.chunks_mut(per_row * 4))
    {
        ui.horizontal(|ui| {
            for ((id, title, pick), entries) in row.iter().zip(entries.chunks_mut(4)) {
                ui.vertical(|ui| {
                    crate::app::widgets::math::strong(ui, title);
                    if model.lock.step_count() == 0 {
                        let what = "Press Play: each run's curve draws here.";
                        crate::app::widgets::empty_chart(ui, egui::vec2(width, height), what);
                        return;
                    }
                    // No legends: the colors are the runs' in the table above.
                    Plot::new(("playground-curve", *id))
                        .width(width)
                        .height(height)
                        .link_axis(link, [true, false])
                        .x_axis_label(x_label)
                        .allow_scroll(false)
                        .show(ui, |pui| {
                            for &slot in &slots {
                                let runs: Vec<(&[Metrics], bool)> = model
                                    .of_slot(slot)
                                    .map(|t| (t.metrics.as_slice(), t.run.status == Status::Ok))
                                    .collect();
                                let (line, spread) =
                                    series(&runs, state.stochastic, pick, &mut entries[slot]);
                                let color = run_color(look, slot);
                                band(pui, &spread, color);
                                pui.line(
                                    Line::new(run_label(state, slot), thin(line, pui.transform()))
                                        .color(color)
                                        .width(look.line_width())
                                        .style(Look::dash(slot)),
                                );
                            }
                        });
                });
            }
        });
    }
}

/// A slot's line (x, mean) and its band (x, 10th, 90th percentile).
type Curve = (Vec<[f64; 2]>, Vec<(f64, f64, f64)>);

/// Quantile q of sorted values (linear interpolation).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo as f64)
}

/// A slot's curve from its runs' metrics (and whether each run is still going): per step (thinned),
/// x = the step or the mean oracle calls, the mean of the finite plotted values over its seeds, and
/// (several seeds) their 10th–90th percentile band. The final steps' points come from `cached` and are
/// added to it; the others (none while a run of the slot is going) are computed afresh.
fn series(
    runs: &[(&[Metrics], bool)],
    by_oracles: bool,
    pick: &dyn Fn(&Metrics) -> f64,
    cached: &mut Entry,
) -> Curve {
    let steps = runs.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
    let every = steps.div_ceil(MAX_POINTS).max(1);
    let settled = runs
        .iter()
        .filter(|(_, going)| *going)
        .map(|(m, _)| m.len())
        .min()
        .unwrap_or(steps);
    if cached.every != every || cached.next > settled {
        *cached = Entry {
            every,
            ..Entry::default()
        };
    }
    let point = |k: usize| {
        let at: Vec<&Metrics> = runs.iter().filter_map(|(m, _)| m.get(k)).collect();
        let x = if by_oracles {
            at.iter().map(|m| m.oracles as f64).sum::<f64>() / at.len() as f64
        } else {
            k as f64
        };
        let mut values: Vec<f64> = at
            .iter()
            .map(|m| pick(m))
            .filter(|v| v.is_finite())
            .collect();
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let spread = (runs.len() > 1).then(|| (x, quantile(&values, 0.1), quantile(&values, 0.9)));
        Some(([x, mean], spread))
    };
    let mut k = cached.next;
    while k < settled {
        if let Some((p, s)) = point(k) {
            cached.line.push(p);
            cached.spread.extend(s);
        }
        k += every;
    }
    cached.next = k;
    let (mut line, mut spread) = (cached.line.clone(), cached.spread.clone());
    while k < steps {
        if let Some((p, s)) = point(k) {
            line.push(p);
            spread.extend(s);
        }
        k += every;
    }
    (line, spread)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng as _, SeedableRng as _};

    fn metrics(rng: &mut SmallRng, k: usize) -> Metrics {
        // Some values non-finite or non-positive, as a diverging run's are.
        let phi = if rng.random_bool(0.05) {
            f64::NAN
        } else {
            rng.random_range(-1.0..2.0)
        };
        Metrics {
            phi,
            grad_norm: rng.random_range(0.0..1.0),
            inner_error: rng.random_range(0.0..1.0),
            direction_error: rng.random_range(0.0..1.0),
            hvps: k * 3,
            oracles: k * 5 + rng.random_range(0..4),
        }
    }

    /// The curve straight from its definition: every `every`-th step, the mean of its runs' finite values
    /// and their 10th and 90th percentiles (sorted by hand, no cache).
    fn direct(
        runs: &[(&[Metrics], bool)],
        by_oracles: bool,
        pick: &dyn Fn(&Metrics) -> f64,
    ) -> Curve {
        let steps = runs.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        let every = steps.div_ceil(MAX_POINTS).max(1);
        let (mut line, mut spread) = (Vec::new(), Vec::new());
        for k in (0..steps).step_by(every) {
            let at: Vec<&Metrics> = runs.iter().filter_map(|(m, _)| m.get(k)).collect();
            let x = if by_oracles {
                at.iter().map(|m| m.oracles as f64).sum::<f64>() / at.len() as f64
            } else {
                k as f64
            };
            let mut v: Vec<f64> = at
                .iter()
                .map(|m| pick(m))
                .filter(|v| v.is_finite())
                .collect();
            if v.is_empty() {
                continue;
            }
            v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
            line.push([x, v.iter().sum::<f64>() / v.len() as f64]);
            if runs.len() > 1 {
                let q = |q: f64| {
                    let at = q * (v.len() - 1) as f64;
                    let lo = at.floor();
                    v[lo as usize] + (v[at.ceil() as usize] - v[lo as usize]) * (at - lo)
                };
                spread.push((x, q(0.1), q(0.9)));
            }
        }
        (line, spread)
    }

    /// Runs grow in lockstep by uneven amounts, some stop early, the stride changes when the curves pass
    /// `MAX_POINTS`: after every frame the cached curve equals the one computed from scratch.
    #[test]
    fn the_cached_curve_is_the_curve_from_scratch() {
        let mut rng = SmallRng::seed_from_u64(7);
        for (seeds, by_oracles) in [(1, false), (5, true), (8, false)] {
            let stop_at: Vec<usize> = (0..seeds)
                .map(|s| if s % 3 == 2 { 900 + 97 * s } else { usize::MAX })
                .collect();
            let mut runs: Vec<Vec<Metrics>> = vec![Vec::new(); seeds];
            let mut cache = Entry::default();
            let pick = |m: &Metrics| log10(m.phi);
            let mut frames = 0;
            while runs.iter().map(Vec::len).max().unwrap_or(0) < 2 * MAX_POINTS + 500 {
                let grow = rng.random_range(1..300);
                for (s, run) in runs.iter_mut().enumerate() {
                    for _ in 0..grow {
                        let k = run.len();
                        if k < stop_at[s] {
                            run.push(metrics(&mut rng, k));
                        }
                    }
                }
                let view: Vec<(&[Metrics], bool)> = runs
                    .iter()
                    .enumerate()
                    .map(|(s, r)| (r.as_slice(), r.len() < stop_at[s]))
                    .collect();
                let got = series(&view, by_oracles, &pick, &mut cache);
                assert_eq!(
                    got,
                    direct(&view, by_oracles, &pick),
                    "{seeds} seeds, frame {frames}"
                );
                frames += 1;
            }
            assert!(cache.every > 1, "the stride changed at least once");
        }
    }
}

//! A long `control` run's progress on stderr (issue 36): updates done of all, each learner's latest mean
//! return over its seeds, and the time left — drawn only when stderr is a terminal (indicatif hides
//! itself otherwise), nothing in the browser.

use crate::numerics::control::parallel::Progress;

#[cfg(not(target_arch = "wasm32"))]
pub struct Bar {
    bar: indicatif::ProgressBar,
    labels: Vec<String>,
    /// Each learner's seeds' latest mean returns.
    latest: std::sync::Mutex<Vec<Vec<f64>>>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Bar {
    /// A bar over `total` updates (all learners and seeds) of learners named `labels` on `seeds` seeds.
    pub fn new(total: usize, labels: &[String], seeds: usize) -> Self {
        let bar = indicatif::ProgressBar::new(total as u64);
        let style = indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} updates · {msg} · {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        Self {
            bar,
            labels: labels.to_vec(),
            latest: std::sync::Mutex::new(vec![vec![f64::NAN; seeds]; labels.len()]),
        }
    }

    pub fn update(&self, p: Progress) {
        self.bar.inc(1);
        let Ok(mut latest) = self.latest.lock() else {
            return;
        };
        if let Some(v) = latest.get_mut(p.learner).and_then(|l| l.get_mut(p.seed)) {
            *v = p.mean_return;
        }
        let parts: Vec<String> = self
            .labels
            .iter()
            .zip(latest.iter())
            .map(|(label, seeds)| {
                let (m, _) = crate::numerics::control::lockstep::mean_band(seeds);
                format!("{label} {m:.1}")
            })
            .collect();
        self.bar.set_message(parts.join(" · "));
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// In the browser: nothing to draw.
#[cfg(target_arch = "wasm32")]
pub struct Bar;

#[cfg(target_arch = "wasm32")]
impl Bar {
    pub fn new(_total: usize, _labels: &[String], _seeds: usize) -> Self {
        Self
    }

    pub fn update(&self, _p: Progress) {}

    pub fn finish(&self) {}
}

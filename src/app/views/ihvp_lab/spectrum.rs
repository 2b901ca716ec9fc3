//! The spectrum: the selected Hessian's eigenvalues (sorted, with −α marked: below it H + αI is
//! indefinite) and the whole batch's eigenvalue magnitudes as a histogram of log₁₀|λ| split by sign, with
//! α marked: eigenvalues far below α are swamped by the ridge, those above it carry the curvature.

use egui_plot::{HLine, Legend, Plot, Points, VLine};

use crate::app::widgets::histogram::bar_chart;

use crate::app::{Look, format};
use crate::numerics::ihvp::study_run::StudyRun;
use crate::scenario::ihvp_lab::IhvpLabState;

/// Histogram bins of log₁₀|λ|: [LO, HI) in steps of WIDTH (|λ| below 10^LO in the first bin).
const LO: f64 = -12.0;
const HI: f64 = 4.0;
const WIDTH: f64 = 0.5;

/// Counts of log₁₀|λ| per bin over `eigenvalues`, positive and negative separately.
pub fn sign_bins<'a>(eigenvalues: impl Iterator<Item = &'a f64>) -> (Vec<usize>, Vec<usize>) {
    let n = ((HI - LO) / WIDTH) as usize;
    let (mut pos, mut neg) = (vec![0; n], vec![0; n]);
    for &l in eigenvalues {
        let x = if l == 0.0 { LO } else { l.abs().log10() };
        let k = (((x - LO) / WIDTH).floor().max(0.0) as usize).min(n - 1);
        if l < 0.0 {
            neg[k] += 1;
        } else {
            pos[k] += 1;
        }
    }
    (pos, neg)
}

/// The chosen Hessian's eigenvalues and the batch's, side by side, `height` points high.
pub fn section_ui(
    ui: &mut egui::Ui,
    run: &StudyRun,
    state: &mut IhvpLabState,
    look: Look,
    (height, stage): (f32, bool),
) {
    if run.done() == 0 {
        ui.label("Waiting for the first Hessian…");
        return;
    }
    super::instance_picker(ui, &mut state.instance, run.done());
    let i = state.instance.min(run.done() - 1);
    let eig = &run.spectra[i];
    let alpha = run.alpha;
    let (lo, hi) = (
        eig.first().copied().unwrap_or(0.0),
        eig.last().copied().unwrap_or(0.0),
    );
    let below = eig.iter().filter(|l| **l + alpha < 0.0).count();
    crate::app::widgets::math::label(
        ui,
        &format!(
            "λ_min = {}, λ_max = {}; eigenvalues of H + αI in [{}, {}]; {} below −α{}",
            format::num(lo),
            format::num(hi),
            format::num(lo + alpha),
            format::num(hi + alpha),
            below,
            if lo + alpha > 0.0 {
                format!(
                    ", condition number κ(H + αI) = {}",
                    format::num((hi + alpha) / (lo + alpha))
                )
            } else {
                " (H + αI is indefinite)".to_owned()
            }
        ),
    );
    let neutral = look.color(crate::app::Series::Ihvp(
        crate::numerics::ihvp::spec::Method::Nystrom,
    ));
    let bad = look.error_color();
    let width = look.line_width();
    // Side by side, or (a tall stage part) one over the other.
    let stacked = stage && ui.available_width() < 1.6 * ui.available_height();
    let (columns, height) = if stacked {
        (1, (height - 2.0 * ui.spacing().interact_size.y) / 2.0)
    } else {
        (2, height)
    };
    ui.columns(columns, |cols| {
        let second = cols.len() - 1;
        Plot::new("ihvp-eigenvalues")
            .height(height)
            .legend(Legend::default())
            .x_axis_label("index j (sorted)")
            .y_axis_label("eigenvalue of H")
            .allow_scroll(false)
            .show(&mut cols[0], |pui| {
                let (ok, neg): (Vec<_>, Vec<_>) = eig
                    .iter()
                    .enumerate()
                    .map(|(j, &l)| [j as f64, l])
                    .partition(|[_, l]| l + alpha >= 0.0);
                pui.points(
                    Points::new("eigenvalues ≥ −α", ok)
                        .color(neutral)
                        .radius(width + 1.0),
                );
                if !neg.is_empty() {
                    pui.points(
                        Points::new("eigenvalues < −α", neg)
                            .color(bad)
                            .radius(width + 1.5),
                    );
                }
                pui.hline(HLine::new("−α", -alpha).color(bad).width(width));
            });
        let (pos, neg) = sign_bins(run.spectra.iter().flatten());
        Plot::new("ihvp-batch-spectrum")
            .height(height)
            .legend(Legend::default())
            .x_axis_label("log₁₀ |λ|, every Hessian of the batch")
            .y_axis_label("eigenvalues")
            .allow_scroll(false)
            .show(&mut cols[second], |pui| {
                pui.bar_chart(bar_chart("λ > 0", pos, neutral, (LO, WIDTH)));
                pui.bar_chart(bar_chart("λ < 0", neg, bad, (LO, WIDTH)));
                pui.vline(VLine::new("α", alpha.log10()).color(bad).width(width));
            });
    });
    if stage {
        return;
    }
    ui.label(
        "Left: red points sit below −α, where H + αI has a negative eigenvalue. Right: eigenvalues \
         left of the α line are swamped by the ridge ((λ + α)⁻¹ ≈ α⁻¹); negative ones right of it make \
         H + αI indefinite.",
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn signs_and_magnitudes_land_in_their_bins() {
        let (pos, neg) = super::sign_bins([1.0, -1.0, 0.0, 1e-20, 3e5, -0.02].iter());
        let bin = |x: f64| ((x + 12.0) / 0.5) as usize;
        assert_eq!(pos[bin(0.0)], 1);
        assert_eq!(neg[bin(0.0)], 1);
        assert_eq!(pos[0], 2, "zero and 1e-20 in the first bin");
        assert_eq!(pos[pos.len() - 1], 1, "3e5 in the last");
        assert_eq!(neg[bin(-2.0)], 1, "−0.02: log₁₀ 0.02 ≈ −1.7 in [−2, −1.5)");
    }
}

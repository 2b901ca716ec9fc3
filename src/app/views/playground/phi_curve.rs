//! The leader's objective along the follower's answer, for a 1-D leader and a 1-D follower (issue 37,
//! Lesson 0): Φ(x) = f(x, y*(x)) as a curve beside the (x, y) plane, the runs' current x on it, x* marked,
//! and the hypergradient's two terms at the first run's iterate drawn as arrows along x (their descent
//! directions): the direct part −∇ₓf and the implicit part +∇²ₓᵧg·v with v = (∇²ᵧᵧg)⁻¹∇ᵧf exact at
//! (x_k, y_k) (BLPO Eq. 5; lecture 004's IFT hypergradient). Their sum is −dΦ/dx when y_k = y*(x_k).

use egui_plot::{Arrows, Line, Plot, PlotPoints, Points};
use nalgebra::DVector;

use super::{Model, run_color};
use crate::app::Look;
use crate::numerics::bilevel::lockstep::best_response;
use crate::numerics::bilevel::{BilevelProblem, exact_hypergradient};

/// The hypergradient's terms at (x, y), 1-D: (∇ₓf, −∇²ₓᵧg·v, their sum ∇Φ-estimate) with the exact v.
pub fn terms(problem: &dyn BilevelProblem, x: f64, y: f64) -> Option<(f64, f64, f64)> {
    let (x, y) = (DVector::from_element(1, x), DVector::from_element(1, y));
    let (_, r) = exact_hypergradient(problem, &x, &y);
    let (total, direct, correction) =
        crate::numerics::bilevel::hypergradient_with(problem, &x, &y, &r.v);
    let t = (direct[0], -correction[0], total[0]);
    (t.0.is_finite() && t.1.is_finite() && t.2.is_finite()).then_some(t)
}

/// Φ(x) = f(x, y*(x)).
fn phi(problem: &dyn BilevelProblem, x: f64) -> Option<f64> {
    let x = DVector::from_element(1, x);
    let y = best_response(problem, &x, &DVector::zeros(1))?;
    Some(problem.f(&x, &y)).filter(|v| v.is_finite())
}

/// The Φ curve's title.
pub const TITLE: &str = "Φ(x) = f(x, y*(x)): the leader's cost once the follower has answered";

/// The plot of Φ over [a0, a1], `size` points, with the first run's iterate and its terms as arrows.
pub fn phi_curve_ui(
    ui: &mut egui::Ui,
    model: &Model,
    (a0, a1): (f64, f64),
    look: Look,
    size: egui::Vec2,
) {
    let problem = model.lock.problem.as_ref();
    let ink = look.color(crate::app::Series::Ihvp(
        crate::numerics::ihvp::spec::Method::Exact,
    ));
    let width = look.line_width();
    let curve: Vec<[f64; 2]> = (0..=160)
        .filter_map(|k| {
            let x = a0 + (a1 - a0) * k as f64 / 160.0;
            Some([x, phi(problem, x)?])
        })
        .collect();
    // The first run's iterate and its terms, scaled so the longest arrow spans a fifth of the window.
    let first = model.first_of(model.index.first().copied().unwrap_or(0));
    let at = first.and_then(|p| {
        let t = &model.lock.runs[p];
        let (x, y) = (t.run.x[0], t.run.y[0]);
        Some((x, phi(problem, x)?, terms(problem, x, y)?))
    });
    let span = curve_span(&curve);
    Plot::new("playground-phi-curve")
        .width(size.x)
        .height(size.y)
        .x_axis_label("x (leader)")
        .legend(egui_plot::Legend::default().position(egui_plot::Corner::RightTop))
        .allow_scroll(false)
        .show(ui, |pui| {
            pui.line(Line::new("Φ(x)", curve).color(ink).width(width));
            if let Some(x) = problem.x_star()
                && let Some(p) = phi(problem, x[0])
            {
                pui.points(
                    Points::new("x*", vec![[x[0], p]])
                        .color(ink)
                        .radius(width + 5.0)
                        .shape(egui_plot::MarkerShape::Diamond),
                );
            }
            for (&i, t) in model.index.iter().zip(&model.lock.runs) {
                let x = t.run.x[0];
                if let Some(p) = phi(problem, x) {
                    pui.points(
                        Points::new("", vec![[x, p]])
                            .color(run_color(look, i))
                            .radius(width + 3.0),
                    );
                }
            }
            if let Some((x, p, (direct, implicit, total))) = at {
                let longest = direct.abs().max(implicit.abs()).max(total.abs());
                if longest > 0.0 {
                    let scale = 0.2 * (a1 - a0) / longest;
                    let arrows = [
                        (
                            "direct: −∂f/∂x",
                            -direct,
                            0.06,
                            look.color(crate::app::Series::Simultaneous),
                        ),
                        (
                            "implicit: +(∂²g/∂x∂y)·v",
                            -implicit,
                            0.12,
                            look.color(crate::app::Series::Stackelberg),
                        ),
                        ("−dΦ/dx: their sum", -total, 0.18, ink),
                    ];
                    for (name, d, lift, color) in arrows {
                        let y = p + lift * span;
                        pui.arrows(
                            Arrows::new(
                                name,
                                PlotPoints::new(vec![[x, y]]),
                                PlotPoints::new(vec![[x + d * scale, y]]),
                            )
                            .color(color)
                            .tip_length(10.0 * width),
                        );
                    }
                }
            }
        });
    ui.label(
        "Curve: Φ along the follower's best response. ◆ x*, where dΦ/dx = 0. ● the runs' current x. Arrows \
         at the first run's iterate, along x (their lengths to scale): the direct part −∇_x f, the implicit \
         part +∇²_xy g·v (v = (∇²_yy g)⁻¹∇_y f), and their sum.",
    );
}

/// The curve's height range (for lifting the arrows apart).
fn curve_span(curve: &[[f64; 2]]) -> f64 {
    let (lo, hi) = curve
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p[1]), hi.max(p[1]))
        });
    if hi > lo { hi - lo } else { 1.0 }
}

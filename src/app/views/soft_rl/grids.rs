//! The gridworld pictures: a per-state value as a heat map (viridis, walls dark, goal ◎, trap ×, start ●)
//! with the follower's policy drawn as four arrows per cell (length ∝ π(a|s)), or on cells under
//! [`FOUR_ARROWS_FROM`] points one arrow, the expected move Σₐ π(a|s)·moveₐ; the same grid is the editor
//! (a click applies the tool to the cell).

use egui::{Pos2, Stroke, pos2, vec2};

use crate::app::look::{INK_ON_DATA, OUTLINE_ON_DATA};
use crate::app::widgets::colormap::viridis;
use crate::app::widgets::heatmap::{HeatMap, heatmap_ui};
use crate::app::{Look, format};
use crate::numerics::rl::gridworld::{Gridworld, MOVES};

/// The smallest cell side (points) drawn with four arrows.
pub const FOUR_ARROWS_FROM: f32 = 14.0;

/// One picture: a title, a value per state, optionally π to draw as arrows, and a path of cells (the drawn
/// demonstration) to draw as a line.
pub struct Picture<'a> {
    pub title: &'a str,
    pub values: &'a [f64],
    pub pi: Option<&'a [f64]>,
    pub path: &'a [[usize; 2]],
}

/// Draws the picture `side` points wide; returns the clicked cell, if any.
pub fn grid_ui(
    ui: &mut egui::Ui,
    grid: &Gridworld,
    picture: &Picture<'_>,
    side: f32,
    look: Look,
) -> Option<[usize; 2]> {
    let (rows, cols) = (grid.rows, grid.cols);
    let wall = look.wall();
    let walls: Vec<bool> = (0..rows * cols)
        .map(|s| grid.walls.contains(&[s / cols, s % cols]))
        .collect();
    let values: Vec<f64> = picture
        .values
        .iter()
        .zip(&walls)
        .map(|(v, w)| if *w { f64::NAN } else { *v })
        .collect();
    let (lo, hi) = finite_range(&values);
    let span = (hi - lo).max(1e-12);
    let color = |v: f64| {
        if v.is_nan() {
            wall
        } else {
            viridis(((v - lo) / span) as f32)
        }
    };
    let hover = |r: usize, c: usize, v: f64| {
        if v.is_nan() {
            format!("({r}, {c}): wall")
        } else {
            format!("({r}, {c}): {}", format::num(v))
        }
    };
    ui.vertical(|ui| {
        let map = HeatMap::plain(&values, (rows, cols), &color, &hover);
        let response = titled_map_ui(
            ui,
            picture.title,
            (lo, hi),
            &map,
            side * rows as f32 / cols as f32,
            side,
        );
        let rect = response.rect;
        let cell = vec2(rect.width() / cols as f32, rect.height() / rows as f32);
        let center = |[r, c]: [usize; 2]| -> Pos2 {
            pos2(
                rect.left() + (c as f32 + 0.5) * cell.x,
                rect.top() + (r as f32 + 0.5) * cell.y,
            )
        };
        let painter = ui.painter_at(rect);
        let ink = INK_ON_DATA;
        let outline = Stroke::new(1.5, OUTLINE_ON_DATA);
        let radius = cell.x.min(cell.y) * 0.3;
        for &g in &grid.goals {
            painter.circle_stroke(center(g), radius, Stroke::new(2.5, ink));
            painter.circle_stroke(center(g), radius * 0.45, Stroke::new(2.5, ink));
        }
        for &t in &grid.traps {
            let p = center(t);
            let d = radius * 0.8;
            for (a, b) in [(vec2(-d, -d), vec2(d, d)), (vec2(-d, d), vec2(d, -d))] {
                painter.line_segment([p + a, p + b], outline);
                painter.line_segment([p + a, p + b], Stroke::new(2.0, ink));
            }
        }
        for &c in &grid.costs {
            let p = center(c);
            let r = egui::Rect::from_center_size(p, vec2(cell.x * 0.8, cell.y * 0.8));
            painter.rect_stroke(r, 0.0, Stroke::new(2.0, ink), egui::StrokeKind::Inside);
        }
        painter.circle(center(grid.start), radius * 0.5, ink, outline);
        if picture.path.len() > 1 {
            let pts: Vec<Pos2> = picture.path.iter().map(|&c| center(c)).collect();
            painter.add(egui::Shape::line(
                pts.clone(),
                Stroke::new(5.0, OUTLINE_ON_DATA),
            ));
            painter.add(egui::Shape::line(pts, Stroke::new(3.0, ink)));
        } else if let Some(&c) = picture.path.first() {
            painter.circle_filled(center(c), radius * 0.35, ink);
        }
        if let Some(pi) = picture.pi {
            let arrow = Stroke::new((cell.x * 0.06).clamp(1.0, 2.5), INK_ON_DATA);
            // Four arrows a cell where a cell is large enough to tell them apart; below that one, the
            // expected move (a 32 × 32 grid drew ~4500 strokes no one could read).
            let four = cell.x.min(cell.y) >= FOUR_ARROWS_FROM;
            for (s, is_wall) in walls.iter().enumerate() {
                let cell_rc = [s / cols, s % cols];
                if *is_wall || grid.goals.contains(&cell_rc) || grid.traps.contains(&cell_rc) {
                    continue;
                }
                let p = center(cell_rc);
                let pi_s = |a: usize| pi.get(s * MOVES.len() + a).copied().unwrap_or(0.0) as f32;
                let mut arrows = MOVES
                    .iter()
                    .enumerate()
                    .map(|(a, &(dr, dc, _))| vec2(dc as f32, dr as f32) * pi_s(a));
                let shown: Vec<egui::Vec2> = if four {
                    arrows.filter(|d| d.length() * 0.45 >= 0.04).collect()
                } else {
                    let mean = arrows.by_ref().fold(egui::Vec2::ZERO, |m, d| m + d);
                    (mean.length() >= 0.1).then_some(mean).into_iter().collect()
                };
                for d in shown {
                    painter.arrow(p, vec2(d.x * cell.x, d.y * cell.y) * 0.45, arrow);
                }
            }
        }
        let clicked = response
            .clicked()
            .then(|| response.interact_pointer_pos())
            .flatten();
        clicked.and_then(|pos| {
            let c = ((pos.x - rect.left()) / cell.x).floor();
            let r = ((pos.y - rect.top()) / cell.y).floor();
            (c >= 0.0 && r >= 0.0 && (r as usize) < rows && (c as usize) < cols)
                .then_some([r as usize, c as usize])
        })
    })
    .inner
}

/// The smallest and largest finite values.
fn finite_range(values: &[f64]) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    })
}

/// A title, the value range "lo … hi" and the map, `side` points wide and `height` high.
fn titled_map_ui(
    ui: &mut egui::Ui,
    title: &str,
    (lo, hi): (f64, f64),
    map: &HeatMap<'_>,
    height: f32,
    side: f32,
) -> egui::Response {
    crate::app::widgets::math::strong(ui, title);
    ui.label(format!("{} … {}", format::num(lo), format::num(hi)));
    heatmap_ui(ui, map, vec2(side, height))
}

/// A state × action map (rows: states, columns: actions) of a vector ordered s·A + a, `side` points wide.
pub fn matrix_ui(ui: &mut egui::Ui, title: &str, values: &[f64], actions: usize, side: f32) {
    let rows = values.len() / actions.max(1);
    let (lo, hi) = finite_range(values);
    let span = (hi - lo).max(1e-12);
    let color = |v: f64| viridis(((v - lo) / span) as f32);
    let hover = |r: usize, c: usize, v: f64| format!("state {r}, action {c}: {}", format::num(v));
    ui.vertical(|ui| {
        let map = HeatMap::plain(values, (rows, actions), &color, &hover);
        let height = (side * rows as f32 / actions as f32).min(side * 1.6);
        titled_map_ui(ui, title, (lo, hi), &map, height, side);
    });
}

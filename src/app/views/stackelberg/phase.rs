//! One phase portrait: convergence map (optional), the panel's vector field, the critic's best response
//! w*(θ) = −θ/5, the equilibrium, the trajectories with fading tails. Drag the start point; click to add
//! a start point.

use egui::Color32;
use egui_plot::{
    Arrows, Line, LineStyle, MarkerShape, Plot, PlotBounds, PlotImage, PlotPoint, Points,
};

use crate::app::Look;
use crate::app::widgets::thin::thin_in_bounds;
use crate::numerics::games::actor_critic::{GameParams, best_response, step};
use crate::numerics::games::lockstep::Track;

/// What the pointer did in a portrait.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gesture {
    None,
    MoveStart([f64; 2]),
    AddStart([f64; 2]),
}

/// A convergence map to lay under the portrait: its texture and the window it covers.
pub struct MapLayer<'a> {
    pub texture: &'a egui::TextureHandle,
    pub window: [f64; 4],
}

/// Everything one portrait draws.
pub struct Portrait<'a> {
    pub id: usize,
    pub size: f32,
    pub window: [f64; 4],
    pub params: &'a GameParams,
    pub tracks: &'a [Track],
    pub color: Color32,
    pub map: Option<MapLayer<'a>>,
    pub look: Look,
}

/// Arrows per side of the vector field.
const FIELD: usize = 13;
/// Pointer distance (points) within which a press grabs the start point.
const GRAB: f32 = 14.0;

impl Portrait<'_> {
    /// Draws the portrait; returns its response, the gesture, and where the start marker is on screen.
    pub fn ui(&self, ui: &mut egui::Ui) -> (egui::Response, Gesture, Option<egui::Pos2>) {
        let [t0, t1, w0, w1] = self.window;
        let start = self
            .tracks
            .first()
            .and_then(|t| t.history.points.first())
            .map(|p| [p.1, p.2]);
        let grab_id = egui::Id::unique(("stackelberg-phase-grab", self.id));
        let plot = Plot::new(("phase", self.id))
            .width(self.size)
            .height(self.size)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .show_x(false)
            .show_y(false)
            .x_axis_label("θ (actor)")
            .y_axis_label("w (critic)");
        let response = plot.show(ui, |pui| {
            // A 3% margin keeps markers on the window's edge visible and grabbable.
            let (mt, mw) = (0.03 * (t1 - t0), 0.03 * (w1 - w0));
            let bounds = PlotBounds::from_min_max([t0 - mt, w0 - mw], [t1 + mt, w1 + mw]);
            pui.set_plot_bounds(bounds);
            if let Some(map) = &self.map {
                let [a0, a1, b0, b1] = map.window;
                pui.image(PlotImage::new(
                    "convergence map",
                    map.texture.id(),
                    PlotPoint::new((a0 + a1) / 2.0, (b0 + b1) / 2.0),
                    egui::vec2((a1 - a0) as f32, (b1 - b0) as f32),
                ));
            }
            self.field_ui(pui);
            let width = self.look.line_width();
            let br = [[t0, best_response(t0)], [t1, best_response(t1)]];
            pui.line(
                Line::new("w*(θ) = −θ/5", br.to_vec())
                    .color(self.look.neutral())
                    .width(width * 0.8)
                    .style(LineStyle::dashed_loose()),
            );
            for (i, track) in self.tracks.iter().enumerate() {
                self.track_ui(
                    pui,
                    &bounds,
                    track,
                    if i == 0 { width } else { width * 0.6 },
                );
            }
            pui.points(
                Points::new("equilibrium (0, 0)", vec![[0.0, 0.0]])
                    .shape(MarkerShape::Diamond)
                    .radius(5.0)
                    .color(self.look.neutral()),
            );
            if let Some(s) = start {
                pui.points(
                    Points::new("start", vec![s])
                        .shape(MarkerShape::Circle)
                        .filled(false)
                        .radius(7.0)
                        .color(self.color),
                );
            }
        });
        let r = response.response;
        let t = response.transform;
        let mut gesture = Gesture::None;
        let to_plot = |pos: egui::Pos2| {
            let p = t.value_from_position(pos);
            [p.x.clamp(t0, t1), p.y.clamp(w0, w1)]
        };
        if r.drag_started()
            && let (Some(pos), Some(s)) = (ui.input(|i| i.pointer.press_origin()), start)
        {
            // Where the press began, not where the drag was recognized (a few points later).
            let grabbed = t
                .position_from_point(&PlotPoint::new(s[0], s[1]))
                .distance(pos)
                < GRAB;
            ui.data_mut(|d| d.insert_temp(grab_id, grabbed));
        }
        let grabbed = ui.data(|d| d.get_temp::<bool>(grab_id)).unwrap_or(false);
        if r.dragged() && grabbed {
            if let Some(pos) = r.interact_pointer_pos() {
                gesture = Gesture::MoveStart(to_plot(pos));
            }
        } else if r.clicked()
            && let Some(pos) = r.interact_pointer_pos()
        {
            gesture = Gesture::AddStart(to_plot(pos));
        }
        if r.drag_stopped() {
            ui.data_mut(|d| d.remove::<bool>(grab_id));
        }
        let marker = start.map(|s| t.position_from_point(&PlotPoint::new(s[0], s[1])));
        (r, gesture, marker)
    }

    /// Arrows along one step of the dynamics, normalized to a fixed length (a direction field).
    fn field_ui(&self, pui: &mut egui_plot::PlotUi<'_>) {
        let [t0, t1, w0, w1] = self.window;
        let (dt, dw) = ((t1 - t0) / FIELD as f64, (w1 - w0) / FIELD as f64);
        let mut origins = Vec::new();
        let mut tips = Vec::new();
        for i in 0..FIELD {
            for j in 0..FIELD {
                let (theta, w) = (t0 + (i as f64 + 0.5) * dt, w0 + (j as f64 + 0.5) * dw);
                let (nt, nw) = step(theta, w, self.params);
                let (vt, vw) = ((nt - theta) / dt, (nw - w) / dw);
                let norm = vt.hypot(vw);
                if !(norm.is_finite() && norm > 0.0) {
                    continue;
                }
                let k = 0.38 / norm;
                origins.push([theta, w]);
                tips.push([theta + vt * k * dt, w + vw * k * dw]);
            }
        }
        pui.arrows(
            Arrows::new("direction of one step", origins, tips)
                .color(self.look.fade(self.look.neutral(), 0.35))
                .tip_length(5.0),
        );
    }

    /// The trajectory in 8 chunks, older ones fainter.
    fn track_ui(
        &self,
        pui: &mut egui_plot::PlotUi<'_>,
        bounds: &PlotBounds,
        track: &Track,
        width: f32,
    ) {
        let mut pts: Vec<[f64; 2]> = track
            .history
            .points
            .iter()
            .filter(|p| p.1.is_finite() && p.2.is_finite())
            .map(|p| [p.1, p.2])
            .collect();
        let w = &track.walker;
        if w.theta.is_finite() && w.w.is_finite() && pts.last() != Some(&[w.theta, w.w]) {
            pts.push([w.theta, w.w]);
        }
        let chunks = 8;
        let len = pts.len();
        for c in 0..chunks {
            let (a, b) = (c * len / chunks, ((c + 1) * len / chunks + 1).min(len));
            if b <= a + 1 {
                continue;
            }
            let chunk = thin_in_bounds(pts[a..b].to_vec(), pui.transform(), bounds);
            let strength = (2 + 3 * (c + 1) / chunks) as f32 / 5.0;
            // A halo in the background color keeps the path readable over the convergence map.
            let halo = self.look.halo();
            pui.line(
                Line::new("", chunk.clone())
                    .color(halo)
                    .width(width + 2.0)
                    .allow_hover(false),
            );
            pui.line(
                Line::new("", chunk)
                    .color(self.look.fade(self.color, strength))
                    .width(width)
                    .allow_hover(false),
            );
        }
        if let Some(last) = pts.last() {
            pui.points(
                Points::new("", vec![*last])
                    .radius(width + 2.5)
                    .color(self.color)
                    .shape(Look::marker(self.id))
                    .filled(true),
            );
        }
    }
}

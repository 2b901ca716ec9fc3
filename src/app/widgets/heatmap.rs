//! A heat map of a small matrix (up to a few hundred cells a side) painted as one mesh: cell colors from a
//! function, optional text in each cell, axis labels, marked columns, the hovered cell's value in a
//! tooltip; it senses clicks (the gridworld editor). Used for H against H_q, the regime maps and the
//! gridworlds.

use egui::{Color32, Mesh, Rect, Sense, Vec2, pos2, vec2};

/// What to draw: `values` row-major, `rows` × `cols`, row 0 on top.
pub struct HeatMap<'a> {
    pub values: &'a [f64],
    pub rows: usize,
    pub cols: usize,
    pub color: &'a dyn Fn(f64) -> Color32,
    /// Text inside each cell (only drawn where cells are large enough to read).
    pub cell_text: Option<&'a dyn Fn(usize, usize, f64) -> String>,
    /// The tooltip of the hovered cell (row, column, value).
    pub hover: &'a dyn Fn(usize, usize, f64) -> String,
    /// Labels under the columns and left of the rows (empty: none).
    pub col_labels: &'a [String],
    pub row_labels: &'a [String],
    /// Columns marked with a triangle above the map.
    pub marked_cols: &'a [usize],
}

impl<'a> HeatMap<'a> {
    /// A map with colors and a hover text only: no cell text, labels or marks.
    pub fn plain(
        values: &'a [f64],
        (rows, cols): (usize, usize),
        color: &'a dyn Fn(f64) -> Color32,
        hover: &'a dyn Fn(usize, usize, f64) -> String,
    ) -> Self {
        Self {
            values,
            rows,
            cols,
            color,
            cell_text: None,
            hover,
            col_labels: &[],
            row_labels: &[],
            marked_cols: &[],
        }
    }
}

const LABEL_W: f32 = 48.0;
const LABEL_H: f32 = 16.0;
const MARK_H: f32 = 9.0;

/// Draws the map into a `size` area (labels included) and returns its response.
pub fn heatmap_ui(ui: &mut egui::Ui, map: &HeatMap<'_>, size: Vec2) -> egui::Response {
    let (outer, response) = ui.allocate_exact_size(size, Sense::click());
    let left = if map.row_labels.is_empty() {
        0.0
    } else {
        LABEL_W
    };
    let bottom = if map.col_labels.is_empty() {
        0.0
    } else {
        LABEL_H
    };
    let top = if map.marked_cols.is_empty() {
        0.0
    } else {
        MARK_H
    };
    let grid = Rect::from_min_max(
        pos2(outer.left() + left, outer.top() + top),
        pos2(outer.right(), outer.bottom() - bottom),
    );
    if map.rows == 0 || map.cols == 0 || !ui.is_rect_visible(outer) {
        return response;
    }
    let cell = vec2(
        grid.width() / map.cols as f32,
        grid.height() / map.rows as f32,
    );
    let cell_rect = |r: usize, c: usize| {
        Rect::from_min_size(
            pos2(
                grid.left() + c as f32 * cell.x,
                grid.top() + r as f32 * cell.y,
            ),
            cell,
        )
    };
    let value = |r: usize, c: usize| {
        map.values
            .get(r * map.cols + c)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let painter = ui.painter_at(outer);
    let mut mesh = Mesh::default();
    for r in 0..map.rows {
        for c in 0..map.cols {
            let v = value(r, c);
            mesh.add_colored_rect(cell_rect(r, c), (map.color)(v));
        }
    }
    painter.add(mesh);
    let text_color = ui.visuals().strong_text_color();
    let font = egui::FontId::proportional(11.0);
    if let Some(text) = map.cell_text
        && cell.x >= 30.0
        && cell.y >= 13.0
    {
        for r in 0..map.rows {
            for c in 0..map.cols {
                let v = value(r, c);
                let fill = (map.color)(v);
                let ink = crate::app::look::ink_on(fill);
                painter.text(
                    cell_rect(r, c).center(),
                    egui::Align2::CENTER_CENTER,
                    text(r, c, v),
                    font.clone(),
                    ink,
                );
            }
        }
    }
    for &c in map.marked_cols.iter().filter(|&&c| c < map.cols) {
        let x = grid.left() + (c as f32 + 0.5) * cell.x;
        let half = (cell.x * 0.5).clamp(2.5, 5.0);
        painter.add(egui::Shape::convex_polygon(
            vec![
                pos2(x - half, outer.top()),
                pos2(x + half, outer.top()),
                pos2(x, outer.top() + MARK_H - 1.0),
            ],
            text_color,
            egui::Stroke::NONE,
        ));
    }
    let label_every = |n: usize, room: f32| ((n as f32 * 14.0 / room).ceil() as usize).max(1);
    let every = label_every(map.cols, grid.width() * 0.6);
    for (c, label) in map.col_labels.iter().enumerate().step_by(every) {
        painter.text(
            pos2(grid.left() + (c as f32 + 0.5) * cell.x, grid.bottom() + 2.0),
            egui::Align2::CENTER_TOP,
            label,
            font.clone(),
            text_color,
        );
    }
    let every = label_every(map.rows, grid.height());
    for (r, label) in map.row_labels.iter().enumerate().step_by(every) {
        painter.text(
            pos2(grid.left() - 4.0, grid.top() + (r as f32 + 0.5) * cell.y),
            egui::Align2::RIGHT_CENTER,
            label,
            font.clone(),
            text_color,
        );
    }
    if let Some(pos) = response.hover_pos()
        && grid.contains(pos)
    {
        let c = (((pos.x - grid.left()) / cell.x) as usize).min(map.cols - 1);
        let r = (((pos.y - grid.top()) / cell.y) as usize).min(map.rows - 1);
        let v = value(r, c);
        painter.rect_stroke(
            cell_rect(r, c),
            0.0,
            egui::Stroke::new(1.5, text_color),
            egui::StrokeKind::Inside,
        );
        return response.on_hover_text((map.hover)(r, c, v));
    }
    response
}

//! The stage's geometry, in points, apart from egui's widgets so it can be tested as arithmetic: where the
//! narrative goes (a column beside the view in a landscape window, a strip above it in a portrait one), where
//! the step's controls go (a column beside the figure or a band under it, whichever leaves the figure more
//! room), and the figure's parts, each as large as fits with its aspect kept.

use egui::{Rect, pos2, vec2};

/// Space between parts, and between the figure and the controls (points).
pub const GAP: f32 = 10.0;

/// A window at least this much wider than high puts the narrative in a column beside the view; a narrower
/// one (a phone held upright) in a strip above it.
pub const COLUMN_ASPECT: f32 = 1.15;

/// The controls' column beside the figure: this wide at most and at least (points).
const COLUMN_WIDTH: (f32, f32) = (210.0, 330.0);

/// One control's cell in the band under the figure is about this wide (points).
const BAND_CELL: f32 = 260.0;

/// How many columns the band under the figure has for `controls` controls across `width` points: two at
/// least (a phone), as many as fit, at most one per control.
pub fn band_columns(width: f32, controls: usize) -> usize {
    ((width / BAND_CELL).floor() as usize).clamp(2, controls.max(2))
}

/// Where a lesson's narrative goes and what is left for the view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NarrativeSplit {
    pub narrative: Rect,
    pub view: Rect,
}

/// The narrative beside the view (a column ~30 % of the width) when the window is landscape, above it (a strip
/// of at most a third of the height: the figure keeps ≥ 45 % on a phone) when it is portrait.
pub fn narrative_split(rect: Rect) -> NarrativeSplit {
    if rect.aspect_ratio() >= COLUMN_ASPECT {
        let w = (rect.width() * 0.3)
            .clamp(220.0, 440.0)
            .min(rect.width() * 0.45);
        let (narrative, view) = rect.split_left_right_at_x(rect.left() + w);
        NarrativeSplit {
            narrative,
            view: view.with_min_x(view.left() + GAP),
        }
    } else {
        let h = (rect.height() * 0.25).min(rect.height() - 60.0).max(0.0);
        let (narrative, view) = rect.split_top_bottom_at_y(rect.top() + h);
        NarrativeSplit {
            narrative,
            view: view.with_min_y(view.top() + GAP),
        }
    }
}

/// Where the figure and the controls go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub figure: Rect,
    /// `None` when the stage shows no controls.
    pub controls: Option<Rect>,
    /// The controls are a column beside the figure (else a band under it).
    pub beside: bool,
}

/// Splits a view's stage between the figure (parts of these aspects, width / height) and `controls` rows of
/// `row` points each: a column on the right or a band under the figure, whichever lets the parts be larger.
pub fn split(rect: Rect, aspects: &[Aspect], controls: usize, row: f32) -> Areas {
    if controls == 0 {
        return Areas {
            figure: rect,
            controls: None,
            beside: false,
        };
    }
    let column = (rect.width() * 0.3).clamp(COLUMN_WIDTH.0, COLUMN_WIDTH.1);
    let beside = {
        let (figure, controls) = rect.split_left_right_at_x(rect.right() - column);
        Areas {
            figure: figure.with_max_x(figure.right() - GAP),
            controls: Some(controls),
            beside: true,
        }
    };
    let rows = controls.div_ceil(band_columns(rect.width(), controls));
    let band = (rows as f32 * row + GAP).min(rect.height() * 0.5);
    let under = {
        let (figure, controls) = rect.split_top_bottom_at_y(rect.bottom() - band);
        Areas {
            figure: figure.with_max_y(figure.bottom() - GAP),
            controls: Some(controls),
            beside: false,
        }
    };
    let area = |a: &Areas| {
        grid(aspects, a.figure)
            .iter()
            .map(|r| r.area())
            .sum::<f32>()
    };
    // A column needs room for a slider beside its label: below the narrowest column, the band.
    if rect.width() - column >= COLUMN_WIDTH.0 && area(&beside) >= area(&under) {
        beside
    } else {
        under
    }
}

/// A part's aspect, width / height, from `.0` to `.1` (a figure that keeps its proportions has both equal; a
/// row of plots stretches across).
pub type Aspect = (f32, f32);

/// Flexible rows keep at least this share of the height (a plot squeezed to a strip says nothing).
const FLEX_FLOOR: f32 = 0.16;

/// Lays parts of these aspects out in rows, in order, as large as fits in `area`. Every way of cutting the
/// order into rows is tried. Each part's *fill* is its area over the area it would have alone; the cuts whose
/// smallest fill is at least [`FAIR`] of the best smallest fill are the fair ones (no part shrunk to a
/// thumbnail for another's sake), and of those the one covering the most area wins. Rows with a fixed part
/// share one height (parts of a kind stay one size), rows of flexible parts only share the rest; a flexible
/// part stretches across what its row leaves. Rows are centred across and start at the top.
pub fn grid(aspects: &[Aspect], area: Rect) -> Vec<Rect> {
    let n = aspects.len();
    if n == 0 || area.width() <= 0.0 || area.height() <= 0.0 || n > 12 {
        return Vec::new();
    }
    let aspects: Vec<Aspect> = aspects
        .iter()
        .map(|&(lo, hi)| (lo.max(0.05), hi.max(lo.max(0.05))))
        .collect();
    // Each part alone in the area.
    let alone: Vec<f32> = aspects
        .iter()
        .map(|&(lo, hi)| {
            let h = area.height().min(area.width() / lo);
            h * area.width().min(hi * h)
        })
        .collect();
    // Bit i of `cuts` set: a new row starts after part i.
    let layouts: Vec<Vec<Rect>> = (0..1u32 << (n - 1))
        .map(|cuts| {
            let mut rows = Vec::new();
            let mut start = 0;
            for i in 0..n {
                if i == n - 1 || cuts & (1 << i) != 0 {
                    rows.push(start..i + 1);
                    start = i + 1;
                }
            }
            place(&aspects, rows, area)
        })
        .collect();
    let fill = |rects: &[Rect]| {
        rects
            .iter()
            .zip(&alone)
            .map(|(r, a)| r.area() / a.max(1e-6))
            .fold(f32::INFINITY, f32::min)
    };
    let fairest = layouts.iter().map(|r| fill(r)).fold(0.0, f32::max);
    let covered = |rects: &[Rect]| rects.iter().map(|r| r.area()).sum::<f32>();
    layouts
        .into_iter()
        .filter(|r| fill(r) >= FAIR * fairest)
        .fold((f32::NEG_INFINITY, Vec::new()), |best, r| {
            let c = covered(&r);
            if c > best.0 + 1e-3 { (c, r) } else { best }
        })
        .1
}

/// A fair layout's smallest fill is at least this share of the fairest layout's.
const FAIR: f32 = 0.5;

/// The parts' rectangles in these rows (`heights` gives the rows their heights).
fn place(aspects: &[Aspect], rows: Vec<std::ops::Range<usize>>, area: Rect) -> Vec<Rect> {
    let rows_of: Vec<&[Aspect]> = rows.iter().map(|r| &aspects[r.clone()]).collect();
    let (_, heights) = heights(&rows_of, area);
    let mut rects = vec![Rect::NOTHING; aspects.len()];
    let mut y = area.top();
    for (row, h) in rows.into_iter().zip(heights) {
        let widths = widths(&aspects[row.clone()], h, area.width());
        let total = widths.iter().sum::<f32>() + GAP * (row.len() - 1) as f32;
        let mut x = area.left() + (area.width() - total) / 2.0;
        for (i, w) in row.zip(widths) {
            rects[i] = Rect::from_min_size(pos2(x, y), vec2(w, h));
            x += w + GAP;
        }
        y += h + GAP;
    }
    rects
}

/// The parts' widths in a row `h` high across `width`: each at its narrowest, the flexible ones stretched
/// over what is left (in proportion to how far each may stretch).
fn widths(row: &[Aspect], h: f32, width: f32) -> Vec<f32> {
    let room = (width - GAP * (row.len() - 1) as f32).max(0.0);
    let least: f32 = row.iter().map(|a| a.0 * h).sum();
    let give: f32 = row.iter().map(|a| (a.1 - a.0) * h).sum();
    let left = (room - least).max(0.0).min(give);
    row.iter()
        .map(|a| {
            let share = if give > 0.0 {
                (a.1 - a.0) * h / give
            } else {
                0.0
            };
            a.0 * h + left * share
        })
        .collect()
}

/// The highest a row may be: its parts at their narrowest fill the width.
fn cap(row: &[Aspect], width: f32) -> f32 {
    (width - GAP * (row.len() - 1) as f32).max(0.0) / row.iter().map(|a| a.0).sum::<f32>()
}

/// The rows' heights that cover the most of `area`, and that area.
fn heights(rows: &[&[Aspect]], area: Rect) -> (f32, Vec<f32>) {
    let room = (area.height() - GAP * (rows.len() - 1) as f32).max(0.0);
    // A row with a fixed part takes the fixed rows' height: parts of a kind stay one size.
    let fixed = |row: &[Aspect]| row.iter().any(|a| a.1 <= a.0);
    let covered = |row: &[Aspect], h: f32| h * widths(row, h, area.width()).iter().sum::<f32>();
    let (nf, nx) = rows.iter().fold(
        (0, 0),
        |(f, x), r| {
            if fixed(r) { (f + 1, x) } else { (f, x + 1) }
        },
    );
    let fixed_cap = rows
        .iter()
        .filter(|r| fixed(r))
        .map(|r| cap(r, area.width()))
        .fold(f32::INFINITY, f32::min);
    let plan = |hf: f32| -> (f32, Vec<f32>) {
        let hx = if nx == 0 {
            0.0
        } else {
            (room - nf as f32 * hf) / nx as f32
        };
        let hs: Vec<f32> = rows
            .iter()
            .map(|r| {
                if fixed(r) {
                    hf
                } else {
                    hx.min(cap(r, area.width()))
                }
            })
            .collect();
        let total = rows.iter().zip(&hs).map(|(r, &h)| covered(r, h)).sum();
        (total, hs)
    };
    if nf == 0 {
        return plan(0.0);
    }
    // The fixed rows as high as their width allows, leaving the flexible rows their floor: a figure that
    // keeps its proportions is never shrunk to give a stretchable one more.
    let most = if nx == 0 {
        room / nf as f32
    } else {
        room * (1.0 - FLEX_FLOOR * nx as f32).max(0.0) / nf as f32
    };
    plan(most.min(fixed_cap))
}

/// Plots in a grid inside a part `w` × `h` points: `n` plots each under a one-line title `title` high, `gap`
/// between them; of 1 … n columns the one whose plots are largest at about 1.6 : 1. Returns the columns and
/// each plot's width and height (the soft-MDP curves, the Control diagnostics).
pub fn plot_grid(n: usize, (w, h): (f32, f32), title: f32, gap: egui::Vec2) -> (usize, f32, f32) {
    let n = n.max(1);
    let size = |cols: usize| {
        let rows = n.div_ceil(cols) as f32;
        let width = (w - gap.x * (cols as f32 - 1.0)) / cols as f32 - 1.0;
        let height = (h / rows - title - gap.y).max(20.0);
        (cols, width.max(20.0), height)
    };
    (1..=n)
        .map(size)
        .max_by(|a, b| a.1.min(1.6 * a.2).total_cmp(&b.1.min(1.6 * b.2)))
        .unwrap_or_else(|| size(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(w: f32, h: f32) -> Rect {
        Rect::from_min_size(pos2(0.0, 0.0), vec2(w, h))
    }

    fn inside(outer: Rect, inner: Rect) -> bool {
        outer.expand(1e-3).contains_rect(inner)
    }

    #[test]
    fn one_part_fills_the_area_with_its_aspect_kept() {
        let area = rect(800.0, 400.0);
        let r = grid(&[(1.0, 1.0)], area);
        assert_eq!(r.len(), 1);
        assert!((r[0].width() - 400.0).abs() < 1e-3 && (r[0].height() - 400.0).abs() < 1e-3);
        assert!((r[0].center().x - 400.0).abs() < 1e-3, "centred across");
        let r = grid(&[(4.0, 4.0)], area);
        assert!((r[0].width() - 800.0).abs() < 1e-3 && (r[0].height() - 200.0).abs() < 1e-3);
    }

    #[test]
    fn four_squares_take_two_rows_in_a_square_and_one_row_in_a_strip() {
        let square = grid(&[(1.0, 1.0); 4], rect(600.0, 600.0));
        // 2 × 2 of (600 − 10) / 2 = 295: more than one row of 147.5 or four rows of 142.5.
        assert!(square.iter().all(|r| (r.width() - 295.0).abs() < 1e-3));
        assert_eq!(square[0].top(), square[1].top());
        assert!(square[2].top() > square[1].bottom());
        let strip = grid(&[(1.0, 1.0); 4], rect(1200.0, 300.0));
        assert!(
            strip
                .iter()
                .all(|r| r.top() == 0.0 && (r.height() - 292.5).abs() < 1e-3)
        );
        for rects in [square, strip] {
            for (i, a) in rects.iter().enumerate() {
                for b in &rects[i + 1..] {
                    assert!(!a.intersects(b.shrink(1e-3)), "{a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn every_layout_stays_inside_its_area() {
        let sets: [&[Aspect]; 6] = [
            &[(1.0, 1.0)],
            &[(1.0, 1.0), (2.0, 2.0)],
            &[(1.0, 1.0); 4],
            &[
                (0.85, 0.85),
                (0.85, 0.85),
                (0.85, 0.85),
                (0.85, 0.85),
                (2.0, 6.0),
            ],
            &[(0.4, 0.4), (3.0, 3.0), (1.2, 1.2)],
            &[(1.0, 1.0), (0.6, 4.0)],
        ];
        for (w, h) in [
            (1280.0, 600.0),
            (390.0, 500.0),
            (683.0, 420.0),
            (150.0, 900.0),
            (30.0, 20.0),
        ] {
            let area = Rect::from_min_size(pos2(17.0, 40.0), vec2(w, h));
            for aspects in sets {
                let rects = grid(aspects, area);
                assert_eq!(rects.len(), aspects.len());
                for (r, a) in rects.iter().zip(aspects) {
                    assert!(inside(area, *r), "{r:?} outside {area:?}");
                    let aspect = r.width() / r.height();
                    let within = aspect >= a.0 * (1.0 - 1e-3) && aspect <= a.1 * (1.0 + 1e-3);
                    assert!(r.height() < 1.0 || within, "{r:?} has not aspect {a:?}");
                }
            }
        }
        assert!(grid(&[], rect(100.0, 100.0)).is_empty());
        assert!(grid(&[(1.0, 1.0)], rect(0.0, 100.0)).is_empty());
    }

    #[test]
    fn a_flexible_part_takes_the_room_the_fixed_ones_leave() {
        // Four portraits and a row of curves on a 950 × 660 stage: the portraits in a row as wide as the
        // stage allows, the curves stretched across under them, two thirds of the stage covered.
        let mut aspects = vec![(0.85, 0.85); 4];
        aspects.push((2.0, 6.0));
        let r = grid(&aspects, rect(950.0, 660.0));
        assert!(
            r[..4]
                .iter()
                .all(|p| p.top() == 0.0 && (p.height() - r[0].height()).abs() < 1e-3)
        );
        assert!((r[4].width() - 950.0).abs() < 1e-3 && r[4].top() > r[0].bottom());
        let covered: f32 = r.iter().map(|p| p.area()).sum();
        assert!(covered > 0.6 * 950.0 * 660.0, "{covered}");
    }

    #[test]
    fn no_part_is_shrunk_to_a_thumbnail_for_anothers_sake() {
        // A 1024 × 768 projector's stage (437 × 471 points): four portraits in a row would leave a plot
        // most of the room; the fair layout puts them two by two, the curves in a strip under them.
        let mut aspects = vec![(1.0, 1.0); 4];
        aspects.push((0.8, 6.0));
        let r = grid(&aspects, rect(437.0, 471.0));
        assert!(r[..4].iter().all(|p| p.width() > 180.0), "{r:?}");
        assert!(
            r[2].top() > r[0].bottom() && r[4].top() > r[2].bottom(),
            "{r:?}"
        );
    }

    #[test]
    fn the_narrative_is_a_column_on_a_landscape_window_and_a_strip_on_a_phone() {
        let wide = narrative_split(rect(1280.0, 680.0));
        assert!(wide.narrative.height() == 680.0 && wide.narrative.width() <= 440.0);
        assert!(wide.view.left() > wide.narrative.right());
        let phone = narrative_split(rect(390.0, 780.0));
        assert!(phone.narrative.width() == 390.0 && phone.narrative.height() <= 0.25 * 780.0);
        assert!(phone.view.height() >= 0.7 * 780.0, "{phone:?}");
    }

    #[test]
    fn controls_go_where_the_figure_keeps_more_room() {
        // One square on a wide, low stage: a column beside it costs less than a band under it.
        let wide = split(rect(1200.0, 500.0), &[(1.0, 1.0)], 4, 30.0);
        assert!(wide.beside);
        let c = wide.controls.unwrap_or(Rect::NOTHING);
        assert!(c.left() > wide.figure.right() && c.height() == 500.0);
        // Four on a wide stage take a row, with the controls in a band under it; on a phone too.
        assert!(!split(rect(1200.0, 500.0), &[(1.0, 1.0); 4], 4, 30.0).beside);
        let phone = split(rect(390.0, 500.0), &[(1.0, 1.0); 4], 4, 30.0);
        assert!(!phone.beside);
        let c = phone.controls.unwrap_or(Rect::NOTHING);
        // Two columns of controls on a phone: two rows of 30 and the gap.
        assert!(c.top() > phone.figure.bottom() && (c.height() - 70.0).abs() < 1e-3);
        let none = split(rect(390.0, 500.0), &[(1.0, 1.0)], 0, 30.0);
        assert_eq!((none.figure, none.controls), (rect(390.0, 500.0), None));
    }

    /// Plots in a part: side by side in a wide strip, stacked in a tall column, and inside the part either way.
    #[test]
    fn plot_grids_fit_their_part() {
        let gap = egui::vec2(8.0, 4.0);
        assert_eq!(plot_grid(4, (1200.0, 200.0), 20.0, gap).0, 4);
        assert_eq!(plot_grid(4, (300.0, 900.0), 20.0, gap).0, 1);
        for (w, h) in [(1200.0, 200.0), (300.0, 900.0), (600.0, 400.0)] {
            let (cols, pw, ph) = plot_grid(5, (w, h), 20.0, gap);
            let rows = 5usize.div_ceil(cols) as f32;
            assert!(cols as f32 * pw + (cols as f32 - 1.0) * gap.x <= w);
            assert!(rows * (ph + 20.0 + gap.y) <= h + 0.01);
        }
    }
}

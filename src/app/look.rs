//! One palette and one set of line widths for the whole app, in light, dark and projector modes.
//! The same method has the same color in every view.

use egui::Color32;

use crate::numerics::ihvp::spec::Method;

/// Everything drawn is styled through this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    pub dark: bool,
    pub projector: bool,
}

/// Method and dynamics identities that own a color.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Series {
    /// An IHVP method, in its colour (`method_colour`).
    Ihvp(Method),
    Simultaneous,
    TwoTimescale,
    Stackelberg,
    StackelbergRegularized,
}

/// The colors of a view's four run slots (the bilevel RL and Control views): slot k is always this color;
/// a fifth for a recorded run's learners beyond the four (another form of one of them).
pub const SLOT_COLORS: [Series; 5] = [
    Series::Stackelberg,
    Series::Ihvp(Method::Exact),
    Series::Simultaneous,
    Series::TwoTimescale,
    Series::StackelbergRegularized,
];

impl Look {
    /// Zoom applied to the whole UI: projector mode makes everything readable from the back of a hall.
    pub fn zoom_for(projector: bool) -> f32 {
        if projector { 1.5 } else { 1.0 }
    }

    /// Plot line width in points.
    pub fn line_width(&self) -> f32 {
        if self.projector { 3.5 } else { 1.8 }
    }

    /// Okabe–Ito colour-blind-safe colours, lightened on dark backgrounds and, on light ones, the two that
    /// fade on white (orange, reddish purple) darkened to keep 3 : 1 against the plot (a test measures every
    /// mark colour in both themes).
    pub fn color(&self, series: Series) -> Color32 {
        let colour = match series {
            Series::Ihvp(method) => method_colour(method),
            Series::Stackelberg => Colour::Blue,
            Series::Simultaneous => Colour::Vermillion,
            Series::TwoTimescale => Colour::BluishGreen,
            Series::StackelbergRegularized => Colour::ReddishPurple,
        };
        let (light, dark) = match colour {
            Colour::Black => ((0, 0, 0), (235, 235, 235)),
            Colour::Blue => ((0, 114, 178), (86, 180, 233)),
            Colour::Vermillion => ((213, 94, 0), (240, 140, 70)),
            Colour::BluishGreen => ((0, 158, 115), (60, 200, 150)),
            Colour::ReddishPurple => ((190, 110, 170), (225, 160, 200)),
            Colour::Ochre => ((150, 120, 0), (240, 228, 66)),
            Colour::Orange => ((190, 125, 0), (240, 175, 40)),
            Colour::Grey => ((110, 110, 110), (165, 165, 165)),
            Colour::Brown => ((140, 85, 35), (205, 150, 100)),
        };
        let (r, g, b) = if self.dark { dark } else { light };
        Color32::from_rgb(r, g, b)
    }

    /// Color for errors and divergence messages.
    pub fn error_color(&self) -> Color32 {
        if self.dark {
            Color32::from_rgb(255, 110, 100)
        } else {
            Color32::from_rgb(190, 20, 20)
        }
    }

    /// The built model, or its error shown in the error colour (a view's results when its settings were
    /// refused).
    pub fn built<'a, M>(&self, ui: &mut egui::Ui, model: &'a Result<M, String>) -> Option<&'a M> {
        match model {
            Ok(m) => Some(m),
            Err(why) => {
                ui.colored_label(self.error_color(), why);
                None
            }
        }
    }

    /// The ring a lesson draws around the control the class should look at.
    pub fn focus_color(&self) -> Color32 {
        if self.dark {
            Color32::from_rgb(255, 200, 40)
        } else {
            Color32::from_rgb(205, 105, 0)
        }
    }

    /// Marks that belong to no run: a direction field, a best-response curve, an equilibrium, eigenvalues.
    pub fn neutral(&self) -> Color32 {
        Color32::from_gray(if self.dark { 220 } else { 40 })
    }

    /// The plot's background (egui's `extreme_bg_color`, which egui_plot fills plots with; a test checks
    /// they agree).
    pub fn plot_bg(&self) -> Color32 {
        Color32::from_gray(if self.dark { 10 } else { 255 })
    }

    /// `color` faded toward the plot's background by `strength` ∈ [0, 1] (1: the colour itself), opaque —
    /// but never below 3 : 1 against the background: a faint seed, an old stretch of a path or a direction
    /// field stays visible from a hall's back rows.
    pub fn fade(&self, color: Color32, strength: f32) -> Color32 {
        let bg = self.plot_bg();
        let mix = |t: f32| {
            let m = |a: u8, b: u8| (f32::from(b) + (f32::from(a) - f32::from(b)) * t).round() as u8;
            Color32::from_rgb(
                m(color.r(), bg.r()),
                m(color.g(), bg.g()),
                m(color.b(), bg.b()),
            )
        };
        let mut t = strength.clamp(0.0, 1.0);
        while t < 1.0 && contrast(mix(t), bg) < FADE_FLOOR {
            t = (t + 0.02).min(1.0);
        }
        mix(t)
    }

    /// The walls of a grid world, between the heat map's cells.
    pub fn wall(&self) -> Color32 {
        Color32::from_gray(if self.dark { 20 } else { 60 })
    }

    /// The see-through rim under a path drawn over a heat map, so that it reads on any cell.
    pub fn halo(&self) -> Color32 {
        self.plot_bg().gamma_multiply(0.45)
    }

    /// A title's backdrop laid over a plot (the stage's portraits): the plot's background, a little see-through.
    pub fn overlay(&self) -> Color32 {
        self.plot_bg().gamma_multiply(0.85)
    }

    /// Every colour a line, marker, bar or arrow is drawn in on a plot: each series, the neutral marks, the
    /// error (a threshold line), the ok and focus colours, and each of them faded as far as [`Look::fade`] goes.
    pub fn marks(&self) -> Vec<(String, Color32)> {
        let mut all: Vec<(String, Color32)> = Method::ALL
            .iter()
            .map(|&m| Series::Ihvp(m))
            .chain(SLOT_COLORS)
            .map(|s| (format!("{s:?}"), self.color(s)))
            .collect();
        all.extend([
            ("neutral".to_owned(), self.neutral()),
            ("error".to_owned(), self.error_color()),
            ("ok".to_owned(), self.ok_color()),
            ("focus".to_owned(), self.focus_color()),
        ]);
        let faded: Vec<(String, Color32)> = all
            .iter()
            .map(|(name, c)| (format!("{name}, faded"), self.fade(*c, 0.0)))
            .collect();
        all.extend(faded);
        all
    }

    /// Run slot (or panel) `k`'s dash: solid, long dashes, dots, short dashes — the slots differ in a
    /// grey-scale print and for a colour-blind eye, not by colour alone.
    pub fn dash(k: usize) -> egui_plot::LineStyle {
        use egui_plot::LineStyle;
        [
            LineStyle::Solid,
            LineStyle::Dashed { length: 14.0 },
            LineStyle::Dotted { spacing: 7.0 },
            LineStyle::Dashed { length: 5.0 },
        ][k % 4]
    }

    /// Run slot (or panel) `k`'s marker, for the same reason as [`Look::dash`].
    pub fn marker(k: usize) -> egui_plot::MarkerShape {
        use egui_plot::MarkerShape;
        [
            MarkerShape::Circle,
            MarkerShape::Square,
            MarkerShape::Diamond,
            MarkerShape::Up,
        ][k % 4]
    }

    /// Color for passed checks.
    pub fn ok_color(&self) -> Color32 {
        if self.dark {
            Color32::from_rgb(90, 210, 120)
        } else {
            Color32::from_rgb(0, 120, 50)
        }
    }
}

/// An area under or between lines (a spread over seeds, a quartile band): the line's colour, see-through.
/// Areas are not marks: the line that bounds or crosses them carries the contrast.
pub fn area(line: Color32) -> Color32 {
    line.gamma_multiply(0.18)
}

/// The least contrast a faded mark keeps against the plot (WCAG's 3 : 1 for graphics).
const FADE_FLOOR: f32 = 3.05;

/// Marks drawn on data (a heat map's cells: a grid world's goals, traps, path and policy arrows): white over a
/// black outline, so that one of the two stands out against any cell (white or black has ≥ 4.58 : 1 against
/// every colour).
pub const INK_ON_DATA: Color32 = Color32::WHITE;
/// The outline under [`INK_ON_DATA`].
pub const OUTLINE_ON_DATA: Color32 = Color32::BLACK;

/// A QR code's modules: black on white in either theme (what phone cameras read), with its quiet zone.
pub const QR_DARK: Color32 = Color32::BLACK;
/// The light modules and the quiet zone around a QR code.
pub const QR_LIGHT: Color32 = Color32::WHITE;

/// Text on a data cell: black or white, whichever has more contrast against the cell (a heat map's values).
pub fn ink_on(cell: Color32) -> Color32 {
    if contrast(Color32::BLACK, cell) >= contrast(Color32::WHITE, cell) {
        Color32::BLACK
    } else {
        Color32::WHITE
    }
}

/// Weak (hint, secondary) text in each theme: egui's default fades the text colour to under 3 : 1 against
/// the panel; these keep WCAG's 4.5 : 1 for small text (a test measures it), still a step below the body text.
const WEAK_TEXT: [(egui::Theme, Color32); 2] = [
    (egui::Theme::Light, Color32::from_gray(105)),
    (egui::Theme::Dark, Color32::from_gray(132)),
];

/// Makes the app's text legible from a hall's back rows in both themes (`WEAK_TEXT`).
pub fn legible(ctx: &egui::Context) {
    for (theme, weak) in WEAK_TEXT {
        ctx.style_mut_of(theme, |style| style.visuals.weak_text_color = Some(weak));
    }
}

/// WCAG's contrast ratio of two opaque colours, 1 (the same) to 21 (black on white).
pub fn contrast(a: Color32, b: Color32) -> f32 {
    let luminance = |c: Color32| {
        let lin = |v: u8| {
            let v = f32::from(v) / 255.0;
            if v <= 0.040_45 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
    };
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The Okabe–Ito colours (colour-blind safe) the app draws methods and dynamics in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Colour {
    Black,
    Blue,
    Vermillion,
    BluishGreen,
    ReddishPurple,
    Ochre,
    Orange,
    Grey,
    Brown,
}

/// The Okabe–Ito palette in the order IHVP methods take it.
const PALETTE: [Colour; 9] = [
    Colour::Black,
    Colour::Blue,
    Colour::Vermillion,
    Colour::BluishGreen,
    Colour::ReddishPurple,
    Colour::Ochre,
    Colour::Orange,
    Colour::Grey,
    Colour::Brown,
];

/// An IHVP method's colour, the same in every view: its place in `Method::ALL` picks it from the palette
/// (exact black, Nyström blue, CG vermillion, …; a test checks there are enough).
fn method_colour(method: Method) -> Colour {
    let i = Method::ALL.iter().position(|&m| m == method).unwrap_or(0);
    PALETTE[i % PALETTE.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Body, strong and weak (hint) text read at ≥ 4.5 : 1 against the panels and windows in both themes, and
    /// weak text stays weaker than body text; egui's own weak text does not (checked, so the fix stays needed).
    #[test]
    fn text_reads_at_four_and_a_half_to_one_in_both_themes() {
        let ctx = egui::Context::default();
        let egui_weak: Vec<f32> = [egui::Theme::Light, egui::Theme::Dark]
            .iter()
            .map(|&t| {
                let v = &ctx.style_of(t).visuals;
                contrast(v.panel_fill.blend(v.weak_text_color()), v.panel_fill)
            })
            .collect();
        assert!(egui_weak.iter().all(|&c| c < 4.5), "{egui_weak:?}");
        legible(&ctx);
        for theme in [egui::Theme::Light, egui::Theme::Dark] {
            let v = ctx.style_of(theme).visuals.clone();
            for bg in [v.panel_fill, v.window_fill] {
                for (what, text) in [
                    ("body", v.text_color()),
                    ("strong", v.strong_text_color()),
                    ("weak", v.weak_text_color()),
                ] {
                    let c = contrast(text, bg);
                    assert!(c >= 4.5, "{theme:?} {what} text: {c:.2} : 1");
                }
            }
            assert!(
                contrast(v.weak_text_color(), v.panel_fill)
                    < contrast(v.text_color(), v.panel_fill)
            );
        }
    }

    /// Every mark colour (each series, the neutral, error, ok and focus colours, and each faded as far as
    /// `fade` goes) has ≥ 3 : 1 against the plot background and the panel in both themes, where `plot_bg` is
    /// egui's; the slots' dashes and markers differ.
    #[test]
    fn every_mark_has_three_to_one_against_its_plot_in_both_themes() {
        let ctx = egui::Context::default();
        for (theme, dark) in [(egui::Theme::Light, false), (egui::Theme::Dark, true)] {
            let v = ctx.style_of(theme).visuals.clone();
            for projector in [false, true] {
                let look = Look { dark, projector };
                assert_eq!(look.plot_bg(), v.extreme_bg_color, "{theme:?}");
                let marks = look.marks();
                assert!(marks.len() >= 2 * (Method::ALL.len() + 9));
                for (name, c) in marks {
                    // Faded marks are drawn on plots only; the others also on panels (a legend's swatch).
                    let panel = if name.ends_with("faded") {
                        v.extreme_bg_color
                    } else {
                        v.panel_fill
                    };
                    for bg in [v.extreme_bg_color, panel] {
                        let ratio = contrast(c, bg);
                        assert!(
                            ratio >= 3.0,
                            "{theme:?}: {name} {c:?} on {bg:?}: {ratio:.2} : 1"
                        );
                    }
                }
            }
        }
        let dashes: std::collections::HashSet<String> =
            (0..4).map(|k| format!("{:?}", Look::dash(k))).collect();
        let markers: std::collections::HashSet<String> =
            (0..4).map(|k| format!("{:?}", Look::marker(k))).collect();
        assert_eq!((dashes.len(), markers.len()), (4, 4));
        // Marks and labels on data cells: white over a black outline, or black or white text by the cell.
        for k in 0..=40 {
            let cell = crate::app::widgets::colormap::viridis(k as f32 / 40.0);
            let outlined = contrast(INK_ON_DATA, cell).max(contrast(OUTLINE_ON_DATA, cell));
            assert!(
                outlined >= 4.5 && contrast(ink_on(cell), cell) >= 4.5,
                "{cell:?}"
            );
        }
        // Fading goes no further than the floor, and full strength is the colour itself.
        let look = Look {
            dark: false,
            projector: false,
        };
        let blue = look.color(Series::Stackelberg);
        assert_eq!(look.fade(blue, 1.0), blue);
        assert!(contrast(look.fade(blue, 0.0), look.plot_bg()) < 3.5);
    }

    /// Every IHVP method has its own colour, in both themes.
    #[test]
    fn every_method_has_its_own_colour() {
        assert!(
            PALETTE.len() >= Method::ALL.len(),
            "add a colour to PALETTE"
        );
        for dark in [false, true] {
            let look = Look {
                dark,
                projector: false,
            };
            let colours: std::collections::HashSet<_> = Method::ALL
                .iter()
                .map(|&m| look.color(Series::Ihvp(m)))
                .collect();
            assert_eq!(colours.len(), Method::ALL.len());
        }
    }
}

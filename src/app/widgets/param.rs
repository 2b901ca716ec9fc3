//! A labelled slider for one model parameter: symbol, what it is, unit, and the formula it enters in a
//! tooltip (so a student can hover and see where δ₁ goes).

use std::ops::RangeInclusive;

/// What a slider sets.
#[derive(Clone, Copy)]
pub struct Param<'a> {
    /// The symbol as the paper writes it, e.g. "δ₁".
    pub symbol: &'a str,
    /// Plain words, e.g. "actor step".
    pub what: &'a str,
    /// Unit suffix ("" when dimensionless).
    pub unit: &'a str,
    /// Where it enters, e.g. "θ ← θ + δ₁ ∂θf₁".
    pub formula: &'a str,
    /// Logarithmic slider.
    pub log: bool,
}

impl<'a> Param<'a> {
    /// A dimensionless parameter (most sliders): symbol, what it is, where it enters, log scale or not.
    pub fn new(symbol: &'a str, what: &'a str, formula: &'a str, log: bool) -> Self {
        Self {
            symbol,
            what,
            unit: "",
            formula,
            log,
        }
    }
}

impl Param<'_> {
    fn slider<'v, N: egui::emath::Numeric>(
        &self,
        ui: &egui::Ui,
        value: &'v mut N,
        range: RangeInclusive<N>,
    ) -> egui::Slider<'v> {
        self.bare(value, range).text(self.name(ui))
    }

    /// The slider without its text (`param_f64_above` writes it above).
    fn bare<'v, N: egui::emath::Numeric>(
        &self,
        value: &'v mut N,
        range: RangeInclusive<N>,
    ) -> egui::Slider<'v> {
        egui::Slider::new(value, range)
            .logarithmic(self.log)
            .suffix(self.unit)
            .clamping(egui::SliderClamping::Always)
    }

    /// The symbol and the words in `ui`'s body font, scripts laid out (`math`): "η_ρ  multiplier step".
    fn name(&self, ui: &egui::Ui) -> egui::text::LayoutJob {
        let text = format!("{}  {}", self.symbol, self.what);
        let font = egui::TextStyle::Body.resolve(ui.style());
        crate::app::widgets::math::job(&text, font, egui::Color32::PLACEHOLDER)
    }

    fn hint(&self) -> String {
        if self.unit.is_empty() {
            self.formula.to_owned()
        } else {
            format!("{}\nunit: {}", self.formula, self.unit.trim())
        }
    }
}

/// A float parameter; returns the slider's response (`changed()` when moved).
pub fn param_f64(
    ui: &mut egui::Ui,
    value: &mut f64,
    (lo, hi): (f64, f64),
    p: Param<'_>,
) -> egui::Response {
    let slider = p.slider(ui, value, lo..=hi).max_decimals(6);
    crate::app::widgets::math::hover(ui.add(slider), &p.hint())
}

/// A float parameter as a stage draws it: the symbol and words on a line, the slider and its value under them
/// (a projector's text is too large for both on one line).
pub fn param_f64_above(
    ui: &mut egui::Ui,
    value: &mut f64,
    (lo, hi): (f64, f64),
    p: Param<'_>,
) -> egui::Response {
    above(ui, p, |ui| ui.add(p.bare(value, lo..=hi).max_decimals(6)))
}

/// An integer parameter as a stage draws it (`param_f64_above`).
pub fn param_usize_above(
    ui: &mut egui::Ui,
    value: &mut usize,
    (lo, hi): (usize, usize),
    p: Param<'_>,
) -> egui::Response {
    above(ui, p, |ui| ui.add(p.bare(value, lo..=hi)))
}

fn above(
    ui: &mut egui::Ui,
    p: Param<'_>,
    slider: impl FnOnce(&mut egui::Ui) -> egui::Response,
) -> egui::Response {
    ui.vertical(|ui| {
        let label = ui.add(egui::Label::new(p.name(ui)).truncate());
        crate::app::widgets::math::hover(slider(ui), &p.hint()).labelled_by(label.id)
    })
    .inner
}

/// An integer parameter.
pub fn param_usize(
    ui: &mut egui::Ui,
    value: &mut usize,
    (lo, hi): (usize, usize),
    p: Param<'_>,
) -> egui::Response {
    crate::app::widgets::math::hover(ui.add(p.slider(ui, value, lo..=hi)), &p.hint())
}

/// How Nyström picks its columns: the sampling rule and whether each call draws fresh ones (the IHVP lab
/// and the playground share these two rows).
pub fn nystrom_columns_ui(
    ui: &mut egui::Ui,
    sampling: &mut crate::numerics::ihvp::spec::Sampling,
    draw: &mut crate::numerics::ihvp::spec::Draw,
) {
    use crate::numerics::ihvp::spec::{Draw, Sampling};
    ui.horizontal(|ui| {
        ui.selectable_value(sampling, Sampling::Uniform, "uniform columns");
        crate::app::widgets::math::hover(
            ui.selectable_value(sampling, Sampling::Diagonal, "∝ diag²"),
            "columns drawn with probability ∝ H_{jj}² (BLPO Thm 4.6)",
        );
    });
    ui.horizontal(|ui| {
        ui.selectable_value(draw, Draw::Fresh, "fresh per call")
            .on_hover_text("new column indices for every solve (Hataya & Yamada's code)");
        ui.selectable_value(draw, Draw::Fixed, "fixed columns")
            .on_hover_text("the same indices for every solve, from one seed (BLPO's code)");
    });
}

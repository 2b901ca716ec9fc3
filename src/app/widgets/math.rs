//! Sub- and superscripts in the text the app shows — lesson text, view labels, plot titles: `x_k`, `∇²_yy g`,
//! `P_π*`, `x_{k+1}`, `H^{-1}`, `(I − γP)^−T` are laid out as smaller runs, lowered or raised (egui's text
//! layout), not as the characters `_` and `^`.
//!
//! How far a script reaches:
//! - `_{…}` and `^{…}` (braced): everything up to the first `}`;
//! - unbraced: an optional sign (`-`, `−`, `–`, `+`), then a run of letters and digits (Greek too), then any
//!   `*` or `′` — so `∇²_yy g` is ∇² with `yy` below, `P_π*` is P with `π*` below, `10^-3` is 10 with `-3`
//!   above, and `y_k − y*` ends the script at the space;
//! - a `_` or `^` with nothing of that kind after it stays as written;
//! - `\_` and `\^` write the characters themselves, and so does anything between backticks (`` `dis_nested_ppo.py` ``
//!   is code, set in the monospace font).

use egui::text::LayoutJob;
use egui::{Align, FontFamily, FontId, TextFormat};

/// A piece of text and how it sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Run {
    Text(String),
    Sub(String),
    Sup(String),
    Code(String),
}

/// Scripts are set this much smaller than the text around them.
const SCRIPT: f32 = 0.72;

/// The runs of `text`, scripts and code taken apart (see the module's rules).
pub fn runs(text: &str) -> Vec<Run> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Run> = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    let flush = |plain: &mut String, out: &mut Vec<Run>| {
        if !plain.is_empty() {
            out.push(Run::Text(std::mem::take(plain)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let escaped = c == '\\' && matches!(chars.get(i + 1), Some('_' | '^' | '`'));
        let code = (c == '`')
            .then(|| chars[i + 1..].iter().position(|&d| d == '`'))
            .flatten();
        let script = matches!(c, '_' | '^')
            .then(|| script(&chars[i + 1..]))
            .flatten();
        if escaped {
            plain.push(chars[i + 1]);
            i += 2;
        } else if let Some(len) = code {
            flush(&mut plain, &mut out);
            out.push(Run::Code(chars[i + 1..i + 1 + len].iter().collect()));
            i += len + 2;
        } else if let Some((inner, len)) = script {
            flush(&mut plain, &mut out);
            out.push(if c == '_' {
                Run::Sub(inner)
            } else {
                Run::Sup(inner)
            });
            i += 1 + len;
        } else {
            plain.push(c);
            i += 1;
        }
    }
    flush(&mut plain, &mut out);
    out
}

/// The script after a `_` or `^`: its text and how many characters it took, or `None`.
fn script(after: &[char]) -> Option<(String, usize)> {
    if after.first() == Some(&'{') {
        let len = after.iter().position(|&c| c == '}')?;
        return Some((after[1..len].iter().collect(), len + 1));
    }
    let mut len = usize::from(matches!(after.first(), Some('-' | '−' | '–' | '+')));
    let word = after[len..]
        .iter()
        .take_while(|c| c.is_alphanumeric())
        .count();
    if word == 0 {
        return None;
    }
    len += word;
    len += after[len..]
        .iter()
        .take_while(|&&c| c == '*' || c == '′')
        .count();
    Some((after[..len].iter().collect(), len))
}

/// Appends `text` to `job` in `format`, its scripts smaller and lowered or raised, its code monospace.
pub fn append(job: &mut LayoutJob, text: &str, format: &TextFormat) {
    let size = format.font_id.size;
    let script = |valign| TextFormat {
        font_id: FontId::new(size * SCRIPT, format.font_id.family.clone()),
        valign,
        ..format.clone()
    };
    for run in runs(text) {
        let (part, f) = match run {
            Run::Text(t) => (t, format.clone()),
            Run::Code(t) => (
                t,
                TextFormat {
                    font_id: FontId::new(size * 0.95, FontFamily::Monospace),
                    ..format.clone()
                },
            ),
            Run::Sub(t) => (t, script(Align::BOTTOM)),
            Run::Sup(t) => (t, script(Align::TOP)),
        };
        job.append(&part, 0.0, f);
    }
}

/// `text` as a layout job in `font` and `color`, scripts laid out.
pub fn job(text: &str, font: FontId, color: egui::Color32) -> LayoutJob {
    let mut job = LayoutJob::default();
    append(&mut job, text, &TextFormat::simple(font, color));
    job
}

/// A label of `text` in the body font and the text colour, scripts laid out.
pub fn label(ui: &mut egui::Ui, text: &str) -> egui::Response {
    let font = egui::TextStyle::Body.resolve(ui.style());
    ui.label(job(text, font, ui.visuals().text_color()))
}

/// `response` with `text` as its hover text, scripts laid out (egui's `on_hover_text` shows the characters).
pub fn hover(response: egui::Response, text: &str) -> egui::Response {
    response.on_hover_ui(|ui| {
        label(ui, text);
    })
}

/// A heading-strength label (a plot's title), scripts laid out.
pub fn strong(ui: &mut egui::Ui, text: &str) -> egui::Response {
    let font = egui::TextStyle::Body.resolve(ui.style());
    ui.label(job(text, font, ui.visuals().strong_text_color()))
}

/// The characters as they read once laid out: scripts and code without their markers (what a test checks
/// for a `_` or `^` left over).
pub fn shown(text: &str) -> String {
    runs(text)
        .into_iter()
        .map(|r| match r {
            Run::Text(t) | Run::Sub(t) | Run::Sup(t) => t,
            Run::Code(_) => String::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Run::{Code, Sub, Sup, Text};
    use super::*;

    fn t(s: &str) -> Run {
        Text(s.to_owned())
    }

    #[test]
    fn scripts_reach_as_documented() {
        assert_eq!(runs("∇²_yy g"), vec![t("∇²"), Sub("yy".into()), t(" g")]);
        assert_eq!(runs("P_π*"), vec![t("P"), Sub("π*".into())]);
        assert_eq!(
            runs("x_{k+1} − x_k"),
            vec![t("x"), Sub("k+1".into()), t(" − x"), Sub("k".into())]
        );
        assert_eq!(runs("H^{-1}b"), vec![t("H"), Sup("-1".into()), t("b")]);
        assert_eq!(runs("(I − γP)^−T"), vec![t("(I − γP)"), Sup("−T".into())]);
        assert_eq!(
            runs("10^-3 and y*"),
            vec![t("10"), Sup("-3".into()), t(" and y*")]
        );
        assert_eq!(
            runs("∂_x f(x, y)"),
            vec![t("∂"), Sub("x".into()), t(" f(x, y)")]
        );
    }

    #[test]
    fn what_is_not_a_script_stays_as_written() {
        assert_eq!(runs("a _ b ^ c"), vec![t("a _ b ^ c")]);
        assert_eq!(
            runs("snake\\_case and 2\\^3"),
            vec![t("snake_case and 2^3")]
        );
        assert_eq!(
            runs("the authors' `dis_nested_ppo.py` file"),
            vec![
                t("the authors' "),
                Code("dis_nested_ppo.py".into()),
                t(" file")
            ]
        );
        assert_eq!(
            runs("an unclosed `tick and x_{open"),
            vec![t("an unclosed `tick and x_{open")]
        );
        assert_eq!(shown("`a_b` x_k ^2"), " xk 2");
    }

    #[test]
    fn a_job_lays_scripts_out_smaller_and_raised_or_lowered() {
        let job = job(
            "H^{-1} x_k",
            FontId::proportional(20.0),
            egui::Color32::WHITE,
        );
        let sizes: Vec<(f32, Align)> = job
            .sections
            .iter()
            .map(|s| (s.format.font_id.size, s.format.valign))
            .collect();
        assert_eq!(
            sizes,
            vec![
                (20.0, Align::BOTTOM),
                (20.0 * SCRIPT, Align::TOP),
                (20.0, Align::BOTTOM),
                (20.0 * SCRIPT, Align::BOTTOM),
            ]
        );
        assert_eq!(job.text, "H-1 xk");
    }
}

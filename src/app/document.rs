//! One document per view: a view's state, its link, its JSON export and a `bilevel-lab run` scenario are
//! the same thing. A document is the view's state in two halves (`scenario::document`): `{"kind":
//! "stackelberg", "run": {"actor_lr": 0.01, …}, "show": {"horizon": 50000, …, "step": 50000}}`; exports
//! add a `result`, which running ignores; a flat document (the halves merged) reads too. `bilevel-lab run`
//! opens the document's view headless, plays it as the app does until its numbers hold still, and prints
//! what the view shows; the app opens a document in its view.
//! A view's own document and export are made in `app::view` (the views use them; this module opens
//! views, so the views do not import it).

use std::time::Duration;

use serde_json::{Value, json};

use crate::app::view::View;
pub use crate::app::view::{document, export, kind_of};
use crate::app::{headless, views};
use crate::scenario::anchor::Anchor;
use crate::scenario::document::{flatten, in_its_half};
pub use crate::scenario::json::pretty;
use crate::scenario::query::to_query;
use crate::scenario::{VIEW_KINDS, ViewKind, view_kinds};

/// How long a document may play before `run` gives up.
pub const RUN_LIMIT: Duration = Duration::from_secs(600);

/// The kind of a document's `kind`.
fn kind_named(kind: &str) -> Option<&'static ViewKind> {
    VIEW_KINDS.iter().find(|k| k.kind == kind)
}

/// The link a document opens: its kind's view and its fields (both halves, or a flat document's) as link
/// parameters (`result` ignored).
pub fn link(text: &str) -> Result<Anchor, String> {
    read(text).map(|(anchor, _)| anchor)
}

/// A document's link, and its kind when it is written in halves (so errors can name the half).
fn read(text: &str) -> Result<(Anchor, Option<&'static ViewKind>), String> {
    crate::scenario::check_size(text, "document")?;
    let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(mut doc) = value else {
        return Err("a view's document is a JSON object".to_owned());
    };
    let kinds = view_kinds();
    let Some(Value::String(kind)) = doc.remove("kind") else {
        return Err(format!(
            "kind: missing (a view's document names one of {kinds})"
        ));
    };
    let kind = kind_named(&kind)
        .ok_or_else(|| format!("kind: `{kind}` is not a view (views: {kinds})"))?;
    doc.remove("result");
    let in_halves = doc.contains_key("run") || doc.contains_key("show");
    let flat = flatten(doc, kind.show)?;
    let anchor = Anchor::new(kind.anchor, to_query(&Value::Object(flat)));
    Ok((anchor, in_halves.then_some(kind)))
}

/// The document's view, with the document applied; errors name the field (in its half: `` `run.reg` ``).
pub fn open(text: &str) -> Result<(Box<dyn View>, Anchor), String> {
    let (anchor, halves) = read(text)?;
    let mut view = views::by_anchor(&anchor.view)?;
    view.apply_query(&anchor.query).map_err(|e| match halves {
        Some(kind) => in_its_half(kind.show, &e),
        None => e.replace("URL parameter ", ""),
    })?;
    Ok((view, anchor))
}

/// Plays a document headless, as the app would show it; returns `{"kind", "view": <the view's numbers>}`
/// (the `view` object of the page's status).
pub fn run(text: &str) -> Result<Value, String> {
    let (view, _) = open(text)?;
    let kind = kind_of(view.anchor()).map_or("", |k| k.kind);
    let (report, _) = headless::play(view, RUN_LIMIT)?;
    Ok(json!({"kind": kind, "view": Value::Object(report.values)}))
}

/// Whether a JSON text is a view's document (its `kind` is a view's), for the CLI to choose a runner.
pub fn is_document(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("kind").and_then(Value::as_str).map(str::to_owned))
        .is_some_and(|k| kind_named(&k).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each view from a link, played headless: its document, run as `bilevel-lab run` runs it, shows the
    /// same numbers.
    #[test]
    fn each_views_document_reproduces_its_numbers() {
        for link in [
            "#stackelberg?step=3000&reg=0.1",
            "#playground?problem=quadratic&step=300&runs.1.ihvp=cg&alpha=0.1",
            "#ihvp?size=12&alpha=0.5&rank=4",
            "#soft_rl?stop_at=40&tau=0.5",
            "#control?stop_at=3&step=2&ppo.hidden=8&ppo.steps=16&ppo.envs=2&learners.1.blpo.critic_steps=2&learners.1.blpo.rank=3&learners.2.on=true&learners.2.blpo.diagnose=true",
        ] {
            let anchor = Anchor::parse(link).expect("parses");
            let mut view = views::all()
                .into_iter()
                .find(|v| v.anchor() == anchor.view)
                .expect("a view");
            view.apply_query(&anchor.query).expect("applies");
            let mut player = headless::StepPlayer::new(view);
            let shown = loop {
                if let Some(report) = player.advance(RUN_LIMIT).expect("plays") {
                    break report;
                }
            };
            let doc = document(player.view()).expect("a document");
            assert_eq!(
                doc["kind"],
                kind_of(&anchor.view).map_or("", |k| k.kind),
                "{link}"
            );
            let mut exported = doc.clone();
            exported["result"] = json!({"anything": [1, 2]});
            assert!(is_document(&exported.to_string()));
            let out = run(&exported.to_string()).unwrap_or_else(|e| panic!("{link}: {e}\n{doc}"));
            assert_eq!(out["view"], Value::Object(shown.values), "{link}: {doc}");
        }
    }

    /// `pretty` text reads back as the same value; without arrays of plain values it is serde_json's
    /// pretty text, character for character; with them, each such array is one line.
    #[test]
    fn pretty_text_reads_back_and_keeps_plain_arrays_on_a_line() {
        let nested = json!({
            "kind": "x", "quote": "a \"b\"\n\\", "n": -3, "big": u64::MAX, "f": 3.0, "tiny": 1e-20, "huge": 2e300,
            "none": null, "yes": true, "empty": {}, "list": [], "deep": {"a": {"b": -0.5}},
        });
        assert_eq!(
            pretty(&nested),
            serde_json::to_string_pretty(&nested).unwrap_or_default()
        );
        let arrays = json!({
            "runs": [{"phi": [1.5, "NaN", 2e300, -7], "label": "GD"}, {"phi": [], "m": [[1, 2], [3, 4]]}],
            "x": [0.1, 0.2], "empty": [[]],
        });
        for v in [&nested, &arrays] {
            let back: Value = serde_json::from_str(&pretty(v)).unwrap_or_default();
            assert_eq!(&back, v);
        }
        let text = pretty(&arrays);
        for line in [
            "\"phi\": [1.5, \"NaN\", 2e+300, -7]",
            "\"x\": [0.1, 0.2]",
            "[1, 2],",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }

    #[test]
    fn bad_documents_name_the_field() {
        let e = link(r#"{"kind": "nowhere"}"#).expect_err("no such view");
        assert!(e.contains("`nowhere`") && e.contains("ihvp_lab"), "{e}");
        let e = link(r#"[1]"#).expect_err("not an object");
        assert!(e.contains("object"), "{e}");
        let e = open(r#"{"kind": "stackelberg", "reg": 7}"#)
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("`reg`") && e.contains("0..=1"), "{e}");
        let e = open(r#"{"kind": "playground", "bogus": 1}"#)
            .err()
            .unwrap_or_default();
        assert!(e.contains("`bogus`"), "{e}");
        // In halves, an error names the half too.
        let e = open(r#"{"kind": "stackelberg", "run": {"reg": 7}, "show": {"step": 10}}"#)
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("`run.reg`") && e.contains("0..=1"), "{e}");
        let e = open(r#"{"kind": "playground", "run": {"runs": [{}, {"ihvp": "nope"}]}}"#)
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("`run.runs.1.ihvp`"), "{e}");
        let e = link(r#"{"kind": "soft_rl", "run": {"stop_at": 5}}"#).expect_err("wrong half");
        assert_eq!(e, "run.stop_at: belongs in show");
    }
}

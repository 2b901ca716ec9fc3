//! A view's document in two halves: `{"kind": …, "run": {…}, "show": {…}}`. `run` is everything that
//! decides the numbers the view computes at a given step (problem, methods, rates, seeds); `show` is
//! how far and how fast they are played and what is drawn (`stop_at`, `steps_per_frame`, the learner or
//! section shown, and a link's `step`). A view's state is one serde struct; [`Document::SHOW`] names its
//! `show` fields, so each parameter is written once. The halves are what a model is rebuilt on
//! ([`Document::run_key`]); a link keeps the flat form (`#playground?outer_lr=0.1&stop_at=300`), and a
//! flat document (as saved before the halves) still reads.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::query::Validate;

/// A view's state as a document.
pub trait Document: Serialize + DeserializeOwned + Default + Validate {
    /// The document's `kind`.
    const KIND: &'static str;
    /// The view's anchor (`#anchor` in links); it differs from the kind where the CLI already had the
    /// kind's name (`ihvp` is one IHVP, `control` one learner).
    const ANCHOR: &'static str;
    /// The top-level fields of the `show` half; every other field is `run`.
    const SHOW: &'static [&'static str];

    /// What the view's model is rebuilt on: the `run` half (a view may leave out more, e.g. the
    /// settings of learners that are switched off).
    fn run_key(&self) -> Value {
        run_half(self, Self::SHOW)
    }
}

/// Whether a top-level field belongs in `show`: one of the kind's `show` fields, or a link's `step`.
pub fn in_show(show: &[&str], key: &str) -> bool {
    show.contains(&key) || key == "step"
}

/// A link's error about a document's field, named in its half: "URL parameter `reg`: …" becomes
/// "`run.reg`: …".
pub fn in_its_half(show: &[&str], error: &str) -> String {
    let e = error.replace("URL parameter ", "");
    match e.strip_prefix('`').and_then(|r| r.split_once('`')) {
        Some((field, rest)) => {
            let top = field.split('.').next().unwrap_or_default();
            let half = if in_show(show, top) { "show" } else { "run" };
            format!("`{half}.{field}`{rest}")
        }
        None => e,
    }
}

/// A state's `run` half as a value (`Null` if it does not serialize to an object).
pub fn run_half(state: &impl Serialize, show: &[&str]) -> Value {
    match serde_json::to_value(state) {
        Ok(Value::Object(flat)) => Value::Object(split(flat, show).0),
        _ => Value::Null,
    }
}

/// Splits a flat state into its `run` and `show` halves ([`in_show`]).
pub fn split(flat: Map<String, Value>, show: &[&str]) -> (Map<String, Value>, Map<String, Value>) {
    flat.into_iter().partition(|(key, _)| !in_show(show, key))
}

/// The document of a flat state: `{"kind", "run", "show"}`.
pub fn halves(kind: &str, flat: Map<String, Value>, show: &[&str]) -> Value {
    let (run, show) = split(flat, show);
    json!({"kind": kind, "run": run, "show": show})
}

/// A document's fields as one flat object (its halves merged; a flat document as it is). A field in the
/// wrong half is an error naming it (`run.stop_at: belongs in show`), so a field is never written twice.
pub fn flatten(mut doc: Map<String, Value>, show: &[&str]) -> Result<Map<String, Value>, String> {
    if !doc.contains_key("run") && !doc.contains_key("show") {
        return Ok(doc);
    }
    let mut flat = Map::new();
    for (half, wants_show) in [("run", false), ("show", true)] {
        let fields = match doc.remove(half) {
            None => Map::new(),
            Some(Value::Object(fields)) => fields,
            Some(other) => return Err(format!("{half}: must be an object, got {other}")),
        };
        for (key, value) in fields {
            if in_show(show, &key) != wants_show {
                let other = if wants_show { "run" } else { "show" };
                return Err(format!("{half}.{key}: belongs in {other}"));
            }
            flat.insert(key, value);
        }
    }
    if let Some(key) = doc.keys().next() {
        return Err(format!(
            "{key}: a document with `run` and `show` has its fields inside them"
        ));
    }
    Ok(flat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::VIEW_KINDS;

    fn object(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn halves_read_back_and_fields_in_the_wrong_half_are_named() {
        let show = &["stop_at"];
        let flat = object(json!({"outer_lr": 0.1, "stop_at": 300, "step": 5}));
        let doc = halves("playground", flat.clone(), show);
        assert_eq!(
            doc,
            json!({"kind": "playground", "run": {"outer_lr": 0.1}, "show": {"stop_at": 300, "step": 5}})
        );
        let mut doc = object(doc);
        doc.remove("kind");
        assert_eq!(flatten(doc, show), Ok(flat.clone()));
        assert_eq!(flatten(flat.clone(), show), Ok(flat));
        let e = flatten(object(json!({"run": {"stop_at": 3}})), show);
        assert_eq!(e, Err("run.stop_at: belongs in show".to_owned()));
        let e = flatten(object(json!({"show": {"outer_lr": 3}})), show);
        assert_eq!(e, Err("show.outer_lr: belongs in run".to_owned()));
        let e = flatten(object(json!({"run": {}, "outer_lr": 3})), show).unwrap_err();
        assert!(e.starts_with("outer_lr: "), "{e}");
        let e = flatten(object(json!({"run": [1]})), show).unwrap_err();
        assert!(e.starts_with("run: must be an object"), "{e}");
    }

    /// Every `show` field is a field of its state, and docs/scenarios.md's table lists each kind's.
    #[test]
    fn every_show_field_is_a_field_of_its_state_and_documented() {
        let docs = include_str!("../../docs/scenarios.md");
        for kind in VIEW_KINDS {
            let fields = (kind.fields)();
            for word in ["kind", "run", "show", "result", "step"] {
                assert!(
                    !fields.contains(&word.to_owned()),
                    "{}: a field named {word}",
                    kind.kind
                );
            }
            let row = docs
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` | `#{}` |", kind.kind, kind.anchor)))
                .unwrap_or_else(|| panic!("{} not in docs/scenarios.md", kind.kind));
            for field in kind.show {
                assert!(
                    fields.contains(&(*field).to_owned()),
                    "{}.{field}",
                    kind.kind
                );
                assert!(row.contains(&format!("`{field}`")), "{field} in {row}");
            }
            let listed = row.split('|').nth(3).unwrap_or_default();
            assert_eq!(
                listed
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .filter(|f| fields.contains(&(*f).to_owned()))
                    .count(),
                kind.show.len(),
                "{row}"
            );
        }
    }
}

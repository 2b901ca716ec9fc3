//! Scenarios: one JSON document per run, shared by the CLI, the views' saved documents and their links (a
//! view's state is a serde struct here; its link is the same struct as URL query pairs, `query`). Parsing
//! rejects unknown keys and names the offending field by its JSON path and allowed range. See
//! `docs/scenarios.md` for every kind.

pub mod anchor;
pub mod bilevel;
pub mod control;
pub mod control_lab;
pub mod control_record;
pub mod document;
pub mod env;
pub mod game;
pub mod ihvp;
pub mod ihvp_knobs;
pub mod ihvp_lab;
pub mod ihvp_study;
pub mod json;
pub mod playground;
pub mod presets;
pub mod query;
pub mod ranges;
pub mod soft_mdp;
pub mod soft_rl;
pub mod stackelberg;

use serde::de::DeserializeOwned;
use serde_json::Value;

use document::Document;

/// The kinds `"kind"` may name.
pub const KINDS: &[&str] = &[
    "ihvp",
    "ihvp_study",
    "bilevel",
    "game",
    "soft_mdp",
    "env",
    "control",
];

/// A view's document kind: its name, the view's anchor and the fields of its `show` half (`document`).
pub struct ViewKind {
    pub kind: &'static str,
    pub anchor: &'static str,
    pub show: &'static [&'static str],
    /// The state's top-level fields (for checks).
    pub fields: fn() -> Vec<String>,
}

const fn view_kind<D: Document>() -> ViewKind {
    ViewKind {
        kind: D::KIND,
        anchor: D::ANCHOR,
        show: D::SHOW,
        fields: fields_of::<D>,
    }
}

fn fields_of<D: Document>() -> Vec<String> {
    match serde_json::to_value(D::default()) {
        Ok(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The kinds of the views' documents (a view's state as a scenario: `document`, which the CLI runs with
/// the view itself).
pub const VIEW_KINDS: &[ViewKind] = &[
    view_kind::<stackelberg::StackelbergState>(),
    view_kind::<playground::PlaygroundState>(),
    view_kind::<ihvp_lab::IhvpLabState>(),
    view_kind::<soft_rl::SoftRlState>(),
    view_kind::<control_lab::ControlLabState>(),
];

/// The views' document kinds, comma-separated (for messages).
pub fn view_kinds() -> String {
    VIEW_KINDS
        .iter()
        .map(|k| k.kind)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every scenario kind.
#[derive(Debug)]
pub enum Scenario {
    Ihvp(ihvp::IhvpScenario),
    Bilevel(Box<bilevel::BilevelScenario>),
    Game(game::GameScenario),
    IhvpStudy(Box<ihvp_study::StudyScenario>),
    SoftMdp(Box<soft_mdp::SoftMdpScenario>),
    Env(env::EnvScenario),
    Control(Box<control::ControlScenario>),
}

/// Parses and validates a scenario; the error is one line starting with the JSON path.
/// (`kind` is read by hand: an internally tagged enum would make serde buffer the document and lose
/// the paths of nested errors.)
pub fn parse(text: &str) -> Result<Scenario, String> {
    parse_unescaped(text).map_err(one_line)
}

fn parse_unescaped(text: &str) -> Result<Scenario, String> {
    check_size(text, "scenario")?;
    let mut value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let object = value
        .as_object_mut()
        .ok_or("the scenario must be a JSON object")?;
    let kind = match object.remove("kind") {
        Some(Value::String(kind)) => kind,
        Some(other) => {
            return Err(format!(
                "kind: must be a string (one of {}), got {other}",
                KINDS.join(", ")
            ));
        }
        None => return Err(format!("kind: missing (one of {})", KINDS.join(", "))),
    };
    let scenario = match kind.as_str() {
        "ihvp" => Scenario::Ihvp(typed(value)?),
        "bilevel" => Scenario::Bilevel(Box::new(typed(value)?)),
        "game" => Scenario::Game(typed(value)?),
        "ihvp_study" => {
            ihvp_study::fill_alphas(&mut value);
            Scenario::IhvpStudy(Box::new(typed(value)?))
        }
        "soft_mdp" => Scenario::SoftMdp(Box::new(typed(value)?)),
        "env" => Scenario::Env(typed(value)?),
        "control" => Scenario::Control(Box::new(typed(value)?)),
        other => {
            return Err(format!(
                "kind: must be one of {}, or a view's {}, got `{other}`",
                KINDS.join(", "),
                view_kinds()
            ));
        }
    };
    match &scenario {
        Scenario::Ihvp(s) => s.validate()?,
        Scenario::Bilevel(s) => s.validate()?,
        Scenario::Game(s) => s.validate()?,
        Scenario::IhvpStudy(s) => s.validate()?,
        Scenario::SoftMdp(s) => s.validate()?,
        Scenario::Env(s) => s.validate()?,
        Scenario::Control(s) => s.validate()?,
    }
    Ok(scenario)
}

/// The most text a scenario, a view's document, a pasted matrix or problem, or a lesson file may have:
/// far above any hand-written one (a 128 × 128 matrix is ~0.3 MiB), low enough that a wrong file (a video,
/// a dataset) is refused at once instead of being parsed for seconds.
pub const MAX_TEXT_BYTES: usize = 4 << 20;

/// Refuses text over [`MAX_TEXT_BYTES`], naming what it is.
pub fn check_size(text: &str, what: &str) -> Result<(), String> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(format!(
            "{what}: {:.1} MiB is more than the {} MiB a text input may have",
            text.len() as f64 / f64::from(1 << 20),
            MAX_TEXT_BYTES >> 20
        ));
    }
    Ok(())
}

/// An error message on one line: control characters that a user's text brought into it (a newline
/// inside a quoted value) are escaped.
pub fn one_line(message: impl Into<String>) -> String {
    message
        .into()
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// `value` as a `T`; the error starts with the JSON path of the offending field (a missing field's own
/// name: `steps: missing`, `algorithm.outer_lr: missing`).
pub(crate) fn typed<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = one_line(e.into_inner().to_string());
        let at = if path == "." || path.is_empty() {
            String::new()
        } else {
            format!("{path}.")
        };
        match inner
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
        {
            Some((field, rest)) => format!("{at}{field}: missing{rest}"),
            None if at.is_empty() => inner,
            None => format!("{path}: {inner}"),
        }
    })
}

/// Runs a parsed scenario and returns the result document.
pub fn run(scenario: &Scenario) -> Value {
    match scenario {
        Scenario::Ihvp(s) => s.run(),
        Scenario::Bilevel(s) => s.run(),
        Scenario::Game(s) => s.run(),
        Scenario::IhvpStudy(s) => s.run(),
        Scenario::SoftMdp(s) => s.run(),
        Scenario::Env(s) => s.run(),
        Scenario::Control(s) => s.run(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::ihvp::spec::Method;

    /// Every IHVP method is listed everywhere methods are listed: the IHVP lab (optional ones switched
    /// on; all are scored against the exact solve), the playground's runs, the CLI's `ihvp` kind and its
    /// documentation.
    #[test]
    fn every_ihvp_method_is_in_every_list() {
        let lab = ihvp_lab::IhvpLabState {
            identity: true,
            pcg: true,
            cg_unguarded: true,
            stochastic_neumann: true,
            ..ihvp_lab::IhvpLabState::default()
        };
        let in_lab: Vec<Method> = lab.methods().iter().map(|s| s.method()).collect();
        let docs = include_str!("../../docs/scenarios.md");
        let mut specs = Vec::new();
        for m in Method::ALL {
            assert!(
                m == Method::Exact || in_lab.contains(&m),
                "{m:?} not in the IHVP lab"
            );
            let query = [
                ("runs.1.algorithm".to_owned(), "double_loop".to_owned()),
                ("runs.1.ihvp".to_owned(), m.name().to_owned()),
                ("alpha".to_owned(), "0.1".to_owned()),
            ];
            let state: playground::PlaygroundState = query::from_query(&query)
                .unwrap_or_else(|e| panic!("{m:?} in the playground: {e}"));
            assert_eq!(state.runs[1].ihvp, m);
            specs.push(serde_json::to_value(state.ihvp(m, 3)).expect("serializes"));
            assert!(
                docs.contains(&format!("| `{}` |", m.name())),
                "{m:?} not in docs/scenarios.md"
            );
        }
        let doc = serde_json::json!({
            "kind": "ihvp", "hessian": [[4, 1, 0], [1, 3, 0.5], [0, 0.5, 2]], "rhs": [1, 2, 3],
            "methods": specs,
        });
        let scenario = parse(&doc.to_string()).expect("the CLI takes every method");
        let out = run(&scenario);
        let names: Vec<&str> = out["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter_map(|r| r["method"].as_str())
            .collect();
        let all: Vec<&str> = Method::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names, all);
    }
}

//! A view's presets are documents: `assets/presets/<kind>.json` is a list of `{"name", "hint", "run",
//! "show"}`, each half naming only what differs from the view's defaults. A preset is read the way a link is
//! (`document::flatten`, then `query::from_query`), so a field in the wrong half, an unknown field or a value
//! out of range is an error naming the preset and the field; a test reads every view's list.

use serde_json::{Map, Value};

use super::document::{Document, flatten, in_its_half};
use super::query::{from_query, to_query};

/// A named starting state of a view, with a one-line hint.
#[derive(Clone, Debug)]
pub struct Preset<S> {
    pub name: String,
    pub hint: String,
    pub state: S,
}

/// Reads a view's list of presets (the text of `assets/presets/<kind>.json`).
pub fn read<S: Document>(text: &str) -> Result<Vec<Preset<S>>, String> {
    let entries: Vec<Map<String, Value>> =
        serde_json::from_str(text).map_err(|e| format!("presets of `{}`: {e}", S::KIND))?;
    entries
        .into_iter()
        .enumerate()
        .map(|(i, mut entry)| {
            let mut text = |key: &str| match entry.remove(key) {
                Some(Value::String(s)) => Ok(s),
                _ => Err(format!(
                    "presets of `{}`, entry {i}: `{key}` must be a string",
                    S::KIND
                )),
            };
            let (name, hint) = (text("name")?, text("hint")?);
            let state = flatten(entry, S::SHOW)
                .and_then(|flat| {
                    from_query(&to_query(&Value::Object(flat)))
                        .map_err(|e| in_its_half(S::SHOW, &e))
                })
                .map_err(|e| format!("preset `{name}` of `{}`: {e}", S::KIND))?;
            Ok(Preset { name, hint, state })
        })
        .collect()
}

/// The preset whose name starts with `prefix` (the welcome page's links and the presets' claims name them).
pub fn named<'a, S>(presets: &'a [Preset<S>], prefix: &str) -> Option<&'a Preset<S>> {
    presets.iter().find(|p| p.name.starts_with(prefix))
}

/// `pub fn presets()`: the view's presets, read once from `assets/presets/<kind>.json`
/// (`Result<&'static [Preset<State>], &'static str>`; the error names the preset and the field).
macro_rules! presets {
    ($state:ty, $kind:literal) => {
        /// The view's presets (`assets/presets/`), read once.
        pub fn presets()
        -> Result<&'static [$crate::scenario::presets::Preset<$state>], &'static str> {
            type List = Result<Vec<$crate::scenario::presets::Preset<$state>>, String>;
            static LIST: std::sync::OnceLock<List> = std::sync::OnceLock::new();
            const TEXT: &str = include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/assets/presets/",
                $kind,
                ".json"
            ));
            LIST.get_or_init(|| $crate::scenario::presets::read(TEXT))
                .as_deref()
                .map_err(String::as_str)
        }
    };
}
pub(crate) use presets;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{control_lab, ihvp_lab, playground, soft_rl, stackelberg};

    /// Every preset validates, has a name of its own and comes back unchanged from its own link.
    fn check<S: Document + Clone + PartialEq + std::fmt::Debug>(
        presets: Result<&[Preset<S>], &str>,
    ) {
        let presets = presets.unwrap();
        assert!(presets.len() >= 4, "{}", S::KIND);
        for (i, p) in presets.iter().enumerate() {
            assert_eq!(p.state.validate(), Ok(()), "{}", p.name);
            assert_eq!(
                from_query(&to_query(&p.state)),
                Ok(p.state.clone()),
                "{}",
                p.name
            );
            assert!(presets[..i].iter().all(|q| q.name != p.name), "{}", p.name);
        }
    }

    #[test]
    fn every_views_presets_read_and_round_trip_through_links() {
        check(stackelberg::presets());
        check(ihvp_lab::presets());
        check(playground::presets());
        check(soft_rl::presets());
        check(control_lab::presets());
    }

    #[test]
    fn a_bad_preset_is_named_with_its_field() {
        let bad =
            r#"[{"name": "ok", "hint": "h"}, {"name": "bad", "hint": "h", "run": {"reg": 7}}]"#;
        let e = read::<stackelberg::StackelbergState>(bad).unwrap_err();
        assert!(
            e.starts_with("preset `bad` of `stackelberg`: `run.reg`: must be in 0..=1"),
            "{e}"
        );
        let e = read::<stackelberg::StackelbergState>(
            r#"[{"name": "x", "hint": "h", "run": {"horizon": 5}}]"#,
        )
        .unwrap_err();
        assert!(e.contains("run.horizon: belongs in show"), "{e}");
        let e = read::<stackelberg::StackelbergState>(r#"[{"hint": "h"}]"#).unwrap_err();
        assert!(e.contains("entry 0: `name` must be a string"), "{e}");
    }
}

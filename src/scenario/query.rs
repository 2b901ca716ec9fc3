//! A view's state ⇄ URL query pairs, for any serde struct: nested objects become dotted keys
//! (`panels.0.rule=stackelberg`), lists of numbers comma-separated values (`start=-1,1`), lists of lists
//! `;`-separated rows (`extra_starts=0.5,0.2;-0.3,0.4`). Parsing is typed by the struct's defaults, starts
//! from them (a link names only what it changes), and reports the first bad parameter by name.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

/// A state that can check its own ranges, naming the field in its error.
pub trait Validate {
    fn validate(&self) -> Result<(), String>;
}

/// `Ok` when `v` is finite and in lo..=hi, else an error naming the field and the range (for `Validate`).
pub fn check_f64(name: &str, v: f64, (lo, hi): (f64, f64)) -> Result<(), String> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!("`{name}`: must be in {lo}..={hi}, got {v}"))
    }
}

/// `Ok` when `v` is in lo..=hi, else an error naming the field and the range (for `Validate`).
pub fn check_usize(name: &str, v: usize, (lo, hi): (usize, usize)) -> Result<(), String> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!("`{name}`: must be in {lo}..={hi}, got {v}"))
    }
}

/// The state as `key=value` pairs, in the struct's field order.
pub fn to_query<T: Serialize>(state: &T) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(state) {
        flatten("", &value, &mut out);
    }
    out
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&key(k), v, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&key(&i.to_string()), v, out);
            }
        }
        other => out.push((prefix.to_owned(), scalar_text(other))),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let sep = if items.iter().any(Value::is_array) {
                ";"
            } else {
                ","
            };
            items.iter().map(scalar_text).collect::<Vec<_>>().join(sep)
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Reads a state from query pairs on top of `T::default()`, then validates it. Errors name the URL
/// parameter: ``URL parameter `reg`: must be a number, got `abc` ``.
pub fn from_query<T>(query: &[(String, String)]) -> Result<T, String>
where
    T: Serialize + DeserializeOwned + Default + Validate,
{
    let mut value =
        serde_json::to_value(T::default()).map_err(|e| format!("default state: {e}"))?;
    for (key, text) in query {
        let slot = locate(&mut value, key).ok_or_else(|| {
            let known: Vec<String> = to_query(&T::default())
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            // A key or value is echoed escaped, so a stray newline cannot split the one-line message.
            format!(
                "URL parameter `{}`: unknown (allowed: {})",
                key.escape_debug(),
                known.join(", ")
            )
        })?;
        *slot = parse_like(slot, text).map_err(|e| {
            let (key, text) = (key.escape_debug(), text.escape_debug());
            format!("URL parameter `{key}`: {e}, got `{text}`")
        })?;
    }
    let state: T = serde_path_to_error::deserialize(value).map_err(|e| {
        // serde writes `panels[2].rule`; the link's key is `panels.2.rule`.
        let path = e.path().to_string().replace('[', ".").replace(']', "");
        format!("URL parameter `{path}`: {}", e.into_inner())
    })?;
    state.validate().map_err(|e| format!("URL parameter {e}"))?;
    Ok(state)
}

fn locate<'a>(value: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    let mut node = value;
    for part in key.split('.') {
        node = match node {
            Value::Object(map) => map.get_mut(part)?,
            Value::Array(items) if items.iter().any(Value::is_object) => {
                items.get_mut(part.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
    }
    (!node.is_object()).then_some(node)
}

/// Parses `text` as a value of the same shape as `like`.
fn parse_like(like: &Value, text: &str) -> Result<Value, String> {
    let text = text.trim();
    match like {
        Value::Bool(_) => match text {
            "true" | "1" => Ok(Value::Bool(true)),
            "false" | "0" => Ok(Value::Bool(false)),
            _ => Err("must be true or false".to_owned()),
        },
        Value::Number(_) => number(text),
        Value::String(_) => Ok(Value::String(text.to_owned())),
        Value::Array(items) => {
            let nested = items.first().is_some_and(Value::is_array) || text.contains(';');
            let parts = text
                .split(if nested { ';' } else { ',' })
                .filter(|p| !p.is_empty());
            if nested {
                parts
                    .map(|row| parse_like(&Value::Array(vec![]), row))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            } else {
                parts
                    .map(number)
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
        }
        Value::Null | Value::Object(_) => Err("cannot be set from a link".to_owned()),
    }
}

fn number(text: &str) -> Result<Value, String> {
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Value::Number(i.into()));
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| "must be a finite number".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Inner {
        on: bool,
        name: String,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct State {
        rate: f64,
        count: usize,
        start: [f64; 2],
        extra: Vec<[f64; 2]>,
        panels: [Inner; 2],
    }

    impl Default for State {
        fn default() -> Self {
            Self {
                rate: 0.01,
                count: 3,
                start: [-1.0, 1.0],
                extra: vec![],
                panels: [
                    Inner {
                        on: false,
                        name: "a".into(),
                    },
                    Inner {
                        on: true,
                        name: "b".into(),
                    },
                ],
            }
        }
    }

    impl Validate for State {
        fn validate(&self) -> Result<(), String> {
            if self.count > 10 {
                return Err(format!("`count`: must be in 0..=10, got {}", self.count));
            }
            Ok(())
        }
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn round_trips_every_shape() {
        let state = State {
            rate: 0.1 + 0.2,
            count: 7,
            start: [0.25, -0.5],
            extra: vec![[0.5, 0.2], [-0.3, 0.4]],
            panels: [
                Inner {
                    on: true,
                    name: "x".into(),
                },
                Inner {
                    on: false,
                    name: "12".into(),
                },
            ],
        };
        let query = to_query(&state);
        assert!(
            query.contains(&("extra".into(), "0.5,0.2;-0.3,0.4".into())),
            "{query:?}"
        );
        assert!(
            query.contains(&("panels.1.name".into(), "12".into())),
            "{query:?}"
        );
        assert_eq!(from_query::<State>(&query), Ok(state));
        assert_eq!(from_query::<State>(&[]), Ok(State::default()));
        let partial = from_query::<State>(&q(&[("count", "2")]));
        assert_eq!(partial.map(|s| (s.count, s.rate)), Ok((2, 0.01)));
    }

    #[test]
    fn errors_name_the_parameter() {
        let err = |pairs: &[(&str, &str)]| from_query::<State>(&q(pairs)).err().unwrap_or_default();
        let e = err(&[("rate", "abc")]);
        assert!(
            e.contains("`rate`") && e.contains("number") && e.contains("`abc`"),
            "{e}"
        );
        let e = err(&[("nope", "1")]);
        assert!(e.contains("`nope`") && e.contains("panels.0.on"), "{e}");
        let e = err(&[("count", "11")]);
        assert!(e.contains("`count`") && e.contains("0..=10"), "{e}");
        let e = err(&[("count", "-1")]);
        assert!(e.contains("`count`"), "{e}");
        let e = err(&[("start", "1,2,3")]);
        assert!(e.contains("`start`"), "{e}");
        let e = err(&[("panels.0.on", "maybe")]);
        assert!(
            e.contains("`panels.0.on`") && e.contains("true or false"),
            "{e}"
        );
        let e = err(&[("panels.5.on", "true")]);
        assert!(e.contains("`panels.5.on`"), "{e}");
        let e = err(&[("rate", "NaN")]);
        assert!(e.contains("finite"), "{e}");
        // A newline in a key or a value is echoed escaped: the message stays one line.
        let e = err(&[("no\npe", "1")]);
        assert!(e.contains(r"`no\npe`") && !e.contains('\n'), "{e}");
        let e = err(&[("rate", "1\n2")]);
        assert!(e.contains(r"`1\n2`") && !e.contains('\n'), "{e}");
    }
}

//! JSON helpers: matrices from nested arrays (with their paths in errors), and numbers written so that
//! non-finite values survive as the strings "NaN", "Infinity", "-Infinity".

use nalgebra::{DMatrix, DVector};
use serde_json::Value;

/// A finite f64 as a number, a non-finite one as its string name.
pub fn num(x: f64) -> Value {
    if x.is_nan() {
        Value::from("NaN")
    } else if x == f64::INFINITY {
        Value::from("Infinity")
    } else if x == f64::NEG_INFINITY {
        Value::from("-Infinity")
    } else {
        Value::from(x)
    }
}

pub fn vec(v: &DVector<f64>) -> Value {
    Value::Array(v.iter().map(|&x| num(x)).collect())
}

pub fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

/// Rows of equal length → a matrix; `path` names the field in errors.
pub fn matrix(rows: &[Vec<f64>], path: &str) -> Result<DMatrix<f64>, String> {
    let r = rows.len();
    let c = rows.first().map_or(0, Vec::len);
    if let Some((i, row)) = rows.iter().enumerate().find(|(_, row)| row.len() != c) {
        return Err(format!(
            "{path}[{i}]: every row must have {c} entries, got {}",
            row.len()
        ));
    }
    finite(rows.iter().flatten(), path)?;
    Ok(DMatrix::from_fn(r, c, |i, j| rows[i][j]))
}

pub fn vector(v: &[f64], path: &str) -> Result<DVector<f64>, String> {
    finite(v.iter(), path)?;
    Ok(DVector::from_column_slice(v))
}

fn finite<'a>(values: impl Iterator<Item = &'a f64>, path: &str) -> Result<(), String> {
    match values.enumerate().find(|(_, x)| !x.is_finite()) {
        Some((i, x)) => Err(format!("{path}: entry {i} must be finite, got {x}")),
        None => Ok(()),
    }
}

/// JSON text for people: an object's members one per line, indented by two spaces (as
/// `serde_json::to_string_pretty`), but an array of plain values (numbers, strings, …) on one line — a
/// trajectory of 2 000 numbers is a line, not 2 000 (the files were twice the size, and writing them
/// most of an export's frame in the browser). Numbers as serde_json writes them.
pub fn pretty(value: &Value) -> String {
    let mut out = String::new();
    write_pretty(&mut out, value, 0, &mut zmij::Buffer::new());
    out
}

fn write_pretty(out: &mut String, value: &Value, depth: usize, number: &mut zmij::Buffer) {
    let new_line = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    let text = |out: &mut String, s: &str| {
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    };
    match value {
        Value::Object(members) if !members.is_empty() => {
            out.push('{');
            for (i, (key, v)) in members.iter().enumerate() {
                out.push_str(if i > 0 { "," } else { "" });
                new_line(out, depth + 1);
                text(out, key);
                out.push_str(": ");
                write_pretty(out, v, depth + 1, number);
            }
            new_line(out, depth);
            out.push('}');
        }
        Value::Object(_) => out.push_str("{}"),
        Value::Array(items) if items.iter().any(|v| v.is_array() || v.is_object()) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                out.push_str(if i > 0 { "," } else { "" });
                new_line(out, depth + 1);
                write_pretty(out, v, depth + 1, number);
            }
            new_line(out, depth);
            out.push(']');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                out.push_str(if i > 0 { ", " } else { "" });
                write_pretty(out, v, depth, number);
            }
            out.push(']');
        }
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => out.push_str(number.format_finite(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => text(out, s),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn non_finite_numbers_are_strings() {
        assert_eq!(super::num(f64::NAN), "NaN");
        assert_eq!(super::num(f64::INFINITY), "Infinity");
        assert_eq!(super::num(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(super::num(1.5), 1.5);
    }
}

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

//! A lesson's claim: what the numbers must show after a step has run, checked against the view's own
//! report (the `view` object of the status JSON). Written `PATH OP VALUE [± TOL] | what it means`:
//!
//! - `runs.0.x.0 = 1 ± 1e-3 | simultaneous play ends at x = 1`
//! - `panels.3.theta_sign_changes = 0 | Stackelberg play never crosses θ = 0`
//! - `panels.0.theta_sign_changes > 10 | simultaneous play keeps circling`
//! - `runs.1.status == ok | exact descent does not diverge` (a text value)
//!
//! PATH walks objects by key and arrays by index, dot-separated. `=` takes a tolerance (default 0), `<`,
//! `>`, `<=`, `>=` compare numbers, `==` and `!=` compare text.
//!
//! A claim is checked twice (issue 37): at the step's start, before its run, and after it. A `claim:` says
//! what the run *shows*, so it must not hold at the start already; an `invariant:` line (same syntax) says
//! what must *stay* true through the run (no divergence, no sign change, x unmoved) and may hold at both.

use serde_json::Value;

/// A comparison of one reported value.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    pub path: String,
    pub op: Op,
    /// What it means, for the class ("simultaneous play ends at the Nash point").
    pub text: String,
    /// Written `invariant:`: true before and after the run alike; a `claim:` must change.
    pub invariant: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Near { value: f64, tol: f64 },
    Less(f64),
    Greater(f64),
    AtMost(f64),
    AtLeast(f64),
    Is(String),
    IsNot(String),
}

/// A claim's outcome: the value measured and whether it held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub measured: String,
    pub passed: bool,
    /// The value at the step's start, before its run, where it was measured there.
    pub start: Option<String>,
    /// A `claim:` that held at the start already (so the run showed nothing): failed for that.
    pub held_at_start: bool,
}

impl Outcome {
    /// The verdict after the run (`self`, from [`Claim::check`]) given the claim's outcome at the start:
    /// a `claim:` that held there fails; an invariant must hold at both ends.
    pub fn against_start(mut self, claim: &Claim, start: Outcome) -> Self {
        self.held_at_start = !claim.invariant && start.passed;
        self.passed = if claim.invariant {
            self.passed && start.passed
        } else {
            self.passed && !start.passed
        };
        self.start = Some(start.measured);
        self
    }

    /// One line: the value measured, with the start's where it was measured, and why it failed.
    pub fn describe(&self) -> String {
        let mut out = format!("measured {}", self.measured);
        if let Some(start) = &self.start {
            out += &format!(", at the start {start}");
        }
        if self.held_at_start {
            out += "; it held before the run: claim what the run changes, or write `invariant:`";
        }
        out
    }
}

impl Claim {
    /// Parses `PATH OP VALUE [± TOL] | text`; the error says what is wrong.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (body, text) = match spec.split_once('|') {
            Some((b, t)) => (b.trim(), t.trim().to_owned()),
            None => (spec.trim(), String::new()),
        };
        let mut parts = body.split_whitespace();
        let (Some(path), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "write `PATH OP VALUE [± TOL] | meaning`, got `{body}`"
            ));
        };
        if !path
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(format!(
                "the path is dot-separated keys and indices, got `{path}`"
            ));
        }
        let number = |v: &str| {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("`{op}` compares numbers, got `{v}`"))
        };
        let rest: Vec<&str> = parts.collect();
        let op = match (op, rest.as_slice()) {
            ("=", []) => Op::Near {
                value: number(value)?,
                tol: 0.0,
            },
            ("=", ["±" | "+-", tol]) => {
                let tol = number(tol)?;
                if tol < 0.0 {
                    return Err(format!("the tolerance must be ≥ 0, got {tol}"));
                }
                Op::Near {
                    value: number(value)?,
                    tol,
                }
            }
            ("<", []) => Op::Less(number(value)?),
            (">", []) => Op::Greater(number(value)?),
            ("<=", []) => Op::AtMost(number(value)?),
            (">=", []) => Op::AtLeast(number(value)?),
            ("==", []) => Op::Is(value.to_owned()),
            ("!=", []) => Op::IsNot(value.to_owned()),
            ("=" | "<" | ">" | "<=" | ">=" | "==" | "!=", _) => {
                return Err(format!("unexpected `{}` after the value", rest.join(" ")));
            }
            _ => {
                return Err(format!(
                    "the comparison is one of =, <, >, <=, >=, ==, !=; got `{op}`"
                ));
            }
        };
        Ok(Self {
            path: path.to_owned(),
            op,
            text,
            invariant: false,
        })
    }

    /// The reported value at the claim's path, if there is one.
    pub fn lookup<'a>(&self, report: &'a Value) -> Option<&'a Value> {
        self.path
            .split('.')
            .try_fold(report, |node, part| match node {
                Value::Object(map) => map.get(part),
                Value::Array(items) => items.get(part.parse::<usize>().ok()?),
                _ => None,
            })
    }

    /// Where the path indexes past the end of a list the report has: "`runs.5`: the view reports 4".
    pub fn index_past_end(&self, report: &Value) -> Option<String> {
        let mut node = report;
        for (i, part) in self.path.split('.').enumerate() {
            node = match node {
                Value::Object(map) => map.get(part)?,
                Value::Array(items) => {
                    let k = part.parse::<usize>().ok()?;
                    if k >= items.len() {
                        let head: Vec<&str> = self.path.split('.').take(i).collect();
                        return Some(format!(
                            "`{}` has no item {k}: the view reports {} (numbered from 0)",
                            head.join("."),
                            items.len()
                        ));
                    }
                    &items[k]
                }
                _ => return None,
            };
        }
        None
    }

    /// Checks the claim against a view's report.
    pub fn check(&self, report: &Value) -> Outcome {
        let Some(found) = self.lookup(report) else {
            return Outcome {
                measured: format!("nothing reported at `{}`", self.path),
                passed: false,
                start: None,
                held_at_start: false,
            };
        };
        let passed = match (&self.op, found.as_f64()) {
            (Op::Near { value, tol }, Some(x)) => (x - value).abs() <= *tol,
            (Op::Less(v), Some(x)) => x < *v,
            (Op::Greater(v), Some(x)) => x > *v,
            (Op::AtMost(v), Some(x)) => x <= *v,
            (Op::AtLeast(v), Some(x)) => x >= *v,
            (Op::Is(v), _) => text_of(found) == *v,
            (Op::IsNot(v), _) => text_of(found) != *v,
            _ => false,
        };
        Outcome {
            measured: text_of(found),
            passed,
            start: None,
            held_at_start: false,
        }
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl std::fmt::Display for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ", self.path)?;
        // Numbers as written by hand: 1e-14, not 0.00000000000001 (both parse back to the same f64).
        let n = |x: f64| {
            if x != 0.0 && !(1e-4..1e6).contains(&x.abs()) {
                format!("{x:e}")
            } else {
                x.to_string()
            }
        };
        match &self.op {
            Op::Near { value, tol } if *tol == 0.0 => write!(f, "= {}", n(*value))?,
            Op::Near { value, tol } => write!(f, "= {} ± {}", n(*value), n(*tol))?,
            Op::Less(v) => write!(f, "< {}", n(*v))?,
            Op::Greater(v) => write!(f, "> {}", n(*v))?,
            Op::AtMost(v) => write!(f, "<= {}", n(*v))?,
            Op::AtLeast(v) => write!(f, ">= {}", n(*v))?,
            Op::Is(v) => write!(f, "== {v}")?,
            Op::IsNot(v) => write!(f, "!= {v}")?,
        }
        if !self.text.is_empty() {
            write!(f, " | {}", self.text)?;
        }
        Ok(())
    }
}

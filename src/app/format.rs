//! Numbers as people read them: one formatter per kind of quantity, used by every view.

/// An error or residual: scientific with 2 significant digits, an exact zero said as such.
pub fn error(x: f64) -> String {
    if x == 0.0 {
        "0 (bit-identical)".to_owned()
    } else if x.is_finite() {
        format!("{x:.1e}")
    } else {
        format!("{x}")
    }
}

/// A model quantity with 4 significant digits: plain between 10⁻³ and 10⁴, scientific outside.
pub fn num(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 {
        "0".to_owned()
    } else if !x.is_finite() {
        format!("{x}")
    } else if (1e-3..1e4).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.3e}")
    }
}

/// A step count with thousands separators: 50,000.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A time to wait, rounded as a person says it: 8 s, 4 min 05 s, 1 h 12 min.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "–".to_owned();
    }
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_well() {
        assert_eq!(super::duration(7.6), "8 s");
        assert_eq!(super::duration(245.0), "4 min 05 s");
        assert_eq!(super::duration(4320.0), "1 h 12 min");
        assert_eq!(super::duration(f64::NAN), "–");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(super::num(-1.0), "-1.000");
        assert_eq!(super::num(0.012345), "0.01235");
        assert_eq!(super::num(1234.6), "1235");
        assert_eq!(super::num(3.2e-7), "3.200e-7");
        assert_eq!(super::num(0.0), "0");
        assert_eq!(super::count(50_000), "50,000");
        assert_eq!(super::count(999), "999");
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(super::error(0.0), "0 (bit-identical)");
        assert_eq!(super::error(7.236e-7), "7.2e-7");
        assert_eq!(super::error(f64::INFINITY), "inf");
    }
}

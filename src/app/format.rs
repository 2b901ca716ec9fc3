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

#[cfg(test)]
mod tests {
    #[test]
    fn errors_read_well() {
        assert_eq!(super::error(0.0), "0 (bit-identical)");
        assert_eq!(super::error(7.236e-7), "7.2e-7");
        assert_eq!(super::error(f64::INFINITY), "inf");
    }
}

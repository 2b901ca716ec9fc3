//! The logistic function and its log, computed without overflow: shared by data hyper-cleaning's loss
//! and the Bradley–Terry preference objective of bilevel RL.

/// σ(z) = 1/(1 + e^−z).
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// log σ(z) = −log(1 + e^−z).
pub fn log_sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        -(-z).exp().ln_1p()
    } else {
        z - z.exp().ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_far_out_and_exact_near_zero() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() < 1e-15);
        assert!((log_sigmoid(0.3) - (1.0 / (1.0 + (-0.3f64).exp())).ln()).abs() < 1e-15);
        assert_eq!(sigmoid(-800.0), 0.0);
        assert_eq!(log_sigmoid(-800.0), -800.0);
        assert_eq!(log_sigmoid(800.0), 0.0);
    }
}

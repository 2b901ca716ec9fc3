//! Data hyper-cleaning (Franceschi et al. 2017; lecture 004 "data subset selection / cleaning"): logistic
//! regression whose training samples carry weights σ(xᵢ) learned so that the model fits a clean
//! validation set. With ℓ(z; t) = log(1 + e^{−t z}) and labels t = ±1:
//!   g(x, w) = (1/N) Σᵢ cᵢ σ(xᵢ) ℓ(aᵢᵀw; tᵢ) + (μ/2)‖w‖²,    f(x, w) = (1/N_v) Σⱼ ℓ(a_jᵀw; t_j),
//! with cᵢ = 1 on the whole set; a minibatch of B samples drawn with replacement has cᵢ = N·(times i was
//! drawn)/B (so E[cᵢ] = 1 and its g is unbiased) and B validation rows.
//! The training labels are partly corrupted (seeded), so a good x down-weights the flipped samples.

use nalgebra::{DMatrix, DVector};

use super::data::blobs;
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::logistic::{log_sigmoid, sigmoid};

/// log(1 + e^{−tz}) = −log σ(tz), stable.
fn loss(z: f64, t: f64) -> f64 {
    -log_sigmoid(t * z)
}

/// dℓ/dz = −t σ(−tz).
fn dloss(z: f64, t: f64) -> f64 {
    -t * sigmoid(-t * z)
}

/// d²ℓ/dz² = σ(z)(1 − σ(z)).
fn d2loss(z: f64) -> f64 {
    let s = sigmoid(z);
    s * (1.0 - s)
}

/// See the module docs. x ∈ ℝᴺ (one weight logit per training sample), w ∈ ℝ^{d+1}.
#[derive(Clone, Debug, PartialEq)]
pub struct HyperCleaning {
    pub train_a: DMatrix<f64>,
    pub train_t: DVector<f64>,
    pub val_a: DMatrix<f64>,
    pub val_t: DVector<f64>,
    /// Ridge μ > 0 keeps the inner problem strongly convex.
    pub mu: f64,
    /// cᵢ: each training sample's weight in g (ones, but in a minibatch).
    pub count: DVector<f64>,
}

impl HyperCleaning {
    /// `samples` training samples with a fraction `corrupt` of flipped labels, as many clean validation
    /// samples, `features` dimensions plus a bias.
    pub fn synthetic(samples: usize, features: usize, corrupt: f64, mu: f64, seed: u64) -> Self {
        let (train_a, train_t) = blobs(samples, features, corrupt, seed);
        let (val_a, val_t) = blobs(samples, features, 0.0, seed.wrapping_add(1));
        Self {
            count: DVector::from_element(train_a.nrows(), 1.0),
            train_a,
            train_t,
            val_a,
            val_t,
            mu,
        }
    }

    fn margins(&self, w: &DVector<f64>) -> DVector<f64> {
        &self.train_a * w
    }
}

impl BilevelProblem for HyperCleaning {
    fn dims(&self) -> (usize, usize) {
        (self.train_a.nrows(), self.train_a.ncols())
    }
    /// B training samples as weights cᵢ (x keeps one entry per sample) and B validation rows.
    fn minibatch(
        &self,
        batch: usize,
        rng: &mut crate::numerics::random::SeededRng,
    ) -> Option<Box<dyn BilevelProblem>> {
        use rand::Rng as _;
        let n = self.train_a.nrows();
        let mut count = DVector::zeros(n);
        for _ in 0..batch {
            count[rng.random_range(0..n)] += n as f64 / batch as f64;
        }
        let pick: Vec<usize> = (0..batch)
            .map(|_| rng.random_range(0..self.val_a.nrows()))
            .collect();
        Some(Box::new(Self {
            train_a: self.train_a.clone(),
            train_t: self.train_t.clone(),
            val_a: self.val_a.select_rows(&pick),
            val_t: self.val_t.select_rows(&pick),
            mu: self.mu,
            count,
        }))
    }
    fn f(&self, _x: &DVector<f64>, w: &DVector<f64>) -> f64 {
        let z = &self.val_a * w;
        z.iter()
            .zip(self.val_t.iter())
            .map(|(z, t)| loss(*z, *t))
            .sum::<f64>()
            / self.val_a.nrows() as f64
    }
    fn g(&self, x: &DVector<f64>, w: &DVector<f64>) -> f64 {
        let z = self.margins(w);
        let n = self.train_a.nrows() as f64;
        (0..z.len())
            .map(|i| self.count[i] * sigmoid(x[i]) * loss(z[i], self.train_t[i]))
            .sum::<f64>()
            / n
            + 0.5 * self.mu * w.norm_squared()
    }
    fn grad_x_f(&self, x: &DVector<f64>, _w: &DVector<f64>) -> DVector<f64> {
        DVector::zeros(x.len())
    }
    fn grad_y_f(&self, _x: &DVector<f64>, w: &DVector<f64>) -> DVector<f64> {
        let z = &self.val_a * w;
        let coeff = DVector::from_fn(z.len(), |j, _| dloss(z[j], self.val_t[j]));
        self.val_a.transpose() * coeff / self.val_a.nrows() as f64
    }
    /// ∂/∂xᵢ = σ'(xᵢ) ℓᵢ / N.
    fn grad_x_g(&self, x: &DVector<f64>, w: &DVector<f64>) -> DVector<f64> {
        let z = self.margins(w);
        let n = self.train_a.nrows() as f64;
        DVector::from_fn(x.len(), |i, _| {
            let s = sigmoid(x[i]);
            self.count[i] * s * (1.0 - s) * loss(z[i], self.train_t[i]) / n
        })
    }
    fn grad_y_g(&self, x: &DVector<f64>, w: &DVector<f64>) -> DVector<f64> {
        let z = self.margins(w);
        let n = self.train_a.nrows() as f64;
        let coeff = DVector::from_fn(z.len(), |i, _| {
            self.count[i] * sigmoid(x[i]) * dloss(z[i], self.train_t[i]) / n
        });
        self.train_a.transpose() * coeff + w * self.mu
    }
    fn hvp_yy_g(&self, x: &DVector<f64>, w: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        let z = self.margins(w);
        let av = &self.train_a * v;
        let n = self.train_a.nrows() as f64;
        let coeff = DVector::from_fn(z.len(), |i, _| {
            self.count[i] * sigmoid(x[i]) * d2loss(z[i]) * av[i] / n
        });
        self.train_a.transpose() * coeff + v * self.mu
    }
    /// (∇²ₓᵧg v)ᵢ = σ'(xᵢ) ℓ'ᵢ (aᵢᵀv) / N.
    fn jvp_xy_g(&self, x: &DVector<f64>, w: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        let z = self.margins(w);
        let av = &self.train_a * v;
        let n = self.train_a.nrows() as f64;
        DVector::from_fn(x.len(), |i, _| {
            let s = sigmoid(x[i]);
            self.count[i] * s * (1.0 - s) * dloss(z[i], self.train_t[i]) * av[i] / n
        })
    }
    fn jvp_yx_g(&self, x: &DVector<f64>, w: &DVector<f64>, u: &DVector<f64>) -> DVector<f64> {
        let z = self.margins(w);
        let n = self.train_a.nrows() as f64;
        let coeff = DVector::from_fn(z.len(), |i, _| {
            let s = sigmoid(x[i]);
            self.count[i] * s * (1.0 - s) * dloss(z[i], self.train_t[i]) * u[i] / n
        });
        self.train_a.transpose() * coeff
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::checks;

    #[test]
    fn derivatives_and_hypergradient_match_finite_differences() {
        for seed in 0..4 {
            let p = HyperCleaning::synthetic(12, 2, 0.3, 0.1, seed);
            checks::at_seeded_point(&p, seed);
        }
    }

    #[test]
    fn stable_loss_matches_the_naive_formula() {
        for (z, t) in [(0.3, 1.0), (-2.0, 1.0), (5.0, -1.0), (-40.0, -1.0)] {
            assert!((loss(z, t) - (-t * z).exp().ln_1p()).abs() < 1e-12);
        }
        assert!(loss(800.0, -1.0).is_finite());
    }
}

//! Data hyper-cleaning (Franceschi et al. 2017; lecture 004 "data subset selection / cleaning"): logistic
//! regression whose training samples carry weights σ(xᵢ) learned so that the model fits a clean
//! validation set. With ℓ(z; t) = log(1 + e^{−t z}) and labels t = ±1:
//!   g(x, w) = (1/N) Σᵢ cᵢ σ(xᵢ) ℓ(aᵢᵀw; tᵢ) + (μ/2)‖w‖²,    f(x, w) = (1/N_v) Σⱼ ℓ(a_jᵀw; t_j),
//! with cᵢ = 1 on the whole set; a minibatch of B samples drawn with replacement has cᵢ = N·(times i was
//! drawn)/B (so E[cᵢ] = 1 and its g is unbiased) and B validation rows.
//! The training labels are partly corrupted (seeded), so a good x down-weights the flipped samples.

use nalgebra::DVector;

use super::data::{Split, blobs};
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
    /// Training samples A (a row per sample, with its bias) and labels t ∈ {±1}; validation A_v, t_v.
    pub data: Split,
    /// Ridge μ > 0 keeps the inner problem strongly convex.
    pub mu: f64,
    /// cᵢ: each training sample's weight in g (ones, but in a minibatch).
    pub count: DVector<f64>,
}

impl HyperCleaning {
    /// `samples` training samples with a fraction `corrupt` of flipped labels, as many clean validation
    /// samples, `features` dimensions plus a bias.
    pub fn synthetic(samples: usize, features: usize, corrupt: f64, mu: f64, seed: u64) -> Self {
        let data = Split::new(
            blobs(samples, features, corrupt, seed),
            blobs(samples, features, 0.0, seed.wrapping_add(1)),
        );
        Self {
            count: DVector::from_element(data.train_x.nrows(), 1.0),
            data,
            mu,
        }
    }

    fn margins(&self, w: &DVector<f64>) -> DVector<f64> {
        &self.data.train_x * w
    }
}

impl BilevelProblem for HyperCleaning {
    fn dims(&self) -> (usize, usize) {
        (self.data.train_x.nrows(), self.data.train_x.ncols())
    }
    /// B training samples as weights cᵢ (x keeps one entry per sample) and B validation rows.
    fn minibatch(
        &self,
        batch: usize,
        rng: &mut crate::numerics::random::SeededRng,
    ) -> Option<Box<dyn BilevelProblem>> {
        use rand::Rng as _;
        let n = self.data.train_x.nrows();
        let mut count = DVector::zeros(n);
        for _ in 0..batch {
            count[rng.random_range(0..n)] += n as f64 / batch as f64;
        }
        let pick: Vec<usize> = (0..batch)
            .map(|_| rng.random_range(0..self.data.val_x.nrows()))
            .collect();
        let d = &self.data;
        let data = Split {
            val_x: d.val_x.select_rows(&pick),
            val_y: d.val_y.select_rows(&pick),
            ..d.clone()
        };
        Some(Box::new(Self {
            data,
            mu: self.mu,
            count,
        }))
    }
    fn f(&self, _x: &DVector<f64>, w: &DVector<f64>) -> f64 {
        let z = &self.data.val_x * w;
        z.iter()
            .zip(self.data.val_y.iter())
            .map(|(z, t)| loss(*z, *t))
            .sum::<f64>()
            / self.data.val_x.nrows() as f64
    }
    fn g(&self, x: &DVector<f64>, w: &DVector<f64>) -> f64 {
        let z = self.margins(w);
        let n = self.data.train_x.nrows() as f64;
        (0..z.len())
            .map(|i| self.count[i] * sigmoid(x[i]) * loss(z[i], self.data.train_y[i]))
            .sum::<f64>()
            / n
            + 0.5 * self.mu * w.norm_squared()
    }
    fn grad_x_f(&self, x: &DVector<f64>, _w: &DVector<f64>) -> DVector<f64> {
        DVector::zeros(x.len())
    }
    fn grad_y_f(&self, _x: &DVector<f64>, w: &DVector<f64>) -> DVector<f64> {
        let z = &self.data.val_x * w;
        let coeff = DVector::from_fn(z.len(), |j, _| dloss(z[j], self.data.val_y[j]));
        self.data.val_x.transpose() * coeff / self.data.val_x.nrows() as f64
    }
    /// ∂/∂xᵢ = σ'(xᵢ) ℓᵢ / N.
    fn grad_x_g(&self, x: &DVector<f64>, w: &DVector<f64>) -> DVector<f64> {
        let z = self.margins(w);
        let n = self.data.train_x.nrows() as f64;
        DVector::from_fn(x.len(), |i, _| {
            let s = sigmoid(x[i]);
            self.count[i] * s * (1.0 - s) * loss(z[i], self.data.train_y[i]) / n
        })
    }
    fn grad_y_g(&self, x: &DVector<f64>, w: &DVector<f64>) -> DVector<f64> {
        let z = self.margins(w);
        let n = self.data.train_x.nrows() as f64;
        let coeff = DVector::from_fn(z.len(), |i, _| {
            self.count[i] * sigmoid(x[i]) * dloss(z[i], self.data.train_y[i]) / n
        });
        self.data.train_x.transpose() * coeff + w * self.mu
    }
    fn hvp_yy_g(&self, x: &DVector<f64>, w: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        let z = self.margins(w);
        let av = &self.data.train_x * v;
        let n = self.data.train_x.nrows() as f64;
        let coeff = DVector::from_fn(z.len(), |i, _| {
            self.count[i] * sigmoid(x[i]) * d2loss(z[i]) * av[i] / n
        });
        self.data.train_x.transpose() * coeff + v * self.mu
    }
    /// (∇²ₓᵧg v)ᵢ = σ'(xᵢ) ℓ'ᵢ (aᵢᵀv) / N.
    fn jvp_xy_g(&self, x: &DVector<f64>, w: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        let z = self.margins(w);
        let av = &self.data.train_x * v;
        let n = self.data.train_x.nrows() as f64;
        DVector::from_fn(x.len(), |i, _| {
            let s = sigmoid(x[i]);
            self.count[i] * s * (1.0 - s) * dloss(z[i], self.data.train_y[i]) * av[i] / n
        })
    }
    fn jvp_yx_g(&self, x: &DVector<f64>, w: &DVector<f64>, u: &DVector<f64>) -> DVector<f64> {
        let z = self.margins(w);
        let n = self.data.train_x.nrows() as f64;
        let coeff = DVector::from_fn(z.len(), |i, _| {
            let s = sigmoid(x[i]);
            self.count[i] * s * (1.0 - s) * dloss(z[i], self.data.train_y[i]) * u[i] / n
        });
        self.data.train_x.transpose() * coeff
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::checks;

    #[test]
    fn derivatives_and_hypergradient_match_finite_differences() {
        checks::on_seeds(4, |seed| HyperCleaning::synthetic(12, 2, 0.3, 0.1, seed));
    }

    #[test]
    fn stable_loss_matches_the_naive_formula() {
        for (z, t) in [(0.3, 1.0), (-2.0, 1.0), (5.0, -1.0), (-40.0, -1.0)] {
            assert!((loss(z, t) - (-t * z).exp().ln_1p()).abs() < 1e-12);
        }
        assert!(loss(800.0, -1.0).is_finite());
    }
}

//! Representation learning for multi-task regression (lecture 004, Eq. 6): the leader learns a shared
//! representation M_θ(x) = θᵀx (θ ∈ ℝᵈ, one feature), the follower one linear head φ_t per task on top of
//! it, fitted with a ridge ρ; the leader is scored on held-out data of every task:
//!   g(θ, φ) = Σ_t (1/2N) ‖X_t θ φ_t − y_t‖² + (ρ/2)‖φ‖²,    f(θ, φ) = Σ_t (1/2N_v) ‖V_t θ φ_t − v_t‖².
//! The tasks share one true direction (y = a_t θ_trueᵀx + noise), so Φ's minimizers point along θ_true.
//! y*(θ) in closed form: φ*_t = (z_tᵀy_t/N) / (z_tᵀz_t/N + ρ), z_t = X_t θ.

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng as _;

use super::data::{Split, gaussian};
use crate::numerics::bilevel::BilevelProblem;
use crate::numerics::random::SeededRng;

/// See the module docs: n = input dimension d, m = number of tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct Representation {
    pub tasks: Vec<Split>,
    pub rho: f64,
}

impl Representation {
    /// `tasks` tasks in `dim` input dimensions, `samples` training and validation samples each, a true
    /// shared direction θ_true = (1, 0.5, 0, …) and task heads a_t = 1 + t, label noise 0.3.
    pub fn synthetic(dim: usize, tasks: usize, samples: usize, rho: f64, seed: u64) -> Self {
        let mut rng = SeededRng::seed_from_u64(seed);
        let truth = DVector::from_fn(dim, |j, _| match j {
            0 => 1.0,
            1 => 0.5,
            _ => 0.0,
        });
        let set = |head: f64, rng: &mut SeededRng| {
            let x = DMatrix::from_fn(samples, dim, |_, _| gaussian(rng));
            let y = &x * &truth * head + DVector::from_fn(samples, |_, _| 0.3 * gaussian(rng));
            (x, y)
        };
        let tasks = (0..tasks)
            .map(|t| {
                let head = 1.0 + t as f64;
                Split::drawn(|| set(head, &mut rng))
            })
            .collect();
        Self { tasks, rho }
    }
}

impl Representation {
    /// (∂/∂θ, ∂/∂φ) of Σ_t (1/2N) ‖A_t θ φ_t − b_t‖² on one data set of every task (`set` picks training
    /// or validation): Σ_t (φ_t/N) A_tᵀ r_t and (z_tᵀ r_t / N)_t, with z_t = A_t θ, r_t = z_t φ_t − b_t.
    fn loss_gradients(
        &self,
        th: &DVector<f64>,
        phi: &DVector<f64>,
        set: impl Fn(&Split) -> (&DMatrix<f64>, &DVector<f64>),
    ) -> (DVector<f64>, DVector<f64>) {
        let mut d_theta = DVector::zeros(th.len());
        let mut d_phi = DVector::zeros(self.tasks.len());
        for (t, task) in self.tasks.iter().enumerate() {
            let (a, b) = set(task);
            let n = a.nrows() as f64;
            let z = a * th;
            let r = &z * phi[t] - b;
            d_theta += a.tr_mul(&r) * (phi[t] / n);
            d_phi[t] = z.dot(&r) / n;
        }
        (d_theta, d_phi)
    }
}

impl BilevelProblem for Representation {
    fn dims(&self) -> (usize, usize) {
        (
            self.tasks.first().map_or(0, |t| t.train_x.ncols()),
            self.tasks.len(),
        )
    }
    fn f(&self, th: &DVector<f64>, phi: &DVector<f64>) -> f64 {
        self.tasks
            .iter()
            .enumerate()
            .map(|(t, d)| {
                (&d.val_x * th * phi[t] - &d.val_y).norm_squared() / (2.0 * d.val_x.nrows() as f64)
            })
            .sum()
    }
    fn g(&self, th: &DVector<f64>, phi: &DVector<f64>) -> f64 {
        self.tasks
            .iter()
            .enumerate()
            .map(|(t, d)| {
                (&d.train_x * th * phi[t] - &d.train_y).norm_squared()
                    / (2.0 * d.train_x.nrows() as f64)
            })
            .sum::<f64>()
            + 0.5 * self.rho * phi.norm_squared()
    }
    fn grad_x_f(&self, th: &DVector<f64>, phi: &DVector<f64>) -> DVector<f64> {
        self.loss_gradients(th, phi, |d| (&d.val_x, &d.val_y)).0
    }
    fn grad_y_f(&self, th: &DVector<f64>, phi: &DVector<f64>) -> DVector<f64> {
        self.loss_gradients(th, phi, |d| (&d.val_x, &d.val_y)).1
    }
    fn grad_x_g(&self, th: &DVector<f64>, phi: &DVector<f64>) -> DVector<f64> {
        self.loss_gradients(th, phi, |d| (&d.train_x, &d.train_y)).0
    }
    fn grad_y_g(&self, th: &DVector<f64>, phi: &DVector<f64>) -> DVector<f64> {
        self.loss_gradients(th, phi, |d| (&d.train_x, &d.train_y)).1 + phi * self.rho
    }
    /// Diagonal: (z_tᵀz_t/N + ρ) v_t.
    fn hvp_yy_g(&self, th: &DVector<f64>, _phi: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        DVector::from_fn(self.tasks.len(), |t, _| {
            let d = &self.tasks[t];
            let z = &d.train_x * th;
            (z.norm_squared() / d.train_x.nrows() as f64 + self.rho) * v[t]
        })
    }
    /// Σ_t (v_t/N) X_tᵀ(2 z_t φ_t − y_t).
    fn jvp_xy_g(&self, th: &DVector<f64>, phi: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
        self.tasks
            .iter()
            .enumerate()
            .fold(DVector::zeros(th.len()), |acc, (t, d)| {
                let z = &d.train_x * th;
                acc + d.train_x.tr_mul(&(&z * (2.0 * phi[t]) - &d.train_y))
                    * (v[t] / d.train_x.nrows() as f64)
            })
    }
    fn jvp_yx_g(&self, th: &DVector<f64>, phi: &DVector<f64>, u: &DVector<f64>) -> DVector<f64> {
        DVector::from_fn(self.tasks.len(), |t, _| {
            let d = &self.tasks[t];
            let z = &d.train_x * th;
            (&z * (2.0 * phi[t]) - &d.train_y).dot(&(&d.train_x * u)) / d.train_x.nrows() as f64
        })
    }
    fn y_star(&self, th: &DVector<f64>) -> Option<DVector<f64>> {
        Some(DVector::from_fn(self.tasks.len(), |t, _| {
            let d = &self.tasks[t];
            let z = &d.train_x * th;
            let n = d.train_x.nrows() as f64;
            (z.dot(&d.train_y) / n) / (z.norm_squared() / n + self.rho)
        }))
    }
    /// Minibatches: `batch` rows of every task's training and validation sets, with replacement.
    fn minibatch(&self, batch: usize, rng: &mut SeededRng) -> Option<Box<dyn BilevelProblem>> {
        let tasks = self.tasks.iter().map(|d| d.minibatch(batch, rng)).collect();
        Some(Box::new(Self {
            tasks,
            rho: self.rho,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::bilevel::checks;
    use crate::numerics::bilevel::phi;

    #[test]
    fn derivatives_closed_form_and_hypergradient_match_finite_differences() {
        let make = |seed| Representation::synthetic(3, 4, 30, 0.1, seed);
        checks::closed_form_on_seeds(make, &[0.7, -0.2, 0.4]);
    }

    #[test]
    fn the_shared_direction_beats_an_orthogonal_one() {
        // Φ along θ_true (scaled) is far below Φ along a direction orthogonal to it.
        let p = Representation::synthetic(2, 3, 200, 0.1, 1);
        let along = phi(&p, &DVector::from_vec(vec![1.0, 0.5])).unwrap_or(f64::NAN);
        let across = phi(&p, &DVector::from_vec(vec![-0.5, 1.0])).unwrap_or(f64::NAN);
        assert!(along < 0.2 * across, "{along} vs {across}");
    }
}

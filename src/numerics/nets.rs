//! Tiny tanh MLPs d_in–h–1 with exact Hessians: the "small networks" of BLPO Figure 2 (issue 5).
//!
//! y(x) = w₂ · tanh(W₁x + b₁) + b₂, squared loss L = (1/2N) Σᵢ (yᵢ − tᵢ)². With rᵢ = yᵢ − tᵢ and
//! Jᵢ = ∂yᵢ/∂p: ∇L = (1/N) Σ rᵢ Jᵢ and H = (1/N) Σ (JᵢᵀJᵢ + rᵢ ∇²yᵢ); the Gauss–Newton part
//! G = (1/N) Σ JᵢᵀJᵢ is PSD, the full H typically indefinite. With a = tanh(z) and s = 1 − a²,
//! ∂y/∂b₂ = 1, ∂y/∂w₂ⱼ = aⱼ, ∂y/∂b₁ⱼ = w₂ⱼsⱼ, ∂y/∂W₁ⱼₖ = w₂ⱼsⱼxₖ, and ∇²y is block-diagonal per hidden
//! unit j: ∂²y/∂w₂ⱼ∂(b₁ⱼ, W₁ⱼₖ) = sⱼ(1, xₖ), ∂²y/∂(b₁ⱼ, W₁ⱼₖ)∂(b₁ⱼ, W₁ⱼₗ) = −2w₂ⱼaⱼsⱼ(1, xₖ)(1, xₗ)ᵀ.
//!
//! Parameter layout p = [W₁ row-major (h·d_in), b₁ (h), w₂ (h), b₂]: h·d_in + 2h + 1 entries.

use nalgebra::{DMatrix, DVector};
use rand::Rng;

use crate::numerics::random::gaussian;

/// The architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mlp {
    pub inputs: usize,
    pub hidden: usize,
}

/// Which curvature matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Curvature {
    /// The exact Hessian of the training loss.
    Full,
    /// Its Gauss–Newton part (PSD).
    GaussNewton,
}

/// A regression data set: rows of `x` are samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    pub x: DMatrix<f64>,
    pub t: DVector<f64>,
}

impl Data {
    /// n samples x ~ N(0, I), targets t = sin(uᵀx) + 0.5·tanh(vᵀx) + noise·ε, with u, v drawn once per set.
    pub fn regression<R: Rng + ?Sized>(n: usize, inputs: usize, noise: f64, rng: &mut R) -> Self {
        let u = DVector::from_fn(inputs, |_, _| gaussian(rng) / (inputs as f64).sqrt());
        let v = DVector::from_fn(inputs, |_, _| gaussian(rng) / (inputs as f64).sqrt());
        let x = DMatrix::from_fn(n, inputs, |_, _| gaussian(rng));
        let t = DVector::from_fn(n, |i, _| {
            let row = x.row(i).transpose();
            u.dot(&row).sin() + 0.5 * v.dot(&row).tanh() + noise * gaussian(rng)
        });
        Self { x, t }
    }
}

impl Mlp {
    /// Number of parameters h·d_in + 2h + 1.
    pub fn params(&self) -> usize {
        self.hidden * self.inputs + 2 * self.hidden + 1
    }

    /// Glorot-scaled initial parameters.
    pub fn init<R: Rng + ?Sized>(&self, rng: &mut R) -> DVector<f64> {
        let (h, d) = (self.hidden, self.inputs);
        let mut p = DVector::zeros(self.params());
        for i in 0..h * d {
            p[i] = gaussian(rng) * (1.0 / d as f64).sqrt();
        }
        for j in 0..h {
            p[h * d + h + j] = gaussian(rng) * (1.0 / h as f64).sqrt();
        }
        p
    }

    fn w1(&self, p: &DVector<f64>, j: usize, k: usize) -> f64 {
        p[j * self.inputs + k]
    }

    fn b1_index(&self, j: usize) -> usize {
        self.hidden * self.inputs + j
    }

    fn w2_index(&self, j: usize) -> usize {
        self.hidden * self.inputs + self.hidden + j
    }

    fn b2_index(&self) -> usize {
        self.params() - 1
    }

    /// Hidden activations a = tanh(W₁x + b₁) of one sample.
    fn activations(&self, p: &DVector<f64>, x: &[f64]) -> Vec<f64> {
        let mut a = vec![0.0; self.hidden];
        self.forward(p, x, &mut a);
        a
    }

    /// y(x) for one sample, its hidden activations written to `a`.
    fn forward(&self, p: &DVector<f64>, x: &[f64], a: &mut [f64]) -> f64 {
        for (j, aj) in a.iter_mut().enumerate() {
            let z: f64 = (0..self.inputs)
                .map(|k| self.w1(p, j, k) * x[k])
                .sum::<f64>()
                + p[self.b1_index(j)];
            *aj = z.tanh();
        }
        (0..self.hidden)
            .map(|j| p[self.w2_index(j)] * a[j])
            .sum::<f64>()
            + p[self.b2_index()]
    }

    /// y(x) for one sample.
    pub fn predict(&self, p: &DVector<f64>, x: &[f64]) -> f64 {
        self.forward(p, x, &mut vec![0.0; self.hidden])
    }

    /// J = ∂y/∂p for one sample, and the activations.
    fn jacobian(&self, p: &DVector<f64>, x: &[f64]) -> (DVector<f64>, Vec<f64>) {
        let a = self.activations(p, x);
        let mut jac = DVector::zeros(self.params());
        for j in 0..self.hidden {
            let s = 1.0 - a[j] * a[j];
            let w2 = p[self.w2_index(j)];
            for k in 0..self.inputs {
                jac[j * self.inputs + k] = w2 * s * x[k];
            }
            jac[self.b1_index(j)] = w2 * s;
            jac[self.w2_index(j)] = a[j];
        }
        jac[self.b2_index()] = 1.0;
        (jac, a)
    }

    fn rows(data: &Data) -> impl Iterator<Item = (Vec<f64>, f64)> + '_ {
        (0..data.x.nrows()).map(|i| (data.x.row(i).iter().copied().collect(), data.t[i]))
    }

    /// L = (1/2N) Σ (yᵢ − tᵢ)².
    pub fn loss(&self, p: &DVector<f64>, data: &Data) -> f64 {
        let n = data.x.nrows().max(1) as f64;
        Self::rows(data)
            .map(|(x, t)| (self.predict(p, &x) - t).powi(2))
            .sum::<f64>()
            / (2.0 * n)
    }

    /// ∇L = (1/N) Σ rᵢ Jᵢ, accumulated entry by entry with one forward pass per sample (training's inner
    /// loop: a vector per sample was most of an IHVP study's time).
    pub fn gradient(&self, p: &DVector<f64>, data: &Data) -> DVector<f64> {
        let n = data.x.nrows().max(1) as f64;
        let mut g = DVector::zeros(self.params());
        let (mut x, mut a) = (vec![0.0; self.inputs], vec![0.0; self.hidden]);
        for i in 0..data.x.nrows() {
            for (k, xk) in x.iter_mut().enumerate() {
                *xk = data.x[(i, k)];
            }
            let c = (self.forward(p, &x, &mut a) - data.t[i]) / n;
            // The entries of Jᵢ as `jacobian` writes them, each times rᵢ/N.
            for j in 0..self.hidden {
                let s = 1.0 - a[j] * a[j];
                let w2 = p[self.w2_index(j)];
                for k in 0..self.inputs {
                    g[j * self.inputs + k] += w2 * s * x[k] * c;
                }
                g[self.b1_index(j)] += w2 * s * c;
                g[self.w2_index(j)] += a[j] * c;
            }
            g[self.b2_index()] += c;
        }
        g
    }

    /// The exact Hessian of L, or its Gauss–Newton part (dense p × p). Cost O(N·p²).
    pub fn hessian(&self, p: &DVector<f64>, data: &Data, curvature: Curvature) -> DMatrix<f64> {
        let n = data.x.nrows().max(1) as f64;
        let dim = self.params();
        let mut h = DMatrix::zeros(dim, dim);
        for (x, t) in Self::rows(data) {
            let (jac, a) = self.jacobian(p, &x);
            h.ger(1.0 / n, &jac, &jac, 1.0);
            if curvature == Curvature::GaussNewton {
                continue;
            }
            let r = self.predict(p, &x) - t;
            for j in 0..self.hidden {
                let s = 1.0 - a[j] * a[j];
                let curv = -2.0 * p[self.w2_index(j)] * a[j] * s;
                // (b₁ⱼ, W₁ⱼ·) as one vector u = (1, x): indices and values.
                let idx: Vec<usize> = std::iter::once(self.b1_index(j))
                    .chain((0..self.inputs).map(|k| j * self.inputs + k))
                    .collect();
                let val: Vec<f64> = std::iter::once(1.0).chain(x.iter().copied()).collect();
                let wj = self.w2_index(j);
                for (m, &im) in idx.iter().enumerate() {
                    let cross = r / n * s * val[m];
                    h[(wj, im)] += cross;
                    h[(im, wj)] += cross;
                    for (l, &il) in idx.iter().enumerate() {
                        h[(im, il)] += r / n * curv * val[m] * val[l];
                    }
                }
            }
        }
        h
    }

    /// `steps` steps of full-batch gradient descent; stops early once the weights are not finite.
    pub fn train(&self, p: &mut DVector<f64>, data: &Data, lr: f64, steps: usize) {
        for _ in 0..steps {
            let g = self.gradient(p, data);
            *p -= g * lr;
            if !p.iter().all(|v| v.is_finite()) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::random::SeededRng;
    use rand::SeedableRng as _;

    fn setup(seed: u64) -> (Mlp, DVector<f64>, Data) {
        let mut rng = SeededRng::seed_from_u64(seed);
        let net = Mlp {
            inputs: 3,
            hidden: 5,
        };
        let data = Data::regression(12, 3, 0.1, &mut rng);
        let p = net.init(&mut rng);
        (net, p, data)
    }

    #[test]
    fn gradient_and_hessian_match_central_differences() {
        for seed in 0..3 {
            let (net, p, data) = setup(seed);
            assert_eq!(net.params(), 26);
            let h = 1e-5;
            let g = net.gradient(&p, &data);
            let hess = net.hessian(&p, &data, Curvature::Full);
            for i in 0..net.params() {
                let mut e = DVector::zeros(net.params());
                e[i] = h;
                let fd = (net.loss(&(&p + &e), &data) - net.loss(&(&p - &e), &data)) / (2.0 * h);
                assert!((g[i] - fd).abs() < 1e-8, "∂L/∂p{i}: {} vs {fd}", g[i]);
                let col =
                    (net.gradient(&(&p + &e), &data) - net.gradient(&(&p - &e), &data)) / (2.0 * h);
                let err = (hess.column(i) - col).amax();
                assert!(err < 1e-7, "Hessian column {i}: error {err}");
            }
            assert!((&hess - hess.transpose()).amax() < 1e-14);
        }
    }

    /// The gradient accumulated in place is (1/N) Σ rᵢ Jᵢ from the per-sample Jacobians, to the bit.
    #[test]
    fn gradient_is_the_mean_of_residual_times_jacobian() {
        for seed in 0..3 {
            let (net, p, data) = setup(seed);
            let n = data.x.nrows();
            let mut want = DVector::zeros(net.params());
            for i in 0..n {
                let x: Vec<f64> = data.x.row(i).iter().copied().collect();
                want += net.jacobian(&p, &x).0 * ((net.predict(&p, &x) - data.t[i]) / n as f64);
            }
            assert_eq!(net.gradient(&p, &data), want);
        }
    }

    #[test]
    fn gauss_newton_is_the_jacobian_product_and_psd() {
        let (net, p, data) = setup(4);
        let gn = net.hessian(&p, &data, Curvature::GaussNewton);
        let n = data.x.nrows();
        let jac = DMatrix::from_fn(n, net.params(), |i, k| {
            let x: Vec<f64> = data.x.row(i).iter().copied().collect();
            net.jacobian(&p, &x).0[k]
        });
        let want = jac.transpose() * &jac / n as f64;
        assert!((&gn - want).amax() < 1e-14);
        let eig = gn.symmetric_eigenvalues();
        assert!(eig.min() > -1e-12, "{}", eig.min());
    }

    #[test]
    fn training_lowers_the_loss() {
        let (net, mut p, data) = setup(5);
        let before = net.loss(&p, &data);
        net.train(&mut p, &data, 0.2, 300);
        let after = net.loss(&p, &data);
        assert!(after < 0.5 * before, "{before} → {after}");
    }
}

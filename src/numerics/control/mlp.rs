//! The actor and critic networks of BLPO's control experiments (PureJaxRL's defaults): two tanh hidden
//! layers, a linear output, orthogonal initialisation (gain √2 for the hidden layers, the output's gain
//! chosen by the caller: 0.01 for the actor's logits, 1 for the critic), zero biases.
//!
//! z₁ = W₁x + b₁, a₁ = tanh z₁, z₂ = W₂a₁ + b₂, a₂ = tanh z₂, y = W₃a₂ + b₃. Parameters are one flat
//! vector p = [W₁ (row-major), b₁, W₂, b₂, W₃, b₃]. [`Mlp::backward`] is reverse mode (∇_p of ⟨d_out, y⟩);
//! [`Mlp::r_backward_batch`] is Pearlmutter's R-operator (1994): the directional derivative R{·} = d/dε|₀ of the
//! forward and backward passes along a direction v in parameter space, which gives exact Hessian–vector
//! products of any loss of y at the cost of about two gradients. Batches of inputs go through matrix
//! products (`*_batch`); the per-input passes are their reference.

use nalgebra::{DMatrix, DVector};
use rand::Rng;

use crate::numerics::random::gaussian;

/// The architecture: `inputs` → `hidden` → `hidden` → `outputs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mlp {
    pub inputs: usize,
    pub hidden: usize,
    pub outputs: usize,
}

/// Offsets of the six blocks in the flat parameter vector.
#[derive(Clone, Copy, Debug)]
struct Layout {
    w1: usize,
    b1: usize,
    w2: usize,
    b2: usize,
    w3: usize,
    b3: usize,
    len: usize,
}

/// The activations of one forward pass.
#[derive(Clone, Debug, Default)]
pub struct Forward {
    pub a1: Vec<f64>,
    pub a2: Vec<f64>,
    pub out: Vec<f64>,
}

/// An orthogonal matrix (rows × cols, orthonormal rows or columns, whichever are fewer) times `gain`: the
/// Q factor of a Gaussian matrix with the signs of R's diagonal, as `jax.nn.initializers.orthogonal`.
pub fn orthogonal<R: Rng + ?Sized>(
    rows: usize,
    cols: usize,
    gain: f64,
    rng: &mut R,
) -> DMatrix<f64> {
    let (n, m) = (rows.max(cols), rows.min(cols));
    let a = DMatrix::from_fn(n, m, |_, _| gaussian(rng));
    let qr = a.qr();
    let mut q = qr.q();
    let r = qr.r();
    for j in 0..m {
        if r[(j, j)] < 0.0 {
            q.column_mut(j).neg_mut();
        }
    }
    let q = if rows >= cols { q } else { q.transpose() };
    q * gain
}

impl Mlp {
    fn layout(&self) -> Layout {
        let (i, h, o) = (self.inputs, self.hidden, self.outputs);
        let w1 = 0;
        let b1 = w1 + h * i;
        let w2 = b1 + h;
        let b2 = w2 + h * h;
        let w3 = b2 + h;
        let b3 = w3 + o * h;
        Layout {
            w1,
            b1,
            w2,
            b2,
            w3,
            b3,
            len: b3 + o,
        }
    }

    /// Number of parameters.
    pub fn params(&self) -> usize {
        self.layout().len
    }

    /// Orthogonal weights (√2 for the hidden layers, `out_gain` for the output), zero biases.
    pub fn init<R: Rng + ?Sized>(&self, out_gain: f64, rng: &mut R) -> DVector<f64> {
        let l = self.layout();
        let mut p = DVector::zeros(l.len);
        let (i, h, o) = (self.inputs, self.hidden, self.outputs);
        for (at, rows, cols, gain) in [
            (l.w1, h, i, 2f64.sqrt()),
            (l.w2, h, h, 2f64.sqrt()),
            (l.w3, o, h, out_gain),
        ] {
            let w = orthogonal(rows, cols, gain, rng);
            for r in 0..rows {
                for c in 0..cols {
                    p[at + r * cols + c] = w[(r, c)];
                }
            }
        }
        p
    }

    /// y = W·x + b for the block of W (rows × x.len(), row-major) at `w` and of b at `b`.
    fn affine(p: &[f64], w: usize, b: usize, x: &[f64], rows: usize) -> Vec<f64> {
        let cols = x.len();
        (0..rows)
            .map(|r| {
                let row = &p[w + r * cols..w + (r + 1) * cols];
                p[b + r] + row.iter().zip(x).map(|(a, b)| a * b).sum::<f64>()
            })
            .collect()
    }

    /// The forward pass at one input.
    pub fn forward(&self, p: &[f64], x: &[f64]) -> Forward {
        let l = self.layout();
        let a1: Vec<f64> = Self::affine(p, l.w1, l.b1, x, self.hidden)
            .into_iter()
            .map(f64::tanh)
            .collect();
        let a2: Vec<f64> = Self::affine(p, l.w2, l.b2, &a1, self.hidden)
            .into_iter()
            .map(f64::tanh)
            .collect();
        let out = Self::affine(p, l.w3, l.b3, &a2, self.outputs);
        Forward { a1, a2, out }
    }

    /// Adds ∇_p ⟨d_out, y(x)⟩ to `grad` (one reverse pass through `f`, the forward pass at x).
    pub fn backward(&self, p: &[f64], x: &[f64], f: &Forward, d_out: &[f64], grad: &mut [f64]) {
        let l = self.layout();
        let h = self.hidden;
        let mut da2 = vec![0.0; h];
        for (o, &d) in d_out.iter().enumerate() {
            grad[l.b3 + o] += d;
            for j in 0..h {
                grad[l.w3 + o * h + j] += d * f.a2[j];
                da2[j] += d * p[l.w3 + o * h + j];
            }
        }
        let dz2: Vec<f64> = (0..h).map(|j| da2[j] * (1.0 - f.a2[j] * f.a2[j])).collect();
        let mut da1 = vec![0.0; h];
        for (r, &d) in dz2.iter().enumerate() {
            grad[l.b2 + r] += d;
            for c in 0..h {
                grad[l.w2 + r * h + c] += d * f.a1[c];
                da1[c] += d * p[l.w2 + r * h + c];
            }
        }
        let n = x.len();
        for r in 0..h {
            let d = da1[r] * (1.0 - f.a1[r] * f.a1[r]);
            grad[l.b1 + r] += d;
            for c in 0..n {
                grad[l.w1 + r * n + c] += d * x[c];
            }
        }
    }

    /// The weights as matrices (W₁, b₁, W₂, b₂, W₃, b₃) from the flat row-major layout.
    fn matrices(&self, p: &[f64]) -> [DMatrix<f64>; 6] {
        let l = self.layout();
        let (i, h, o) = (self.inputs, self.hidden, self.outputs);
        let m = |at: usize, rows: usize, cols: usize| {
            DMatrix::from_row_slice(rows, cols, &p[at..at + rows * cols])
        };
        [
            m(l.w1, h, i),
            m(l.b1, h, 1),
            m(l.w2, h, h),
            m(l.b2, h, 1),
            m(l.w3, o, h),
            m(l.b3, o, 1),
        ]
    }

    /// The forward pass of a batch (the columns of `x` are the inputs) as matrix products: the same
    /// numbers as [`Mlp::forward`] per column, several times faster for hundreds of inputs.
    pub fn forward_batch(&self, p: &[f64], x: &DMatrix<f64>) -> [DMatrix<f64>; 3] {
        let [w1, b1, w2, b2, w3, b3] = self.matrices(p);
        let affine = |w: &DMatrix<f64>, b: &DMatrix<f64>, a: &DMatrix<f64>| {
            let mut z = w * a;
            for mut col in z.column_iter_mut() {
                col += b.column(0);
            }
            z
        };
        let a1 = affine(&w1, &b1, x).map(f64::tanh);
        let a2 = affine(&w2, &b2, &a1).map(f64::tanh);
        let out = affine(&w3, &b3, &a2);
        [a1, a2, out]
    }

    /// Adds ∇_p Σⱼ ⟨d_out[:, j], y(x[:, j])⟩ to `grad`: [`Mlp::backward`] over a batch, by matrix products.
    pub fn backward_batch(
        &self,
        p: &[f64],
        x: &DMatrix<f64>,
        f: &[DMatrix<f64>; 3],
        d_out: &DMatrix<f64>,
        grad: &mut [f64],
    ) {
        let l = self.layout();
        let [_, _, w2, _, w3, _] = self.matrices(p);
        let [a1, a2, _] = f;
        let add = |grad: &mut [f64], at: usize, m: &DMatrix<f64>| {
            for r in 0..m.nrows() {
                for c in 0..m.ncols() {
                    grad[at + r * m.ncols() + c] += m[(r, c)];
                }
            }
        };
        let rows = |m: &DMatrix<f64>| DMatrix::from_fn(m.nrows(), 1, |r, _| m.row(r).sum());
        add(grad, l.w3, &(d_out * a2.transpose()));
        add(grad, l.b3, &rows(d_out));
        let dz2 = (w3.transpose() * d_out).component_mul(&a2.map(|a| 1.0 - a * a));
        add(grad, l.w2, &(&dz2 * a1.transpose()));
        add(grad, l.b2, &rows(&dz2));
        let dz1 = (w2.transpose() * &dz2).component_mul(&a1.map(|a| 1.0 - a * a));
        add(grad, l.w1, &(&dz1 * x.transpose()));
        add(grad, l.b1, &rows(&dz1));
    }

    /// Pearlmutter's R-operator over a batch (columns of `x`) for a scalar-output network: given the
    /// loss's output gradient as a function of (y, R{y}) row vectors, returns R{∇_p Σⱼ ℓ(yⱼ)} — the
    /// Hessian–vector product of the loss along `v` — by matrix products.
    pub fn r_backward_batch(
        &self,
        p: &[f64],
        v: &[f64],
        x: &DMatrix<f64>,
        d_out: impl Fn(&DMatrix<f64>, &DMatrix<f64>) -> (DMatrix<f64>, DMatrix<f64>),
    ) -> Vec<f64> {
        let l = self.layout();
        let [w1, b1, w2, b2, w3, b3] = self.matrices(p);
        let [v1, vb1, v2, vb2, v3, vb3] = self.matrices(v);
        let bias = |mut z: DMatrix<f64>, b: &DMatrix<f64>| {
            for mut col in z.column_iter_mut() {
                col += b.column(0);
            }
            z
        };
        let a1 = bias(&w1 * x, &b1).map(f64::tanh);
        let s1 = a1.map(|a| 1.0 - a * a);
        let a2 = bias(&w2 * &a1, &b2).map(f64::tanh);
        let s2 = a2.map(|a| 1.0 - a * a);
        let out = bias(&w3 * &a2, &b3);
        // R-forward.
        let ra1 = bias(&v1 * x, &vb1).component_mul(&s1);
        let ra2 = bias(&v2 * &a1 + &w2 * &ra1, &vb2).component_mul(&s2);
        let rout = bias(&v3 * &a2 + &w3 * &ra2, &vb3);
        let (d, rd) = d_out(&out, &rout);
        // R-backward: every product rule term of the reverse pass.
        let mut hv = vec![0.0; l.len];
        let add = |hv: &mut [f64], at: usize, m: &DMatrix<f64>| {
            for r in 0..m.nrows() {
                for c in 0..m.ncols() {
                    hv[at + r * m.ncols() + c] += m[(r, c)];
                }
            }
        };
        let rows = |m: &DMatrix<f64>| DMatrix::from_fn(m.nrows(), 1, |r, _| m.row(r).sum());
        add(
            &mut hv,
            l.w3,
            &(&rd * a2.transpose() + &d * ra2.transpose()),
        );
        add(&mut hv, l.b3, &rows(&rd));
        let da2 = w3.transpose() * &d;
        let rda2 = w3.transpose() * &rd + v3.transpose() * &d;
        let dz2 = da2.component_mul(&s2);
        let rdz2 = rda2.component_mul(&s2) - da2.component_mul(&a2).component_mul(&ra2) * 2.0;
        add(
            &mut hv,
            l.w2,
            &(&rdz2 * a1.transpose() + &dz2 * ra1.transpose()),
        );
        add(&mut hv, l.b2, &rows(&rdz2));
        let da1 = w2.transpose() * &dz2;
        let rda1 = w2.transpose() * &rdz2 + v2.transpose() * &dz2;
        let rdz1 = rda1.component_mul(&s1) - da1.component_mul(&a1).component_mul(&ra1) * 2.0;
        add(&mut hv, l.w1, &(&rdz1 * x.transpose()));
        add(&mut hv, l.b1, &rows(&rdz1));
        hv
    }

    /// The forward pass and its directional derivative along `v`: R{a₁}, R{a₂} and R{y} = J_p y · v (a
    /// Jacobian–vector product).
    pub fn r_forward(&self, p: &[f64], v: &[f64], x: &[f64]) -> (Forward, Forward) {
        let l = self.layout();
        let (h, n) = (self.hidden, x.len());
        let f = self.forward(p, x);
        // R{z} = (R W)·a + W·R{a} + R{b}, R{a} = (1 − a²) R{z}.
        let ra1: Vec<f64> = (0..h)
            .map(|r| {
                let rz = v[l.b1 + r] + (0..n).map(|c| v[l.w1 + r * n + c] * x[c]).sum::<f64>();
                (1.0 - f.a1[r] * f.a1[r]) * rz
            })
            .collect();
        let ra2: Vec<f64> = (0..h)
            .map(|r| {
                let rz = v[l.b2 + r]
                    + (0..h)
                        .map(|c| v[l.w2 + r * h + c] * f.a1[c] + p[l.w2 + r * h + c] * ra1[c])
                        .sum::<f64>();
                (1.0 - f.a2[r] * f.a2[r]) * rz
            })
            .collect();
        let out = (0..self.outputs)
            .map(|o| {
                v[l.b3 + o]
                    + (0..h)
                        .map(|j| v[l.w3 + o * h + j] * f.a2[j] + p[l.w3 + o * h + j] * ra2[j])
                        .sum::<f64>()
            })
            .collect();
        (
            f,
            Forward {
                a1: ra1,
                a2: ra2,
                out,
            },
        )
    }
}

/// The critic's loss of BLPO's Eq. 11 as the authors' code takes it: the mean squared error of V_ω to
/// fixed targets, L(ω) = (1/N) Σᵢ (V_ω(sᵢ) − yᵢ)², with its gradient and exact Hessian–vector products.
#[derive(Clone, Debug)]
pub struct CriticLoss<'a> {
    pub net: Mlp,
    pub inputs: &'a [Vec<f64>],
    pub targets: &'a [f64],
}

impl CriticLoss<'_> {
    /// The inputs as the columns of a matrix.
    fn columns(&self) -> DMatrix<f64> {
        DMatrix::from_fn(self.net.inputs, self.inputs.len(), |r, c| self.inputs[c][r])
    }

    pub fn value(&self, w: &[f64]) -> f64 {
        let n = self.inputs.len().max(1) as f64;
        let [_, _, out] = self.net.forward_batch(w, &self.columns());
        out.iter()
            .zip(self.targets)
            .map(|(v, y)| (v - y).powi(2))
            .sum::<f64>()
            / n
    }

    pub fn gradient(&self, w: &[f64]) -> DVector<f64> {
        let n = self.inputs.len().max(1) as f64;
        let x = self.columns();
        let f = self.net.forward_batch(w, &x);
        let d = DMatrix::from_fn(1, self.inputs.len(), |_, j| {
            2.0 * (f[2][(0, j)] - self.targets[j]) / n
        });
        let mut g = vec![0.0; w.len()];
        self.net.backward_batch(w, &x, &f, &d, &mut g);
        DVector::from_vec(g)
    }

    /// ∇²L(ω)·v = (2/N) Σᵢ (Jᵢᵀ(Jᵢv) + rᵢ ∇²Vᵢ v), exactly, by the R-operator over the batch.
    pub fn hvp(&self, w: &[f64], v: &[f64]) -> DVector<f64> {
        let n = self.inputs.len().max(1) as f64;
        let targets = DMatrix::from_row_slice(1, self.targets.len(), self.targets);
        let hv = self
            .net
            .r_backward_batch(w, v, &self.columns(), |out, rout| {
                ((out - &targets) * (2.0 / n), rout * (2.0 / n))
            });
        DVector::from_vec(hv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::random::SeededRng;
    use rand::SeedableRng as _;

    fn setup() -> (Mlp, DVector<f64>, Vec<Vec<f64>>, Vec<f64>, SeededRng) {
        let mut rng = SeededRng::seed_from_u64(11);
        let net = Mlp {
            inputs: 3,
            hidden: 5,
            outputs: 2,
        };
        let p = net.init(1.0, &mut rng);
        let xs: Vec<Vec<f64>> = (0..6)
            .map(|_| (0..3).map(|_| gaussian(&mut rng)).collect())
            .collect();
        let ys: Vec<f64> = (0..6).map(|_| gaussian(&mut rng)).collect();
        (net, p, xs, ys, rng)
    }

    #[test]
    fn orthogonal_initialisation_has_orthonormal_rows_or_columns() {
        let mut rng = SeededRng::seed_from_u64(1);
        for (r, c) in [(64, 4), (2, 64), (64, 64)] {
            let w = orthogonal(r, c, 2.0, &mut rng);
            let gram = if r >= c {
                w.transpose() * &w
            } else {
                &w * w.transpose()
            };
            let k = r.min(c);
            assert!((gram - DMatrix::identity(k, k) * 4.0).amax() < 1e-12);
        }
        let net = Mlp {
            inputs: 4,
            hidden: 64,
            outputs: 2,
        };
        assert_eq!(net.params(), 64 * 4 + 64 + 64 * 64 + 64 + 2 * 64 + 2);
    }

    #[test]
    fn the_batch_passes_equal_the_per_input_passes() {
        let (net, p, xs, _, _) = setup();
        let x = DMatrix::from_fn(3, xs.len(), |r, c| xs[c][r]);
        let d = DMatrix::from_fn(2, xs.len(), |r, c| (r as f64 + 1.0) * (c as f64 - 2.0));
        let f = net.forward_batch(p.as_slice(), &x);
        let mut batch = vec![0.0; p.len()];
        net.backward_batch(p.as_slice(), &x, &f, &d, &mut batch);
        let mut single = vec![0.0; p.len()];
        for (c, xc) in xs.iter().enumerate() {
            let fc = net.forward(p.as_slice(), xc);
            assert!((0..2).all(|o| (fc.out[o] - f[2][(o, c)]).abs() < 1e-14));
            net.backward(p.as_slice(), xc, &fc, &[d[(0, c)], d[(1, c)]], &mut single);
        }
        let worst = batch
            .iter()
            .zip(&single)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-12, "{worst}");
    }

    #[test]
    fn backward_matches_central_differences() {
        let (net, p, xs, _, _) = setup();
        let d_out = [0.7, -1.3];
        let objective = |p: &[f64]| {
            let y = net.forward(p, &xs[0]).out;
            d_out[0] * y[0] + d_out[1] * y[1]
        };
        let mut grad = vec![0.0; p.len()];
        let f = net.forward(p.as_slice(), &xs[0]);
        net.backward(p.as_slice(), &xs[0], &f, &d_out, &mut grad);
        let h = 1e-6;
        for k in 0..p.len() {
            let (mut a, mut b) = (p.clone(), p.clone());
            a[k] += h;
            b[k] -= h;
            let fd = (objective(a.as_slice()) - objective(b.as_slice())) / (2.0 * h);
            assert!(
                (fd - grad[k]).abs() < 1e-8,
                "param {k}: {fd} vs {}",
                grad[k]
            );
        }
    }

    #[test]
    fn critic_hessian_vector_products_match_central_differences_of_the_gradient() {
        let (mut net, _, xs, ys, mut rng) = setup();
        net.outputs = 1;
        let w = net.init(1.0, &mut rng);
        let loss = CriticLoss {
            net,
            inputs: &xs,
            targets: &ys,
        };
        // The gradient against differences of the loss.
        let g = loss.gradient(w.as_slice());
        let h = 1e-6;
        for k in 0..w.len() {
            let (mut a, mut b) = (w.clone(), w.clone());
            a[k] += h;
            b[k] -= h;
            let fd = (loss.value(a.as_slice()) - loss.value(b.as_slice())) / (2.0 * h);
            assert!((fd - g[k]).abs() < 1e-8, "{k}");
        }
        // Hv against differences of the gradient along v, for three random directions.
        for _ in 0..3 {
            let v = DVector::from_fn(w.len(), |_, _| gaussian(&mut rng));
            let hv = loss.hvp(w.as_slice(), v.as_slice());
            let eps = 1e-5;
            let fd = (loss.gradient((&w + &v * eps).as_slice())
                - loss.gradient((&w - &v * eps).as_slice()))
                / (2.0 * eps);
            assert!(
                (&fd - &hv).norm() < 1e-7 * hv.norm().max(1.0),
                "{} vs {}",
                fd.norm(),
                hv.norm()
            );
        }
    }
}

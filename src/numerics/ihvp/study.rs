//! IHVP error studies over batches of Hessians (BLPO Sec. 3, Figure 2; issue 5): the Hessian families,
//! the relative error ‖v̂ − v‖/‖v‖ of each method against the exact (H + αI)⁻¹b, and the summary the
//! paper's figure reads (mean, median, interquartile range, max, share with error > 1).

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng as _;

use super::spec::IhvpSpec;
use crate::numerics::nets::{Curvature, Data, Mlp};
use crate::numerics::random::{SeededRng, gaussian};

/// One problem of a batch: H (symmetric) and b.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub h: DMatrix<f64>,
    pub b: DVector<f64>,
}

impl Instance {
    /// Whether H or b has a non-finite entry (a network whose training diverged): every method's error
    /// on it is infinite, and the views and the CLI say so.
    pub fn diverged(&self) -> bool {
        !(self.h.iter().all(|v| v.is_finite()) && self.b.iter().all(|v| v.is_finite()))
    }
}

/// Small tanh networks d_in–h–1, each trained by full-batch gradient descent on its own seeded
/// regression set; H = the Hessian (or Gauss–Newton part) of the training loss at the trained weights,
/// b = the gradient of a validation loss there.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Networks {
    pub inputs: usize,
    pub hidden: usize,
    pub samples: usize,
    pub train_steps: usize,
    pub lr: f64,
    pub hessian: Curvature,
}

impl Default for Networks {
    fn default() -> Self {
        Self {
            inputs: 4,
            hidden: 8,
            samples: 32,
            train_steps: 300,
            lr: 0.1,
            hessian: Curvature::Full,
        }
    }
}

/// A bulk of small eigenvalues plus a few large outliers (the spectrum shape BLPO Sec. 6 cites), in a
/// random eigenbasis: outliers log-spaced in [0.1, 1], the bulk log-uniform in [1/κ, 10/κ] with a share of
/// it negated; b ~ N(0, I).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Spectrum {
    pub dim: usize,
    pub outliers: usize,
    pub condition: f64,
    pub negative_share: f64,
}

impl Default for Spectrum {
    fn default() -> Self {
        Self {
            dim: 64,
            outliers: 5,
            condition: 1e4,
            negative_share: 0.0,
        }
    }
}

impl Networks {
    pub fn mlp(&self) -> Mlp {
        Mlp {
            inputs: self.inputs,
            hidden: self.hidden,
        }
    }

    /// Instance `index` of the batch drawn from `seed`.
    pub fn instance(&self, seed: u64, index: usize) -> Instance {
        let mut training = self.start(seed, index);
        training.advance(usize::MAX);
        training.instance()
    }

    /// Instance `index`'s network and data sets drawn, its training not begun (a view trains it in
    /// slices with [`Training::advance`]).
    pub fn start(&self, seed: u64, index: usize) -> Training {
        let mut rng =
            SeededRng::seed_from_u64(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let net = self.mlp();
        let train = Data::regression(self.samples, self.inputs, 0.1, &mut rng);
        let valid = Data::regression(self.samples, self.inputs, 0.1, &mut rng);
        let p = net.init(&mut rng);
        Training {
            net,
            train,
            valid,
            p,
            left: self.train_steps,
            lr: self.lr,
            curvature: self.hessian,
        }
    }
}

/// A network of [`Networks`] in training: full-batch gradient descent, `left` steps to go (none once its
/// weights are not finite, as [`Mlp::train`] stops).
#[derive(Clone, Debug)]
pub struct Training {
    net: Mlp,
    train: Data,
    valid: Data,
    p: DVector<f64>,
    left: usize,
    lr: f64,
    curvature: Curvature,
}

impl Training {
    /// Up to `steps` more steps of training; true while steps are left.
    pub fn advance(&mut self, steps: usize) -> bool {
        let now = steps.min(self.left);
        self.net.train(&mut self.p, &self.train, self.lr, now);
        self.left = if self.p.iter().all(|v| v.is_finite()) {
            self.left - now
        } else {
            0
        };
        self.left > 0
    }

    /// The instance at the weights reached: H of the training loss, b = ∇ of the validation loss.
    pub fn instance(&self) -> Instance {
        Instance {
            h: self.net.hessian(&self.p, &self.train, self.curvature),
            b: self.net.gradient(&self.p, &self.valid),
        }
    }
}

impl Spectrum {
    /// p = `dim` eigenvalues: `outliers` log-spaced in [0.1, 1], the bulk in [1/κ, 10/κ] (κ = `condition`), none
    /// negated.
    pub fn positive(dim: usize, outliers: usize, condition: f64) -> Self {
        Self {
            dim,
            outliers,
            condition,
            negative_share: 0.0,
        }
    }

    /// The eigenvalues, largest first.
    pub fn eigenvalues(&self) -> Vec<f64> {
        let k = self.outliers.min(self.dim);
        let bulk = self.dim - k;
        let kappa = self.condition.max(1.0);
        let mut eig: Vec<f64> = (0..k)
            .map(|i| 10f64.powf(-(i as f64) / (k.max(2) - 1) as f64))
            .collect();
        let negatives = (self.negative_share.clamp(0.0, 1.0) * bulk as f64).round() as usize;
        eig.extend((0..bulk).map(|i| {
            let t = if bulk > 1 {
                i as f64 / (bulk - 1) as f64
            } else {
                0.0
            };
            let v = (10.0 / kappa).min(1.0) * (1.0 / 10f64.min(kappa)).powf(t);
            if i >= bulk - negatives { -v } else { v }
        }));
        eig
    }

    /// Instance `index` of the batch drawn from `seed`: Q diag(λ) Qᵀ with Q from the QR of a Gaussian.
    pub fn instance(&self, seed: u64, index: usize) -> Instance {
        let mut rng =
            SeededRng::seed_from_u64(seed ^ (index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
        let g = DMatrix::from_fn(self.dim, self.dim, |_, _| gaussian(&mut rng));
        let q = g.qr().q();
        let lambda = DMatrix::from_diagonal(&DVector::from_vec(self.eigenvalues()));
        let h = &q * lambda * q.transpose();
        Instance {
            h: (&h + h.transpose()) * 0.5,
            b: DVector::from_fn(self.dim, |_, _| gaussian(&mut rng)),
        }
    }
}

/// A batch as row-major f32 buffers (the GPU kernels' layout): all Hessians, then all right-hand sides.
pub fn f32_buffers(batch: &[Instance]) -> (Vec<f32>, Vec<f32>) {
    let hessians = batch
        .iter()
        .flat_map(|i| {
            i.h.transpose()
                .iter()
                .map(|&v| v as f32)
                .collect::<Vec<_>>()
        })
        .collect();
    let rhs = batch
        .iter()
        .flat_map(|i| i.b.iter().map(|&v| v as f32).collect::<Vec<_>>())
        .collect();
    (hessians, rhs)
}

/// The exact (H + αI)⁻¹b by LU, or `None` when H + αI is singular.
pub fn exact_solution(instance: &Instance, alpha: f64) -> Option<DVector<f64>> {
    let p = instance.h.nrows();
    (&instance.h + DMatrix::identity(p, p) * alpha)
        .lu()
        .solve(&instance.b)
}

/// ‖v̂ − v‖ / ‖v‖ of `spec` at ridge `alpha` (draw `draw`) against a known exact solution `exact`;
/// infinity when the method fails or its result is not a number.
pub fn error_against(
    instance: &Instance,
    spec: &IhvpSpec,
    alpha: f64,
    draw: u64,
    exact: &DVector<f64>,
) -> f64 {
    match spec.at(alpha, draw).solve(&instance.h, &instance.b) {
        Ok(r) => relative_distance(r.v.iter().copied(), exact),
        Err(_) => f64::INFINITY,
    }
}

/// ‖v̂ − v‖ / ‖v‖; infinity when it is not a number, or when v̂ has fewer entries than v.
pub fn relative_distance(got: impl IntoIterator<Item = f64>, exact: &DVector<f64>) -> f64 {
    let (mut n, mut diff) = (0, 0.0);
    for (g, e) in got.into_iter().zip(exact.iter()) {
        diff += (g - e).powi(2);
        n += 1;
    }
    let e = diff.sqrt() / exact.norm().max(f64::MIN_POSITIVE);
    if n < exact.len() || e.is_nan() {
        f64::INFINITY
    } else {
        e
    }
}

/// [`relative_distance`] per instance for f32 solutions laid out instance after instance (the IHVP
/// kernels' output), against the float64 exact solutions.
pub fn f32_errors(values: &[f32], exact: &[DVector<f64>]) -> Vec<f64> {
    let p = exact.first().map_or(0, DVector::len);
    exact
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let got = values.get(i * p..(i + 1) * p).unwrap_or(&[]);
            relative_distance(got.iter().map(|&g| f64::from(g)), v)
        })
        .collect()
}

/// ‖v̂ − v‖ / ‖v‖ of `spec` at ridge `alpha` against the exact solve; infinity when the method fails or
/// H + αI is singular.
pub fn relative_error(instance: &Instance, spec: &IhvpSpec, alpha: f64, draw: u64) -> f64 {
    match exact_solution(instance, alpha) {
        Some(exact) => error_against(instance, spec, alpha, draw, &exact),
        None => f64::INFINITY,
    }
}

/// Whether H + αI has a negative eigenvalue.
pub fn indefinite(instance: &Instance, alpha: f64) -> bool {
    crate::numerics::linalg::symmetric_eigenvalues(instance.h.clone())
        .is_some_and(|e| e.min() + alpha < 0.0)
}

/// The relative errors of `spec` at ridge `alpha` over a batch (instance i draws with offset i).
pub fn batch_errors(batch: &[Instance], spec: &IhvpSpec, alpha: f64) -> Vec<f64> {
    batch
        .iter()
        .enumerate()
        .map(|(i, inst)| relative_error(inst, spec, alpha, i as u64))
        .collect()
}

/// The summary of one method's errors over a batch.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ErrorStats {
    pub mean: f64,
    pub median: f64,
    pub q25: f64,
    pub q75: f64,
    pub max: f64,
    pub frac_above_1: f64,
}

/// Quantile by linear interpolation between order statistics (type 7, as NumPy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let x = q * (sorted.len() - 1) as f64;
    let (i, f) = (x.floor() as usize, x - x.floor());
    match sorted.get(i + 1) {
        Some(next) if f > 0.0 => sorted[i] + f * (next - sorted[i]),
        _ => sorted[i],
    }
}

impl ErrorStats {
    pub fn of(errors: &[f64]) -> Self {
        let mut sorted = errors.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len().max(1) as f64;
        Self {
            mean: sorted.iter().sum::<f64>() / n,
            median: quantile(&sorted, 0.5),
            q25: quantile(&sorted, 0.25),
            q75: quantile(&sorted, 0.75),
            max: sorted.last().copied().unwrap_or(f64::NAN),
            frac_above_1: sorted.iter().filter(|e| **e > 1.0).count() as f64 / n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::ihvp::nystrom::NystromVariant;
    use crate::numerics::ihvp::spec::Sampling;
    use crate::numerics::ihvp::sweep::{cost_curve, regime_map};

    #[test]
    fn cost_curves_fall_to_exact_and_the_regime_map_follows_them() {
        let fam = Spectrum::positive(12, 2, 50.0);
        let batch: Vec<Instance> = (0..6).map(|i| fam.instance(9, i)).collect();
        let cg = IhvpSpec::cg(0.0, 1);
        let curve = cost_curve(&batch, &cg, 0.01, &[1, 4, 12]);
        let medians: Vec<f64> = curve.iter().map(|(_, s)| s.median).collect();
        assert!(medians[0] > medians[1] && medians[2] < 1e-5, "{medians:?}");
        let nys = IhvpSpec::Nystrom {
            alpha: 0.0,
            rank: 3,
            sampling: Sampling::Uniform,
            columns: Some(vec![0, 1, 2]),
            seed: 0,
            variant: NystromVariant::Pinv,
            draw: Default::default(),
        };
        let curve = cost_curve(&batch, &nys, 0.5, &[2, 12, 40]);
        assert_eq!(curve.len(), 2, "rank 40 > p is skipped");
        assert!(curve[1].1.max < 1e-6, "every column: exact");
        let map = regime_map(&batch, &cg, &[0.01, 1.0], &[1, 12]);
        assert_eq!(map.len(), 2);
        assert!(map[1][0] < map[0][0], "a larger ridge helps one CG step");
        assert_eq!(IhvpSpec::Exact { alpha: 0.0 }.with_budget(3), None);
    }

    #[test]
    fn quantiles_and_stats_by_hand() {
        let s = ErrorStats::of(&[4.0, 1.0, 3.0, 2.0, 0.5]);
        assert_eq!((s.median, s.q25, s.q75, s.max), (2.0, 1.0, 3.0, 4.0));
        assert!((s.mean - 2.1).abs() < 1e-15);
        assert!((s.frac_above_1 - 0.6).abs() < 1e-15);
        assert_eq!(quantile(&[0.0, 10.0], 0.25), 2.5);
    }

    #[test]
    fn spectrum_family_has_the_asked_eigenvalues() {
        let fam = Spectrum {
            dim: 20,
            outliers: 3,
            condition: 1e3,
            negative_share: 0.25,
        };
        let inst = fam.instance(1, 0);
        let mut want = fam.eigenvalues();
        want.sort_by(f64::total_cmp);
        let got = inst.h.clone().symmetric_eigenvalues();
        let mut got: Vec<f64> = got.iter().copied().collect();
        got.sort_by(f64::total_cmp);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-12, "{g} vs {w}");
        }
        assert_eq!(want.iter().filter(|v| **v < 0.0).count(), 4);
        assert!((want[want.len() - 1] - 1.0).abs() < 1e-15);
        assert!(indefinite(&inst, 0.0) && !indefinite(&inst, 0.02));
        assert_ne!(fam.instance(1, 0).h, fam.instance(1, 1).h);
    }

    #[test]
    fn exact_is_exact_and_networks_are_mostly_indefinite() {
        let fam = Networks::default();
        let inst = fam.instance(0, 0);
        assert_eq!(inst.h.nrows(), 49);
        let exact = IhvpSpec::Exact { alpha: 0.0 };
        assert!(relative_error(&inst, &exact, 1.0, 0) < 1e-10);
        let nys_all = IhvpSpec::Nystrom {
            alpha: 0.0,
            rank: 49,
            sampling: Sampling::Uniform,
            columns: None,
            seed: 0,
            variant: NystromVariant::Pinv,
            draw: Default::default(),
        };
        let e = relative_error(&inst, &nys_all, 1.0, 3);
        assert!(e < 1e-6, "Nyström with every column is exact: {e}");
        let indefinite_share = (0..8)
            .filter(|&i| indefinite(&fam.instance(0, i), 0.0))
            .count();
        assert!(
            indefinite_share >= 4,
            "{indefinite_share} of 8 full Hessians indefinite"
        );
        let gn = Networks {
            hessian: Curvature::GaussNewton,
            ..fam
        };
        assert!(!indefinite(&gn.instance(0, 0), 1e-9));
    }

    /// Median errors (Nyström, CG) at one α and one equal budget (q columns = k iterations = that many
    /// HVPs) over the first `n` instances of a family.
    fn head_to_head(batch: &[Instance], alpha: f64, budget: usize) -> (f64, f64) {
        let nys = IhvpSpec::Nystrom {
            alpha: 0.0,
            rank: budget,
            sampling: Sampling::Uniform,
            columns: None,
            seed: 0,
            variant: NystromVariant::Paper,
            draw: Default::default(),
        };
        let cg = IhvpSpec::cg(0.0, budget);
        let median = |spec: &IhvpSpec| cost_curve(batch, spec, alpha, &[budget])[0].1.median;
        (median(&nys), median(&cg))
    }

    #[test]
    fn cg_beats_nystrom_by_orders_on_trained_network_hessians_at_alpha_1() {
        // Full Hessians of 20 trained 4–8–1 networks (p = 49), α = 1, 8 HVPs each: CG's Krylov space
        // resolves the few large eigenvalues and α does the rest; 8 random columns miss most directions.
        let fam = Networks::default();
        let batch: Vec<Instance> = (0..20).map(|i| fam.instance(0, i)).collect();
        let (nys, cg) = head_to_head(&batch, 1.0, 8);
        assert!(cg < 1e-5 && nys > 0.05, "CG {cg:.1e}, Nyström {nys:.1e}");
    }

    #[test]
    fn nystrom_beats_cg_when_q_matches_a_few_outliers_over_a_tiny_bulk() {
        // p = 64, 5 outliers in [0.1, 1] over a bulk in [1e-6, 1e-5], α = 0.01, 5 HVPs each: 5 columns
        // span the outliers' range almost exactly and the bulk is far below α; 5 CG steps must also
        // place a root near the bulk cluster at α, and fall short.
        let fam = Spectrum::positive(64, 5, 1e6);
        let batch: Vec<Instance> = (0..20).map(|i| fam.instance(0, i)).collect();
        let (nys, cg) = head_to_head(&batch, 0.01, 5);
        assert!(nys * 5.0 < cg, "Nyström {nys:.1e}, CG {cg:.1e}");
        // With one HVP more CG is exact: the regime is narrow.
        let (_, cg8) = head_to_head(&batch, 0.01, 8);
        assert!(cg8 < nys * 1e-3, "CG at 8 HVPs {cg8:.1e}");
    }

    #[test]
    fn nystrom_is_exact_once_q_reaches_the_rank_of_a_gauss_newton_hessian() {
        // Gauss–Newton JᵀJ/N of a 4–8–1 network on N = 32 samples has rank ≤ 32 < p = 49: 32 columns span
        // its range and Nyström is exact up to rounding, while 32 CG steps at α = 1e-3 are not.
        let fam = Networks {
            hessian: Curvature::GaussNewton,
            ..Networks::default()
        };
        let batch: Vec<Instance> = (0..12).map(|i| fam.instance(0, i)).collect();
        let (nys, cg) = head_to_head(&batch, 1e-3, 32);
        assert!(nys < 1e-6 && cg > 1e-5, "Nyström {nys:.1e}, CG {cg:.1e}");
    }
}

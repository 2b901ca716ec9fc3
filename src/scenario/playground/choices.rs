//! The playground's choices: which problem a run uses (the algorithms and IHVP methods are described
//! beside their specs in `numerics`), the editable quadratic problem's data, and the conditioning slider's
//! eigenvalue spread.

use serde::{Deserialize, Serialize};

/// The problems of the numerics core.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// f = (x − 1)² + (y − 2)², g = (y − x)²: Nash (1, 1) ≠ Stackelberg (1.5, 1.5).
    Toy,
    /// Zheng et al.'s one-step actor–critic game.
    ActorCritic,
    /// Per-feature ridge penalties (lecture 004).
    RidgeHpo,
    /// Data hyper-cleaning: per-sample weights.
    HyperCleaning,
    /// LancBiO's synthetic problem with an ill-conditioned inner Hessian.
    Lancbio,
    /// Multi-task representation learning (lecture 004, Eq. 6).
    Representation,
    /// Pruning: a mask on a linear model's weights (lecture 004, Eq. 8).
    Pruning,
    /// The quadratic problem with the state's own matrices (editable; the CLI's `quadratic`).
    Quadratic,
}

impl ProblemKind {
    pub const ALL: [(ProblemKind, &'static str); 8] = [
        (ProblemKind::Toy, "1-D toy: Nash ≠ Stackelberg"),
        (ProblemKind::ActorCritic, "one-step actor–critic"),
        (ProblemKind::RidgeHpo, "ridge-regression HPO"),
        (ProblemKind::HyperCleaning, "data hyper-cleaning"),
        (ProblemKind::Lancbio, "LancBiO synthetic"),
        (ProblemKind::Representation, "representation learning"),
        (ProblemKind::Pruning, "pruning (a weight mask)"),
        (ProblemKind::Quadratic, "quadratic (editable)"),
    ];
}

/// The quadratic problem's data, named as in the CLI (`A`, `B`, …; see `problems::quadratic`):
/// f = ½ yᵀAy + xᵀBy + aᵀx + cᵀy + ½ xᵀEx, g = ½ yᵀHy − yᵀ(Cx + d).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuadraticData {
    #[serde(rename = "A")]
    pub a_mat: Vec<Vec<f64>>,
    #[serde(rename = "B")]
    pub b_mat: Vec<Vec<f64>>,
    #[serde(rename = "E")]
    pub e_mat: Vec<Vec<f64>>,
    pub a: Vec<f64>,
    pub c: Vec<f64>,
    #[serde(rename = "H")]
    pub h_mat: Vec<Vec<f64>>,
    #[serde(rename = "C")]
    pub c_mat: Vec<Vec<f64>>,
    pub d: Vec<f64>,
}

impl Default for QuadraticData {
    /// x, y ∈ ℝ²: the follower tracks a rotated, stretched copy of x; the leader wants y near (1, 1)
    /// and x small.
    fn default() -> Self {
        Self {
            a_mat: vec![vec![1.0, 0.0], vec![0.0, 1.0]],
            b_mat: vec![vec![0.0, 0.0], vec![0.0, 0.0]],
            e_mat: vec![vec![0.2, 0.0], vec![0.0, 0.2]],
            a: vec![0.0, 0.0],
            c: vec![-1.0, -1.0],
            h_mat: vec![vec![2.0, 1.0], vec![1.0, 2.0]],
            c_mat: vec![vec![1.0, 0.5], vec![-0.5, 1.0]],
            d: vec![0.0, 0.0],
        }
    }
}

/// H with its eigenvalue spread set to κ: same eigenvectors and largest eigenvalue λ₁, the others
/// log-spaced down to λ₁/κ (issue 6's conditioning slider). κ ≤ 1 or a non-square H: unchanged.
pub fn condition_to(h: &[Vec<f64>], kappa: f64) -> Vec<Vec<f64>> {
    let m = h.len();
    if kappa <= 1.0 || m < 2 || h.iter().any(|r| r.len() != m) {
        return h.to_vec();
    }
    let mat = nalgebra::DMatrix::from_fn(m, m, |i, j| 0.5 * (h[i][j] + h[j][i]));
    let Some(eig) = crate::numerics::linalg::symmetric_eigen(mat) else {
        return h.to_vec();
    };
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[j].total_cmp(&eig.eigenvalues[i]));
    let top = eig.eigenvalues[order[0]].abs().max(f64::MIN_POSITIVE);
    let mut lambda = nalgebra::DVector::zeros(m);
    for (rank, &i) in order.iter().enumerate() {
        lambda[i] = top * kappa.powf(-(rank as f64) / (m - 1) as f64);
    }
    let out = &eig.eigenvectors
        * nalgebra::DMatrix::from_diagonal(&lambda)
        * eig.eigenvectors.transpose();
    (0..m)
        .map(|i| (0..m).map(|j| out[(i, j)]).collect())
        .collect()
}

//! Small seeded synthetic data sets for the learning problems.

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng as _;

use crate::numerics::random::SeededRng;

pub use crate::numerics::random::gaussian;

/// A regression set: features X (rows = samples), targets y = X w_true + noise, where only the first
/// half of the features matter (so per-feature penalties have something to find).
pub fn regression(
    samples: usize,
    features: usize,
    noise: f64,
    rng: &mut SeededRng,
) -> (DMatrix<f64>, DVector<f64>) {
    let w_true = DVector::from_fn(features, |j, _| {
        if j < features.div_ceil(2) {
            1.0 + j as f64
        } else {
            0.0
        }
    });
    let x = DMatrix::from_fn(samples, features, |_, _| gaussian(rng));
    let y = &x * w_true + DVector::from_fn(samples, |_, _| noise * gaussian(rng));
    (x, y)
}

/// A binary classification set (labels ±1) of two Gaussian blobs in `features` dimensions plus a bias
/// column; a fraction `corrupt` of the labels is flipped (the first ⌊corrupt·n⌋ samples).
pub fn blobs(
    samples: usize,
    features: usize,
    corrupt: f64,
    seed: u64,
) -> (DMatrix<f64>, DVector<f64>) {
    let mut rng = SeededRng::seed_from_u64(seed);
    let labels = DVector::from_fn(samples, |i, _| if i % 2 == 0 { 1.0 } else { -1.0 });
    let x = DMatrix::from_fn(samples, features + 1, |i, j| {
        if j == features {
            1.0
        } else {
            labels[i] * 1.0 + gaussian(&mut rng)
        }
    });
    let flips = (corrupt.clamp(0.0, 1.0) * samples as f64) as usize;
    let noisy = DVector::from_fn(
        samples,
        |i, _| if i < flips { -labels[i] } else { labels[i] },
    );
    (x, noisy)
}

/// `batch` rows of (a, t) drawn uniformly with replacement: a minibatch whose mean losses and their
/// derivatives are unbiased for the whole set's.
pub fn resample(
    a: &DMatrix<f64>,
    t: &DVector<f64>,
    batch: usize,
    rng: &mut SeededRng,
) -> (DMatrix<f64>, DVector<f64>) {
    use rand::Rng as _;
    let pick: Vec<usize> = (0..batch).map(|_| rng.random_range(0..a.nrows())).collect();
    (a.select_rows(&pick), t.select_rows(&pick))
}

/// A supervised task's data: training and validation features (a row per sample) and targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// The training set: N rows of features, N targets (the inner problem's data).
    pub train_x: DMatrix<f64>,
    pub train_y: DVector<f64>,
    /// The validation set: N_v rows and targets (the outer problem's data).
    pub val_x: DMatrix<f64>,
    pub val_y: DVector<f64>,
}

impl Split {
    /// From a training and a validation set, each (features, targets).
    pub fn new(train: (DMatrix<f64>, DVector<f64>), val: (DMatrix<f64>, DVector<f64>)) -> Self {
        let ((train_x, train_y), (val_x, val_y)) = (train, val);
        Self {
            train_x,
            train_y,
            val_x,
            val_y,
        }
    }

    /// The training set, then the validation set, each from `draw`.
    pub fn drawn(mut draw: impl FnMut() -> (DMatrix<f64>, DVector<f64>)) -> Self {
        let train = draw();
        Self::new(train, draw())
    }

    /// `batch` training and `batch` validation rows drawn with replacement ([`resample`], training first):
    /// the problems' losses are means, so a minibatch's derivatives are unbiased.
    pub fn minibatch(&self, batch: usize, rng: &mut SeededRng) -> Self {
        let train = resample(&self.train_x, &self.train_y, batch, rng);
        Self::new(train, resample(&self.val_x, &self.val_y, batch, rng))
    }

    /// Training samples N.
    pub fn n_train(&self) -> f64 {
        self.train_x.nrows() as f64
    }

    /// Validation samples N_v.
    pub fn n_val(&self) -> f64 {
        self.val_x.nrows() as f64
    }
}

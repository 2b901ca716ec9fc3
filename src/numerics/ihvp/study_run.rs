//! An IHVP study as a stepper (issue 5): one Hessian per [`StudyRun::step`] — draw it, solve it exactly,
//! run every method on it; a network's training takes [`TRAIN_SLICE`] steps per call first — so a view
//! can spread a batch over frames and show the histograms filling in, and the CLI can run it to the end.
//! Same draws and errors as [`super::study::batch_errors`].

use super::spec::IhvpSpec;
use nalgebra::DVector;

use super::study::{
    ErrorStats, Instance, Networks, Spectrum, Training, error_against, exact_solution,
};

/// Training steps of a network per [`StudyRun::step`] (300 steps of the default network were one
/// 15–20 ms unit of work in the browser).
pub const TRAIN_SLICE: usize = 50;

/// Where the Hessians come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Family {
    Networks(Networks),
    Spectrum(Spectrum),
    Given(Instance),
}

impl Family {
    /// Instance `index` of the batch drawn from `seed` (the given matrix for every index).
    pub fn instance(&self, seed: u64, index: usize) -> Instance {
        match self {
            Family::Networks(n) => n.instance(seed, index),
            Family::Spectrum(s) => s.instance(seed, index),
            Family::Given(i) => i.clone(),
        }
    }
}

/// A study in progress.
#[derive(Clone, Debug)]
pub struct StudyRun {
    pub family: Family,
    pub seed: u64,
    pub size: usize,
    pub alpha: f64,
    pub methods: Vec<IhvpSpec>,
    /// errors[m][i]: relative error of method m on instance i (infinite where it failed).
    pub errors: Vec<Vec<f64>>,
    /// How many of the instances so far have an indefinite H + αI.
    pub indefinite: usize,
    /// How many have a non-finite H or b (their network's training diverged).
    pub diverged: usize,
    /// The instances drawn so far (kept for close-ups and GPU batches).
    pub instances: Vec<Instance>,
    /// Each instance's exact solution of (H + αI)v = b, solved once and shared by every method and the
    /// f32 batch (`None` where H + αI is singular).
    pub exact: Vec<Option<DVector<f64>>>,
    /// Each instance's eigenvalues of H, ascending (for the spectrum plots).
    pub spectra: Vec<Vec<f64>>,
    /// The next instance's network while it trains.
    training: Option<Training>,
}

impl StudyRun {
    pub fn new(family: Family, seed: u64, size: usize, alpha: f64, methods: Vec<IhvpSpec>) -> Self {
        let errors = vec![Vec::with_capacity(size); methods.len()];
        Self {
            family,
            seed,
            size,
            alpha,
            methods,
            errors,
            indefinite: 0,
            diverged: 0,
            instances: Vec::with_capacity(size),
            exact: Vec::with_capacity(size),
            spectra: Vec::with_capacity(size),
            training: None,
        }
    }

    /// Instances done.
    pub fn done(&self) -> usize {
        self.instances.len()
    }

    pub fn finished(&self) -> bool {
        self.done() >= self.size
    }

    /// Trains the next instance's network a slice further, or draws, solves and scores the next instance;
    /// false once the batch is complete.
    pub fn step(&mut self) -> bool {
        if self.finished() {
            return false;
        }
        let i = self.done();
        let inst = match &self.family {
            Family::Networks(n) => {
                let training = self.training.get_or_insert_with(|| n.start(self.seed, i));
                if training.advance(TRAIN_SLICE) {
                    return true;
                }
                let inst = training.instance();
                self.training = None;
                inst
            }
            family => family.instance(self.seed, i),
        };
        // A non-finite Hessian (a diverged training run) has no spectrum: NaN, counted as not indefinite.
        let mut eig: Vec<f64> = crate::numerics::linalg::symmetric_eigenvalues(inst.h.clone())
            .map_or_else(
                || vec![f64::NAN; inst.h.nrows()],
                |e| e.iter().copied().collect(),
            );
        eig.sort_by(f64::total_cmp);
        if eig.first().is_some_and(|l| l + self.alpha < 0.0) {
            self.indefinite += 1;
        }
        self.diverged += usize::from(inst.diverged());
        self.spectra.push(eig);
        let exact = exact_solution(&inst, self.alpha);
        for (m, spec) in self.methods.iter().enumerate() {
            let error = exact.as_ref().map_or(f64::INFINITY, |e| {
                error_against(&inst, spec, self.alpha, i as u64, e)
            });
            self.errors[m].push(error);
        }
        self.exact.push(exact);
        self.instances.push(inst);
        true
    }

    /// Runs to the end.
    pub fn finish(&mut self) {
        while self.step() {}
    }

    /// Each method's statistics over the instances done so far.
    pub fn stats(&self) -> Vec<ErrorStats> {
        self.errors.iter().map(|e| ErrorStats::of(e)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::ihvp::study::{batch_errors, indefinite};

    #[test]
    fn stepping_equals_the_batch_evaluation() {
        let fam = Spectrum {
            dim: 10,
            outliers: 2,
            condition: 30.0,
            negative_share: 0.3,
        };
        let methods = vec![IhvpSpec::cg(0.0, 4), IhvpSpec::Identity { alpha: 0.0 }];
        let mut run = StudyRun::new(Family::Spectrum(fam.clone()), 7, 5, 0.01, methods.clone());
        assert!(run.step() && run.done() == 1 && !run.finished());
        run.finish();
        assert!(run.finished() && !run.step());
        let batch: Vec<Instance> = (0..5).map(|i| fam.instance(7, i)).collect();
        for (m, spec) in methods.iter().enumerate() {
            assert_eq!(run.errors[m], batch_errors(&batch, spec, 0.01));
        }
        let want = batch.iter().filter(|i| indefinite(i, 0.01)).count();
        assert_eq!(run.indefinite, want);
        assert!(want > 0, "30% of the bulk is negative");
        assert_eq!(run.stats().len(), 2);
        assert_eq!(run.spectra.len(), 5);
        assert!(run.spectra[0].windows(2).all(|w| w[0] <= w[1]), "ascending");
    }

    /// A network's training sliced over steps gives the instance trained in one go (also when the
    /// training diverges and stops early), and the study's errors are the batch's.
    #[test]
    fn networks_trained_in_slices_are_the_batch() {
        let methods = vec![IhvpSpec::cg(0.0, 6)];
        for lr in [0.1, 1e12] {
            let fam = Networks {
                inputs: 3,
                hidden: 4,
                samples: 10,
                train_steps: 2 * TRAIN_SLICE + 7,
                lr,
                ..Networks::default()
            };
            let mut run = StudyRun::new(Family::Networks(fam.clone()), 3, 4, 0.5, methods.clone());
            let mut calls = 0;
            while run.step() {
                calls += 1;
            }
            let batch: Vec<Instance> = (0..4).map(|i| fam.instance(3, i)).collect();
            // Bit for bit (a diverged network's H and b hold NaNs).
            let bits = |b: &[Instance]| -> Vec<u64> {
                b.iter()
                    .flat_map(|i| i.h.iter().chain(i.b.iter()).map(|v| v.to_bits()))
                    .collect()
            };
            assert!(bits(&run.instances) == bits(&batch), "lr {lr}");
            assert_eq!(run.errors[0], batch_errors(&batch, &methods[0], 0.5));
            if lr < 1.0 {
                assert_eq!(
                    calls,
                    4 * 3,
                    "three slices a network, the last one draws it"
                );
                assert_eq!(run.diverged, 0);
            } else {
                assert!(
                    calls < 4 * 3,
                    "a diverged training stops early: {calls} calls"
                );
                assert_eq!(run.diverged, 4);
            }
        }
    }
}

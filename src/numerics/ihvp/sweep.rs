//! A sweep of IHVP methods over ridges α and work budgets on one batch of Hessians, as a stepper (issue 5:
//! "error vs cost" and the regime map). One [`Sweep::step`] scores one method at one budget on one
//! (α, instance) pair against the pair's exact LU solve (made by the pair's first step) — so a view
//! spreads the sweep over frames a solve at a time, and the batch functions [`cost_curve`]
//! and [`regime_map`] run it to the end.
//! Instance i uses draw i, as in [`super::study::batch_errors`].

use nalgebra::DVector;

use super::spec::IhvpSpec;
use super::study::{ErrorStats, Instance, error_against, exact_solution};

/// A sweep in progress.
#[derive(Clone, Debug)]
pub struct Sweep {
    instances: Vec<Instance>,
    pub methods: Vec<IhvpSpec>,
    pub alphas: Vec<f64>,
    pub budgets: Vec<usize>,
    /// errors[a][m][k][i]: method m at ridge alphas[a] and budget budgets[k] on instance i; empty where
    /// the method cannot take the budget (a rank above p; exact and identity have no budget).
    errors: Vec<Vec<Vec<Vec<f64>>>>,
    /// (α, instance) pairs done, α-major.
    next: usize,
    /// The next (method, budget) cell of the current pair, method-major.
    cell: usize,
    /// The current pair's exact solution, once solved (`None` inside: singular).
    exact: Option<Option<DVector<f64>>>,
}

impl Sweep {
    pub fn new(
        instances: Vec<Instance>,
        methods: Vec<IhvpSpec>,
        alphas: Vec<f64>,
        budgets: Vec<usize>,
    ) -> Self {
        let errors = vec![vec![vec![Vec::new(); budgets.len()]; methods.len()]; alphas.len()];
        Self {
            instances,
            methods,
            alphas,
            budgets,
            errors,
            next: 0,
            cell: 0,
            exact: None,
        }
    }

    /// (pairs done, pairs in all).
    pub fn progress(&self) -> (usize, usize) {
        (self.next, self.alphas.len() * self.instances.len())
    }

    pub fn finished(&self) -> bool {
        let (done, all) = self.progress();
        done >= all
    }

    /// The method at `budget`, if it can take it at dimension p.
    fn budgeted(spec: &IhvpSpec, budget: usize, alpha: f64, p: usize) -> Option<IhvpSpec> {
        let s = spec.with_budget(budget)?;
        s.at(alpha, 0).validate(p).ok()?;
        Some(s)
    }

    /// Scores the next method at the next budget on the current (α, instance); false once the sweep is
    /// complete.
    pub fn step(&mut self) -> bool {
        if self.finished() {
            return false;
        }
        let n = self.instances.len();
        let (a, i) = (self.next / n, self.next % n);
        let alpha = self.alphas[a];
        let inst = &self.instances[i];
        let cells = self.methods.len() * self.budgets.len();
        if self.cell < cells {
            let (m, k) = (
                self.cell / self.budgets.len(),
                self.cell % self.budgets.len(),
            );
            let exact = self
                .exact
                .get_or_insert_with(|| exact_solution(inst, alpha));
            if let Some(s) = Self::budgeted(&self.methods[m], self.budgets[k], alpha, inst.b.len())
            {
                let e = exact.as_ref().map_or(f64::INFINITY, |x| {
                    error_against(inst, &s, alpha, i as u64, x)
                });
                self.errors[a][m][k].push(e);
            }
            self.cell += 1;
        }
        if self.cell >= cells {
            self.cell = 0;
            self.exact = None;
            self.next += 1;
        }
        true
    }

    /// Runs to the end.
    pub fn finish(&mut self) {
        while self.step() {}
    }

    /// Method m's statistics per budget at ridge index a, over the instances done so far (budgets the
    /// method cannot take are left out).
    pub fn curve(&self, a: usize, m: usize) -> Vec<(usize, ErrorStats)> {
        self.budgets
            .iter()
            .zip(&self.errors[a][m])
            .filter(|(_, e)| !e.is_empty())
            .map(|(&k, e)| (k, ErrorStats::of(e)))
            .collect()
    }

    /// Method m's median error over the grid: rows = α, columns = budgets (NaN where nothing was scored).
    pub fn medians(&self, m: usize) -> Vec<Vec<f64>> {
        self.errors
            .iter()
            .map(|per_method| {
                per_method[m]
                    .iter()
                    .map(|e| {
                        if e.is_empty() {
                            f64::NAN
                        } else {
                            ErrorStats::of(e).median
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// Error against cost (issue 5, "error vs cost"): the batch's error statistics of `spec` at each budget
/// (iterations, or Nyström's rank). Budgets a method cannot take (rank > p) are skipped.
pub fn cost_curve(
    batch: &[Instance],
    spec: &IhvpSpec,
    alpha: f64,
    budgets: &[usize],
) -> Vec<(usize, ErrorStats)> {
    let mut sweep = Sweep::new(
        batch.to_vec(),
        vec![spec.clone()],
        vec![alpha],
        budgets.to_vec(),
    );
    sweep.finish();
    sweep.curve(0, 0)
}

/// The regime map (issue 5): median error of `spec` over a grid, rows = `alphas`, columns = `budgets`
/// (NaN where the method cannot take the budget).
pub fn regime_map(
    batch: &[Instance],
    spec: &IhvpSpec,
    alphas: &[f64],
    budgets: &[usize],
) -> Vec<Vec<f64>> {
    let mut sweep = Sweep::new(
        batch.to_vec(),
        vec![spec.clone()],
        alphas.to_vec(),
        budgets.to_vec(),
    );
    sweep.finish();
    sweep.medians(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::ihvp::study::{Spectrum, batch_errors};

    #[test]
    fn a_sweep_cell_equals_the_batch_errors_of_the_budgeted_method() {
        let fam = Spectrum::positive(10, 2, 100.0);
        let batch: Vec<Instance> = (0..4).map(|i| fam.instance(3, i)).collect();
        let cg = IhvpSpec::cg(0.0, 1);
        let nys = IhvpSpec::Nystrom {
            alpha: 0.0,
            rank: 1,
            sampling: crate::numerics::ihvp::spec::Sampling::Uniform,
            columns: None,
            seed: 5,
            variant: crate::numerics::ihvp::nystrom::NystromVariant::Paper,
            draw: Default::default(),
        };
        let mut sweep = Sweep::new(
            batch.clone(),
            vec![cg.clone(), nys.clone()],
            vec![0.1, 1.0],
            vec![3, 20],
        );
        assert_eq!(sweep.progress(), (0, 8));
        assert!(sweep.step());
        sweep.finish();
        assert!(sweep.finished() && !sweep.step());
        let want = batch_errors(&batch, &cg.with_budget(20).unwrap_or(cg.clone()), 1.0);
        assert_eq!(sweep.curve(1, 0)[1].1, ErrorStats::of(&want));
        let want = batch_errors(&batch, &nys.with_budget(3).unwrap_or(nys.clone()), 0.1);
        assert_eq!(sweep.curve(0, 1), vec![(3, ErrorStats::of(&want))]);
        let medians = sweep.medians(1);
        assert!(medians[0][1].is_nan(), "rank 20 > p = 10 is not scored");
        assert_eq!(medians[0][0], ErrorStats::of(&want).median);
    }
}

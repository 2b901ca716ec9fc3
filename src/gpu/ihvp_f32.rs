//! A float64 study's f32 twin (the IHVP lab's f32 column): once the study is complete, the same Hessians
//! go to the batched WGSL kernels (CG, Neumann, Lanczos, Nyström with the same column draws) — or their
//! CPU twins where there is no GPU — as one batch uploaded once for every method, and their errors
//! against the study's exact float64 solves are set beside the float64 methods' errors. This shows
//! where f32 itself limits the accuracy.

use nalgebra::DVector;
use web_time::Instant;

use crate::gpu::kernels::{
    HessianBatch, IhvpIterative, IhvpLanczos, IhvpNystrom, Iterative, IterativeBatch, LanczosBatch,
    NystromBatch, ihvp_lanczos, ihvp_nystrom,
};
use crate::gpu::{ComputeRuntime, Job, Ran};
use crate::numerics::ihvp::closeup::drawn_columns;
use crate::numerics::ihvp::nystrom::NystromVariant;
use crate::numerics::ihvp::spec::IhvpSpec;
use crate::numerics::ihvp::study::{ErrorStats, f32_buffers, f32_errors};
use crate::numerics::ihvp::study_run::StudyRun;

/// One method's f32 batch in flight.
enum Pending {
    Iterative(Job<IhvpIterative>),
    Lanczos(Job<IhvpLanczos>),
    Nystrom(Job<IhvpNystrom>),
}

/// One method's f32 result: statistics of its errors against the exact solve, where it ran, how long.
pub struct F32Result {
    pub stats: ErrorStats,
    pub ran_on: Ran,
    pub seconds: f64,
}

/// The f32 batch of one finished study: per method (in the study's order) pending, done, or why not run.
pub struct F32Batch {
    exact: Vec<DVector<f64>>,
    pending: Vec<Option<(Pending, Instant)>>,
    pub results: Vec<Result<Option<F32Result>, String>>,
}

impl F32Batch {
    /// Starts one job per method of a finished study.
    pub fn start(run: &StudyRun, runtime: &mut ComputeRuntime) -> Self {
        let (hessians, rhs) = f32_buffers(&run.instances);
        let p = run.instances.first().map_or(0, |i| i.b.len());
        let batch = HessianBatch::new(p as u32, hessians, rhs);
        let exact = run
            .exact
            .iter()
            .map(|e| {
                e.clone()
                    .unwrap_or_else(|| DVector::from_element(p, f64::NAN))
            })
            .collect();
        let alpha = run.alpha as f32;
        let mut pending = Vec::new();
        let mut results = Vec::new();
        for spec in &run.methods {
            let job = match spec {
                IhvpSpec::Cg {
                    iters, tol, guard, ..
                } => Ok(Pending::Iterative(Job::start(
                    runtime,
                    IterativeBatch {
                        method: Iterative::Cg {
                            iters: *iters as u32,
                            tol: *tol as f32,
                            guard: *guard,
                        },
                        alpha,
                        batch: batch.clone(),
                    },
                ))),
                IhvpSpec::Neumann { iters, step, .. } => Ok(Pending::Iterative(Job::start(
                    runtime,
                    IterativeBatch {
                        method: Iterative::Neumann {
                            terms: *iters as u32,
                            step: *step as f32,
                        },
                        alpha,
                        batch: batch.clone(),
                    },
                ))),
                IhvpSpec::Lanczos { iters, .. } if *iters as u32 <= ihvp_lanczos::MAX_STEPS => {
                    Ok(Pending::Lanczos(Job::start(
                        runtime,
                        LanczosBatch {
                            alpha,
                            steps: *iters as u32,
                            batch: batch.clone(),
                        },
                    )))
                }
                IhvpSpec::Nystrom { rank, variant, .. }
                    if *variant != NystromVariant::Pinv
                        && *rank as u32 <= ihvp_nystrom::MAX_RANK =>
                {
                    // The float64 study drew instance i's columns as draw i (IhvpSpec::at).
                    let columns: Result<Vec<u32>, String> = run
                        .instances
                        .iter()
                        .enumerate()
                        .map(|(i, inst)| {
                            drawn_columns(spec, &inst.h, i as u64)
                                .unwrap_or_else(|| Err("not a Nyström method".to_owned()))
                                .map(|c| c.into_iter().map(|j| j as u32).collect::<Vec<_>>())
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|c| c.concat());
                    columns.map(|columns| {
                        Pending::Nystrom(Job::start(
                            runtime,
                            NystromBatch {
                                alpha,
                                damped: *variant == NystromVariant::Damped,
                                rank: *rank as u32,
                                columns,
                                batch: batch.clone(),
                            },
                        ))
                    })
                }
                IhvpSpec::Lanczos { .. } => Err(format!(
                    "the f32 kernel takes at most {} steps",
                    ihvp_lanczos::MAX_STEPS
                )),
                IhvpSpec::Nystrom { .. } => Err(format!(
                    "the f32 kernel takes the paper and damped variants, rank ≤ {}",
                    ihvp_nystrom::MAX_RANK
                )),
                other => Err(format!("no f32 kernel for {}", other.name())),
            };
            match job {
                Ok(job) => {
                    pending.push(Some((job, Instant::now())));
                    results.push(Ok(None));
                }
                Err(why) => {
                    pending.push(None);
                    results.push(Err(why));
                }
            }
        }
        Self {
            exact,
            pending,
            results,
        }
    }

    /// Collects finished jobs (CPU twins sliced until `deadline`); true while any is still running.
    pub fn poll(&mut self, runtime: &mut ComputeRuntime, deadline: web_time::Instant) -> bool {
        let mut running = false;
        for (slot, result) in self.pending.iter_mut().zip(&mut self.results) {
            let Some((job, began)) = slot else { continue };
            let done = match job {
                Pending::Iterative(j) => j.poll(runtime, deadline).map(|d| (d.value, d.ran_on)),
                Pending::Lanczos(j) => j.poll(runtime, deadline).map(|d| (d.value, d.ran_on)),
                Pending::Nystrom(j) => j.poll(runtime, deadline).map(|d| (d.value, d.ran_on)),
            };
            match done {
                Some((values, ran_on)) => {
                    let errors = f32_errors(&values, &self.exact);
                    *result = Ok(Some(F32Result {
                        stats: ErrorStats::of(&errors),
                        ran_on,
                        seconds: began.elapsed().as_secs_f64(),
                    }));
                    *slot = None;
                }
                None => running = true,
            }
        }
        running
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::ihvp::spec::Sampling;
    use crate::numerics::ihvp::study::Spectrum;
    use crate::numerics::ihvp::study_run::Family;

    #[test]
    fn the_f32_batch_tracks_the_float64_methods_on_the_cpu_twins() {
        let methods = vec![
            IhvpSpec::Nystrom {
                alpha: 0.0,
                rank: 6,
                sampling: Sampling::Diagonal,
                columns: None,
                seed: 3,
                variant: NystromVariant::Paper,
                draw: Default::default(),
            },
            IhvpSpec::cg(0.0, 8),
            IhvpSpec::Lanczos {
                alpha: 0.0,
                iters: 8,
                reorthogonalize: false,
            },
            IhvpSpec::Exact { alpha: 0.0 },
        ];
        let fam = Spectrum::positive(16, 3, 20.0);
        let mut run = StudyRun::new(Family::Spectrum(fam), 1, 6, 0.1, methods);
        run.finish();
        let mut runtime = ComputeRuntime::cpu("test");
        let mut f32s = F32Batch::start(&run, &mut runtime);
        while f32s.poll(&mut runtime, crate::budget::deadline(None)) {}
        let f64_stats = run.stats();
        for (m, result) in f32s.results.iter().take(3).enumerate() {
            let Ok(Some(r)) = result else {
                panic!("method {m}: {:?}", result.as_ref().err())
            };
            assert_eq!(r.ran_on, Ran::Cpu);
            // Same method, same columns: the f32 error is the float64 error up to f32 rounding.
            let (a, b) = (r.stats.median, f64_stats[m].median);
            assert!(
                (a - b).abs() < 1e-4 * b.max(1e-3),
                "method {m}: f32 {a} vs f64 {b}"
            );
        }
        assert!(f32s.results[3].as_ref().is_err_and(|e| e.contains("exact")));
    }
}

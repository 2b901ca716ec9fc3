//! Native benchmarks, run by hand (`bilevel-lab bench`, `bilevel-lab bench-ihvp`), never by CI: each times
//! the GPU and the CPU in one run and prints JSON with the ratios and the machine's backend.

use std::process::ExitCode;
use std::time::Instant;

use nalgebra::DVector;
use rand::SeedableRng as _;

use crate::gpu::kernels::{
    ConvergenceMap, HessianBatch, IhvpIterative, IhvpLanczos, IhvpNystrom, Iterative,
    IterativeBatch, LanczosBatch, MapRequest, NystromBatch,
};
use crate::gpu::{ComputeRuntime, Computed, Job, Kernel, Ran};
use crate::numerics::ihvp::nystrom::{ColumnSampling, NystromVariant, sample_columns};
use crate::numerics::ihvp::study::{Instance, Spectrum, f32_buffers};
use crate::numerics::ihvp::{cg, lanczos, neumann, nystrom};
use crate::numerics::random::SeededRng;

/// Runs a job to completion (polling the device), returning it and the wall time.
fn run_gpu<K: Kernel>(runtime: &mut ComputeRuntime, input: &K::Input) -> (Computed<K::Output>, f64)
where
    K::Input: Clone,
{
    let started = Instant::now();
    let mut job = Job::<K>::start(runtime, input.clone());
    loop {
        runtime.poll();
        if let Some(done) = job.poll(runtime, crate::budget::deadline(None)) {
            return (done, started.elapsed().as_secs_f64());
        }
        std::thread::yield_now();
    }
}

/// `bilevel-lab bench [N T]`: the convergence map (N² starts × T steps) on the GPU and its CPU twin.
pub fn convergence_map(n: u32, steps: u32) -> ExitCode {
    let req = MapRequest::benchmark(n, steps);
    let mut runtime = ComputeRuntime::headless();
    let _warm_up = run_gpu::<ConvergenceMap>(&mut runtime, &req);
    let (gpu, gpu_s) = run_gpu::<ConvergenceMap>(&mut runtime, &req);
    // The twin on one core (what a browser runs, time-sliced; `cpu_twin_seconds` and `cpu_over_gpu` keep
    // the one-core meaning they had) and on every core (natively).
    let started = Instant::now();
    let cpu = ConvergenceMap::cpu_on_threads(&req, 1);
    let cpu_s = started.elapsed().as_secs_f64();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let started = Instant::now();
    let all_cores = ConvergenceMap::cpu_on_threads(&req, cores);
    let all_cores_s = started.elapsed().as_secs_f64();
    if all_cores != cpu {
        eprintln!("bench: the twin on {cores} cores differs from the twin on one");
        return ExitCode::FAILURE;
    }
    let max_diff = gpu
        .value
        .iter()
        .zip(&cpu)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    let json = serde_json::json!({
        "benchmark": "convergence_map",
        "grid": [n, n],
        "steps": steps,
        "compute_backend": runtime.backend_label(),
        "ran_on": if gpu.ran_on == Ran::Gpu { "gpu" } else { "cpu" },
        "gpu_seconds": gpu_s,
        "cpu_twin_seconds": cpu_s,
        "cpu_twin_all_cores_seconds": all_cores_s,
        "cpu_cores": cores,
        "cpu_over_gpu": cpu_s / gpu_s,
        "max_abs_diff_log10": max_diff,
    });
    println!("{json}");
    if gpu.ran_on == Ran::Gpu {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A kernel on the GPU (after a warm-up run), its f32 CPU twin and the float64 computation, timed in one run:
/// the seconds, their ratios and `rel`, the worst relative difference of each f32 result to float64; and
/// whether the GPU ran it.
fn race<K: Kernel<Output = Vec<f32>>, F>(
    runtime: &mut ComputeRuntime,
    input: &K::Input,
    float64: impl Fn() -> F,
    rel: impl Fn(&[f32], &F) -> f64,
) -> (serde_json::Map<String, serde_json::Value>, bool)
where
    K::Input: Clone,
{
    let _warm_up = run_gpu::<K>(runtime, input);
    let (gpu, gpu_s) = run_gpu::<K>(runtime, input);
    let started = Instant::now();
    let twin = K::cpu(input);
    let twin_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let f64s = float64();
    let f64_s = started.elapsed().as_secs_f64();
    let on_gpu = gpu.ran_on == Ran::Gpu;
    let row = [
        ("ran_on", (if on_gpu { "gpu" } else { "cpu" }).into()),
        ("gpu_seconds", gpu_s.into()),
        ("cpu_f32_twin_seconds", twin_s.into()),
        ("cpu_f64_seconds", f64_s.into()),
        ("f64_over_gpu", (f64_s / gpu_s).into()),
        ("twin_over_gpu", (twin_s / gpu_s).into()),
        ("max_rel_diff_gpu_vs_f64", rel(&gpu.value, &f64s).into()),
        ("max_rel_diff_twin_vs_f64", rel(&twin, &f64s).into()),
    ];
    let row = row
        .into_iter()
        .map(|(k, v): (&str, serde_json::Value)| (k.to_owned(), v));
    (row.collect(), on_gpu)
}

/// One method's row of the IHVP benchmark ([`race`]): `float64(k, instance)` solves instance k; the difference
/// is per instance, ‖v − v₆₄‖/‖v₆₄‖.
fn time_ihvp<K: Kernel<Output = Vec<f32>>>(
    runtime: &mut ComputeRuntime,
    (name, input): (&str, &K::Input),
    instances: &[Instance],
    float64: impl Fn(usize, &Instance) -> DVector<f64>,
) -> (serde_json::Value, bool)
where
    K::Input: Clone,
{
    let float64 = || -> Vec<DVector<f64>> {
        instances
            .iter()
            .enumerate()
            .map(|(k, i)| float64(k, i))
            .collect()
    };
    let rel = |got: &[f32], f64s: &Vec<DVector<f64>>| {
        let mut worst = 0.0f64;
        for (k, want) in f64s.iter().enumerate() {
            let p = want.len();
            let diff = (0..p)
                .map(|i| {
                    (f64::from(got.get(k * p + i).copied().unwrap_or(f32::NAN)) - want[i]).powi(2)
                })
                .sum::<f64>()
                .sqrt();
            worst = worst.max(diff / want.norm().max(f64::MIN_POSITIVE));
        }
        worst
    };
    let (mut row, on_gpu) = race::<K, _>(runtime, input, float64, rel);
    row.insert("method".to_owned(), name.into());
    (serde_json::Value::Object(row), on_gpu)
}

/// `bilevel-lab bench-ihvp [N P]`: N synthetic-spectrum Hessians (p = P, κ = 100) at α = 0.01, every
/// batched IHVP kernel — CG (30 steps), Neumann (50 terms, η = 0.5), Lanczos (30 steps), Nyström (rank
/// min(16, P), uniform columns, paper variant) — timed as float64 (`numerics::ihvp`), the f32 CPU twin and
/// the GPU kernel.
pub fn ihvp_batch(n: usize, p: usize) -> ExitCode {
    let family = Spectrum::positive(p, 4.min(p), 100.0);
    let instances: Vec<_> = (0..n).map(|i| family.instance(0, i)).collect();
    let (hessians, rhs) = f32_buffers(&instances);
    let batch = HessianBatch::new(p as u32, hessians, rhs);
    let alpha = 0.01;
    let mut runtime = ComputeRuntime::headless();
    let mut rows = Vec::new();
    let mut all_on_gpu = true;
    let mut push = |(row, on_gpu): (serde_json::Value, bool)| {
        all_on_gpu &= on_gpu;
        rows.push(row);
    };
    let iterative = |method| IterativeBatch {
        method,
        alpha: alpha as f32,
        batch: batch.clone(),
    };
    let cg30 = iterative(Iterative::Cg {
        iters: 30,
        tol: 0.0,
        guard: true,
    });
    push(time_ihvp::<IhvpIterative>(
        &mut runtime,
        ("cg_30", &cg30),
        &instances,
        |_, i| cg::cg(&i.h, &i.b, alpha, 30, 0.0, cg::Guard::Curvature).v,
    ));
    let neumann50 = iterative(Iterative::Neumann {
        terms: 50,
        step: 0.5,
    });
    push(time_ihvp::<IhvpIterative>(
        &mut runtime,
        ("neumann_50", &neumann50),
        &instances,
        |_, i| neumann::neumann(&i.h, &i.b, alpha, 50, 0.5, false).v,
    ));
    let lanczos30 = LanczosBatch {
        alpha: alpha as f32,
        steps: 30,
        batch: batch.clone(),
    };
    push(time_ihvp::<IhvpLanczos>(
        &mut runtime,
        ("lanczos_30", &lanczos30),
        &instances,
        |_, i| lanczos::lanczos(&i.h, &i.b, alpha, 30, false).v,
    ));
    let rank = 16.min(p);
    let columns: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            let mut rng = SeededRng::seed_from_u64(i as u64);
            sample_columns(&instances[i].h, rank, &ColumnSampling::Uniform, &mut rng)
                .unwrap_or_else(|_| (0..rank).collect())
        })
        .collect();
    let nystrom16 = NystromBatch {
        alpha: alpha as f32,
        damped: false,
        rank: rank as u32,
        columns: columns.iter().flatten().map(|&j| j as u32).collect(),
        batch: batch.clone(),
    };
    push(time_ihvp::<IhvpNystrom>(
        &mut runtime,
        ("nystrom_16", &nystrom16),
        &instances,
        |k, i| {
            let given = ColumnSampling::Given(columns[k].clone());
            let mut rng = SeededRng::seed_from_u64(0);
            nystrom::nystrom(
                &i.h,
                &i.b,
                alpha,
                rank,
                &given,
                NystromVariant::Paper,
                &mut rng,
            )
            .map(|r| r.v)
            .unwrap_or_else(|_| DVector::from_element(p, f64::NAN))
        },
    ));
    let json = serde_json::json!({
        "benchmark": "ihvp_batch",
        "instances": n,
        "dim": p,
        "alpha": alpha,
        "compute_backend": runtime.backend_label(),
        "methods": rows,
    });
    println!("{json}");
    if all_on_gpu {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `bilevel-lab bench-landscape [S F]`: the playground's Φ landscape of ridge HPO with F features on an
/// S × S grid — float64 (`numerics::bilevel::phi` per cell), the f32 CPU twin and the GPU kernel — with the
/// worst relative difference of each f32 grid to float64.
pub fn landscape(side: u32, features: usize) -> ExitCode {
    use crate::gpu::kernels::{LandscapeRequest, LinearInner, PhiLandscape};
    use crate::numerics::bilevel::phi;
    use crate::numerics::bilevel::problems::ridge::RidgeHpo;
    let problem = RidgeHpo::synthetic(features, 40, 0.5, 0);
    let base = DVector::from_element(features, 0.5);
    let window = [-2.0, 2.0, -2.0, 2.0];
    let req = LandscapeRequest::new(&LinearInner::ridge(&problem), &base, window, side, side);
    let mut runtime = ComputeRuntime::headless();
    let s = f64::from(side);
    let float64 = || -> Vec<f64> {
        (0..side * side)
            .map(|k| {
                let (ix, iy) = (f64::from(k % side), f64::from(k / side));
                let mut x = base.clone();
                x[0] = -2.0 + 4.0 * (ix + 0.5) / s;
                x[1] = 2.0 - 4.0 * (iy + 0.5) / s;
                phi(&problem, &x).unwrap_or(f64::NAN)
            })
            .collect()
    };
    let rel = |got: &[f32], f64s: &Vec<f64>| {
        got.iter()
            .zip(f64s)
            .map(|(g, w)| (f64::from(*g) - w).abs() / w.abs().max(1.0))
            .fold(0.0f64, f64::max)
    };
    let (mut json, on_gpu) = race::<PhiLandscape, _>(&mut runtime, &req, float64, rel);
    json.insert("benchmark".to_owned(), "phi_landscape".into());
    json.insert("grid".to_owned(), serde_json::json!([side, side]));
    json.insert("features".to_owned(), features.into());
    json.insert("compute_backend".to_owned(), runtime.backend_label().into());
    println!("{}", serde_json::Value::Object(json));
    if on_gpu {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `bilevel-lab bench-control [ENV U]`: seconds per update of each of BLPO Figure 3's learners (their
/// default settings, U updates each after one warm-up update, seed 0) and each one's ratio to PPO, in one
/// run on this machine (Fig. 4's comparison), all CPU, float64; then the batched network forward kernel
/// (`mlp_forward`) against its CPU twin and the float64 networks at the sizes a rollout needs.
pub fn control(env: crate::numerics::control::envs::EnvKind, updates: usize) -> ExitCode {
    use crate::numerics::control::blpo::BlpoConfig;
    use crate::numerics::control::learner::{Learner, Name};
    use crate::numerics::control::ppo::PpoConfig;
    let mut rows = Vec::new();
    let mut ppo_seconds = f64::NAN;
    // Fig. 4's variant (the authors' Nyström-preconditioned CG, 10 iterations) after the four.
    let pcg = crate::numerics::control::learner::LearnerSpec::Blpo(BlpoConfig {
        ihvp: crate::numerics::control::blpo::Ihvp::NystromPcg,
        cg_iters: 10,
        ..BlpoConfig::default()
    });
    let specs = Name::ALL
        .iter()
        .map(|n| n.with(BlpoConfig::default()))
        .chain([pcg]);
    for algorithm in specs {
        let name = algorithm.name();
        let mut learner = Learner::new(env, &algorithm, PpoConfig::default(), 0, 1_000_000);
        learner.update();
        let started = Instant::now();
        for _ in 0..updates {
            learner.update();
        }
        let per_update = started.elapsed().as_secs_f64() / updates as f64;
        if name == Name::Ppo {
            ppo_seconds = per_update;
        }
        rows.push(serde_json::json!({
            "algorithm": algorithm.display(),
            "seconds_per_update": per_update,
            "ratio_to_ppo": per_update / ppo_seconds,
        }));
    }
    let parallel = parallel_speedup(env, updates);
    let mut runtime = ComputeRuntime::headless();
    let kernel: Vec<_> = [(2, 4), (16, 16), (16, 512)]
        .into_iter()
        .map(|(seeds, per_seed)| mlp_forward_timing(&mut runtime, env, seeds, per_seed))
        .collect();
    let json = serde_json::json!({
        "benchmark": "control_updates",
        "env": env,
        "updates": updates,
        "steps_per_update": PpoConfig::default().envs * PpoConfig::default().steps,
        "learners": rows,
        "parallel": parallel,
        "compute_backend": runtime.backend_label(),
        "mlp_forward": kernel,
    });
    println!("{json}");
    ExitCode::SUCCESS
}

/// The four learners × two seeds trained for `updates` updates on one thread, then on every core
/// (`parallel::train`, whose records are the same bit for bit): the wall times and their ratio.
fn parallel_speedup(
    env: crate::numerics::control::envs::EnvKind,
    updates: usize,
) -> serde_json::Value {
    use crate::numerics::control::blpo::BlpoConfig;
    use crate::numerics::control::learner::Name;
    use crate::numerics::control::lockstep::Seeds;
    use crate::numerics::control::parallel::{threads, train};
    use crate::numerics::control::ppo::PpoConfig;
    let ppo = PpoConfig::default();
    let total = updates * ppo.envs * ppo.steps;
    let time = |n: usize| {
        let mut runs: Vec<Seeds> = Name::ALL
            .iter()
            .map(|name| Seeds::new(env, &name.with(BlpoConfig::default()), &ppo, &[0, 1], total))
            .collect();
        let started = Instant::now();
        train(&mut runs, total, n, &|| 0.0, &|_| {});
        started.elapsed().as_secs_f64()
    };
    let n = threads();
    let (one, many) = (time(1), time(n));
    serde_json::json!({
        "jobs": "4 learners × 2 seeds",
        "threads": n,
        "one_thread_seconds": one,
        "all_threads_seconds": many,
        "speedup": one / many,
    })
}

/// The critic's forward pass for `seeds` networks (PureJaxRL's width) at `per_seed` observations each:
/// the GPU kernel (after a warm-up run), its f32 CPU twin and the float64 networks, timed in one run.
fn mlp_forward_timing(
    runtime: &mut ComputeRuntime,
    env: crate::numerics::control::envs::EnvKind,
    seeds: usize,
    per_seed: usize,
) -> serde_json::Value {
    use crate::gpu::kernels::{MlpBatch, MlpForward};
    use crate::numerics::control::envs::EnvBatch;
    use crate::numerics::control::ppo::Agent;
    let agents: Vec<Agent> = (0..seeds as u64)
        .map(|s| Agent::new(env, 64, &mut SeededRng::seed_from_u64(s)))
        .collect();
    let xs: Vec<Vec<f64>> = (0..seeds as u64)
        .flat_map(|s| EnvBatch::new(env, per_seed, s).observations())
        .collect();
    let nets: Vec<&[f64]> = agents.iter().map(|a| a.omega.as_slice()).collect();
    let mlp = agents[0].critic;
    let input = MlpBatch::of(mlp, &nets, per_seed, &xs);
    let _warm_up = run_gpu::<MlpForward>(runtime, &input);
    let (gpu, gpu_s) = run_gpu::<MlpForward>(runtime, &input);
    let started = Instant::now();
    std::hint::black_box(MlpForward::cpu(&input));
    let twin_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let reference: Vec<f64> = std::hint::black_box(
        xs.iter()
            .enumerate()
            .map(|(k, x)| mlp.forward(nets[k / per_seed], x).out[0])
            .collect(),
    );
    let f64_s = started.elapsed().as_secs_f64();
    let worst = gpu
        .value
        .iter()
        .zip(&reference)
        .map(|(g, r)| (f64::from(*g) - r).abs())
        .fold(0.0, f64::max);
    serde_json::json!({
        "seeds": seeds,
        "observations_per_seed": per_seed,
        "ran_on": if gpu.ran_on == Ran::Gpu { "gpu" } else { "cpu" },
        "gpu_seconds": gpu_s,
        "cpu_f32_twin_seconds": twin_s,
        "cpu_f64_seconds": f64_s,
        "gpu_over_twin": gpu_s / twin_s,
        "max_abs_diff_gpu_vs_f64": worst,
    })
}

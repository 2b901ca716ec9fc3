//! GPU kernels on a real wgpu adapter (lavapipe on CI), checked against their CPU twins and float64.
//! No adapter is a failure, never a skip: the test command installs `mesa-vulkan-drivers`.

use std::time::{Duration, Instant};

use bilevel_lab::gpu::job::Kernel;
use bilevel_lab::gpu::kernels::{BatchedMatvec, MatvecBatch};
use bilevel_lab::gpu::{ComputeRuntime, Computed, GpuError, Job, KernelSpec, Ran, SelfCheck};
use bilevel_lab::numerics::linalg;

fn gpu_runtime() -> ComputeRuntime {
    let rt = ComputeRuntime::headless();
    assert!(
        rt.has_gpu(),
        "no GPU adapter ({}); install mesa-vulkan-drivers (lavapipe) — GPU tests never skip",
        rt.backend_label()
    );
    eprintln!("GPU tests on: {}", rt.backend_label());
    rt
}

/// Starts a kernel job on the runtime and polls it to completion (as the UI would, frame by frame),
/// failing after `seconds`.
fn run_kernel<K: Kernel>(
    rt: &mut ComputeRuntime,
    input: K::Input,
    seconds: u64,
) -> Computed<K::Output> {
    let mut job = Job::<K>::start(rt, input);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        rt.poll();
        if let Some(done) = job.poll(rt, bilevel_lab::budget::deadline(None)) {
            return done;
        }
        assert!(
            Instant::now() < deadline,
            "{} did not finish in {seconds} s",
            K::SPEC.name
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A batched mat-vec run to completion.
fn run(rt: &mut ComputeRuntime, input: MatvecBatch) -> Computed<Vec<f32>> {
    run_kernel::<BatchedMatvec>(rt, input, 60)
}

fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

#[test]
fn batched_matvec_matches_cpu_twin_and_f64_for_many_shapes() {
    let mut rt = gpu_runtime();
    for (batch, rows, cols, seed) in [
        (1, 1, 1, 1),
        (3, 5, 7, 2),
        (100, 64, 17, 3),
        (7, 1, 300, 4),
        (2000, 8, 8, 5),
    ] {
        let mut input = SelfCheck::input(batch, rows.max(cols), seed);
        input.rows = rows;
        input.cols = cols;
        input.matrices.truncate((batch * rows * cols) as usize);
        input.vectors.truncate((batch * cols) as usize);
        input.matrices.resize((batch * rows * cols) as usize, 0.5);
        input.vectors.resize((batch * cols) as usize, -0.25);
        let done = run(&mut rt, input.clone());
        assert_eq!(done.ran_on, Ran::Gpu, "{:?}", done.gpu_error);
        let twin = BatchedMatvec::cpu(&input);
        let reference = linalg::batched_matvec(
            batch as usize,
            rows as usize,
            cols as usize,
            &widen(&input.matrices),
            &widen(&input.vectors),
        )
        .unwrap();
        let vs_twin = linalg::max_scaled_error(&widen(&done.value), &widen(&twin)).unwrap();
        let vs_f64 = linalg::max_scaled_error(&widen(&done.value), &reference).unwrap();
        assert!(
            vs_twin < 1e-5,
            "{batch}×{rows}×{cols}: GPU vs twin {vs_twin:e}"
        );
        assert!(
            vs_f64 < 1e-5,
            "{batch}×{rows}×{cols}: GPU vs f64 {vs_f64:e}"
        );
    }
}

#[test]
fn more_than_65535_workgroups_use_a_2d_grid() {
    let mut rt = gpu_runtime();
    // 5 million 1×1 products: 78 125 workgroups of 64, over the 65 535 one-dimensional limit.
    let batch = 5_000_000u32;
    let input = MatvecBatch {
        batch,
        rows: 1,
        cols: 1,
        matrices: (0..batch).map(|i| (i % 1000) as f32).collect(),
        vectors: (0..batch)
            .map(|i| if i % 2 == 0 { 1.0 } else { -2.0 })
            .collect(),
    };
    let done = run(&mut rt, input.clone());
    assert_eq!(done.ran_on, Ran::Gpu, "{:?}", done.gpu_error);
    assert_eq!(done.value, BatchedMatvec::cpu(&input));
}

#[test]
fn gpu_self_check_passes() {
    let mut rt = gpu_runtime();
    let mut check = SelfCheck::start_default(&mut rt);
    let deadline = Instant::now() + Duration::from_secs(60);
    let report = loop {
        rt.poll();
        if let Some(r) = check.poll(&mut rt, bilevel_lab::budget::deadline(None)) {
            break r.clone();
        }
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(report.ran_on, "gpu");
    assert_eq!(report.against, "cpu twin (f32)");
    assert!(report.passed && report.max_error < 1e-5, "{report:?}");
}

#[test]
fn invalid_wgsl_is_a_message_not_a_panic() {
    let mut rt = gpu_runtime();
    let broken = KernelSpec {
        name: "broken",
        wgsl: &["@compute @workgroup_size(64) fn main() { let x: f32 = undefined_thing; }"],
        entry_point: "main",
    };
    rt.poll();
    let error = rt.kernel_error(&broken);
    let Some(GpuError::Kernel { kernel, message }) = error else {
        panic!("expected a kernel error, got {error:?}");
    };
    assert_eq!(kernel, "broken");
    assert!(message.contains("undefined_thing"), "{message}");
    assert!(rt.last_error().unwrap_or_default().contains("broken"));
    // The runtime keeps working for valid kernels.
    assert!(rt.has_gpu());
    let input = SelfCheck::input(4, 4, 9);
    let done = run(&mut rt, input.clone());
    assert_eq!(done.ran_on, Ran::Gpu);
}

#[test]
fn buffers_over_the_device_limit_fall_back_to_the_cpu_with_a_message() {
    let mut rt = gpu_runtime();
    let limit = rt.storage_buffer_limit().unwrap();
    // One matrix whose byte size is just over the limit.
    let cols = (limit / 4 / 1024 + 1) as u32;
    let input = MatvecBatch {
        batch: 1,
        rows: 1024,
        cols,
        matrices: vec![1.0; 1024 * cols as usize],
        vectors: vec![1.0; cols as usize],
    };
    let done = run(&mut rt, input);
    assert_eq!(done.ran_on, Ran::Cpu);
    assert!(
        matches!(done.gpu_error, Some(GpuError::TooLarge { .. })),
        "{:?}",
        done.gpu_error
    );
    assert!(done.value.iter().all(|&v| v == cols as f32));
    assert!(
        rt.last_error()
            .unwrap_or_default()
            .contains("more than this device allows")
    );
}

#[test]
fn device_loss_switches_to_the_cpu_twins_and_says_so() {
    let mut rt = gpu_runtime();
    rt.lose_device();
    let deadline = Instant::now() + Duration::from_secs(10);
    while rt.has_gpu() {
        rt.poll();
        assert!(Instant::now() < deadline, "device loss not noticed");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        rt.backend_label().starts_with("CPU fallback: device lost"),
        "{}",
        rt.backend_label()
    );
    let input = SelfCheck::input(3, 3, 1);
    let done = run(&mut rt, input.clone());
    assert_eq!(done.ran_on, Ran::Cpu);
    assert_eq!(done.value, BatchedMatvec::cpu(&input));
}

#[test]
fn convergence_map_matches_its_cpu_twin() {
    use bilevel_lab::gpu::kernels::{ConvergenceMap, MapRequest};
    use bilevel_lab::numerics::games::actor_critic::{Dynamics, GameParams};
    let mut rt = gpu_runtime();
    for (dynamics, reg, critic_steps) in [
        (Dynamics::Simultaneous, 0.0, 1),
        (Dynamics::Stackelberg, 0.0, 1),
        (Dynamics::Stackelberg, 0.04, 3),
    ] {
        let req = MapRequest {
            nx: 64,
            ny: 48,
            steps: 2000,
            window: [-1.0, 1.0, -1.0, 1.0],
            game: GameParams {
                dynamics,
                reg,
                actor_lr: 0.01,
                critic_lr: 0.01,
                critic_steps,
            },
        };
        let done = run_kernel::<ConvergenceMap>(&mut rt, req.clone(), 120);
        assert_eq!(done.ran_on, Ran::Gpu, "{:?}", done.gpu_error);
        let twin = ConvergenceMap::cpu(&req);
        assert_eq!(done.value.len(), twin.len());
        let worst = done
            .value
            .iter()
            .zip(&twin)
            .map(|(g, c)| (g - c).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-3,
            "{dynamics:?} λ={reg} K={critic_steps}: max |Δ log10 distance| = {worst}"
        );
    }
}

/// CG and Neumann on batches of small-network Hessians (p = 49) and synthetic spectra (p = 128, the
/// kernel's largest): the GPU equals its CPU twin within f32 tolerance. Both methods run on one batch,
/// uploaded once.
#[test]
fn iterative_ihvps_match_their_cpu_twin() {
    use bilevel_lab::gpu::kernels::{HessianBatch, IhvpIterative, Iterative, IterativeBatch};
    use bilevel_lab::numerics::ihvp::study::f32_buffers;
    let mut rt = gpu_runtime();
    let (nets, spectra) = ihvp_batches(1);
    for (name, instances, alpha) in [("networks", &nets, 1.0f32), ("spectra", &spectra, 0.01)] {
        let (hessians, rhs) = f32_buffers(instances);
        let bytes = 4 * (hessians.len() + rhs.len()) as u64;
        let batch = HessianBatch::new(instances[0].b.len() as u32, hessians, rhs);
        let before = rt.uploaded_bytes();
        for method in [
            Iterative::Cg {
                iters: 30,
                tol: 0.0,
                guard: true,
            },
            Iterative::Neumann {
                terms: 50,
                step: 0.5,
            },
            // Steps through the networks' negative curvature (fewer steps: each negative step can
            // amplify the f32 rounding the two sides share).
            Iterative::Cg {
                iters: 8,
                tol: 0.0,
                guard: false,
            },
        ] {
            let input = IterativeBatch {
                method,
                alpha,
                batch: batch.clone(),
            };
            let what = format!("{name} {method:?}");
            assert_gpu_matches_twin::<IhvpIterative>(&mut rt, input, 1e-4, None, &what);
        }
        assert_eq!(
            rt.uploaded_bytes() - before,
            bytes,
            "{name}: one upload for both methods"
        );
    }
}

/// The Nyström (Woodbury) kernel on small-network Hessians (p = 49, q = 10) and on p = 128, q = 32 (the
/// kernel's largest), paper and damped variants: GPU equals its CPU twin within f32 tolerance.
#[test]
fn nystrom_ihvps_match_their_cpu_twin() {
    use bilevel_lab::gpu::kernels::{HessianBatch, IhvpNystrom, NystromBatch};
    use bilevel_lab::numerics::ihvp::study::f32_buffers;
    let mut rt = gpu_runtime();
    let (nets, spectra) = ihvp_batches(3);
    for (name, instances, rank, alpha) in [
        ("networks", &nets, 10u32, 1.0f32),
        ("spectra", &spectra, 32, 0.05),
    ] {
        let p = instances[0].b.len();
        let (hessians, rhs) = f32_buffers(instances);
        // Distinct columns per instance: stride 3 (coprime with 49 and 128), shifted by the instance.
        let columns: Vec<u32> = (0..instances.len())
            .flat_map(|k| (0..rank).map(move |i| (i * 3 + k as u32) % p as u32))
            .collect();
        for damped in [false, true] {
            let input = NystromBatch {
                alpha,
                damped,
                rank,
                columns: columns.clone(),
                batch: HessianBatch::new(p as u32, hessians.clone(), rhs.clone()),
            };
            let what = format!("{name} damped={damped}");
            assert_gpu_matches_twin::<IhvpNystrom>(&mut rt, input, 1e-3, Some(p), &what);
        }
    }
}

/// The two-pass Lanczos kernel on small-network Hessians (p = 49) and p = 128 spectra, up to its 64 steps:
/// GPU equals its CPU twin within f32 tolerance.
#[test]
fn lanczos_ihvps_match_their_cpu_twin() {
    use bilevel_lab::gpu::kernels::{HessianBatch, IhvpLanczos, LanczosBatch};
    use bilevel_lab::numerics::ihvp::study::f32_buffers;
    let mut rt = gpu_runtime();
    let (nets, spectra) = ihvp_batches(5);
    for (name, instances, alpha, steps) in [
        ("networks", &nets, 1.0f32, 10u32),
        ("spectra", &spectra, 0.05, 24),
        ("spectra", &spectra, 0.05, 64),
    ] {
        let (hessians, rhs) = f32_buffers(instances);
        let input = LanczosBatch {
            alpha,
            steps,
            batch: HessianBatch::new(instances[0].b.len() as u32, hessians, rhs),
        };
        let what = format!("{name} k = {steps}");
        assert_gpu_matches_twin::<IhvpLanczos>(&mut rt, input, 1e-3, None, &what);
    }
}

/// IHVP test batches: 40 small-network Hessians (p = 49) and 8 synthetic spectra at the kernels' largest
/// size (p = 128, 6 outliers, κ = 100), drawn from `seed`.
fn ihvp_batches(
    seed: u64,
) -> (
    Vec<bilevel_lab::numerics::ihvp::study::Instance>,
    Vec<bilevel_lab::numerics::ihvp::study::Instance>,
) {
    use bilevel_lab::numerics::ihvp::study::{Networks, Spectrum};
    let spectrum = Spectrum {
        dim: 128,
        outliers: 6,
        condition: 100.0,
        negative_share: 0.0,
    };
    (
        (0..40)
            .map(|i| Networks::default().instance(seed, i))
            .collect(),
        (0..8).map(|i| spectrum.instance(seed + 1, i)).collect(),
    )
}

/// Runs `input` on the GPU (no fallback allowed) and on the CPU twin; asserts equal lengths, finite
/// values, and max |GPU − twin| ≤ `tol` · max(1, max |twin|) within each `chunk` (an instance; the whole
/// output when `None`).
fn assert_gpu_matches_twin<K>(
    rt: &mut ComputeRuntime,
    input: K::Input,
    tol: f32,
    chunk: Option<usize>,
    what: &str,
) where
    K: Kernel<Output = Vec<f32>>,
    K::Input: Clone,
{
    let done = run_kernel::<K>(rt, input.clone(), 60);
    assert_eq!(done.ran_on, Ran::Gpu, "{what}: {:?}", done.gpu_error);
    let twin = K::cpu(&input);
    assert_eq!(done.value.len(), twin.len(), "{what}");
    assert!(
        twin.iter().chain(&done.value).all(|v| v.is_finite()),
        "{what}: non-finite values"
    );
    let size = chunk.unwrap_or(twin.len()).max(1);
    for (k, (g, c)) in done.value.chunks(size).zip(twin.chunks(size)).enumerate() {
        let scale = c.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let worst = g
            .iter()
            .zip(c)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst <= tol * scale.max(1.0),
            "{what} (part {k}): max |GPU − twin| = {worst} (scale {scale})"
        );
    }
}

/// The playground's landscape (issue 6): Φ on a 256² grid from the GPU equals its CPU twin within f32
/// tolerance — ridge HPO with 2 and 5 features (coordinates 2.. held at the base point) and the quadratic
/// problem of the playground's default.
#[test]
fn phi_landscape_matches_its_cpu_twin() {
    use bilevel_lab::gpu::kernels::{LandscapeRequest, LinearInner, PhiLandscape};
    use bilevel_lab::numerics::bilevel::problems::ridge::RidgeHpo;
    use bilevel_lab::scenario::playground::{PlaygroundState, ProblemKind};
    use nalgebra::DVector;
    let mut rt = gpu_runtime();
    let quadratic = PlaygroundState {
        problem: ProblemKind::Quadratic,
        condition: 10.0,
        ..PlaygroundState::default()
    };
    let quadratic = quadratic
        .problem_spec()
        .ok()
        .and_then(|p| p.quadratic())
        .and_then(Result::ok)
        .map(|q| LinearInner::quadratic(&q))
        .expect("the default quadratic builds");
    let cases = [
        (LinearInner::ridge(&RidgeHpo::synthetic(2, 40, 0.5, 1)), 2),
        (LinearInner::ridge(&RidgeHpo::synthetic(5, 40, 0.5, 1)), 5),
        (quadratic, 2),
    ];
    for (features, (problem, n)) in cases.into_iter().enumerate() {
        let base = DVector::from_element(n, 0.5);
        let req = LandscapeRequest::new(&problem, &base, [-2.0, 2.0, -2.0, 2.0], 256, 256);
        let done = run_kernel::<PhiLandscape>(&mut rt, req.clone(), 120);
        assert_eq!(done.ran_on, Ran::Gpu, "{:?}", done.gpu_error);
        let twin = PhiLandscape::cpu(&req);
        assert_eq!(done.value.len(), 256 * 256);
        let worst = done
            .value
            .iter()
            .zip(&twin)
            .map(|(g, c)| (g - c).abs() / c.abs().max(1.0))
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-5,
            "{features} features: max relative |Δ| = {worst}"
        );
        assert!(done.value.iter().all(|v| v.is_finite()));
    }
}

/// Batched soft value iteration (issue 7): a 16 × 16 gridworld under 4 rewards (150 sweeps) and the
/// largest, 32 × 32, under two (100 sweeps), chained in dispatches lavapipe runs whole (it stops shader
/// loops after 65 535 iterations): the GPU equals its CPU twin within f32 tolerance.
#[test]
fn soft_value_iteration_matches_its_cpu_twin() {
    use bilevel_lab::gpu::kernels::{SoftVi, SoftViBatch};
    use bilevel_lab::numerics::rl::gridworld::Gridworld;
    let mut rt = gpu_runtime();
    for (side, rewards, sweeps) in [(16, 4, 150), (32, 2, 100)] {
        let g = Gridworld {
            rows: side,
            cols: side,
            goals: vec![[0, side - 1]],
            traps: vec![[side / 2, side / 2]],
            walls: vec![[1, 1], [2, 1]],
            start: [side - 1, 0],
            slip: 0.1,
            costs: Vec::new(),
        };
        let mdp = g.mdp(0.95, 0.1).unwrap_or_else(|e| panic!("{e}"));
        let rs: Vec<_> = (0..rewards)
            .map(|k| g.true_reward() * (1.0 + k as f64))
            .collect();
        let mut gpu_in = SoftViBatch::new(&mdp, &rs, 0);
        let chunk = gpu_in.lavapipe_sweeps();
        let mut left = sweeps;
        while left > 0 {
            gpu_in.sweeps = left.min(chunk);
            left -= gpu_in.sweeps;
            let done = run_kernel::<SoftVi>(&mut rt, gpu_in.clone(), 120);
            assert_eq!(done.ran_on, Ran::Gpu, "{:?}", done.gpu_error);
            gpu_in.q0 = done.value;
        }
        let twin = SoftVi::cpu(&SoftViBatch {
            sweeps,
            ..SoftViBatch::new(&mdp, &rs, 0)
        });
        assert_eq!(gpu_in.q0.len(), twin.len());
        let worst = gpu_in
            .q0
            .iter()
            .zip(&twin)
            .map(|(g, c)| (g - c).abs() / c.abs().max(1.0))
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "{side}×{side}: max relative |Δ| = {worst}");
    }
}

/// Issue 7's landscape: φ over two reward coordinates of inverse RL on the 5 × 5 gridworld, the follower
/// solved for all 16² grid points in batched soft value iteration on the GPU (chained dispatches, 400
/// sweeps), equals φ with the float64 follower within 1e-3 relative.
#[test]
fn soft_rl_phi_landscape_from_the_gpu_matches_float64() {
    use bilevel_lab::gpu::kernels::{SoftVi, SoftViBatch};
    use bilevel_lab::numerics::rl::gridworld::Gridworld;
    use bilevel_lab::numerics::rl::hypergradient::{BilevelRl, Upper};
    use bilevel_lab::numerics::rl::reward::RewardModel;
    use nalgebra::DVector;
    let mut rt = gpu_runtime();
    let g = Gridworld::default();
    let mdp = g.mdp(0.9, 0.3).unwrap_or_else(|e| panic!("{e}"));
    let problem = BilevelRl {
        reward_model: RewardModel::PerState {
            states: 25,
            actions: 4,
        },
        mdp,
        upper: Upper::ExpertNll {
            demos: vec![(20, 0), (15, 0), (10, 0), (5, 0), (0, 1), (1, 1)],
            l2: 0.01,
        },
    };
    let points = BilevelRl::grid_points(&DVector::zeros(25), (4, 9), [-2.0, 2.0, -2.0, 2.0], 16);
    let rewards: Vec<_> = points.iter().map(|x| problem.reward(x)).collect();
    let mut input = SoftViBatch::new(&problem.mdp, &rewards, 0);
    let chunk = input.lavapipe_sweeps();
    let mut left = 400u32;
    while left > 0 {
        input.sweeps = left.min(chunk);
        left -= input.sweeps;
        let done = run_kernel::<SoftVi>(&mut rt, input.clone(), 120);
        assert_eq!(done.ran_on, Ran::Gpu, "{:?}", done.gpu_error);
        input.q0 = done.value;
    }
    let pairs = 100;
    let mut worst = 0.0f64;
    for (k, x) in points.iter().enumerate() {
        let q = DVector::from_iterator(
            pairs,
            input.q0[k * pairs..(k + 1) * pairs]
                .iter()
                .map(|&v| f64::from(v)),
        );
        let gpu = problem.phi_from_q(x, &q);
        let want = problem.phi(x);
        worst = worst.max((gpu - want).abs() / want.abs().max(1.0));
    }
    assert!(worst < 1e-3, "max relative |Δφ| = {worst:.1e}");
}

/// The control tasks' batched network forward (issue 16): real initialised actors and critics of 16
/// seeds, 16 observations each, at PureJaxRL's width and at the kernel's widest: the GPU equals its CPU
/// twin within f32 tolerance and the float64 networks to 1e-4.
#[test]
fn mlp_forward_matches_its_cpu_twin_and_float64() {
    use bilevel_lab::gpu::kernels::{MlpBatch, MlpForward};
    use bilevel_lab::numerics::control::envs::{EnvBatch, EnvKind};
    use bilevel_lab::numerics::control::ppo::Agent;
    use bilevel_lab::numerics::random::SeededRng;
    use rand::SeedableRng as _;
    let mut rt = gpu_runtime();
    for (env, hidden, actor) in [
        (EnvKind::Cartpole, 64, false),
        (EnvKind::Acrobot, 64, true),
        (EnvKind::Pendulum, 64, true),
        (EnvKind::Cartpole, 128, false),
        (EnvKind::Cartpole, 128, true),
    ] {
        let agents: Vec<Agent> = (0..16)
            .map(|s| Agent::new(env, hidden, &mut SeededRng::seed_from_u64(s)))
            .collect();
        let xs: Vec<Vec<f64>> = (0..16)
            .flat_map(|s| EnvBatch::new(env, 16, s).observations())
            .collect();
        let (mlp, nets): (_, Vec<&[f64]>) = if actor {
            let len = agents[0].actor.params();
            (
                agents[0].actor,
                agents.iter().map(|a| &a.theta.as_slice()[..len]).collect(),
            )
        } else {
            (
                agents[0].critic,
                agents.iter().map(|a| a.omega.as_slice()).collect(),
            )
        };
        let input = MlpBatch::of(mlp, &nets, 16, &xs);
        let what = format!("{env:?} {hidden} actor={actor}");
        assert_gpu_matches_twin::<MlpForward>(&mut rt, input.clone(), 1e-5, None, &what);
        let twin = MlpForward::cpu(&input);
        for (k, x) in xs.iter().enumerate() {
            let want = mlp.forward(nets[k / 16], x).out;
            for (j, w) in want.iter().enumerate() {
                let got = f64::from(twin[k * mlp.outputs + j]);
                assert!(
                    (got - w).abs() < 1e-4 * (1.0 + w.abs()),
                    "{what} {k}: {got} vs {w}"
                );
            }
        }
    }
}

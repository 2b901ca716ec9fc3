//! The convergence map of the actor–critic game (issue 4): for every start point of a grid, log₁₀ of the
//! distance to the equilibrium (0, 0) after T steps of the panel's dynamics
//! (`numerics::games::actor_critic`), all start points at once on the GPU.

use crate::gpu::job::{Encoded, Kernel, f32s_from_bytes};
use crate::gpu::runtime::KernelSpec;
use crate::numerics::games::actor_critic::{Dynamics, GameParams};

uniform_params! {
    nx: u32,
    ny: u32,
    steps: u32,
    critic_steps: u32,
    stackelberg: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
    theta_min: f32,
    theta_max: f32,
    w_min: f32,
    w_max: f32,
    actor_lr: f32,
    critic_lr: f32,
    reg: f32,
    _pad3: f32,
}

/// Output value of a start point whose run left |θ|, |w| ≤ 1e12 ("infinitely far").
pub const DIVERGED: f32 = 1000.0;
const LIMIT: f32 = 1e12;
/// Step evaluations per part of the CPU twin (about a millisecond in the browser; the twin runs parts
/// until the frame's work deadline).
const PART_WORK: f64 = 6.0e4;
/// Most step evaluations one map may take (≈ seconds on a discrete GPU, minutes on the CPU twin); larger
/// requests are refused with this reason rather than risk the browser's GPU watchdog.
pub const MAX_WORK: f64 = 2.0e10;

/// The grid and the dynamics.
#[derive(Clone, Debug, PartialEq)]
pub struct MapRequest {
    pub nx: u32,
    pub ny: u32,
    pub steps: u32,
    /// [θ_min, θ_max, w_min, w_max].
    pub window: [f32; 4],
    pub game: GameParams,
}

impl MapRequest {
    /// The benchmark map (`bilevel-lab bench N T` natively, Diagnostics' twin timing in the
    /// browser): N² starts × T steps of the Stackelberg dynamics with λ = 0.04 over [−1, 1]².
    pub fn benchmark(n: u32, steps: u32) -> Self {
        Self {
            nx: n,
            ny: n,
            steps,
            window: [-1.0, 1.0, -1.0, 1.0],
            game: GameParams {
                dynamics: Dynamics::Stackelberg,
                reg: 0.04,
                actor_lr: 0.01,
                critic_lr: 0.01,
                critic_steps: 1,
            },
        }
    }

    /// Checks sizes and parameters (the GPU path and the twin refuse the same inputs).
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=4096).contains(&self.nx) || !(1..=4096).contains(&self.ny) {
            return Err(format!(
                "grid {}×{}: each side must be in 1..=4096",
                self.nx, self.ny
            ));
        }
        let [t0, t1, w0, w1] = self.window;
        if !(t0 < t1 && w0 < w1) || self.window.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "window {:?}: needs θ_min < θ_max and w_min < w_max, finite",
                self.window
            ));
        }
        if self.game.critic_steps == 0 {
            return Err("critic_steps: must be ≥ 1".to_owned());
        }
        if self.work() > MAX_WORK {
            return Err(format!(
                "{:.1e} step evaluations (grid² × T × K) is over the limit of {MAX_WORK:.0e}: lower the grid, T or K",
                self.work()
            ));
        }
        Ok(())
    }

    /// Step evaluations of the whole map: cells × T × (K + 1 when nested).
    pub fn work(&self) -> f64 {
        let per_step = if self.game.critic_steps <= 1 {
            1
        } else {
            self.game.critic_steps + 1
        };
        f64::from(self.nx) * f64::from(self.ny) * f64::from(self.steps) * per_step as f64
    }

    fn cells_per_part(&self) -> usize {
        let per_cell = (f64::from(self.steps) * self.game.critic_steps.max(1) as f64).max(1.0);
        ((PART_WORK / per_cell) as usize).max(1)
    }

    /// Start point (θ, w) of cell (ix, iy): cell centres, row 0 at the top (largest w).
    pub fn start(&self, ix: u32, iy: u32) -> (f32, f32) {
        let [t0, t1, w0, w1] = self.window;
        (
            t0 + (t1 - t0) * (ix as f32 + 0.5) / self.nx as f32,
            w1 - (w1 - w0) * (iy as f32 + 0.5) / self.ny as f32,
        )
    }
}

fn critic_gradient(theta: f32, w: f32) -> f32 {
    2.0 * theta * (theta * w + theta * theta / 5.0)
}

/// Start points the CPU twin steps together: independent lanes with no branch in the step, so the
/// compiler vectorizes the loop (SSE/AVX natively, `simd128` on the web).
const LANES: usize = 8;

/// Cells `first..first + n` (n ≤ LANES, row-major) stepped together. Each lane does the WGSL's f32
/// operations in its order (results identical to the per-cell loop); a lane that leaves the limit is
/// marked and keeps computing (its value is DIVERGED whatever follows), and the loop stops once every lane
/// has left. The Stackelberg branch `reg == 0 || denom == 0` is a select of both sides, as a GPU runs it.
fn lanes(req: &MapRequest, first: usize, n: usize) -> [f32; LANES] {
    let stackelberg = req.game.dynamics == Dynamics::Stackelberg;
    let (actor_lr, critic_lr, reg) = (
        req.game.actor_lr as f32,
        req.game.critic_lr as f32,
        req.game.reg as f32,
    );
    let (mut theta, mut w) = ([0.0f32; LANES], [0.0f32; LANES]);
    let mut left = [false; LANES];
    for l in 0..LANES {
        let cell = first + l.min(n - 1);
        let (t0, w0) = req.start(
            (cell % req.nx as usize) as u32,
            (cell / req.nx as usize) as u32,
        );
        (theta[l], w[l]) = (t0, w0);
    }
    let direction = |t: f32, w: f32| -> f32 {
        if !stackelberg {
            return w;
        }
        let denom = 2.0 * t * t + reg;
        let plain = 2.0 * w + 0.6 * t;
        let damped = t * t * (4.0 * w + 1.2 * t) / denom;
        w - if reg == 0.0 || denom == 0.0 {
            plain
        } else {
            damped
        }
    };
    for _ in 0..req.steps {
        if req.game.critic_steps <= 1 {
            for l in 0..LANES {
                let d = direction(theta[l], w[l]);
                let g = critic_gradient(theta[l], w[l]);
                theta[l] += actor_lr * d;
                w[l] -= critic_lr * g;
            }
        } else {
            for _ in 0..req.game.critic_steps {
                for l in 0..LANES {
                    w[l] -= critic_lr * critic_gradient(theta[l], w[l]);
                }
            }
            for l in 0..LANES {
                theta[l] += actor_lr * direction(theta[l], w[l]);
            }
        }
        let mut all_left = true;
        for l in 0..LANES {
            left[l] |= !(theta[l].abs() <= LIMIT && w[l].abs() <= LIMIT);
            all_left &= left[l];
        }
        if all_left {
            break;
        }
    }
    std::array::from_fn(|l| {
        if left[l] {
            DIVERGED
        } else {
            theta[l].hypot(w[l]).max(1e-30).log2() * std::f32::consts::LOG10_2
        }
    })
}

/// The convergence-map kernel (`convergence_map.wgsl`).
pub struct ConvergenceMap;

impl ConvergenceMap {
    /// The CPU twin spread over `threads` cores (natively; the browser's twin is time-sliced on the UI
    /// thread instead): contiguous runs of parts, one per thread, joined in order — the same map as
    /// [`Kernel::cpu`], value for value. Invalid requests give an empty map.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn cpu_on_threads(req: &MapRequest, threads: usize) -> Vec<f32> {
        let parts = Self::cpu_parts(req);
        let per_thread = parts.div_ceil(threads.max(1)).max(1);
        std::thread::scope(|scope| {
            let runs: Vec<_> = (0..parts)
                .step_by(per_thread)
                .map(|first| {
                    scope.spawn(move || {
                        let mut acc = None;
                        for part in first..(first + per_thread).min(parts) {
                            Self::cpu_part(req, part, &mut acc);
                        }
                        acc.unwrap_or_default()
                    })
                })
                .collect();
            runs.into_iter()
                .flat_map(|run| run.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }
}

impl Kernel for ConvergenceMap {
    type Input = MapRequest;
    type Output = Vec<f32>;
    const SPEC: KernelSpec = kernel_spec!("convergence_map");

    /// CPU twin, row-major (iy, ix), natively on every core the machine has. Invalid requests give an
    /// empty map.
    fn cpu(req: &MapRequest) -> Vec<f32> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            Self::cpu_on_threads(req, cores)
        }
        #[cfg(target_arch = "wasm32")]
        {
            crate::gpu::job::cpu_by_parts::<Self>(req).unwrap_or_default()
        }
    }

    /// Parts of about [`PART_WORK`] step evaluations (whole start points, row-major), so the twin can be
    /// time-sliced on the UI thread whatever T and K are.
    fn cpu_parts(req: &MapRequest) -> usize {
        req.validate().map_or(0, |()| {
            (req.nx as usize * req.ny as usize).div_ceil(req.cells_per_part())
        })
    }

    fn cpu_part(req: &MapRequest, part: usize, acc: &mut Option<Vec<f32>>) {
        let out = acc.get_or_insert_with(|| Vec::with_capacity((req.nx * req.ny) as usize));
        let cells = req.nx as usize * req.ny as usize;
        let first = part * req.cells_per_part();
        let last = (first + req.cells_per_part()).min(cells);
        let mut cell = first;
        while cell < last {
            let n = LANES.min(last - cell);
            let values = lanes(req, cell, n);
            out.extend_from_slice(&values[..n]);
            cell += n;
        }
    }

    fn encode(req: &MapRequest) -> Result<Encoded, String> {
        req.validate()?;
        let [theta_min, theta_max, w_min, w_max] = req.window;
        let params = Params {
            nx: req.nx,
            ny: req.ny,
            steps: req.steps,
            critic_steps: req.game.critic_steps as u32,
            stackelberg: u32::from(req.game.dynamics == Dynamics::Stackelberg),
            _pad0: 0,
            _pad1: 0,
            _pad2: 0,
            theta_min,
            theta_max,
            w_min,
            w_max,
            actor_lr: req.game.actor_lr as f32,
            critic_lr: req.game.critic_lr as f32,
            reg: req.game.reg as f32,
            _pad3: 0.0,
        };
        let params = bytemuck::bytes_of(&params).to_vec();
        let cells = req.nx * req.ny;
        Ok(Encoded {
            params,
            inputs: Vec::new(),
            output_bytes: u64::from(cells) * 4,
            invocations: cells,
        })
    }

    fn decode(req: &MapRequest, bytes: &[u8]) -> Result<Vec<f32>, String> {
        f32s_from_bytes(bytes, (req.nx * req.ny) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::games::actor_critic::simulate;

    #[test]
    fn cpu_twin_matches_the_float64_dynamics() {
        for dynamics in [Dynamics::Simultaneous, Dynamics::Stackelberg] {
            let base = MapRequest::benchmark(5, 500);
            let game = GameParams {
                dynamics,
                critic_steps: 2,
                ..base.game
            };
            let req = MapRequest {
                ny: 4,
                game,
                ..base
            };
            let map = ConvergenceMap::cpu(&req);
            for iy in 0..4 {
                for ix in 0..5 {
                    let (t, w) = req.start(ix, iy);
                    let tr = simulate((f64::from(t), f64::from(w)), &req.game, 500, 500);
                    let want = tr.theta[1].hypot(tr.w[1]).log10();
                    let got = f64::from(map[(iy * 5 + ix) as usize]);
                    assert!(
                        (got - want).abs() < 1e-3,
                        "{dynamics:?} ({ix}, {iy}): {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_time_sliced_twin_equals_the_whole_twin() {
        let base = MapRequest::benchmark(48, 3000);
        let game = GameParams {
            reg: 0.0,
            ..base.game
        };
        let window = [-1.0, 1.0, -0.5, 1.5];
        let req = MapRequest {
            ny: 40,
            window,
            game,
            ..base
        };
        let mut runtime = crate::gpu::ComputeRuntime::cpu("test");
        let mut job = crate::gpu::Job::<ConvergenceMap>::start(&mut runtime, req.clone());
        let mut polls = 0;
        let done = loop {
            polls += 1;
            if let Some(done) = job.poll(&mut runtime, crate::budget::deadline(None)) {
                break done;
            }
            assert!(job.progress() > 0.0 && job.progress() < 1.0);
        };
        assert_eq!(done.value, ConvergenceMap::cpu(&req));
        assert_eq!(done.value.len(), 48 * 40);
        assert!(polls >= 1 && !job.is_pending());
        // Spread over any number of threads (more than there are parts included): the same map.
        let parts = ConvergenceMap::cpu_parts(&req);
        assert!(parts > 8, "{parts} parts");
        for threads in [1, 2, 3, 7, parts + 5] {
            assert_eq!(
                ConvergenceMap::cpu_on_threads(&req, threads),
                done.value,
                "{threads} threads"
            );
        }
    }

    #[test]
    fn divergence_and_bad_requests() {
        let base = MapRequest::benchmark(2, 1000);
        let game = GameParams {
            dynamics: Dynamics::Simultaneous,
            reg: 0.0,
            actor_lr: 50.0,
            critic_lr: 50.0,
            ..base.game
        };
        let mut req = MapRequest { game, ..base };
        assert!(ConvergenceMap::cpu(&req).iter().all(|&v| v == DIVERGED));
        let mut huge = req.clone();
        (huge.nx, huge.ny, huge.steps, huge.game.critic_steps) = (512, 512, 10_000, 100);
        let err = huge.validate().err().unwrap_or_default();
        assert!(err.contains("over the limit"), "{err}");
        req.window = [1.0, -1.0, 0.0, 1.0];
        assert!(ConvergenceMap::encode(&req).is_err());
        assert!(ConvergenceMap::cpu(&req).is_empty());
    }
}

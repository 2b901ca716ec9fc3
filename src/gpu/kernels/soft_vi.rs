//! Batched soft value iteration on one MDP for many rewards (issue 7: φ over a grid of reward
//! coordinates, many seeds), `soft_vi.wgsl`. Returns Q after a fixed number of sweeps from a given Q₀ (row
//! s·A + a per reward); V and π follow from Q on the CPU. P's rows are stored sparse (`nnz` entries per
//! row, padded with zeros: a gridworld has at most 5). The float64 reference is
//! `numerics::rl::mdp::SoftMdp::solve_from`.
//!
//! lavapipe (CI's Vulkan) stops every shader loop after 65 535 iterations counted over the whole
//! dispatch, so long runs are chained: [`SoftViBatch::lavapipe_sweeps`] sweeps per dispatch, Q₀ = the last Q.

use crate::gpu::job::{Encoded, Kernel, Storage, f32s_from_bytes};
use crate::gpu::runtime::KernelSpec;

uniform_params! {
    states: u32,
    actions: u32,
    batch: u32,
    sweeps: u32,
    nnz: u32,
    gamma: f32,
    tau: f32,
    _pad: u32,
}

/// Threads per workgroup (one workgroup per reward).
const THREADS: usize = 64;
/// Largest number of states the kernel's workgroup memory holds (a 32 × 32 gridworld).
pub const MAX_STATES: usize = 1024;

/// One MDP, `rewards.len() / (S·A)` rewards.
#[derive(Clone, Debug, PartialEq)]
pub struct SoftViBatch {
    pub states: u32,
    pub actions: u32,
    pub sweeps: u32,
    pub gamma: f32,
    pub tau: f32,
    /// Entries per row of P (the most non-zeros of any row).
    pub nnz: u32,
    /// (S·A) × nnz column indices and values of P's rows (padding: column 0, value 0).
    pub cols: Vec<u32>,
    pub vals: Vec<f32>,
    /// batch × S·A.
    pub rewards: Vec<f32>,
    /// batch × S·A, the starting Q.
    pub q0: Vec<f32>,
}

impl SoftViBatch {
    pub fn pairs(&self) -> usize {
        self.states as usize * self.actions as usize
    }

    pub fn batch(&self) -> usize {
        self.rewards.len() / self.pairs().max(1)
    }

    pub fn validate(&self) -> Result<(), String> {
        let (s, pairs) = (self.states as usize, self.pairs());
        if s == 0 || s > MAX_STATES || self.actions == 0 || pairs > 4 * MAX_STATES {
            return Err(format!(
                "states, actions: at most {MAX_STATES} states and {} pairs, got {s} and {pairs}",
                4 * MAX_STATES
            ));
        }
        let entries = pairs * self.nnz as usize;
        if self.nnz == 0
            || self.cols.len() != entries
            || self.vals.len() != entries
            || self.cols.iter().any(|&c| c as usize >= s)
        {
            return Err(format!(
                "transitions: expected {entries} sparse entries with columns below {s}"
            ));
        }
        if self.q0.len() != self.rewards.len() {
            return Err(format!(
                "q0: expected {} numbers, got {}",
                self.rewards.len(),
                self.q0.len()
            ));
        }
        if self.rewards.is_empty() || !self.rewards.len().is_multiple_of(pairs) {
            return Err(format!(
                "rewards: expected a multiple of S·A = {pairs} numbers, got {}",
                self.rewards.len()
            ));
        }
        if !(self.gamma.is_finite() && (0.0..1.0).contains(&self.gamma)) {
            return Err(format!("gamma: must be in [0, 1), got {}", self.gamma));
        }
        if !(self.tau.is_finite() && self.tau > 0.0) {
            return Err(format!("tau: must be > 0, got {}", self.tau));
        }
        if self.sweeps > 100_000 {
            return Err(format!("sweeps: at most 100000, got {}", self.sweeps));
        }
        Ok(())
    }
}

/// The kernel.
pub struct SoftVi;

/// The twin of one reward: the kernel's sweeps in f32, same order.
fn solve_one(input: &SoftViBatch, reward: &[f32], q0: &[f32]) -> Vec<f32> {
    let (s_count, a_count) = (input.states as usize, input.actions as usize);
    let nnz = input.nnz as usize;
    let mut q = q0.to_vec();
    let mut v = vec![0.0f32; s_count];
    for _ in 0..input.sweeps {
        for (s, value) in v.iter_mut().enumerate() {
            let row = &q[s * a_count..(s + 1) * a_count];
            let mut top = row[0];
            for &x in &row[1..] {
                top = top.max(x);
            }
            let mut total = 0.0f32;
            for &x in row {
                total += ((x - top) / input.tau).exp();
            }
            *value = top + input.tau * total.ln();
        }
        for (i, qi) in q.iter_mut().enumerate() {
            let mut acc = 0.0f32;
            for e in i * nnz..(i + 1) * nnz {
                acc += input.vals[e] * v[input.cols[e] as usize];
            }
            *qi = reward[i] + input.gamma * acc;
        }
    }
    q
}

impl Kernel for SoftVi {
    type Input = SoftViBatch;
    type Output = Vec<f32>;
    const SPEC: KernelSpec = kernel_spec!("soft_vi");

    /// One part per reward.
    fn cpu_parts(input: &SoftViBatch) -> usize {
        input.validate().map_or(0, |()| input.batch())
    }

    fn cpu_part(input: &SoftViBatch, part: usize, acc: &mut Option<Vec<f32>>) {
        let pairs = input.pairs();
        let out = acc.get_or_insert_with(|| Vec::with_capacity(input.rewards.len()));
        let range = part * pairs..(part + 1) * pairs;
        out.extend(solve_one(
            input,
            &input.rewards[range.clone()],
            &input.q0[range],
        ));
    }

    fn encode(input: &SoftViBatch) -> Result<Encoded, String> {
        input.validate()?;
        // Column, then the value's bits, per entry (one storage buffer for both).
        let sparse: Vec<u32> = input
            .cols
            .iter()
            .zip(&input.vals)
            .flat_map(|(&c, v)| [c, v.to_bits()])
            .collect();
        let params = Params {
            states: input.states,
            actions: input.actions,
            batch: input.batch() as u32,
            sweeps: input.sweeps,
            nnz: input.nnz,
            gamma: input.gamma,
            tau: input.tau,
            _pad: 0,
        };
        Ok(Encoded {
            params: bytemuck::bytes_of(&params).to_vec(),
            inputs: vec![
                Storage::Owned(bytemuck::cast_slice(&sparse).to_vec()),
                Storage::Owned(bytemuck::cast_slice(&input.rewards).to_vec()),
                Storage::Owned(bytemuck::cast_slice(&input.q0).to_vec()),
            ],
            output_bytes: (input.rewards.len() * 4) as u64,
            invocations: (input.batch() * THREADS) as u32,
        })
    }

    fn decode(input: &SoftViBatch, bytes: &[u8]) -> Result<Vec<f32>, String> {
        f32s_from_bytes(bytes, input.rewards.len())
    }
}

impl SoftViBatch {
    /// The batch for `mdp` and float64 rewards (each S·A long), from Q₀ = 0.
    pub fn new(
        mdp: &crate::numerics::rl::mdp::SoftMdp,
        rewards: &[nalgebra::DVector<f64>],
        sweeps: u32,
    ) -> Self {
        let pairs = mdp.states * mdp.actions;
        let rows: Vec<Vec<(u32, f32)>> = (0..pairs)
            .map(|i| {
                mdp.row(i)
                    .iter()
                    .map(|&(u, p)| (u as u32, p as f32))
                    .collect()
            })
            .collect();
        let nnz = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let mut cols = Vec::with_capacity(pairs * nnz);
        let mut vals = Vec::with_capacity(pairs * nnz);
        for row in &rows {
            for e in 0..nnz {
                let (c, v) = row.get(e).copied().unwrap_or((0, 0.0));
                cols.push(c);
                vals.push(v);
            }
        }
        let rewards: Vec<f32> = rewards
            .iter()
            .flat_map(|r| r.iter().map(|&x| x as f32))
            .collect();
        Self {
            states: mdp.states as u32,
            actions: mdp.actions as u32,
            sweeps,
            gamma: mdp.gamma as f32,
            tau: mdp.tau as f32,
            nnz: nnz as u32,
            cols,
            vals,
            q0: vec![0.0; rewards.len()],
            rewards,
        }
    }

    /// The most sweeps one dispatch may take on lavapipe: its shaders stop every loop after 65 535
    /// iterations in total, and the innermost loop runs rounds·A·nnz times per sweep.
    pub fn lavapipe_sweeps(&self) -> u32 {
        let rounds = (self.states as usize).div_ceil(THREADS);
        let per_sweep = rounds * self.actions as usize * self.nnz as usize;
        (60_000 / per_sweep.max(1)).max(1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::rl::gridworld::Gridworld;
    use nalgebra::DVector;

    #[test]
    fn the_twin_matches_float64_soft_value_iteration() {
        let g = Gridworld::default();
        let mdp = g.mdp(0.9, 0.2).unwrap_or_else(|e| panic!("{e}"));
        let rewards: Vec<DVector<f64>> = (0..3)
            .map(|k| g.true_reward() * (1.0 + 0.5 * k as f64))
            .collect();
        let mut batch = SoftViBatch::new(&mdp, &rewards, 120);
        assert_eq!(
            batch.nnz, 4,
            "a gridworld row reaches at most 4 cells, one per move"
        );
        // Two chained runs of 120 and 80 sweeps equal one of 200.
        let first = SoftVi::cpu(&batch);
        batch.q0 = first;
        batch.sweeps = 80;
        let q = SoftVi::cpu(&batch);
        assert_eq!(q.len(), 3 * 100);
        for (k, r) in rewards.iter().enumerate() {
            let want = mdp.solve_from(r, &DVector::zeros(100), 0.0, 200).q;
            let got = &q[k * 100..(k + 1) * 100];
            let worst = got
                .iter()
                .zip(want.iter())
                .map(|(g, w)| (f64::from(*g) - w).abs() / w.abs().max(1.0))
                .fold(0.0f64, f64::max);
            assert!(worst < 1e-5, "reward {k}: {worst:.1e}");
        }
        let bad = SoftViBatch {
            gamma: 1.0,
            ..batch.clone()
        };
        assert!(
            SoftVi::encode(&bad)
                .err()
                .unwrap_or_default()
                .starts_with("gamma")
        );
    }
}

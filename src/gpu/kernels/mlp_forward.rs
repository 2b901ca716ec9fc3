//! Batched forward passes of the control tasks' actor or critic (`numerics::control::mlp`), many
//! networks (one per seed) at once: the policy and value evaluations of a rollout step of every seed ×
//! environment, or a whole rollout's values. `bilevel-lab bench-control` times it against its CPU twin
//! and the float64 numerics; at the Control view's sizes the CPU path is used (see docs/numerics.md).

use crate::gpu::job::{Encoded, Kernel, Storage, f32s_from_bytes};
use crate::gpu::runtime::KernelSpec;

uniform_params! {
    samples: u32,
    per_net: u32,
    net_len: u32,
    inputs: u32,
    hidden: u32,
    outputs: u32,
    _pad0: u32,
    _pad1: u32,
}

/// The widest hidden layer the kernel holds (`MAX_HIDDEN` in the WGSL): twice PureJaxRL's 64. (With
/// 256-entry private arrays lavapipe returned wrong values where 200 were right; not chased further.)
pub const MAX_HIDDEN: usize = 128;

/// Networks of one architecture and the inputs of each.
#[derive(Clone, Debug, PartialEq)]
pub struct MlpBatch {
    pub inputs: usize,
    pub hidden: usize,
    pub outputs: usize,
    /// Every network's flat parameters, one after the other ([W₁, b₁, W₂, b₂, W₃, b₃] each).
    pub weights: Vec<f32>,
    /// Inputs per network.
    pub per_net: usize,
    /// The inputs, network by network (nets × per_net × inputs).
    pub xs: Vec<f32>,
}

impl MlpBatch {
    /// The f32 batch of float64 networks `nets` of architecture `mlp`, each at its `per_net` inputs of
    /// `xs` (network by network).
    pub fn of(
        mlp: crate::numerics::control::mlp::Mlp,
        nets: &[&[f64]],
        per_net: usize,
        xs: &[Vec<f64>],
    ) -> Self {
        let narrow = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        Self {
            inputs: mlp.inputs,
            hidden: mlp.hidden,
            outputs: mlp.outputs,
            weights: nets.iter().flat_map(|p| narrow(p)).collect(),
            per_net,
            xs: xs.iter().flat_map(|x| narrow(x)).collect(),
        }
    }

    /// Parameters of one network.
    pub fn net_len(&self) -> usize {
        let (i, h, o) = (self.inputs, self.hidden, self.outputs);
        h * i + h + h * h + h + o * h + o
    }

    pub fn samples(&self) -> usize {
        self.xs.len() / self.inputs.max(1)
    }

    /// Checks the shapes against each other and the kernel's limits.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_HIDDEN).contains(&self.hidden) || self.inputs == 0 || self.outputs == 0 {
            return Err(format!(
                "shape {}→{}→{}: inputs and outputs ≥ 1, hidden in 1..={MAX_HIDDEN}",
                self.inputs, self.hidden, self.outputs
            ));
        }
        let len = self.net_len();
        if self.weights.is_empty() || !self.weights.len().is_multiple_of(len) {
            return Err(format!(
                "weights: expected a multiple of {len} entries, got {}",
                self.weights.len()
            ));
        }
        let nets = self.weights.len() / len;
        let want = nets * self.per_net * self.inputs;
        if self.per_net == 0 || self.xs.len() != want {
            return Err(format!(
                "xs: expected {nets} nets × {} inputs × {} = {want} entries, got {}",
                self.per_net,
                self.inputs,
                self.xs.len()
            ));
        }
        if self.weights.len() > u32::MAX as usize || want * self.outputs > u32::MAX as usize {
            return Err("the batch exceeds the kernel's 32-bit indexing".to_owned());
        }
        Ok(())
    }
}

/// The batched MLP forward kernel (`mlp_forward.wgsl`).
pub struct MlpForward;

impl Kernel for MlpForward {
    type Input = MlpBatch;
    type Output = Vec<f32>;
    const SPEC: KernelSpec = kernel_spec!("mlp_forward");

    /// CPU twin: the same f32 operations in the same order. Invalid shapes give an empty result.
    fn cpu(input: &MlpBatch) -> Vec<f32> {
        if input.validate().is_err() {
            return Vec::new();
        }
        let (n_in, h, n_out) = (input.inputs, input.hidden, input.outputs);
        let len = input.net_len();
        let layer = |w: &[f32], b: &[f32], x: &[f32], rows: usize| -> Vec<f32> {
            (0..rows)
                .map(|r| {
                    let mut acc = 0.0f32;
                    for (a, v) in w[r * x.len()..(r + 1) * x.len()].iter().zip(x) {
                        acc += a * v;
                    }
                    b[r] + acc
                })
                .collect()
        };
        let mut out = Vec::with_capacity(input.samples() * n_out);
        for (s, x) in input.xs.chunks_exact(n_in).enumerate() {
            let p = &input.weights[(s / input.per_net) * len..][..len];
            let (w1, rest) = p.split_at(h * n_in);
            let (b1, rest) = rest.split_at(h);
            let (w2, rest) = rest.split_at(h * h);
            let (b2, rest) = rest.split_at(h);
            let (w3, b3) = rest.split_at(n_out * h);
            let a1: Vec<f32> = layer(w1, b1, x, h).into_iter().map(f32::tanh).collect();
            let a2: Vec<f32> = layer(w2, b2, &a1, h).into_iter().map(f32::tanh).collect();
            out.extend(layer(w3, b3, &a2, n_out));
        }
        out
    }

    fn encode(input: &MlpBatch) -> Result<Encoded, String> {
        input.validate()?;
        let samples = input.samples() as u32;
        let params = Params {
            samples,
            per_net: input.per_net as u32,
            net_len: input.net_len() as u32,
            inputs: input.inputs as u32,
            hidden: input.hidden as u32,
            outputs: input.outputs as u32,
            _pad0: 0,
            _pad1: 0,
        };
        Ok(Encoded {
            params: bytemuck::bytes_of(&params).to_vec(),
            inputs: vec![
                Storage::Owned(bytemuck::cast_slice(&input.weights).to_vec()),
                Storage::Owned(bytemuck::cast_slice(&input.xs).to_vec()),
            ],
            output_bytes: u64::from(samples) * input.outputs as u64 * 4,
            invocations: samples,
        })
    }

    fn decode(input: &MlpBatch, bytes: &[u8]) -> Result<Vec<f32>, String> {
        f32s_from_bytes(bytes, input.samples() * input.outputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::control::mlp::Mlp;
    use crate::numerics::random::SeededRng;
    use rand::{Rng as _, SeedableRng as _};

    /// Two networks (two seeds) of CartPole's critic shape, three observations each: the f32 twin
    /// agrees with the float64 forward pass to f32 rounding.
    #[test]
    fn cpu_twin_matches_the_f64_network() {
        let mlp = Mlp {
            inputs: 4,
            hidden: 16,
            outputs: 2,
        };
        let mut rng = SeededRng::seed_from_u64(5);
        let nets: Vec<Vec<f64>> = (0..2)
            .map(|_| mlp.init(1.0, &mut rng).iter().map(|v| v + 0.1).collect())
            .collect();
        let xs: Vec<f64> = (0..2 * 3 * 4)
            .map(|_| rng.random_range(-2.0..2.0))
            .collect();
        let inputs: Vec<Vec<f64>> = xs.chunks(4).map(<[f64]>::to_vec).collect();
        let batch = MlpBatch::of(mlp, &[&nets[0], &nets[1]], 3, &inputs);
        assert_eq!(batch.net_len(), mlp.params());
        let twin = MlpForward::cpu(&batch);
        for (s, x) in xs.chunks(4).enumerate() {
            let want = mlp.forward(&nets[s / 3], x).out;
            for (k, w) in want.iter().enumerate() {
                let got = f64::from(twin[s * 2 + k]);
                assert!(
                    (got - w).abs() < 1e-5 * (1.0 + w.abs()),
                    "{s} {k}: {got} vs {w}"
                );
            }
        }
    }

    #[test]
    fn bad_shapes_are_refused_with_a_message() {
        let batch = MlpBatch {
            inputs: 2,
            hidden: 3,
            outputs: 1,
            weights: vec![0.0; 25],
            per_net: 2,
            xs: vec![0.0; 3],
        };
        let err = MlpForward::encode(&batch).err().unwrap_or_default();
        assert!(
            err.starts_with("xs: expected 1 nets × 2 inputs × 2 = 4 entries"),
            "{err}"
        );
        assert!(MlpForward::cpu(&batch).is_empty());
        let wide = MlpBatch {
            hidden: 129,
            ..batch
        };
        assert!(
            MlpForward::encode(&wide)
                .err()
                .unwrap_or_default()
                .contains("hidden in 1..=128")
        );
    }
}

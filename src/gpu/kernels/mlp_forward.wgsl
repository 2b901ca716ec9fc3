// Forward passes of two-hidden-layer tanh MLPs (the control tasks' actor and critic,
// numerics/control/mlp.rs): y = W₃ tanh(W₂ tanh(W₁x + b₁) + b₂) + b₃, one invocation per sample; sample s
// uses network s / per_net (one network per seed, its environments' observations in a row).
// Parameters per network: [W₁ (row-major), b₁, W₂, b₂, W₃, b₃]. CPU twin: mlp_forward.rs (same f32
// arithmetic, same summation order).

// `struct Params` (the uniform block) is generated from the Rust side's `uniform_params!`.

const MAX_HIDDEN: u32 = 128u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> xs: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(ids: Ids) {
    let s = invocation(ids);
    if (s >= params.samples) {
        return;
    }
    let n_in = params.inputs;
    let h = params.hidden;
    let n_out = params.outputs;
    let w1 = (s / params.per_net) * params.net_len;
    let b1 = w1 + h * n_in;
    let w2 = b1 + h;
    let b2 = w2 + h * h;
    let w3 = b2 + h;
    let b3 = w3 + n_out * h;
    let x = s * n_in;
    var a1: array<f32, MAX_HIDDEN>;
    var a2: array<f32, MAX_HIDDEN>;
    for (var r: u32 = 0u; r < h; r = r + 1u) {
        var acc: f32 = 0.0;
        for (var j: u32 = 0u; j < n_in; j = j + 1u) {
            acc = acc + weights[w1 + r * n_in + j] * xs[x + j];
        }
        a1[r] = tanh(weights[b1 + r] + acc);
    }
    for (var r: u32 = 0u; r < h; r = r + 1u) {
        var acc: f32 = 0.0;
        for (var j: u32 = 0u; j < h; j = j + 1u) {
            acc = acc + weights[w2 + r * h + j] * a1[j];
        }
        a2[r] = tanh(weights[b2 + r] + acc);
    }
    for (var r: u32 = 0u; r < n_out; r = r + 1u) {
        var acc: f32 = 0.0;
        for (var j: u32 = 0u; j < h; j = j + 1u) {
            acc = acc + weights[w3 + r * h + j] * a2[j];
        }
        out[s * n_out + r] = weights[b3 + r] + acc;
    }
}

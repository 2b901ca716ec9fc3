// Convergence map of the one-step actor–critic game (BLPO Fig. 1): one invocation per start point of an
// nx × ny grid over [theta_min, theta_max] × [w_min, w_max] (row 0 = largest w, cell centres), T steps of the
// chosen dynamics, output log10 of the final distance to (0, 0), or DIVERGED when |θ| or |w| leaves 1e12.
// CPU twin: convergence_map.rs (same f32 arithmetic, same order).

// `struct Params` (the uniform block) is generated from the Rust side's `uniform_params!`.

const DIVERGED: f32 = 1000.0;
const LIMIT: f32 = 1e12;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

fn critic_gradient(theta: f32, w: f32) -> f32 {
    return 2.0 * theta * (theta * w + theta * theta / 5.0);
}

fn actor_direction(theta: f32, w: f32) -> f32 {
    if (params.stackelberg == 0u) {
        return w;
    }
    let denom = 2.0 * theta * theta + params.reg;
    var implicit_term: f32;
    if (params.reg == 0.0 || denom == 0.0) {
        implicit_term = 2.0 * w + 0.6 * theta;
    } else {
        implicit_term = theta * theta * (4.0 * w + 1.2 * theta) / denom;
    }
    return w - implicit_term;
}

@compute @workgroup_size(64)
fn main(ids: Ids) {
    let index = invocation(ids);
    if (index >= params.nx * params.ny) {
        return;
    }
    let ix = index % params.nx;
    let iy = index / params.nx;
    var theta = params.theta_min + (params.theta_max - params.theta_min) * (f32(ix) + 0.5) / f32(params.nx);
    var w = params.w_max - (params.w_max - params.w_min) * (f32(iy) + 0.5) / f32(params.ny);
    for (var k: u32 = 0u; k < params.steps; k = k + 1u) {
        if (params.critic_steps <= 1u) {
            let d = actor_direction(theta, w);
            let g = critic_gradient(theta, w);
            theta = theta + params.actor_lr * d;
            w = w - params.critic_lr * g;
        } else {
            for (var j: u32 = 0u; j < params.critic_steps; j = j + 1u) {
                w = w - params.critic_lr * critic_gradient(theta, w);
            }
            theta = theta + params.actor_lr * actor_direction(theta, w);
        }
        if (!(abs(theta) <= LIMIT && abs(w) <= LIMIT)) {
            out[index] = DIVERGED;
            return;
        }
    }
    // WGSL has no log10: log10(d) = log2(d) · log10(2), mirrored by the twin.
    out[index] = log2(max(sqrt(theta * theta + w * w), 1e-30)) * 0.30102999566;
}

// Φ(x) over a grid of the leader's first two coordinates for ridge-regression HPO (issue 6): at every
// grid point the inner problem min_w (1/2N)‖Xw − t‖² + ‖x ⊙ w‖² is solved exactly — Cholesky of
// A = G + 2 diag(x²) (G = XᵀX/N), then A w = r (r = Xᵀt/N) — and Φ = ½ wᵀVw − sᵀw + c is the validation
// loss (V = X_vᵀX_v/N_v, s = X_vᵀt_v/N_v, c = t_vᵀt_v/(2N_v)). One invocation per cell, m ≤ 8.
// CPU twin: ridge_landscape.rs (same f32 arithmetic, same order).

struct Params {
    m: u32,
    nx: u32,
    ny: u32,
    _pad: u32,
}

// data: G (m·m), r (m), V (m·m), s (m), base x (m), then c, a0, a1, b0, b1.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> data: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let cell = gid.x + gid.y * groups.x * 64u;
    if (cell >= params.nx * params.ny) {
        return;
    }
    let m = params.m;
    let o_r = m * m;
    let o_v = o_r + m;
    let o_s = o_v + m * m;
    let o_x = o_s + m;
    let o_c = o_x + m;
    let c = data[o_c];
    let a0 = data[o_c + 1u];
    let a1 = data[o_c + 2u];
    let b0 = data[o_c + 3u];
    let b1 = data[o_c + 4u];
    let ix = cell % params.nx;
    let iy = cell / params.nx;
    // Row 0 is the top of the picture (largest second coordinate).
    let t = (f32(ix) + 0.5) / f32(params.nx);
    let u = (f32(iy) + 0.5) / f32(params.ny);
    var x: array<f32, 8>;
    for (var i: u32 = 0u; i < m; i = i + 1u) {
        x[i] = data[o_x + i];
    }
    x[0] = a0 + (a1 - a0) * t;
    if (m > 1u) {
        x[1] = b1 - (b1 - b0) * u;
    }
    // Cholesky A = L Lᵀ, L in the lower triangle of l.
    var l: array<f32, 64>;
    for (var i: u32 = 0u; i < m; i = i + 1u) {
        for (var j: u32 = 0u; j <= i; j = j + 1u) {
            var sum = data[i * m + j];
            if (i == j) {
                sum = sum + 2.0 * x[i] * x[i];
            }
            for (var k: u32 = 0u; k < j; k = k + 1u) {
                sum = sum - l[i * 8u + k] * l[j * 8u + k];
            }
            if (i == j) {
                if (!(sum > 0.0)) {
                    out[cell] = bitcast<f32>(0x7fc00000u);
                    return;
                }
                l[i * 8u + i] = sqrt(sum);
            } else {
                l[i * 8u + j] = sum / l[j * 8u + j];
            }
        }
    }
    // Forward then backward substitution: A w = r.
    var w: array<f32, 8>;
    for (var i: u32 = 0u; i < m; i = i + 1u) {
        var sum = data[o_r + i];
        for (var k: u32 = 0u; k < i; k = k + 1u) {
            sum = sum - l[i * 8u + k] * w[k];
        }
        w[i] = sum / l[i * 8u + i];
    }
    for (var step: u32 = 0u; step < m; step = step + 1u) {
        let i = m - 1u - step;
        var sum = w[i];
        for (var k: u32 = i + 1u; k < m; k = k + 1u) {
            sum = sum - l[k * 8u + i] * w[k];
        }
        w[i] = sum / l[i * 8u + i];
    }
    // Φ = ½ wᵀVw − sᵀw + c.
    var phi = c;
    for (var i: u32 = 0u; i < m; i = i + 1u) {
        var vw: f32 = 0.0;
        for (var j: u32 = 0u; j < m; j = j + 1u) {
            vw = vw + data[o_v + i * m + j] * w[j];
        }
        phi = phi + w[i] * (0.5 * vw - data[o_s + i]);
    }
    out[cell] = phi;
}

// Φ(x) = f(x, y*(x)) over a grid of the leader's first two coordinates, for bilevel problems whose inner
// problem is a linear system and whose outer objective is quadratic in (x, y) (issue 6, the playground's
// landscape): at every grid point
//   A(x) = H₀ + 2·mask·diag(x²)        (mask = 1: ridge penalties on y; needs n = m)
//   y*   = A(x)⁻¹ (r₀ + C x)           (Cholesky, then forward and back substitution)
//   Φ    = ½ y*ᵀV y* + sᵀy* + xᵀB y* + aᵀx + ½ xᵀE x + c₀.
// Ridge HPO and the quadratic problem are both of this form (phi_landscape.rs maps them). One invocation
// per cell, n, m ≤ 8. CPU twin: phi_landscape.rs (same f32 arithmetic, same order).

const NOT_PD: f32 = 3e38;

// `struct Params` (the uniform block) is generated from the Rust side's `uniform_params!`.

// data: H₀ (m·m), r₀ (m), C (m·n), V (m·m), s (m), B (n·m), a (n), E (n·n), base x (n),
// then mask, c₀, a0, a1, b0, b1.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> data: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(ids: Ids) {
    let cell = invocation(ids);
    if (cell >= params.nx * params.ny) {
        return;
    }
    let n = params.n;
    let m = params.m;
    // Where each part of `data` starts: the Rust side's `LandscapeRequest::params`.
    let o_r = params.o_r;
    let o_c = params.o_c;
    let o_v = params.o_v;
    let o_s = params.o_s;
    let o_b = params.o_b;
    let o_a = params.o_a;
    let o_e = params.o_e;
    let o_x = params.o_x;
    let o_k = params.o_k;
    let mask = data[o_k];
    let c0 = data[o_k + 1u];
    let a0 = data[o_k + 2u];
    let a1 = data[o_k + 3u];
    let b0 = data[o_k + 4u];
    let b1 = data[o_k + 5u];
    let ix = cell % params.nx;
    let iy = cell / params.nx;
    // Row 0 is the top of the picture (largest second coordinate).
    let t = (f32(ix) + 0.5) / f32(params.nx);
    let u = (f32(iy) + 0.5) / f32(params.ny);
    var x: array<f32, 8>;
    for (var i: u32 = 0u; i < n; i = i + 1u) {
        x[i] = data[o_x + i];
    }
    x[0] = a0 + (a1 - a0) * t;
    if (n > 1u) {
        x[1] = b1 - (b1 - b0) * u;
    }
    // Cholesky A = L Lᵀ, L in the lower triangle of l.
    var l: array<f32, 64>;
    for (var i: u32 = 0u; i < m; i = i + 1u) {
        for (var j: u32 = 0u; j <= i; j = j + 1u) {
            var sum = data[i * m + j];
            if (i == j) {
                sum = sum + mask * 2.0 * x[i] * x[i];
            }
            for (var k: u32 = 0u; k < j; k = k + 1u) {
                sum = sum - l[i * 8u + k] * l[j * 8u + k];
            }
            if (i == j) {
                if (!(sum > 0.0)) {
                    // A is not positive definite here. WGSL has no NaN constant and Chrome's compiler
                    // rejects literals beyond f32's range (even 3.40282347e38), so 3e38 marks the cell;
                    // decode turns it into NaN.
                    out[cell] = NOT_PD;
                    return;
                }
                l[i * 8u + i] = sqrt(sum);
            } else {
                l[i * 8u + j] = sum / l[j * 8u + j];
            }
        }
    }
    // y = A⁻¹ (r₀ + C x).
    var y: array<f32, 8>;
    for (var i: u32 = 0u; i < m; i = i + 1u) {
        var sum = data[o_r + i];
        for (var k: u32 = 0u; k < n; k = k + 1u) {
            sum = sum + data[o_c + i * n + k] * x[k];
        }
        for (var k: u32 = 0u; k < i; k = k + 1u) {
            sum = sum - l[i * 8u + k] * y[k];
        }
        y[i] = sum / l[i * 8u + i];
    }
    for (var step: u32 = 0u; step < m; step = step + 1u) {
        let i = m - 1u - step;
        var sum = y[i];
        for (var k: u32 = i + 1u; k < m; k = k + 1u) {
            sum = sum - l[k * 8u + i] * y[k];
        }
        y[i] = sum / l[i * 8u + i];
    }
    var phi = c0;
    for (var i: u32 = 0u; i < m; i = i + 1u) {
        var vy: f32 = 0.0;
        for (var j: u32 = 0u; j < m; j = j + 1u) {
            vy = vy + data[o_v + i * m + j] * y[j];
        }
        phi = phi + y[i] * (0.5 * vy + data[o_s + i]);
    }
    for (var i: u32 = 0u; i < n; i = i + 1u) {
        var by: f32 = 0.0;
        for (var j: u32 = 0u; j < m; j = j + 1u) {
            by = by + data[o_b + i * m + j] * y[j];
        }
        var ex: f32 = 0.0;
        for (var j: u32 = 0u; j < n; j = j + 1u) {
            ex = ex + data[o_e + i * n + j] * x[j];
        }
        phi = phi + x[i] * (by + data[o_a + i] + 0.5 * ex);
    }
    out[cell] = phi;
}

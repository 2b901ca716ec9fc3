// Batched iterative IHVPs v ≈ (H + αI)⁻¹ b for N explicit Hessians of size p ≤ 128 (issue 5, BLPO Fig. 2):
// method 0 = conjugate gradients (iters steps, stops where ‖r‖ ≤ tol‖b‖ or dᵀ(H + αI)d ≤ 0),
// method 1 = Neumann series v = η Σ_{j<iters} (I − η(H + αI))ʲ b,
// method 2 = conjugate gradients without the curvature guard (steps through dᵀ(H + αI)d < 0, as JAX/SciPy).
// One workgroup of 64 threads per instance: thread t owns rows t and t + 64; dot products are per-thread
// partials (row t, then row t + 64) summed by a fixed tree. CPU twin: ihvp_iterative.rs (same order).
// Every thread runs every iteration (stopping is a zero step), so barriers stay in uniform control flow.

const MAX_P: u32 = 128u;
const THREADS: u32 = 64u;

// `struct Params` (the uniform block) is generated from the Rust side's `uniform_params!`.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hessians: array<f32>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> x: array<f32, 128>;
var<workgroup> r: array<f32, 128>;
var<workgroup> d: array<f32, 128>;
var<workgroup> ad: array<f32, 128>;

// (H + αI)·d for the rows this thread owns, into ad.
fn apply(inst: u32, t: u32) {
    let p = params.p;
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < p) {
            let row = (inst * p + i) * p;
            var acc: f32 = 0.0;
            for (var j: u32 = 0u; j < p; j = j + 1u) {
                acc = acc + hessians[row + j] * d[j];
            }
            ad[i] = acc + params.alpha * d[i];
        }
    }
}

// Σᵢ a[i]·b[i] over the instance, the same value in every thread. which: 0 = d·ad, 1 = r·r.
fn dot(t: u32, which: u32) -> f32 {
    var partial: f32 = 0.0;
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < params.p) {
            if (which == 0u) {
                partial = partial + d[i] * ad[i];
            } else {
                partial = partial + r[i] * r[i];
            }
        }
    }
    return tree_sum(t, partial);
}

@compute @workgroup_size(64)
fn main(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let t = lid.x;
    let inst = wid.x + wid.y * groups.x;
    // Workgroups past the batch still run the loops (uniform barriers) on zeros and write nothing.
    let live = inst < params.n;
    let p = params.p;
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < p) {
            var bi: f32 = 0.0;
            if (live) {
                bi = rhs[inst * p + i];
            }
            r[i] = bi;
            d[i] = bi;
            x[i] = select(0.0, bi, params.method == 1u);
        }
    }
    workgroupBarrier();

    var rs = dot(t, 1u);
    let threshold = params.tol * params.tol * rs;
    var running = rs > 0.0;
    // Neumann: d holds the current term (I − ηA)ʲ b, x the running sum.
    let neumann_steps = select(params.iters, params.iters - 1u, params.iters > 0u);
    let loops = select(params.iters, neumann_steps, params.method == 1u);
    for (var it: u32 = 0u; it < loops; it = it + 1u) {
        apply(min(inst, params.n - 1u), t);
        workgroupBarrier();
        if (params.method == 1u) {
            for (var k: u32 = 0u; k < 2u; k = k + 1u) {
                let i = t + k * THREADS;
                if (i < p) {
                    d[i] = d[i] - params.step * ad[i];
                    x[i] = x[i] + d[i];
                }
            }
            workgroupBarrier();
        } else {
            let curvature = dot(t, 0u);
            // Method 2 steps through negative curvature; a zero or non-finite one still stops it.
            let curved = curvature > 0.0
                || (params.method == 2u && curvature < 0.0 && abs(curvature) <= 3.4e38);
            let stepping = running && curved && rs > threshold;
            let alpha_k = select(0.0, rs / curvature, stepping);
            for (var k: u32 = 0u; k < 2u; k = k + 1u) {
                let i = t + k * THREADS;
                if (i < p) {
                    x[i] = x[i] + alpha_k * d[i];
                    r[i] = r[i] - alpha_k * ad[i];
                }
            }
            workgroupBarrier();
            let rs_next = dot(t, 1u);
            let beta = select(0.0, rs_next / rs, stepping);
            for (var k: u32 = 0u; k < 2u; k = k + 1u) {
                let i = t + k * THREADS;
                if (i < p && stepping) {
                    d[i] = r[i] + beta * d[i];
                }
            }
            workgroupBarrier();
            rs = select(rs, rs_next, stepping);
            running = stepping;
        }
    }
    if (live) {
        for (var k: u32 = 0u; k < 2u; k = k + 1u) {
            let i = t + k * THREADS;
            if (i < p) {
                out[inst * p + i] = select(x[i], params.step * x[i], params.method == 1u);
            }
        }
    }
}

// Batched iterative IHVPs v ≈ (H + αI)⁻¹ b for N explicit Hessians of size p ≤ 128 (issue 5, BLPO Fig. 2):
// method 0 = conjugate gradients (iters steps, stops where ‖r‖ ≤ tol‖b‖ or dᵀ(H + αI)d ≤ 0),
// method 1 = Neumann series v = η Σ_{j<iters} (I − η(H + αI))ʲ b,
// method 2 = conjugate gradients without the curvature guard (steps through dᵀ(H + αI)d < 0, as JAX/SciPy).
// One workgroup of 64 threads per instance: thread t owns rows t and t + 64; dot products are per-thread
// partials (row t, then row t + 64) summed by a fixed tree. CPU twin: ihvp_iterative.rs (same order).
// Bindings, `dir`, `a_dir`, `x` and `apply` are in krylov.wgsl; `dir` is CG's search direction d (Neumann's
// current term).
// Every thread runs every iteration (stopping is a zero step), so barriers stay in uniform control flow.

// The residual r = b − A x.
var<workgroup> r: array<f32, 128>;

// The terms of `dot`: which 0 = dir·a_dir, 1 = r·r.
fn product(which: u32, i: u32) -> f32 {
    if (which == 0u) {
        return dir[i] * a_dir[i];
    }
    return r[i] * r[i];
}

@compute @workgroup_size(64)
fn main(ids: Ids) {
    let t = ids.lid.x;
    let inst = instance(ids);
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
            dir[i] = bi;
            x[i] = select(0.0, bi, params.method == 1u);
        }
    }
    workgroupBarrier();

    var rs = dot(t, 1u);
    let threshold = params.tol * params.tol * rs;
    var running = rs > 0.0;
    // Neumann: dir holds the current term (I − ηA)ʲ b, x the running sum.
    let neumann_steps = select(params.iters, params.iters - 1u, params.iters > 0u);
    let loops = select(params.iters, neumann_steps, params.method == 1u);
    for (var it: u32 = 0u; it < loops; it = it + 1u) {
        apply(min(inst, params.n - 1u), t);
        workgroupBarrier();
        if (params.method == 1u) {
            for (var k: u32 = 0u; k < 2u; k = k + 1u) {
                let i = t + k * THREADS;
                if (i < p) {
                    dir[i] = dir[i] - params.step * a_dir[i];
                    x[i] = x[i] + dir[i];
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
                    x[i] = x[i] + alpha_k * dir[i];
                    r[i] = r[i] - alpha_k * a_dir[i];
                }
            }
            workgroupBarrier();
            let rs_next = dot(t, 1u);
            let beta = select(0.0, rs_next / rs, stepping);
            for (var k: u32 = 0u; k < 2u; k = k + 1u) {
                let i = t + k * THREADS;
                if (i < p && stepping) {
                    dir[i] = r[i] + beta * dir[i];
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

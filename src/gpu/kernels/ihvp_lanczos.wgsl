// Batched Lanczos IHVPs v_k = ‖b‖ Q_k T_k⁻¹ e₁ on A = H + αI (LancBiO poster 002; numerics/ihvp/lanczos.rs
// without reorthogonalization) for N explicit Hessians, p ≤ 128, k ≤ 64 steps. Two passes, so no basis is
// stored: pass 1 runs the three-term recurrence for the αⱼ, βⱼ of T_k (stopping growth where β = 0), thread 0
// solves T_m y = ‖b‖e₁ by the Thomas algorithm (a zero pivot marks the instance SINGULAR), pass 2 reruns the
// same recurrence and accumulates v = Σ yⱼ qⱼ. One workgroup of 64 threads per instance; thread t owns rows t
// and t + 64; dot products as in ihvp_iterative.wgsl. CPU twin: ihvp_lanczos.rs (same order). Bindings,
// `x` and `apply` are in krylov.wgsl: `dir` is the current Lanczos vector qⱼ, `a_dir` is w = A qⱼ − … .

const SINGULAR: f32 = 3.0e38;

var<workgroup> q_prev: array<f32, 128>;
var<workgroup> alphas: array<f32, 64>;
var<workgroup> betas: array<f32, 64>;
var<workgroup> y: array<f32, 64>;
var<workgroup> size: u32;
var<workgroup> singular: u32;

// The terms of `dot`: which 0 = dir·a_dir, 1 = a_dir·a_dir, 2 = x·x (x holds b at the start).
fn product(which: u32, i: u32) -> f32 {
    if (which == 0u) {
        return dir[i] * a_dir[i];
    } else if (which == 1u) {
        return a_dir[i] * a_dir[i];
    }
    return x[i] * x[i];
}

// Resets q_prev = 0, dir = b/‖b‖ (b is kept in x during pass 1's start).
fn restart(t: u32, norm: f32) {
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < params.p) {
            q_prev[i] = 0.0;
            dir[i] = select(0.0, x[i] / norm, norm > 0.0);
        }
    }
    workgroupBarrier();
}

// One step of the recurrence from (q_prev, dir) with known αⱼ (in alphas[j]) and β_{j−1}; when `measure`,
// αⱼ and βⱼ are computed and stored. Leaves a_dir = the unnormalized next vector; shifts the pair.
fn advance(inst: u32, t: u32, j: u32, measure: bool) {
    apply(inst, t);
    workgroupBarrier();
    if (measure) {
        let a = dot(t, 0u);
        if (t == 0u) {
            alphas[j] = a;
        }
        workgroupBarrier();
    }
    let a = alphas[j];
    var b_prev: f32 = 0.0;
    if (j > 0u) {
        b_prev = betas[j - 1u];
    }
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < params.p) {
            a_dir[i] = a_dir[i] - a * dir[i] - b_prev * q_prev[i];
        }
    }
    workgroupBarrier();
    if (measure) {
        let b = sqrt(dot(t, 1u));
        if (t == 0u) {
            betas[j] = b;
        }
        workgroupBarrier();
    }
    let b = betas[j];
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < params.p) {
            q_prev[i] = dir[i];
            dir[i] = select(0.0, a_dir[i] / b, b > 0.0);
        }
    }
    workgroupBarrier();
}

@compute @workgroup_size(64)
fn main(ids: Ids) {
    let t = ids.lid.x;
    let live = instance(ids) < params.n;
    let inst = min(instance(ids), params.n - 1u);
    let p = params.p;
    let k_steps = params.steps;
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < p) {
            x[i] = rhs[inst * p + i];
        }
    }
    if (t == 0u) {
        size = k_steps;
        singular = 0u;
    }
    workgroupBarrier();
    let norm = sqrt(dot(t, 2u));
    restart(t, norm);
    // Pass 1: the coefficients. Steps after a breakdown (β = 0) run on zero vectors and are not used.
    for (var j: u32 = 0u; j < k_steps; j = j + 1u) {
        advance(inst, t, j, true);
        if (t == 0u && betas[j] == 0.0 && size == k_steps) {
            size = j + 1u;
        }
        workgroupBarrier();
    }
    // T_m y = ‖b‖ e₁ (Thomas algorithm; T is symmetric tridiagonal with diagonal αⱼ, off-diagonal βⱼ).
    if (t == 0u) {
        let m = size;
        // Forward sweep: y holds the modified right-hand side, red the modified super-diagonal.
        var denom = alphas[0];
        if (denom == 0.0) {
            singular = 1u;
        }
        red[0] = betas[0] / denom;
        y[0] = norm / denom;
        for (var j: u32 = 1u; j < m; j = j + 1u) {
            denom = alphas[j] - betas[j - 1u] * red[j - 1u];
            if (denom == 0.0) {
                singular = 1u;
            }
            red[j] = betas[j] / denom;
            y[j] = (0.0 - betas[j - 1u] * y[j - 1u]) / denom;
        }
        for (var jj: u32 = 1u; jj < m; jj = jj + 1u) {
            let j = m - 1u - jj;
            y[j] = y[j] - red[j] * y[j + 1u];
        }
        if (norm == 0.0) {
            for (var j: u32 = 0u; j < m; j = j + 1u) {
                y[j] = 0.0;
            }
        }
    }
    workgroupBarrier();
    // Pass 2: v = Σ_{j<m} yⱼ qⱼ, regenerating the qⱼ.
    let m = size;
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < p) {
            a_dir[i] = x[i];
            x[i] = 0.0;
        }
    }
    workgroupBarrier();
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < p) {
            q_prev[i] = 0.0;
            dir[i] = select(0.0, a_dir[i] / norm, norm > 0.0);
        }
    }
    workgroupBarrier();
    for (var j: u32 = 0u; j < k_steps; j = j + 1u) {
        let coef = select(0.0, y[min(j, 63u)], j < m);
        for (var k: u32 = 0u; k < 2u; k = k + 1u) {
            let i = t + k * THREADS;
            if (i < p) {
                x[i] = x[i] + coef * dir[i];
            }
        }
        workgroupBarrier();
        advance(inst, t, j, false);
    }
    if (live) {
        for (var k: u32 = 0u; k < 2u; k = k + 1u) {
            let i = t + k * THREADS;
            if (i < p) {
                out[inst * p + i] = select(x[i], SINGULAR, singular == 1u);
            }
        }
    }
}

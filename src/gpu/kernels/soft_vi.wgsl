// Batched soft value iteration (issue 7): for each of `batch` rewards r (S·A each, row s·A + a) on one
// MDP, `sweeps` applications of the soft Bellman operator from a given Q₀:
//   V_s  = τ log Σ_a exp(Q_sa/τ)          (max-shifted)
//   Q_sa = r_sa + γ Σ_k P[sa, k] · V[col(sa, k)]      (P's rows stored sparse: `nnz` entries each, padded)
// One workgroup of 64 threads per reward; thread t owns states t, t + 64, … and all their pairs, so Q (in
// the output buffer) is only read by the thread that wrote it; V, shared, lives in workgroup memory behind
// barriers. Workgroups past the batch run the loops (uniform barriers) and write nothing. Long runs are cut
// into several dispatches by the caller (Q₀ = the last Q): lavapipe stops any shader loop after 65 535
// iterations in total. CPU twin: soft_vi.rs (same f32 arithmetic, same order).


// `struct Params` (the uniform block) is generated from the Rust side's `uniform_params!`.

@group(0) @binding(0) var<uniform> params: Params;
// P's sparse rows: per entry the column, then the value's f32 bits (WebGPU's default limit is 4 storage
// buffers per stage, so columns and values share one).
@group(0) @binding(1) var<storage, read> sparse: array<u32>;
@group(0) @binding(2) var<storage, read> rewards: array<f32>;
@group(0) @binding(3) var<storage, read> q0: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> v: array<f32, 1024>;

@compute @workgroup_size(64)
fn main(ids: Ids) {
    let t = ids.lid.x;
    let inst = instance(ids);
    let live = inst < params.batch;
    let s_count = params.states;
    let a_count = params.actions;
    let pairs = s_count * a_count;
    let base = inst * pairs;
    // States per thread, the same for every thread (loops around barriers stay uniform).
    let rounds = (s_count + THREADS - 1u) / THREADS;
    for (var k: u32 = 0u; k < rounds; k = k + 1u) {
        let s = t + k * THREADS;
        if (s < s_count && live) {
            for (var a: u32 = 0u; a < a_count; a = a + 1u) {
                out[base + s * a_count + a] = q0[base + s * a_count + a];
            }
        }
    }
    for (var sweep: u32 = 0u; sweep < params.sweeps; sweep = sweep + 1u) {
        for (var k: u32 = 0u; k < rounds; k = k + 1u) {
            let s = t + k * THREADS;
            if (s < s_count) {
                var value: f32 = 0.0;
                if (live) {
                    var top = out[base + s * a_count];
                    for (var a: u32 = 1u; a < a_count; a = a + 1u) {
                        top = max(top, out[base + s * a_count + a]);
                    }
                    var total: f32 = 0.0;
                    for (var a: u32 = 0u; a < a_count; a = a + 1u) {
                        total = total + exp((out[base + s * a_count + a] - top) / params.tau);
                    }
                    value = top + params.tau * log(total);
                }
                v[s] = value;
            }
        }
        workgroupBarrier();
        for (var k: u32 = 0u; k < rounds; k = k + 1u) {
            let s = t + k * THREADS;
            if (s < s_count && live) {
                for (var a: u32 = 0u; a < a_count; a = a + 1u) {
                    let i = s * a_count + a;
                    var acc: f32 = 0.0;
                    for (var e: u32 = 0u; e < params.nnz; e = e + 1u) {
                        let at = 2u * (i * params.nnz + e);
                        acc = acc + bitcast<f32>(sparse[at + 1u]) * v[sparse[at]];
                    }
                    out[base + i] = rewards[base + i] + params.gamma * acc;
                }
            }
        }
        workgroupBarrier();
    }
}

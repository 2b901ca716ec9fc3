// Batched Nyström IHVPs (Hataya & Yamada 2023; BLPO Sec. 3) for N explicit Hessians, p ≤ 128, rank q ≤ 32:
// with C = H[:, Q], W = H[Q, Q] and the q×q core S = W (+ I when damped) + CᵀC/α,
//   v̂ = b/α − (1/α²) · C S⁻¹ Cᵀ b.
// One workgroup of 64 threads per instance: threads fill S and Cᵀb (entries t, t + 64, …, each sum in
// order), thread 0 solves S z = Cᵀb by Gaussian elimination with partial pivoting (a zero pivot marks the
// instance singular: its v̂ is written as SINGULAR, read back as NaN), threads write their rows of v̂.
// CPU twin: ihvp_nystrom.rs (same order).

const MAX_P: u32 = 128u;
const MAX_Q: u32 = 32u;
const SINGULAR: f32 = 3.0e38;

// `struct Params` (the uniform block) is generated from the Rust side's `uniform_params!`.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hessians: array<f32>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(3) var<storage, read> columns: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> s: array<f32, 1056>; // q × (q + 1): the core with Cᵀb as its last column
var<workgroup> z: array<f32, 32>;
var<workgroup> cols: array<u32, 32>;
var<workgroup> singular: u32;

@compute @workgroup_size(64)
fn main(ids: Ids) {
    let t = ids.lid.x;
    let inst = min(instance(ids), params.n - 1u);
    let live = instance(ids) < params.n;
    let p = params.p;
    let q = params.q;
    let w = q + 1u;
    let base = inst * p * p;
    if (t < q) {
        cols[t] = columns[inst * q + t];
    }
    if (t == 0u) {
        singular = 0u;
    }
    workgroupBarrier();
    // S[i, k] = H[Qi, Qk] (+ δik) + Σj H[Qi, j] H[Qk, j] / α;  S[i, q] = Σj H[Qi, j] b[j].
    for (var e: u32 = t; e < q * w; e = e + THREADS) {
        let i = e / w;
        let k = e % w;
        let row_i = base + cols[i] * p;
        var acc: f32 = 0.0;
        if (k < q) {
            let row_k = base + cols[k] * p;
            for (var j: u32 = 0u; j < p; j = j + 1u) {
                acc = acc + hessians[row_i + j] * hessians[row_k + j];
            }
            var core = hessians[row_i + cols[k]];
            if (params.damped == 1u && i == k) {
                core = core + 1.0;
            }
            s[e] = core + acc / params.alpha;
        } else {
            for (var j: u32 = 0u; j < p; j = j + 1u) {
                acc = acc + hessians[row_i + j] * rhs[inst * p + j];
            }
            s[e] = acc;
        }
    }
    workgroupBarrier();
    if (t == 0u) {
        for (var c: u32 = 0u; c < q; c = c + 1u) {
            var pivot = c;
            var best = abs(s[c * w + c]);
            for (var r: u32 = c + 1u; r < q; r = r + 1u) {
                if (abs(s[r * w + c]) > best) {
                    best = abs(s[r * w + c]);
                    pivot = r;
                }
            }
            if (best == 0.0) {
                singular = 1u;
            }
            if (pivot != c) {
                for (var k: u32 = c; k < w; k = k + 1u) {
                    let tmp = s[c * w + k];
                    s[c * w + k] = s[pivot * w + k];
                    s[pivot * w + k] = tmp;
                }
            }
            for (var r: u32 = c + 1u; r < q; r = r + 1u) {
                let f = s[r * w + c] / s[c * w + c];
                for (var k: u32 = c; k < w; k = k + 1u) {
                    s[r * w + k] = s[r * w + k] - f * s[c * w + k];
                }
            }
        }
        for (var ii: u32 = 0u; ii < q; ii = ii + 1u) {
            let i = q - 1u - ii;
            var acc = s[i * w + q];
            for (var k: u32 = i + 1u; k < q; k = k + 1u) {
                acc = acc - s[i * w + k] * z[k];
            }
            z[i] = acc / s[i * w + i];
        }
    }
    workgroupBarrier();
    if (live) {
        let a2 = params.alpha * params.alpha;
        for (var j: u32 = t; j < p; j = j + THREADS) {
            var acc: f32 = 0.0;
            for (var i: u32 = 0u; i < q; i = i + 1u) {
                acc = acc + hessians[base + j * p + cols[i]] * z[i];
            }
            out[inst * p + j] = select(rhs[inst * p + j] / params.alpha - acc / a2, SINGULAR, singular == 1u);
        }
    }
}

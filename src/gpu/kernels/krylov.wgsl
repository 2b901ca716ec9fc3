// Shared by the two Krylov kernels on explicit Hessians, ihvp_iterative.wgsl and ihvp_lanczos.wgsl (p ≤ 128):
// their bindings, the vector `dir` that A = H + αI is applied to, its product `a_dir`, the solution `x`, and
// the product itself, and the dot products over the rows (the kernel's `product` names what is multiplied).
// Thread t owns rows t and t + 64.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hessians: array<f32>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> dir: array<f32, 128>;
var<workgroup> a_dir: array<f32, 128>;
var<workgroup> x: array<f32, 128>;

// a_dir = (H + αI)·dir on the rows this thread owns (each row's sum in order j = 0, 1, …).
fn apply(inst: u32, t: u32) {
    let p = params.p;
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < p) {
            let row = (inst * p + i) * p;
            var acc: f32 = 0.0;
            for (var j: u32 = 0u; j < p; j = j + 1u) {
                acc = acc + hessians[row + j] * dir[j];
            }
            a_dir[i] = acc + params.alpha * dir[i];
        }
    }
}

// Σᵢ product(which, i) over the instance's rows, the same value in every thread: each thread's partial (row
// t, then row t + 64) summed by tree_sum.wgsl's fixed tree.
fn dot(t: u32, which: u32) -> f32 {
    var partial: f32 = 0.0;
    for (var k: u32 = 0u; k < 2u; k = k + 1u) {
        let i = t + k * THREADS;
        if (i < params.p) {
            partial = partial + product(which, i);
        }
    }
    return tree_sum(t, partial);
}

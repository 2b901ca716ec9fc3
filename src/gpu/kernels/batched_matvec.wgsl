// Batched matrix–vector product: out[b, i] = Σ_j A[b, i, j] · x[b, j], one invocation per output entry.
// CPU twin: batched_matvec.rs (same f32 arithmetic, same summation order).

// `struct Params` (the uniform block) is generated from the Rust side's `uniform_params!`.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> matrices: array<f32>;
@group(0) @binding(2) var<storage, read> vectors: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(ids: Ids) {
    let index = invocation(ids);
    if (index >= params.batch * params.rows) {
        return;
    }
    let b = index / params.rows;
    let i = index % params.rows;
    let row = (b * params.rows + i) * params.cols;
    let x = b * params.cols;
    var acc: f32 = 0.0;
    for (var j: u32 = 0u; j < params.cols; j = j + 1u) {
        acc = acc + matrices[row + j] * vectors[x + j];
    }
    out[index] = acc;
}

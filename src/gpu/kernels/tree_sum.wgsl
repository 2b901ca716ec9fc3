// Shared by the kernels whose dot products run over one workgroup of 64 threads (put before their source
// by `KernelSpec::wgsl`): each thread's partial sum, added by a fixed tree (strides 32, 16, …, 1), the same
// total returned in every thread. The CPU twins add in the same order (`hessian_batch::tree_dot`).
// `red` is also free scratch for a kernel between two sums.

var<workgroup> red: array<f32, 64>;

fn tree_sum(t: u32, partial: f32) -> f32 {
    red[t] = partial;
    workgroupBarrier();
    for (var stride: u32 = 32u; stride > 0u; stride = stride / 2u) {
        if (t < stride) {
            red[t] = red[t] + red[t + stride];
        }
        workgroupBarrier();
    }
    let total = red[0];
    workgroupBarrier();
    return total;
}

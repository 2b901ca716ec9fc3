// Put before every kernel's source by `kernel_spec!`: the entry point's ids and where an invocation or a
// workgroup sits in the batch. Batches past 65 535 workgroups are dispatched as a 2-D grid
// (`gpu::limits`), so a flat index is x + y · width, in workgroups or in invocations (64 per workgroup).

const THREADS: u32 = 64u;

struct Ids {
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
}

// The instance a workgroup runs, in the kernels with one workgroup per instance.
fn instance(ids: Ids) -> u32 {
    return ids.wid.x + ids.wid.y * ids.groups.x;
}

// The invocation's flat index, in the kernels with one invocation per output.
fn invocation(ids: Ids) -> u32 {
    return ids.gid.x + ids.gid.y * ids.groups.x * THREADS;
}

//! Device limits: buffer sizes checked before creating buffers, and the workgroup grid of a dispatch.

use super::error::GpuError;

/// Workgroup size every kernel of ours declares (`@workgroup_size(64)`).
pub const WORKGROUP_SIZE: u32 = 64;

pub(crate) fn check_size(what: &str, bytes: u64, limit: u64) -> Result<(), GpuError> {
    if bytes > limit {
        Err(GpuError::TooLarge {
            what: what.to_owned(),
            bytes,
            limit,
        })
    } else {
        Ok(())
    }
}

/// Workgroups (x, y) covering `invocations` threads with at most `max_per_dim` groups per dimension.
/// Kernels recover the flat index as `gid.x + gid.y * num_workgroups.x * WORKGROUP_SIZE`.
pub fn workgroup_grid(invocations: u32, max_per_dim: u32) -> Option<(u32, u32)> {
    let groups = invocations.div_ceil(WORKGROUP_SIZE).max(1);
    if groups <= max_per_dim {
        return Some((groups, 1));
    }
    let y = groups.div_ceil(max_per_dim);
    (y <= max_per_dim).then_some((max_per_dim, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workgroup_grid_covers_all_invocations() {
        assert_eq!(workgroup_grid(1, 65535), Some((1, 1)));
        assert_eq!(workgroup_grid(64, 65535), Some((1, 1)));
        assert_eq!(workgroup_grid(65, 65535), Some((2, 1)));
        let (x, y) = workgroup_grid(512 * 512 * 64, 65535).unwrap_or((0, 0));
        assert!(u64::from(x) * u64::from(y) * 64 >= 512 * 512 * 64);
        assert_eq!(workgroup_grid(u32::MAX, 10), None);
    }
}

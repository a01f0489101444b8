// grid: where an invocation stands in a 1-D launch folded over x and y. When a launch needs more workgroups
// than one dimension allows (65535), the dispatch code spreads them over nwg.x × nwg.y workgroups of `wg`
// invocations each (workgroup size (wg, 1, 1)); the extra ones past the end return early.

// The invocation's element index: gid.x + gid.y · nwg.x · wg.
fn grid_index(gid: vec3u, nwg: vec3u, wg: u32) -> u32 {
  return gid.x + gid.y * nwg.x * wg;
}

// The workgroup's index, for kernels with one workgroup per row (uniform across the workgroup).
fn grid_group(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.y * nwg.x + wid.x;
}

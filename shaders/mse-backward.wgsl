//! use: grid
// mse backward, one invocation per element: dpred = 2·(pred − target)·dloss/n, dloss read on the device.
// The spec is mseBackward in src/kernels/mse/reference.ts.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> pred: array<f32>;
@group(0) @binding(1) var<storage, read> tgt: array<f32>;
@group(0) @binding(2) var<storage, read> dloss: array<f32>;
@group(0) @binding(3) var<storage, read_write> dpred: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = grid_index(gid, nwg, 64u);
  if (e >= p.n) {
    return;
  }
  dpred[e] = (pred[e] - tgt[e]) * (2.0 * dloss[0] / f32(p.n));
}

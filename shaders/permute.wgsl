// Axis permutation of a tensor of rank <= 4, padded to rank 4 with leading size-1 axes. One invocation per
// output element: its output coordinates (c0..c3, over dims d) pick the input element Σ cᵢ·strideᵢ, where
// strideᵢ is the input stride of the axis that output axis i came from. Writes are contiguous, reads strided.
// The spec is permute() in src/backend/cpu-ops/elementwise.ts.

struct Params {
  n: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  d: vec4u,
  stride: vec4u,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= p.n) {
    return;
  }
  var r: u32 = i;
  let c3 = r % p.d.w;
  r = r / p.d.w;
  let c2 = r % p.d.z;
  r = r / p.d.z;
  let c1 = r % p.d.y;
  let c0 = r / p.d.y;
  y[i] = x[c0 * p.stride.x + c1 * p.stride.y + c2 * p.stride.z + c3 * p.stride.w];
}

//! use: float-bits, grid
// softmax cross-entropy backward, one invocation per element: dlogits = (probs − onehot(t))·dloss/N.
// dloss is read on the device (no readback). A target that is not an integer in [0, C) subtracts no one-hot,
// matching its zero contribution to the forward's loss. The spec is crossEntropyBackward in
// src/kernels/cross-entropy/reference.ts.

struct Params {
  N: u32,
  C: u32,
}

@group(0) @binding(0) var<storage, read> probs: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read> dloss: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = grid_index(gid, nwg, 64u);
  if (e >= p.N * p.C) {
    return;
  }
  let r = e / p.C;
  let j = e - r * p.C;
  var hot: f32 = 0.0;
  if (index_from_bits(targets[r], p.C) == j) {
    hot = 1.0;
  }
  dlogits[e] = (probs[e] - hot) * (dloss[0] / f32(p.N));
}

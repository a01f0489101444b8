// softmax cross-entropy backward, one invocation per element: dlogits = (probs − onehot(t))·dloss/N.
// dloss is read on the device (no readback). A target that is not an integer in [0, C) subtracts no one-hot,
// matching its zero contribution to the forward's loss. The spec is crossEntropyBackward in
// src/backend/cpu-ops/layers.ts.

struct Params {
  N: u32,
  C: u32,
}

@group(0) @binding(0) var<storage, read> probs: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read> dloss: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

// The class a target names, or C when it is not an integer in [0, C) (as in cross-entropy-forward.wgsl).
fn class_of(bits: u32) -> u32 {
  if ((bits & 0x7f800000u) == 0x7f800000u) {
    return p.C;
  }
  let f = bitcast<f32>(bits);
  if (f < 0.0 || f >= 4294967040.0) {
    return p.C;
  }
  let u = u32(f);
  if (f32(u) != f || u >= p.C) {
    return p.C;
  }
  return u;
}

@compute @workgroup_size(64, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  let e = (wid.y * nwg.x + wid.x) * 64u + li;
  if (e >= p.N * p.C) {
    return;
  }
  let r = e / p.C;
  let j = e - r * p.C;
  var hot: f32 = 0.0;
  if (class_of(targets[r]) == j) {
    hot = 1.0;
  }
  dlogits[e] = (probs[e] - hot) * (dloss[0] / f32(p.N));
}

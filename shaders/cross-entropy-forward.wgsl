//! use: float-bits, grid
// softmax cross-entropy forward, pass 1 of 2: one invocation per row, barrier-free.
//
// Row r of logits (p.N rows of p.C values) with target t:
//   m = max_j x_j,  s = Σ exp(x_j − m),  probs_j = exp(x_j − m)/s,  rowLoss_r = (m − x_t) + log(s)
// (m − x_t) + log s is −log probs_t without the log of a probability that may underflow to 0, and without
// rounding m + log s at the size of m first. Pass 2 (cross-entropy-loss.wgsl) averages rowLoss.
//
// Targets are f32 integers read as raw bits; a target that is not an integer in [0, C) adds 0 to the loss sum
// (the mean still divides by N): a kernel cannot throw, and the CPU reference rejects such targets.
// The spec is crossEntropy in src/kernels/cross-entropy/reference.ts.

struct Params {
  N: u32,
  C: u32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // Workgroups are spread over x and y (N may exceed 65535 x 64).
  let r = grid_index(gid, nwg, 64u);
  if (r >= p.N) {
    return;
  }
  let o = r * p.C;
  // C >= 1 (checked before dispatch): the first logit starts the max pass.
  var m: f32 = logits[o];
  for (var j: u32 = 1u; j < p.C; j++) {
    m = max(m, logits[o + j]);
  }
  var s: f32 = 0.0;
  for (var j: u32 = 0u; j < p.C; j++) {
    s += exp(logits[o + j] - m);
  }
  // s >= 1: the maximum contributes exp(0).
  let inv = 1.0 / s;
  for (var j: u32 = 0u; j < p.C; j++) {
    probs[o + j] = exp(logits[o + j] - m) * inv;
  }
  let t = index_from_bits(targets[r], p.C);
  var l: f32 = 0.0;
  if (t < p.C) {
    l = (m - logits[o + t]) + log(s);
  }
  rowLoss[r] = l;
}

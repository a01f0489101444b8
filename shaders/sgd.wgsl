//! use: optimizer-step
// SGD with momentum and coupled weight decay, the whole update of one parameter tensor in one dispatch:
//   g' = scale·g;  m = momentum·m + g' + wd·p;  p -= lr·m
// One invocation per element (256 per workgroup, the grid folded over x and y for large tensors).
//
// Clipping (GUARD, SCALE) as in lib/optimizer-step.wgsl: a NaN or ±Infinity global norm leaves the
// parameter and its state untouched. Without GUARD, sumSq is bound to a dummy buffer and its value is ignored.

struct Params {
  n: u32,
  rowStride: u32, // elements per grid row: workgroups in x · 256
  lr: f32,
  momentum: f32,
  wd: f32,
  maxNorm: f32,   // finite (unused unless SCALE)
}

@group(0) @binding(0) var<storage, read> grad: array<f32>;
@group(0) @binding(1) var<storage, read> sumSq: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read_write> mom: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.rowStride;
  if (i >= p.n) {
    return;
  }
  let scale = clip_scale(sumSq[0], p.maxNorm);
  if (scale < 0.0) {
    return;
  }
  let w = param[i];
  let m = p.momentum * mom[i] + grad[i] * scale + p.wd * w;
  mom[i] = m;
  param[i] = w - p.lr * m;
}

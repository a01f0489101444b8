//! use: optimizer-step
// Adam/AdamW with bias correction, the whole update of one parameter tensor in one dispatch:
//   g' = scale·g;  m = β1·m + (1−β1)·g';  v = β2·v + (1−β2)·g'²
//   p -= lr·( (m / bc1) / (sqrt(v / bc2) + eps) + wd·p ),  bc1 = 1 − β1^t, bc2 = 1 − β2^t
// (decoupled decay on the parameter before the update; wd = 0 is Adam). 1−β and bc are computed on the host
// in float64 and passed rounded once to f32: 1 − f32(0.999) in f32 would be off by 1.3e-5 relative.
// One invocation per element (256 per workgroup, the grid folded over x and y for large tensors).
//
// Clipping (GUARD, SCALE) as in lib/optimizer-step.wgsl: a NaN or ±Infinity global norm leaves the
// parameter and its state untouched. Without GUARD, sumSq is bound to a dummy buffer and its value is ignored.

struct Params {
  n: u32,
  rowStride: u32, // elements per grid row: workgroups in x · 256
  lr: f32,
  beta1: f32,
  beta2: f32,
  omb1: f32,      // 1 − β1
  omb2: f32,      // 1 − β2
  bc1: f32,
  bc2: f32,
  eps: f32,
  wd: f32,
  maxNorm: f32,   // finite (unused unless SCALE)
}

@group(0) @binding(0) var<storage, read> grad: array<f32>;
@group(0) @binding(1) var<storage, read> sumSq: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read_write> m1: array<f32>;
@group(0) @binding(4) var<storage, read_write> m2: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

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
  let g = grad[i] * scale;
  let m = p.beta1 * m1[i] + p.omb1 * g;
  let v = p.beta2 * m2[i] + p.omb2 * g * g;
  m1[i] = m;
  m2[i] = v;
  let w = param[i];
  param[i] = w - p.lr * ((m / p.bc1) / (sqrt(v / p.bc2) + p.eps) + p.wd * w);
}

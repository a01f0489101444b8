//! use: grid
// y = alpha·x + beta elementwise (alpha and beta passed as f32), one vec4 per invocation (see
// elementwise-unary.wgsl for why, and for the padding the last vec4 may touch). The spec is affine() in
// src/kernels/elementwise/reference.ts.

struct Params {
  n: u32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg, 64u);
  if (i * 4u >= p.n) {
    return;
  }
  y[i] = p.alpha * x[i] + p.beta;
}

//! use: grid
// mse forward, pass 1 of 2: partial sums of (pred − target)². With P = ceil(n / CHUNK) invocations, invocation i
// sums elements i, i + P, i + 2P, ... (at most CHUNK of them): neighbouring invocations read neighbouring
// elements (coalesced), and each sum has at most CHUNK non-negative f32 terms. mse-mean.wgsl adds the P
// partials and divides by n.

override CHUNK: u32 = 256u;

struct Params {
  n: u32,
  P: u32, // number of partial sums, ceil(n / CHUNK)
}

@group(0) @binding(0) var<storage, read> pred: array<f32>;
@group(0) @binding(1) var<storage, read> tgt: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg, 64u);
  if (i >= p.P) {
    return;
  }
  var s: f32 = 0.0;
  for (var k: u32 = 0u; k < CHUNK; k++) {
    let e = i + k * p.P;
    if (e >= p.n) {
      break;
    }
    let d = pred[e] - tgt[e];
    s += d * d;
  }
  partial[i] = s;
}

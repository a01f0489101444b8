// layerNorm backward, parameter gradients: one invocation per column j, looping over every row.
//   dgamma_j = Σ_r dy[r, j]·xh[r, j],   dbeta_j = Σ_r dy[r, j],   xh = (x − mean_r)·rstd_r
// Neighbouring invocations read neighbouring columns of the same row (coalesced). No atomics, no barriers; the
// sums run in row order in f32, so the error grows with the row count (see the tolerance in
// src/kernels/layernorm/cases.ts). Only C invocations: a real GPU would want the rows split into blocks
// and a second reduction pass once rows >> C.

struct Params {
  rows: u32,
  C: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(5) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= p.C) {
    return;
  }
  var ag: f32 = 0.0;
  var ab: f32 = 0.0;
  for (var r: u32 = 0u; r < p.rows; r++) {
    let i = r * p.C + j;
    let g = dy[i];
    ag += g * ((x[i] - mean[r]) * rstd[r]);
    ab += g;
  }
  dgamma[j] = ag;
  dbeta[j] = ab;
}

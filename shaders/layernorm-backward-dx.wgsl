//! use: grid
// layerNorm backward, input gradient: one invocation per row, barrier-free.
//
// With xh = (x − mean)·rstd and g = dy·gamma over row r (p.C values):
//   dx = rstd·(g − Σg/C − xh·Σ(g·xh)/C)
// Two passes over the row (the two sums, then dx), accumulated in f32. mean and rstd are the forward's saved
// values. dgamma and dbeta come from layernorm-backward-params.wgsl (a column-wise pass). The spec is
// layerNormBackward in src/kernels/layernorm/reference.ts.

struct Params {
  rows: u32,
  C: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = grid_index(gid, nwg, 64u);
  if (r >= p.rows) {
    return;
  }
  let o = r * p.C;
  let mu = mean[r];
  let rs = rstd[r];

  var sg: f32 = 0.0;
  var sgx: f32 = 0.0;
  for (var j: u32 = 0u; j < p.C; j++) {
    let g = dy[o + j] * gamma[j];
    sg += g;
    sgx += g * ((x[o + j] - mu) * rs);
  }
  let n = f32(p.C);
  let mg = sg / n;
  let mgx = sgx / n;
  for (var j: u32 = 0u; j < p.C; j++) {
    let xh = (x[o + j] - mu) * rs;
    dx[o + j] = rs * (dy[o + j] * gamma[j] - mg - xh * mgx);
  }
}

//! use: grid
// layerNorm forward, one invocation per row, no workgroup memory and no barriers.
//
// Row r of x (p.rows rows of p.C values): y = (x − mean)·rstd·gamma + beta, rstd = 1/sqrt(var + eps) with the
// biased variance; mean and rstd are saved per row for the backward. The spec is layerNorm in
// src/kernels/layernorm/reference.ts.
//
// Numerics (f32): the row is shifted by its first value x0 before anything is summed, and the variance is a
// second pass over the centred values. With x = 1000 + noise, d = x − x0 is (nearly) exact, its mean dm carries
// no 1000-sized rounding, and (x − x0) − dm keeps the noise to full precision; neither E[x²] − E[x]² nor even
// x − round_f32(mean) would (the latter is off by up to half an ulp of 1000, 3e-5, times rstd). The squares are
// taken of the centred values divided by the row's largest magnitude (when above 1), so rows up to the f32 limit
// normalise without overflow.

struct Params {
  rows: u32,
  C: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // Workgroups are spread over x and y (rows may exceed 65535 x 64).
  let r = grid_index(gid, nwg, 64u);
  if (r >= p.rows) {
    return;
  }
  let o = r * p.C;
  let x0 = x[o];
  let n = f32(p.C);

  var s: f32 = 0.0;
  for (var j: u32 = 0u; j < p.C; j++) {
    s += x[o + j] - x0;
  }
  let dm = s / n;
  // The centred values are divided by a = max(1, max |d|) before squaring, so a row of ±1e20 (whose squares
  // overflow f32) normalises as in float64: var = a²·Σ(d/a)²/n, rstd = (1/a)/sqrt(Σ(d/a)²/n + eps/a²).
  var a: f32 = 1.0;
  for (var j: u32 = 0u; j < p.C; j++) {
    a = max(a, abs((x[o + j] - x0) - dm));
  }
  var q: f32 = 0.0;
  for (var j: u32 = 0u; j < p.C; j++) {
    let d = ((x[o + j] - x0) - dm) / a;
    q += d * d;
  }
  let rn = 1.0 / sqrt(q / n + p.eps / (a * a)); // rstd · a
  for (var j: u32 = 0u; j < p.C; j++) {
    y[o + j] = (((x[o + j] - x0) - dm) / a) * rn * gamma[j] + beta[j];
  }
  let rs = rn / a;
  mean[r] = x0 + dm;
  rstd[r] = rs;
}

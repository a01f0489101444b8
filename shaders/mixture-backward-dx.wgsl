//! use: float-bits, grid, mixture
// mixture backward, pass 3 of 3, one invocation per input (row n, feature f): dx[n, f] = Σₖ Σₑ Wᵥ[k, f, e]·dr +
// Wₛ[k, f, e]·ds over the experts whose weight aₑ is not 0, in f32. The spec is mixtureBackward in
// src/kernels/mixture/reference.ts.

@group(0) @binding(0) var<storage, read> wv: array<f32>;
@group(0) @binding(1) var<storage, read> ws: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> dr: array<f32>;
@group(0) @binding(4) var<storage, read> ds: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<uniform> p: MixtureParams;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg, 64u);
  if (i >= p.N * p.F) {
    return;
  }
  let n = i / p.F;
  let f = i % p.F;
  var s: f32 = 0.0;
  for (var k: u32 = 0u; k < p.K; k++) {
    for (var e: u32 = 0u; e < p.E; e++) {
      let o = (k * p.N + n) * p.E + e;
      if (!is_zero(a[o])) {
        let w = (k * p.F + f) * p.E + e;
        s += wv[w] * dr[o] + ws[w] * ds[o];
      }
    }
  }
  dx[i] = s;
}

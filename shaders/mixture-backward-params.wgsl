//! use: float-bits, grid, mixture
// mixture backward, pass 2 of 3, one invocation per weight (model k, row f of F + 1, expert e): the gradient of a
// value or score weight, dW[k, f, e] = Σₙ x[n, f]·dz[k, n, e], and for f = F the bias's, Σₙ dz[k, n, e], summed in
// f32 over the rows whose weight aₑ is not 0. Run once with dz = dr (values) and once with dz = ds (scores).
// The spec is mixtureBackward in src/kernels/mixture/reference.ts.

override HAS_BIAS: bool = true; // write the bias gradient (else its binding holds any buffer and is not written)

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> dz: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;
@group(0) @binding(4) var<storage, read_write> db: array<f32>;
@group(0) @binding(5) var<uniform> p: MixtureParams;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg, 64u);
  let rows = p.F + 1u;
  if (i >= p.K * rows * p.E) {
    return;
  }
  let e = i % p.E;
  let f = (i / p.E) % rows;
  let k = i / (p.E * rows);
  var s: f32 = 0.0;
  for (var n: u32 = 0u; n < p.N; n++) {
    let o = (k * p.N + n) * p.E + e;
    if (!is_zero(a[o])) {
      var xf: f32 = 1.0;
      if (f < p.F) {
        xf = x[n * p.F + f];
      }
      s += xf * dz[o];
    }
  }
  if (f < p.F) {
    dw[(k * p.F + f) * p.E + e] = s;
  } else if (HAS_BIAS) {
    db[k * p.E + e] = s;
  }
}

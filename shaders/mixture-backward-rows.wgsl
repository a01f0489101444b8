//! use: float-bits, grid, mixture
// mixture backward, pass 1 of 3, one invocation per row (model k, row n): from the saved weights a, the values
// rₑ (recomputed), y = Σ_{aₑ ≠ 0} aₑ·rₑ and dy, the gradients of the values and the scores,
// drₑ = dy·aₑ and dsₑ = aₑ·dy·(rₑ − y), 0 where aₑ = 0. mixture-backward-params.wgsl and mixture-backward-dx.wgsl
// reduce them. The spec is mixtureBackward in src/kernels/mixture/reference.ts.

override HAS_VB: bool = true; // valuesBias bound (else its binding holds any buffer and is not read)

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> wv: array<f32>;
@group(0) @binding(2) var<storage, read> bv: array<f32>;
@group(0) @binding(3) var<storage, read> a: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dr: array<f32>;
@group(0) @binding(6) var<storage, read_write> ds: array<f32>;
@group(0) @binding(7) var<uniform> p: MixtureParams;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = grid_index(gid, nwg, 64u);
  if (row >= p.K * p.N) {
    return;
  }
  let k = row / p.N;
  let n = row % p.N;
  let o = row * p.E;
  var y: f32 = 0.0;
  for (var e: u32 = 0u; e < p.E; e++) {
    let w = a[o + e];
    if (!is_zero(w)) {
      y += w * mixture_linear(&x, &wv, &bv, HAS_VB, p, k, n, e);
    }
  }
  let g = dy[row];
  for (var e: u32 = 0u; e < p.E; e++) {
    let w = a[o + e];
    var r: f32 = 0.0;
    var s: f32 = 0.0;
    if (!is_zero(w)) {
      r = g * w;
      s = w * g * (mixture_linear(&x, &wv, &bv, HAS_VB, p, k, n, e) - y);
    }
    dr[o + e] = r;
    ds[o + e] = s;
  }
}

//! use: float-bits, grid, mixture
// mixture forward, one invocation per row (model k, row n): the scores sₑ = bₛₑ + Σ_f x_f·Wₛ[f, e] are computed
// three times (max, sum, write: F and E are small), the weights aₑ = softmax(s)ₑ under softmax's rules, and
// y = Σ_{aₑ ≠ 0} aₑ·(bᵥₑ + Σ_f x_f·Wᵥ[f, e]). The spec is mixture in src/kernels/mixture/reference.ts.

override HAS_VB: bool = true; // valuesBias bound (else its binding holds any buffer and is not read)
override HAS_SB: bool = true; // scoresBias likewise

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> wv: array<f32>;
@group(0) @binding(2) var<storage, read> ws: array<f32>;
@group(0) @binding(3) var<storage, read> bv: array<f32>;
@group(0) @binding(4) var<storage, read> bs: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> a: array<f32>;
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
  var m: f32 = LOWEST_F32;
  var bad = false;
  for (var e: u32 = 0u; e < p.E; e++) {
    let s = mixture_linear(&x, &ws, &bs, HAS_SB, p, k, n, e);
    if (!is_neg_inf(s)) {
      bad = bad || poisons(s);
      m = max(m, select(s, LOWEST_F32, poisons(s)));
    }
  }
  if (bad) {
    // Through a var: a constant bitcast to NaN is refused at shader creation.
    var nanBits: u32 = 0x7fc00000u;
    let nan = bitcast<f32>(nanBits);
    for (var e: u32 = 0u; e < p.E; e++) {
      a[o + e] = nan;
    }
    y[row] = nan;
    return;
  }
  var total: f32 = 0.0;
  for (var e: u32 = 0u; e < p.E; e++) {
    let s = mixture_linear(&x, &ws, &bs, HAS_SB, p, k, n, e);
    if (!is_neg_inf(s)) {
      total += exp(s - m);
    }
  }
  // total >= 1 when any expert is kept (the maximum contributes exp(0)), 0 when none is.
  var inv: f32 = 0.0;
  if (total > 0.0) {
    inv = 1.0 / total;
  }
  var acc: f32 = 0.0;
  for (var e: u32 = 0u; e < p.E; e++) {
    let s = mixture_linear(&x, &ws, &bs, HAS_SB, p, k, n, e);
    var w: f32 = 0.0;
    if (!is_neg_inf(s)) {
      w = exp(s - m) * inv;
    }
    a[o + e] = w;
    if (!is_zero(w)) {
      acc += w * mixture_linear(&x, &wv, &bv, HAS_VB, p, k, n, e);
    }
  }
  y[row] = acc;
}

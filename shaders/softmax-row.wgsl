//! use: float-bits, grid, softmax-rows
// softmax over the last axis, one invocation per row, no workgroup memory and no barriers: a max pass, a pass
// that writes the exps and sums them, and a pass that scales them by 1 / sum. On SwiftShader, where barriers are
// very expensive, this is 11-32x faster than softmax-workgroup.wgsl; on real GPUs the workgroup variant wins once
// rows are long.
//
// Row r (of p.rows, each p.cols wide) keeps its first `kept` columns (all of them unless CAUSAL) minus the
// -Infinity entries; y_j = exp(scale·x_j − m) / Σ exp(scale·x_k − m) over the kept entries, 0 elsewhere.
// A row with no kept entry gives zeros and lse = -Infinity. A kept scale·x_j that is NaN or +Infinity poisons the
// row: its kept entries and lse are NaN, its masked entries 0 (tested on the bits, like -Infinity).
// The spec is softmaxCpu in src/kernels/softmax/reference.ts.
// Bindings and params are shared with softmax-workgroup.wgsl (see src/kernels/softmax/gpu.ts).

override CAUSAL: bool = false; // mask j > i + (cols - causalT), with i = r mod causalT
override HAS_LSE: bool = false; // write log Σ exp(scale·x) per row

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
// Written as raw bits so that -Infinity is stored exactly (WGSL lets compilers assume floats are finite).
@group(0) @binding(2) var<storage, read_write> lse: array<u32>;
@group(0) @binding(3) var<uniform> p: SoftmaxParams;

// Rows per workgroup: 64 for many rows; fewer when rows are few, so the work still spreads over every core
// (a software adapter runs one workgroup per thread). Chosen per call in src/kernels/softmax/gpu.ts.
override WG: u32 = 64u;

// NaN in the kept entries of the row at o, 0 in the masked ones, NaN for lse.
fn write_poisoned(o: u32, kept: u32, r: u32) {
  var nanBits: u32 = 0x7fc00000u;
  let nan = bitcast<f32>(nanBits);
  for (var j: u32 = 0u; j < p.cols; j++) {
    y[o + j] = select(0.0, nan, j < kept);
  }
  if (HAS_LSE) {
    lse[r] = nanBits;
  }
}

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // Workgroups are spread over x and y (rows may exceed 65535 x 64).
  let r = grid_index(gid, nwg, WG);
  if (r >= p.rows) {
    return;
  }
  let o = r * p.cols;
  let kept = kept_cols(r, p.cols, p.causalT, CAUSAL);

  var m: f32 = LOWEST_F32; // the max pass starts at the most negative finite f32
  var bad = false;
  for (var j: u32 = 0u; j < kept; j++) {
    let v = x[o + j];
    if (!is_neg_inf(v)) {
      let z = p.scale * v;
      bad = bad || poisons(z);
      m = max(m, select(z, LOWEST_F32, poisons(z)));
    }
  }
  if (bad) {
    write_poisoned(o, kept, r);
    return;
  }
  // The sum pass writes each kept entry's exp to y (0 for -Infinity), and the last pass scales y in place: one exp
  // per entry, not two (on SwiftShader about a tenth less time at 1024×1024, see bench/README.md).
  var s: f32 = 0.0;
  for (var j: u32 = 0u; j < kept; j++) {
    let v = x[o + j];
    var e: f32 = 0.0;
    if (!is_neg_inf(v)) {
      e = exp(p.scale * v - m);
    }
    y[o + j] = e;
    s += e;
  }
  // s >= 1 when any entry is kept (the maximum contributes exp(0)), and 0 when none is.
  var inv: f32 = 0.0;
  if (s > 0.0) {
    inv = 1.0 / s;
  }
  for (var j: u32 = 0u; j < kept; j++) {
    y[o + j] = y[o + j] * inv;
  }
  for (var j: u32 = kept; j < p.cols; j++) {
    y[o + j] = 0.0;
  }
  if (HAS_LSE) {
    var bits: u32 = NEG_INF_BITS;
    if (s > 0.0) {
      bits = bitcast<u32>(m + log(s));
    }
    lse[r] = bits;
  }
}

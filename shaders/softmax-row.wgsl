// softmax over the last axis, one invocation per row, no workgroup memory and no barriers: a max pass, a sum
// pass and a write pass over the row. On SwiftShader, where barriers are very expensive, this is 11-32x faster
// than softmax-workgroup.wgsl; on real GPUs the workgroup variant wins once rows are long.
//
// Row r (of p.rows, each p.cols wide) keeps its first `kept` columns (all of them unless CAUSAL) minus the
// -Infinity entries; y_j = exp(scale·x_j − m) / Σ exp(scale·x_k − m) over the kept entries, 0 elsewhere.
// A row with no kept entry gives zeros and lse = -Infinity. The spec is softmaxCpu in src/kernels/softmax-cpu.ts.
// Bindings and params are shared with softmax-workgroup.wgsl (see src/kernels/softmax-gpu.ts).

override CAUSAL: bool = false; // mask j > i + (cols - causalT), with i = r mod causalT
override HAS_LSE: bool = false; // write log Σ exp(scale·x) per row

struct Params {
  rows: u32,
  cols: u32,
  causalT: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
// Written as raw bits so that -Infinity is stored exactly (WGSL lets compilers assume floats are finite).
@group(0) @binding(2) var<storage, read_write> lse: array<u32>;
@group(0) @binding(3) var<uniform> p: Params;

const NEG_INF_BITS: u32 = 0xff800000u;
const LOWEST: f32 = bitcast<f32>(0xff7fffffu); // the most negative finite f32: where the max pass starts

// -Infinity is recognised by its bits, not by a float comparison, for the same reason.
fn dropped(v: f32) -> bool {
  return bitcast<u32>(v) == NEG_INF_BITS;
}

// Columns [0, kept) survive the causal mask: j <= i + cols - T  <=>  j < i + cols + 1 - T.
fn kept_cols(r: u32) -> u32 {
  if (!CAUSAL) {
    return p.cols;
  }
  let lim = r % p.causalT + p.cols + 1u;
  if (lim <= p.causalT) {
    return 0u;
  }
  return min(p.cols, lim - p.causalT);
}

// Rows per workgroup: 64 for many rows; fewer when rows are few, so the work still spreads over every core
// (a software adapter runs one workgroup per thread). Chosen per call in src/kernels/softmax-gpu.ts.
override WG: u32 = 64u;

@compute @workgroup_size(WG, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  // Workgroups are spread over x and y (rows may exceed 65535 x 64).
  let r = (wid.y * nwg.x + wid.x) * WG + li;
  if (r >= p.rows) {
    return;
  }
  let o = r * p.cols;
  let kept = kept_cols(r);

  var m: f32 = LOWEST;
  for (var j: u32 = 0u; j < kept; j++) {
    let v = x[o + j];
    if (!dropped(v)) {
      m = max(m, p.scale * v);
    }
  }
  var s: f32 = 0.0;
  for (var j: u32 = 0u; j < kept; j++) {
    let v = x[o + j];
    if (!dropped(v)) {
      s += exp(p.scale * v - m);
    }
  }
  // s >= 1 when any entry is kept (the maximum contributes exp(0)), and 0 when none is.
  var inv: f32 = 0.0;
  if (s > 0.0) {
    inv = 1.0 / s;
  }
  for (var j: u32 = 0u; j < p.cols; j++) {
    let v = x[o + j];
    var e: f32 = 0.0;
    if (j < kept && !dropped(v)) {
      e = exp(p.scale * v - m) * inv;
    }
    y[o + j] = e;
  }
  if (HAS_LSE) {
    var bits: u32 = NEG_INF_BITS;
    if (s > 0.0) {
      bits = bitcast<u32>(m + log(s));
    }
    lse[r] = bits;
  }
}

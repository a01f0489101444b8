//! use: float-bits, grid, softmax-rows
// softmax over the last axis, one workgroup of WG invocations per row: each invocation strides over the row
// (coalesced loads), and the row's max and sum are tree-reduced in workgroup memory with barriers. The variant
// for long rows on real GPUs; on SwiftShader barriers are so expensive that softmax-row.wgsl is far faster.
//
// Same bindings, params, mask, -Infinity and NaN rules as softmax-row.wgsl; the spec is softmaxCpu.

override CAUSAL: bool = false;
override HAS_LSE: bool = false;
override WG: u32 = 128u; // a power of two, <= 256 (the tree reduction halves it)

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> lse: array<u32>;
@group(0) @binding(3) var<uniform> p: SoftmaxParams;

var<workgroup> red: array<f32, WG>; // WG·4 bytes: 1 KiB at 256
var<workgroup> poisoned: array<u32, WG>; // 1 where an invocation saw a NaN or +Infinity, reduced with the max

@compute @workgroup_size(WG, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  // One row per workgroup, spread over x and y; r is uniform, so returning keeps the barriers uniform.
  let r = grid_group(wid, nwg);
  if (r >= p.rows) {
    return;
  }
  let o = r * p.cols;
  let kept = kept_cols(r, p.cols, p.causalT, CAUSAL);

  var m: f32 = LOWEST_F32;
  var bad: u32 = 0u;
  for (var j: u32 = li; j < kept; j += WG) {
    let v = x[o + j];
    if (!is_neg_inf(v)) {
      let z = p.scale * v;
      bad = bad | select(0u, 1u, poisons(z));
      m = max(m, select(z, LOWEST_F32, poisons(z)));
    }
  }
  red[li] = m;
  poisoned[li] = bad;
  workgroupBarrier();
  for (var h: u32 = WG / 2u; h > 0u; h >>= 1u) {
    if (li < h) {
      red[li] = max(red[li], red[li + h]);
      poisoned[li] = poisoned[li] | poisoned[li + h];
    }
    workgroupBarrier();
  }
  m = red[0];
  let rowBad = poisoned[0] != 0u;
  workgroupBarrier(); // everyone has read the max before red is reused for the sum

  var s: f32 = 0.0;
  for (var j: u32 = li; j < kept; j += WG) {
    let v = x[o + j];
    if (!is_neg_inf(v)) {
      s += exp(p.scale * v - m);
    }
  }
  red[li] = s;
  workgroupBarrier();
  for (var h: u32 = WG / 2u; h > 0u; h >>= 1u) {
    if (li < h) {
      red[li] += red[li + h];
    }
    workgroupBarrier();
  }
  s = red[0];

  // s >= 1 when any entry is kept, 0 when none is.
  var inv: f32 = 0.0;
  if (s > 0.0) {
    inv = 1.0 / s;
  }
  var nanBits: u32 = 0x7fc00000u;
  for (var j: u32 = li; j < p.cols; j += WG) {
    let v = x[o + j];
    var e: f32 = 0.0;
    if (j < kept && !is_neg_inf(v)) {
      e = exp(p.scale * v - m) * inv;
    }
    // A poisoned row (a kept NaN or +Infinity): NaN in every kept entry, 0 in the masked ones.
    y[o + j] = select(e, bitcast<f32>(nanBits), rowBad && j < kept);
  }
  if (HAS_LSE && li == 0u) {
    var bits: u32 = NEG_INF_BITS;
    if (s > 0.0) {
      bits = bitcast<u32>(m + log(s));
    }
    lse[r] = select(bits, nanBits, rowBad);
  }
}

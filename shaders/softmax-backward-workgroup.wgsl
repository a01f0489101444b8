//! use: grid, softmax-rows
// Backward of softmax over the last axis, one workgroup of WG invocations per row: the row's Σ dy·y is
// tree-reduced in workgroup memory, then dx_j = y_j · (dy_j − Σ) is written with coalesced stores.
// Same bindings, params and y = 0 rule as softmax-backward-row.wgsl.

override WG: u32 = 128u; // a power of two, <= 256

@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: SoftmaxBackwardParams;

var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  let r = grid_group(wid, nwg);
  if (r >= p.rows) {
    return;
  }
  let o = r * p.cols;
  var dot: f32 = 0.0;
  for (var j: u32 = li; j < p.cols; j += WG) {
    let yj = y[o + j];
    dot += select(0.0, dy[o + j] * yj, weight_nonzero(yj));
  }
  red[li] = dot;
  workgroupBarrier();
  for (var h: u32 = WG / 2u; h > 0u; h >>= 1u) {
    if (li < h) {
      red[li] += red[li + h];
    }
    workgroupBarrier();
  }
  dot = red[0];
  for (var j: u32 = li; j < p.cols; j += WG) {
    let yj = y[o + j];
    dx[o + j] = select(0.0, yj * (dy[o + j] - dot), weight_nonzero(yj));
  }
}

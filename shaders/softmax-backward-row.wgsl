//! use: grid, softmax-rows
// Backward of softmax over the last axis, one invocation per row, no barriers:
//   dx_j = y_j · (dy_j − Σ_k dy_k·y_k)
// from the forward output y. An entry with y_j = 0 (masked, -Infinity or underflowed) is left out of the sum and
// gets dx_j = 0, whatever dy_j holds (selected on the bits, never multiplied in). The spec is softmaxBackwardCpu
// in src/kernels/softmax/reference.ts; bindings and params are shared with softmax-backward-workgroup.wgsl.

@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: SoftmaxBackwardParams;

// Rows per workgroup: 64 for many rows; fewer when rows are few, so the work still spreads over every core
// (a software adapter runs one workgroup per thread). Chosen per call in src/kernels/softmax/gpu.ts.
override WG: u32 = 64u;

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = grid_index(gid, nwg, WG);
  if (r >= p.rows) {
    return;
  }
  let o = r * p.cols;
  var dot: f32 = 0.0;
  for (var j: u32 = 0u; j < p.cols; j++) {
    let yj = y[o + j];
    dot += select(0.0, dy[o + j] * yj, weight_nonzero(yj));
  }
  for (var j: u32 = 0u; j < p.cols; j++) {
    let yj = y[o + j];
    dx[o + j] = select(0.0, yj * (dy[o + j] - dot), weight_nonzero(yj));
  }
}

//! use: grid
// attention backward, first pass: the softmax backward's row term delta_i = Σ_c dout[i][c]·out[i][c]
// (equal to Σⱼ Pᵢⱼ·dPᵢⱼ), one invocation per query row. The dq and dk/dv kernels
// (attention-backward-dq.wgsl, attention-backward-dkdv.wgsl) read it. A fully masked row has out = 0, so its
// delta is 0. The spec is attentionBackwardCpu in src/kernels/attention-backward/reference.ts.
//
// Layout: out, dout [rows, D]; delta [rows] (rows = B·H·T, row-major f32).

const WG: u32 = 64u;

override D: u32 = 64u; // head size

struct Params {
  rows: u32,
}

@group(0) @binding(0) var<storage, read> out: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read_write> delta: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // The grid may be 2-D when the rows exceed one dimension's workgroup limit.
  let row = grid_index(gid, nwg, WG);
  if (row >= p.rows) {
    return;
  }
  var acc: f32 = 0.0;
  for (var c: u32 = 0u; c < D; c++) {
    acc += out[row * D + c] * dout[row * D + c];
  }
  delta[row] = acc;
}

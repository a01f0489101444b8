//! use: float-bits, grid
// embedding forward, one invocation per output element: out[i, c] = table[ids[i], c].
//
// ids hold integers stored as f32; they are read as raw bits so the validity test cannot be folded away by a
// compiler that assumes floats are finite. An id that is not an integer in [0, V) (negative, fractional, too
// large, NaN or ±Infinity) gives a row of zeros: a kernel cannot throw, and the CPU reference rejects such
// ids before computing. The spec is embedding in src/kernels/embedding/reference.ts.

struct Params {
  n: u32, // number of ids
  C: u32,
  V: u32,
}

@group(0) @binding(0) var<storage, read> table: array<f32>;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // Workgroups are spread over x and y (n·C may exceed 65535 x 64).
  let e = grid_index(gid, nwg, 64u);
  if (e >= p.n * p.C) {
    return;
  }
  let i = e / p.C;
  let c = e - i * p.C;
  let v = index_from_bits(ids[i], p.V);
  var val: f32 = 0.0;
  if (v < p.V) {
    val = table[v * p.C + c];
  }
  out[e] = val;
}

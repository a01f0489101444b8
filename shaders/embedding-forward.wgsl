// embedding forward, one invocation per output element: out[i, c] = table[ids[i], c].
//
// ids hold integers stored as f32; they are read as raw bits so the validity test cannot be folded away by a
// compiler that assumes floats are finite. An id that is not an integer in [0, V) (negative, fractional, too
// large, NaN or ±Infinity) gives a row of zeros: a kernel cannot throw, and the CPU reference rejects such
// ids before computing. The spec is embedding in src/backend/cpu-ops/layers.ts.

struct Params {
  n: u32, // number of ids
  C: u32,
  V: u32,
}

@group(0) @binding(0) var<storage, read> table: array<f32>;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// The table row an id names, or V when the id is not an integer in [0, V).
fn row_of(bits: u32) -> u32 {
  if ((bits & 0x7f800000u) == 0x7f800000u) {
    return p.V; // NaN or ±Infinity
  }
  let f = bitcast<f32>(bits);
  if (f < 0.0 || f >= 4294967040.0) {
    return p.V; // outside u32 (the largest f32 below 2^32 is 4294967040)
  }
  let u = u32(f);
  if (f32(u) != f || u >= p.V) {
    return p.V;
  }
  return u;
}

@compute @workgroup_size(64, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  // Workgroups are spread over x and y (n·C may exceed 65535 x 64).
  let e = (wid.y * nwg.x + wid.x) * 64u + li;
  if (e >= p.n * p.C) {
    return;
  }
  let i = e / p.C;
  let c = e - i * p.C;
  let v = row_of(ids[i]);
  var val: f32 = 0.0;
  if (v < p.V) {
    val = table[v * p.C + c];
  }
  out[e] = val;
}

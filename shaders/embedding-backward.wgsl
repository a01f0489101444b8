//! use: float-bits, grid
// embedding backward without float atomics: one invocation per (vocab row v, channel c), looping over every id
// in order and adding dy[i, c] where ids[i] = v. Deterministic (a fixed summation order, the same on every run)
// at a cost of O(V·C·n) id reads for n ids: fine for small vocabularies and short sequences, the wrong tool for
// V·n in the millions (there, sort the ids or use a segmented reduction).
//
// Ids that are not integers in [0, V) match no row and are ignored, as in embedding-forward.wgsl. The spec is
// embeddingBackward in src/kernels/embedding/reference.ts.

struct Params {
  n: u32, // number of ids
  C: u32,
  V: u32,
}

@group(0) @binding(0) var<storage, read> ids: array<u32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dtable: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = grid_index(gid, nwg, 64u);
  if (e >= p.V * p.C) {
    return;
  }
  let v = e / p.C;
  let c = e - v * p.C;
  var acc: f32 = 0.0;
  for (var i: u32 = 0u; i < p.n; i++) {
    if (index_from_bits(ids[i], p.V) == v) {
      acc += dy[i * p.C + c];
    }
  }
  dtable[e] = acc;
}

// embedding backward without float atomics: one invocation per (vocab row v, channel c), looping over every id
// in order and adding dy[i, c] where ids[i] = v. Deterministic (a fixed summation order, the same on every run)
// at a cost of O(V·C·n) id reads for n ids: fine for small vocabularies and short sequences, the wrong tool for
// V·n in the millions (there, sort the ids or use a segmented reduction).
//
// Ids that are not integers in [0, V) match no row and are ignored, as in embedding-forward.wgsl. The spec is
// embeddingBackward in src/backend/cpu-ops/layers.ts.

struct Params {
  n: u32, // number of ids
  C: u32,
  V: u32,
}

@group(0) @binding(0) var<storage, read> ids: array<u32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dtable: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// The table row an id names, or V when the id is not an integer in [0, V) (as in embedding-forward.wgsl).
fn row_of(bits: u32) -> u32 {
  if ((bits & 0x7f800000u) == 0x7f800000u) {
    return p.V;
  }
  let f = bitcast<f32>(bits);
  if (f < 0.0 || f >= 4294967040.0) {
    return p.V;
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
  let e = (wid.y * nwg.x + wid.x) * 64u + li;
  if (e >= p.V * p.C) {
    return;
  }
  let v = e / p.C;
  let c = e - v * p.C;
  var acc: f32 = 0.0;
  for (var i: u32 = 0u; i < p.n; i++) {
    if (row_of(ids[i]) == v) {
      acc += dy[i * p.C + c];
    }
  }
  dtable[e] = acc;
}

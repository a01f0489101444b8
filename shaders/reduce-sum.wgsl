//! use: grid
// Sum of x viewed as [outer, len, inner] over the middle axis, split into `chunks` runs of `chunk` elements:
// the output is [outer, chunks, inner], with element (o, c, i) = Σ x[o, k, i] over k in
// [c·chunk, min(len, (c+1)·chunk)). With chunk >= len (chunks = 1) this is the whole reduction; a second
// dispatch with [outer, chunks, inner] as its input finishes a split one (see src/kernels/elementwise/gpu.ts).
// One invocation per output element, barrier-free; neighbouring invocations read neighbouring addresses when
// inner > 1. Accumulates in f32.

struct Params {
  n: u32, // outer · chunks · inner outputs
  len: u32,
  inner: u32,
  chunks: u32,
  chunk: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = grid_index(gid, nwg, 64u);
  if (j >= p.n) {
    return;
  }
  let i = j % p.inner;
  let oc = j / p.inner;
  let c = oc % p.chunks;
  let o = oc / p.chunks;
  let k0 = c * p.chunk;
  let k1 = min(p.len, k0 + p.chunk);
  var idx: u32 = (o * p.len + k0) * p.inner + i;
  var acc: f32 = 0.0;
  for (var k: u32 = k0; k < k1; k++) {
    acc += x[idx];
    idx += p.inner;
  }
  y[j] = acc;
}

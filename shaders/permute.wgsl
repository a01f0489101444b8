//! use: grid
// Axis permutation of a tensor of rank <= 4, padded to rank 4 with leading size-1 axes. Output element with
// coordinates (c0..c3) over the output dims d reads input element Σ cᵢ·strideᵢ, where strideᵢ is the input
// stride of the axis output axis i came from. Each invocation writes PER consecutive outputs: it divides its
// first index into coordinates once and steps the rest with carries, since integer division is slow on some
// devices (SwiftShader among them). The spec is permute() in src/kernels/elementwise/reference.ts.
//
// Two entry points over the same bindings: `main` moves f32 elements; `main_vec4` moves vec4s when runs of 4
// outputs are 4 aligned contiguous inputs (the last axis stays last with a size divisible by 4, as in the
// multi-head split [B, T, H, d] -> [B, H, T, d]), with d.w and the strides counted in vec4s. Each entry point
// statically uses only its own pair of views (WGSL forbids aliased bindings only within one entry point).

const PER: u32 = 4u; // outputs per invocation (src/kernels/elementwise/gpu.ts sizes the grid by it)

struct Params {
  n: u32, // elements (or vec4s for main_vec4)
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  d: vec4u,
  stride: vec4u,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(0) var<storage, read> x4: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> y4: array<vec4f>;
@group(0) @binding(2) var<uniform> p: Params;

fn coords(i: u32) -> vec4u {
  var r: u32 = i;
  var c = vec4u(0u);
  c.w = r % p.d.w;
  r = r / p.d.w;
  c.z = r % p.d.z;
  r = r / p.d.z;
  c.y = r % p.d.y;
  c.x = r / p.d.y;
  return c;
}

// The coordinates of the next output: c.w + 1, carrying into c.z, c.y, c.x.
fn next(c: vec4u) -> vec4u {
  var n = c;
  n.w += 1u;
  if (n.w == p.d.w) {
    n.w = 0u;
    n.z += 1u;
    if (n.z == p.d.z) {
      n.z = 0u;
      n.y += 1u;
      if (n.y == p.d.y) {
        n.y = 0u;
        n.x += 1u;
      }
    }
  }
  return n;
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = grid_index(gid, nwg, 64u) * PER;
  if (first >= p.n) {
    return;
  }
  var c = coords(first);
  let last = min(p.n, first + PER);
  for (var o: u32 = first; o < last; o++) {
    y[o] = x[dot(c, p.stride)];
    c = next(c);
  }
}

@compute @workgroup_size(64, 1, 1)
fn main_vec4(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let first = grid_index(gid, nwg, 64u) * PER;
  if (first >= p.n) {
    return;
  }
  var c = coords(first);
  let last = min(p.n, first + PER);
  for (var o: u32 = first; o < last; o++) {
    y4[o] = x4[dot(c, p.stride)];
    c = next(c);
  }
}

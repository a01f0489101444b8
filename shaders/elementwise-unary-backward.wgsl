//! use: grid
// dx = dy · op'(·) elementwise for the ops of elementwise-unary.wgsl (same OP codes), one vec4 per invocation
// (see there for why, and for the padding the last vec4 may touch). `src` is x for relu, y = op(x) for
// sigmoid, tanh and exp, and unused (bound to dy) for neg. The spec is unaryBackward() in
// src/kernels/elementwise/reference.ts.

override OP: u32 = 0u;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> src: array<vec4f>;
@group(0) @binding(1) var<storage, read> dy: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> dx: array<vec4f>;
@group(0) @binding(3) var<uniform> p: Params;

fn grad(s: vec4f, g: vec4f) -> vec4f {
  switch (OP) {
    // relu: the gradient at exactly 0 is 0.
    case 0u: { return select(vec4f(0.0), g, s > vec4f(0.0)); }
    // sigmoid: y(1 − y).
    case 1u: { return g * s * (1.0 - s); }
    // tanh: 1 − y² as (1 − y)(1 + y), which keeps its relative accuracy as |y| → 1 (1 − y is exact there).
    case 2u: { return g * ((1.0 - s) * (1.0 + s)); }
    // exp: y.
    case 3u: { return g * s; }
    default: { return -g; }
  }
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg, 64u);
  if (i * 4u >= p.n) {
    return;
  }
  dx[i] = grad(src[i], dy[i]);
}

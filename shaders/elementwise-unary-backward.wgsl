//! use: grid
// dx = dy · op'(·) elementwise for the ops of elementwise-unary.wgsl (same OP codes), one vec4 per invocation
// (see there for why, and for the padding the last vec4 may touch). `src` is x for relu and gelu, y = op(x) for
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

const GELU_2A: f32 = 1.5957691216057308; // 2·√(2/π)
const GELU_B: f32 = 0.044715;
// gelu′ is 1 (x > 0) or 0 (x < 0) in f32 once |x| > 10; clamping keeps x² finite, so s(1 − s)·x² never gives 0·inf.
const GELU_CLAMP: f32 = 15.0;

// gelu′(x) = s + x·s(1 − s)·2u′ with s = σ(2u), u = √(2/π)(x + 0.044715x³), u′ = √(2/π)(1 + 3·0.044715x²).
fn gelu_grad(x: vec4f) -> vec4f {
  let c = clamp(x, vec4f(-GELU_CLAMP), vec4f(GELU_CLAMP));
  let t = GELU_2A * (c + GELU_B * c * c * c);
  let e = exp(-abs(t));
  let s = select(e / (1.0 + e), 1.0 / (1.0 + e), t >= vec4f(0.0));
  return s + c * s * (1.0 - s) * GELU_2A * (1.0 + 3.0 * GELU_B * c * c);
}

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
    // gelu: s is x.
    case 5u: { return g * gelu_grad(s); }
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

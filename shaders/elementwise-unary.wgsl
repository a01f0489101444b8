//! use: grid
// y = op(x) elementwise, one vec4 (4 elements) per invocation. OP selects the op (codes in
// src/kernels/elementwise/shape.ts): 0 relu, 1 sigmoid, 2 tanh, 3 exp, 4 neg, 5 gelu.
// The spec is unary() in src/kernels/elementwise/reference.ts.
//
// vec4 loads and stores: on SwiftShader an affine pass over 1M elements took 20 ms this way against 57 ms
// one element per invocation (headless Chromium 156), and 16-byte accesses are the fast path on GPUs too.
// The last vec4 may run past n into the buffer's padding: pooled buffers are whole multiples of 16 bytes
// (checked by the dispatch code), and the extra lanes only ever land in the output's own padding.

override OP: u32 = 0u;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(2) var<uniform> p: Params;

// tanh saturates to ±1 in f32 once |v| > 9.02, so clamping to ±15 changes no result. Without it, drivers
// that build tanh from exponentials give inf/inf = NaN once those overflow: SwiftShader (Chromium 156)
// returns NaN for |v| >= 89, where e^v leaves the f32 range; a (e^2v − 1)/(e^2v + 1) form fails from 44.
const TANH_CLAMP: f32 = 15.0;

// 1/(1 + e^−v) for v >= 0 and e^v/(1 + e^v) for v < 0: exp only sees −|v|, so it never overflows and the
// result for v → −∞ keeps its relative accuracy instead of flushing through 1 − (something near 1).
fn sigmoid(v: vec4f) -> vec4f {
  let e = exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= vec4f(0.0));
}

// GELU, tanh approximation, as x·σ(2u) with u = √(2/π)(x + 0.044715x³) (= ½x(1 + tanh u), without the
// cancellation of 1 + tanh u for x < 0). x³ may overflow to ±inf for huge |x|; σ(±inf) is 1 or 0, so gelu = x or 0.
const GELU_2A: f32 = 1.5957691216057308; // 2·√(2/π)
const GELU_B: f32 = 0.044715;

fn gelu(v: vec4f) -> vec4f {
  return v * sigmoid(GELU_2A * (v + GELU_B * v * v * v));
}

fn apply(v: vec4f) -> vec4f {
  switch (OP) {
    case 0u: { return select(vec4f(0.0), v, v > vec4f(0.0)); }
    case 1u: { return sigmoid(v); }
    case 2u: { return tanh(clamp(v, vec4f(-TANH_CLAMP), vec4f(TANH_CLAMP))); }
    case 3u: { return exp(v); }
    case 5u: { return gelu(v); }
    default: { return -v; }
  }
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  // Workgroups are spread over x and y: n may exceed 65535 x 64 x 4.
  let i = grid_index(gid, nwg, 64u);
  if (i * 4u >= p.n) {
    return;
  }
  y[i] = apply(x[i]);
}

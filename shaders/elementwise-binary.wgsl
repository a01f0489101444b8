//! use: grid
// out = a op b with b repeating over a's leading axes: out[j] = a[j] op b[j mod nb], where b's shape is a
// suffix of a's (nb = n for equal shapes, C for a [C] bias, 1 for a scalar). OP: 0 add, 1 sub, 2 mul.
// One vec4 of a and out per invocation (see elementwise-unary.wgsl for why, and for the padding the last vec4
// may touch).
// The spec is binary() in src/kernels/elementwise/reference.ts.

override OP: u32 = 0u;
// How b is read: 0 same shape (nb = n), 1 a scalar (nb = 1), 2 whole vec4s (nb a multiple of 4),
// 3 lane by lane (any other nb).
override B_MODE: u32 = 0u;

struct Params {
  n: u32,
  nb: u32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4f>;
@group(0) @binding(1) var<storage, read> b: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4f>;
@group(0) @binding(3) var<uniform> p: Params;

fn apply(av: vec4f, bv: vec4f) -> vec4f {
  switch (OP) {
    case 0u: { return av + bv; }
    case 1u: { return av - bv; }
    default: { return av * bv; }
  }
}

// The 4 values of b for elements 4i .. 4i+3. Chosen by an override, not by branching on p.nb at run time:
// the run-time branches made a 1M-element add 2.5x slower on SwiftShader.
fn b_at(i: u32) -> vec4f {
  switch (B_MODE) {
    case 0u: { return b[i]; }
    case 1u: { return vec4f(b[0].x); }
    case 2u: { return b[i % (p.nb >> 2u)]; }
    default: {
      // Lane by lane from q = 4i mod nb, wrapping without further divisions.
      var bv = vec4f(0.0);
      var q: u32 = (i * 4u) % p.nb;
      for (var k: u32 = 0u; k < 4u; k++) {
        bv[k] = b[q >> 2u][q & 3u];
        q += 1u;
        if (q == p.nb) {
          q = 0u;
        }
      }
      return bv;
    }
  }
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = grid_index(gid, nwg, 64u);
  if (i * 4u >= p.n) {
    return;
  }
  out[i] = apply(a[i], b_at(i));
}

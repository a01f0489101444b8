// out = a op b with b repeating over a's leading axes: out[i] = a[i] op b[i mod nb], where b's shape is a suffix
// of a's (nb = n for equal shapes, C for a [C] bias, 1 for a scalar). OP: 0 add, 1 sub, 2 mul.
// The spec is binary() in src/backend/cpu-ops/elementwise.ts.

override OP: u32 = 0u;

struct Params {
  n: u32,
  nb: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= p.n) {
    return;
  }
  let av = a[i];
  let bv = b[i % p.nb];
  switch (OP) {
    case 0u: { out[i] = av + bv; }
    case 1u: { out[i] = av - bv; }
    default: { out[i] = av * bv; }
  }
}

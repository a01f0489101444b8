//! use: matmul-params
// matmul, naive: one output element per invocation, straight from global memory.
// Slow everywhere, kept forever as the GPU-side oracle for the faster variants.
// Bindings and params are shared by every matmul variant (see src/kernels/matmul/gpu.ts).


@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> p: MatmulParams;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x;
  let m = gid.y;
  if (m >= p.M || n >= p.N) {
    return;
  }
  for (var z: u32 = gid.z; z < p.batch; z += nwg.z) {
    let oa = z * p.strideA;
    let ob = z * p.strideB;
    var acc: f32 = 0.0;
    for (var k: u32 = 0u; k < p.K; k++) {
      var av: f32 = 0.0;
      var bv: f32 = 0.0;
      if (TRANS_A) { av = a[oa + k * p.M + m]; } else { av = a[oa + m * p.K + k]; }
      if (TRANS_B) { bv = b[ob + n * p.K + k]; } else { bv = b[ob + k * p.N + n]; }
      acc += term(av, bv);
    }
    if (HAS_BIAS) {
      acc += bias[n];
    }
    c[z * p.M * p.N + m * p.N + n] = acc;
  }
}

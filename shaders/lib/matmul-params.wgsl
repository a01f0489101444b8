// matmul-params: the specialisation constants and the uniform block every matmul variant shares (naive,
// register, workgroup); src/kernels/matmul/gpu.ts sets them the same way for each.

override TRANS_A: bool = false; // a is [K, M] per batch entry
override TRANS_B: bool = false; // b is [N, K] per batch entry
override HAS_BIAS: bool = false;

struct MatmulParams {
  M: u32,
  K: u32,
  N: u32,
  strideA: u32, // elements between batch entries of a (0: broadcast)
  strideB: u32,
  batch: u32, // batch entries; a workgroup computes entries z, z + nwg.z, ... (the grid's z may be smaller)
}

// SKIP_ZERO_A: a term whose a element is exactly 0 adds exactly 0, whatever b holds (0·NaN and 0·Inf
// included). The attention paths multiply by softmax weights with it: a masked weight is 0, and the value,
// key or gradient row behind it must contribute nothing even when it is not finite. Tested on the bits, so a
// NaN weight still propagates (a compiler may assume floats are finite and fold a comparison with NaN).
override SKIP_ZERO_A: bool = false;

fn kept_term(a: f32) -> bool {
  return !SKIP_ZERO_A || (bitcast<u32>(a) & 0x7fffffffu) != 0u;
}

// a·b, or 0 for a dropped term.
fn term(a: f32, b: f32) -> f32 {
  return select(0.0, a * b, kept_term(a));
}

// a·b for a row b of 4 columns, or 0 for a dropped term.
fn term4(a: f32, b: vec4f) -> vec4f {
  return select(vec4f(0.0), a * b, kept_term(a));
}

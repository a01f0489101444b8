// matmul-params: the specialisation constants and the uniform block every matmul variant shares (naive,
// register, workgroup); src/kernels/matmul-gpu.ts sets them the same way for each.

override TRANS_A: bool = false; // a is [K, M] per batch entry
override TRANS_B: bool = false; // b is [N, K] per batch entry
override HAS_BIAS: bool = false;

struct MatmulParams {
  M: u32,
  K: u32,
  N: u32,
  strideA: u32, // elements between batch entries of a (0: broadcast)
  strideB: u32,
}

// The CPU reference of matmul: written for clarity, accumulating in float64. It is the spec the WGSL
// variants are checked against.

import { alloc, type FloatArray } from "./float-array";
import type { MatmulDims, MatmulOptions } from "./matmul-shape";

export function matmulCpu(
  a: FloatArray,
  b: FloatArray,
  d: MatmulDims,
  opts: MatmulOptions,
  bias?: FloatArray,
): FloatArray {
  const { batch, M, K, N, strideA, strideB } = d;
  const c = alloc(a, batch * M * N);
  for (let z = 0; z < batch; z++) {
    const oa = z * strideA;
    const ob = z * strideB;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const av = opts.transA ? a[oa + k * M + m]! : a[oa + m * K + k]!;
          const bv = opts.transB ? b[ob + n * K + k]! : b[ob + k * N + n]!;
          acc += av * bv;
        }
        c[z * M * N + m * N + n] = acc + (bias ? bias[n]! : 0);
      }
    }
  }
  return c;
}

// The CPU reference of matmul: written for clarity, accumulating in float64. It is the spec the WGSL
// variants and the fast CPU variant (fast.ts) are checked against.

import { alloc, type CpuOpContext, type Host, host } from "../float-array";
import { type MatmulCpuKernel, matmulCpuFast } from "./fast";
import { type MatmulArgsOf, matmulDims } from "./shape";

/** The op's CPU entry: dims checked, then the variant in force ("reference" below, or "ikj4"). */
export function matmul(k: CpuOpContext, a: Host, b: Host, args: MatmulArgsOf<Host> = {}): Host {
  const d = matmulDims(a.shape, b.shape, args, args.bias?.shape);
  const run = k.variants.matmul === "ikj4" ? matmulCpuFast : matmulCpu;
  return host(d.out, run(a.data, b.data, d, args, args.bias?.data));
}

export const matmulCpu: MatmulCpuKernel = (a, b, d, opts, bias) => {
  const { batch, M, K, N, strideA, strideB } = d;
  // Element (m, k) of A is a[m·sAm + k·sAk], element (k, n) of B is b[k·sBk + n·sBn], whatever the layout.
  const [sAm, sAk] = opts.transA ? [1, M] : [K, 1];
  const [sBk, sBn] = opts.transB ? [1, K] : [N, 1];
  const c = alloc(a, batch * M * N);
  for (let z = 0; z < batch; z++) {
    const oa = z * strideA;
    const ob = z * strideB;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += a[oa + m * sAm + k * sAk]! * b[ob + k * sBk + n * sBn]!;
        c[z * M * N + m * N + n] = acc + (bias ? bias[n]! : 0);
      }
    }
  }
  return c;
};

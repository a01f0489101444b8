// WebGPU dispatch of matmul. Every variant shares the bindings (a, b, bias, c, params) and the params layout
// (M, K, N, strideA, strideB); they differ in how many outputs a workgroup computes and how.

import naive from "../../shaders/matmul-naive.wgsl?raw";
import type { GpuRuntime } from "../gpu/runtime";
import type { MatmulDims, MatmulOptions } from "./matmul-shape";

export type MatmulVariant = "naive";

interface VariantSpec {
  code: string;
  /** Output columns (N) and rows (M) covered by one workgroup. */
  tileN: number;
  tileM: number;
}

export const MATMUL_VARIANTS: Record<MatmulVariant, VariantSpec> = {
  naive: { code: naive, tileN: 8, tileM: 8 },
};

export function matmulGpu(
  rt: GpuRuntime,
  variant: MatmulVariant,
  a: GPUBuffer,
  b: GPUBuffer,
  d: MatmulDims,
  opts: MatmulOptions,
  bias: GPUBuffer | null,
  out: GPUBuffer,
): void {
  const spec = MATMUL_VARIANTS[variant];
  const constants = { TRANS_A: !!opts.transA, TRANS_B: !!opts.transB, HAS_BIAS: bias !== null };
  rt.dispatch(
    { name: `matmul-${variant}`, code: spec.code },
    constants,
    [a, b, bias ?? a, out],
    [d.M, d.K, d.N, d.strideA, d.strideB],
    [Math.ceil(d.N / spec.tileN), Math.ceil(d.M / spec.tileM), d.batch],
  );
}

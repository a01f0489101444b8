// WebGPU dispatch of matmul. Every variant shares the bindings (a, b, bias, c, params), the params layout
// (M, K, N, strideA, strideB) and the TRANS_A / TRANS_B / HAS_BIAS constants; they differ in how many outputs a
// workgroup computes and how:
//   naive      one output per invocation, 8x8 per workgroup; the GPU-side oracle.
//   register   an 8x8 block per invocation from vec4 global reads, 32x32 per workgroup, no workgroup memory:
//              the fast one on software adapters (SwiftShader), where barriers are expensive.
//   workgroup  64x64 per workgroup, K staged through workgroup memory in steps of 16, a 4x4 block per
//              invocation: the fast one on real GPUs.

import naive from "../../../shaders/matmul-naive.wgsl?raw";
import register from "../../../shaders/matmul-register.wgsl?raw";
import workgroup from "../../../shaders/matmul-workgroup.wgsl?raw";
import { KernelError } from "../../gpu/errors";
import type { GpuRuntime } from "../../gpu/runtime";
import { type GpuArray, type GpuOpContext, output } from "../launch";
import {
  type MatmulArgsOf,
  type MatmulDims,
  type MatmulOptions,
  type MatmulVariant,
  matmulDims,
} from "./shape";

interface VariantSpec {
  code: string;
  /** Output columns (N) and rows (M) covered by one workgroup. */
  tileN: number;
  tileM: number;
  /**
   * The kernel reads a and b as arrays of vec4 and takes ALIGNED_A / ALIGNED_B: their buffers must then be a
   * multiple of 16 bytes, or the last floats would be out of reach.
   */
  vec4?: boolean;
}

export const MATMUL_VARIANTS: Record<MatmulVariant, VariantSpec> = {
  naive: { code: naive, tileN: 8, tileM: 8 },
  register: { code: register, tileN: 32, tileM: 32, vec4: true },
  workgroup: { code: workgroup, tileN: 64, tileM: 64 },
};

/**
 * Whether every vec4 the register kernel reads from a and b starts on a 16-byte boundary: the contiguous
 * dimension of each operand (K for a, M for a transposed; N for b, K for b transposed) and its batch stride
 * are multiples of 4.
 */
export function matmulAlignment(
  d: MatmulDims,
  opts: MatmulOptions,
): { ALIGNED_A: boolean; ALIGNED_B: boolean } {
  const rowA = opts.transA ? d.M : d.K;
  const rowB = opts.transB ? d.K : d.N;
  return {
    ALIGNED_A: rowA % 4 === 0 && d.strideA % 4 === 0,
    ALIGNED_B: rowB % 4 === 0 && d.strideB % 4 === 0,
  };
}

/**
 * Workgroups a batched launch aims at: past this, the grid's z holds fewer entries than the batch and each
 * workgroup loops over several (z, z + nwg.z, ...). Enough to fill any GPU; on a software adapter, which runs
 * one workgroup per thread at a cost of about 1 ms each, it keeps a batch of 70,000 small matrices to seconds.
 */
export const MATMUL_WORKGROUP_BUDGET = 2048;

/** The grid's z for a batch: the whole batch when it fits the budget and the dimension limit, else fewer. */
export function matmulGridZ(batch: number, tilesXY: number, maxPerDim: number): number {
  return Math.max(1, Math.min(batch, maxPerDim, Math.floor(MATMUL_WORKGROUP_BUDGET / Math.max(1, tilesXY))));
}

/** Internal options of the attention paths; not part of the op contract. */
export interface MatmulInternals {
  /** A term whose a element is exactly 0 adds 0 whatever b holds (masked softmax weights times any value). */
  skipZeroA?: boolean;
}

export function matmulGpu(
  rt: GpuRuntime,
  variant: MatmulVariant,
  a: GPUBuffer,
  b: GPUBuffer,
  d: MatmulDims,
  opts: MatmulOptions,
  bias: GPUBuffer | null,
  out: GPUBuffer,
  internals: MatmulInternals = {},
): void {
  const spec = MATMUL_VARIANTS[variant];
  const name = `matmul-${variant}`;
  let constants: Record<string, boolean> = {
    TRANS_A: !!opts.transA,
    TRANS_B: !!opts.transB,
    HAS_BIAS: bias !== null,
    SKIP_ZERO_A: !!internals.skipZeroA,
  };
  if (spec.vec4) {
    // Pooled buffers are multiples of 16 bytes (powers of two from 256, or exact sizes rounded to 16 near the
    // device limit), so this only trips on a buffer made elsewhere.
    for (const [arg, buf] of [
      ["a", a],
      ["b", b],
    ] as const) {
      if (buf.size % 16 !== 0)
        throw new KernelError(name, `${arg} must be a buffer of a multiple of 16 bytes, got ${buf.size}`);
    }
    constants = { ...constants, ...matmulAlignment(d, opts) };
  }
  const x = Math.ceil(d.N / spec.tileN);
  const y = Math.ceil(d.M / spec.tileM);
  const z = matmulGridZ(d.batch, x * y, rt.limits.maxComputeWorkgroupsPerDimension);
  rt.dispatch(
    { name, code: spec.code },
    constants,
    [a, b, bias ?? a, out],
    [d.M, d.K, d.N, d.strideA, d.strideB, d.batch],
    [x, y, d.batch === 0 ? 0 : z],
  );
}

/** The op's GPU entry: dims checked before the output is allocated, the variant in force dispatched. */
export function matmul<T extends GpuArray>(k: GpuOpContext<T>, a: T, b: T, args: MatmulArgsOf<T> = {}): T {
  const d = matmulDims(a.shape, b.shape, args, args.bias?.shape);
  const bias = args.bias?.buffer ?? null;
  return output(k, "matmul", d.out, (c) =>
    matmulGpu(k.rt, k.variants.matmul, a.buffer, b.buffer, d, args, bias, c.buffer),
  );
}

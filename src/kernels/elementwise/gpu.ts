// WebGPU dispatch of the shape and elementwise ops: permute, unary (+ backward), binary with suffix
// broadcasting, affine, sumTo, sum over an axis. Shapes are checked by the same code as the CPU reference
// (shape.ts) before anything is dispatched. The elementwise kernels handle one vec4 per invocation, permute 4
// consecutive outputs, the reduction one output; workgroups of 64 (the shaders' @workgroup_size).

import affineWgsl from "../../../shaders/elementwise-affine.wgsl?raw";
import binaryWgsl from "../../../shaders/elementwise-binary.wgsl?raw";
import unaryWgsl from "../../../shaders/elementwise-unary.wgsl?raw";
import unaryBackwardWgsl from "../../../shaders/elementwise-unary-backward.wgsl?raw";
import permuteWgsl from "../../../shaders/permute.wgsl?raw";
import reduceWgsl from "../../../shaders/reduce-sum.wgsl?raw";
import type { KernelSource } from "../../gpu/pipelines";
import type { GpuRuntime, Param } from "../../gpu/runtime";
import {
  checkVec4,
  type GpuArray,
  type GpuOpContext,
  grid,
  type Launch,
  output,
  withScratch,
} from "../launch";
import {
  BINARY_CODES,
  type BinaryOp,
  checkAffine,
  checkBinary,
  checkUnaryBackward,
  checkUnaryOp,
  permuteDims,
  type ReduceDims,
  sumDims,
  sumToDims,
  UNARY_CODES,
  type UnaryOp,
} from "./shape";

/** Elements per invocation of the elementwise (vec4) and permute shaders. */
const PER = 4;

const KERNELS = {
  unary: { name: "elementwise-unary", code: unaryWgsl },
  unaryBackward: { name: "elementwise-unary-backward", code: unaryBackwardWgsl },
  binary: { name: "elementwise-binary", code: binaryWgsl },
  affine: { name: "elementwise-affine", code: affineWgsl },
  permute: { name: "permute", code: permuteWgsl },
  permuteVec4: { name: "permute", code: permuteWgsl, entryPoint: "main_vec4" },
  reduce: { name: "reduce-sum", code: reduceWgsl },
} satisfies Record<string, KernelSource>;

/**
 * A reduction whose axis is longer than REDUCE_SPLIT_MIN_LEN and that has fewer than REDUCE_TARGET_THREADS
 * outputs (sumTo of [B·T, C] to [C], a bias gradient) is split: the first pass sums runs of at least
 * REDUCE_MIN_CHUNK elements into [outer, chunks, inner], then the same rule reduces that. One invocation
 * looping over 4096 rows alone would leave a real GPU idle; the split also shortens each f32 running sum.
 * On SwiftShader the two passes cost about the same as one (sumTo [4096, 64] -> [64]: 5-6 ms either way).
 */
export const REDUCE_SPLIT_MIN_LEN = 256;
export const REDUCE_MIN_CHUNK = 64;
const REDUCE_TARGET_THREADS = 16384;

/**
 * A vec4 kernel over n elements; each buffer must hold ceil(elems/4) vec4s (elems: n, or that buffer's own
 * count, like a broadcast b's).
 */
function vec4(
  rt: GpuRuntime,
  kernel: "unary" | "unaryBackward" | "binary" | "affine",
  constants: Record<string, number>,
  buffers: GPUBuffer[],
  params: Param[],
  n: number,
  launch: Launch,
  elems: number[] = buffers.map(() => n),
): void {
  checkVec4(KERNELS[kernel].name, buffers, elems);
  rt.dispatch(KERNELS[kernel], constants, buffers, params, grid(rt, Math.ceil(n / PER), 64, launch));
}

/** y = alpha·x + beta over n floats: the dispatcher other ops call (attention backward scales v with it). */
export function affineGpu(
  rt: GpuRuntime,
  x: GPUBuffer,
  y: GPUBuffer,
  n: number,
  alpha: number,
  beta: number,
  launch: Launch = {},
): void {
  vec4(rt, "affine", {}, [x, y], [n, { f32: alpha }, { f32: beta }], n, launch);
}

export function permute<T extends GpuArray>(k: GpuOpContext<T>, x: T, perm: readonly number[]): T {
  const { out, outDims4, inStrides4 } = permuteDims(x.shape, perm);
  // Move vec4s when runs of 4 outputs are 4 contiguous, 16-byte aligned inputs: the last output axis has
  // input stride 1 and a size divisible by 4, and every other axis that moves has a stride divisible by 4
  // (the usual case: the last axis stays last, as in the multi-head split). Counted in vec4s then.
  const aligned = [0, 1, 2].every((i) => outDims4[i] === 1 || inStrides4[i]! % 4 === 0);
  const vec = outDims4[3] % 4 === 0 && inStrides4[3] === 1 && aligned;
  const d = vec ? [outDims4[0], outDims4[1], outDims4[2], outDims4[3] / 4] : outDims4;
  const st = vec ? inStrides4.map((v, i) => (i === 3 ? 1 : outDims4[i] === 1 ? 0 : v / 4)) : inStrides4;
  const n = vec ? x.size / 4 : x.size;
  return output(k, "permute", out, (y) =>
    k.rt.dispatch(
      KERNELS[vec ? "permuteVec4" : "permute"],
      {},
      [x.buffer, y.buffer],
      [n, 0, 0, 0, ...d, ...st],
      grid(k.rt, Math.ceil(n / PER), 64, k.launch),
    ),
  );
}

export function unary<T extends GpuArray>(k: GpuOpContext<T>, op: UnaryOp, x: T): T {
  checkUnaryOp(op);
  return output(k, op, x.shape, (y) =>
    vec4(k.rt, "unary", { OP: UNARY_CODES[op] }, [x.buffer, y.buffer], [x.size], x.size, k.launch),
  );
}

export function unaryBackward<T extends GpuArray>(k: GpuOpContext<T>, op: UnaryOp, x: T, y: T, dy: T): T {
  checkUnaryBackward(op, x.shape, y.shape, dy.shape);
  // The one input the gradient reads besides dy; neg reads none and binds dy in its place.
  const src = op === "relu" || op === "gelu" ? x.buffer : op === "neg" ? dy.buffer : y.buffer;
  const bufs = (dx: T) => [src, dy.buffer, dx.buffer];
  return output(k, `${op}Backward`, dy.shape, (dx) =>
    vec4(k.rt, "unaryBackward", { OP: UNARY_CODES[op] }, bufs(dx), [dy.size], dy.size, k.launch),
  );
}

export function binary<T extends GpuArray>(k: GpuOpContext<T>, op: BinaryOp, a: T, b: T): T {
  const nb = checkBinary(op, a.shape, b.shape);
  const n = a.size;
  // How the shader reads b (its B_MODE): same shape, scalar, whole vec4s, or lane by lane.
  const mode = nb === n ? 0 : nb === 1 ? 1 : nb % 4 === 0 ? 2 : 3;
  const constants = { OP: BINARY_CODES[op], B_MODE: mode };
  return output(k, op, a.shape, (out) =>
    vec4(k.rt, "binary", constants, [a.buffer, b.buffer, out.buffer], [n, nb], n, k.launch, [n, nb, n]),
  );
}

export function affine<T extends GpuArray>(k: GpuOpContext<T>, x: T, alpha: number, beta: number): T {
  checkAffine(alpha, beta);
  return output(k, "affine", x.shape, (y) =>
    affineGpu(k.rt, x.buffer, y.buffer, x.size, alpha, beta, k.launch),
  );
}

/** Runs of the axis per invocation for one pass: the whole axis unless the split rule applies. */
export function reduceChunk(d: Pick<ReduceDims, "outer" | "len" | "inner">): number {
  const outputs = d.outer * d.inner;
  if (d.len <= REDUCE_SPLIT_MIN_LEN || outputs >= REDUCE_TARGET_THREADS) return Math.max(1, d.len);
  const chunks = Math.min(Math.ceil(d.len / REDUCE_MIN_CHUNK), Math.ceil(REDUCE_TARGET_THREADS / outputs));
  return Math.ceil(d.len / chunks);
}

/** Sum x ([outer, len, inner]) over the middle axis into y ([outer, inner]), in one or more passes. */
export function reduceGpu(
  rt: GpuRuntime,
  x: GPUBuffer,
  d: ReduceDims,
  y: GPUBuffer,
  launch: Launch = {},
): void {
  const chunk = reduceChunk(d);
  const chunks = Math.max(1, Math.ceil(d.len / chunk));
  const n = d.outer * chunks * d.inner;
  const run = (to: GPUBuffer) =>
    rt.dispatch(KERNELS.reduce, {}, [x, to], [n, d.len, d.inner, chunks, chunk], grid(rt, n, 64, launch));
  if (chunks === 1) {
    run(y);
    return;
  }
  // Partial sums [outer, chunks, inner], then reduce those over their chunk axis.
  withScratch(rt, n * 4, "reduce-sum:partial", (partial) => {
    run(partial);
    reduceGpu(rt, partial, { ...d, len: chunks }, y, launch);
  });
}

export function sumTo<T extends GpuArray>(k: GpuOpContext<T>, x: T, shape: readonly number[]): T {
  const d = sumToDims(x.shape, shape);
  return output(k, "sumTo", d.out, (y) => reduceGpu(k.rt, x.buffer, d, y.buffer, k.launch));
}

export function sum<T extends GpuArray>(k: GpuOpContext<T>, x: T, axis: number): T {
  const d = sumDims(x.shape, axis);
  return output(k, "sum", d.out, (y) => reduceGpu(k.rt, x.buffer, d, y.buffer, k.launch));
}

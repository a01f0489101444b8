// WebGPU dispatch of the shape and elementwise ops: permute, unary (+ backward), binary with suffix
// broadcasting, affine, sumTo, sum over an axis. Shapes are checked by the same code as the CPU reference
// (kernels/elementwise-shape.ts) before anything is dispatched. The elementwise kernels handle one vec4 per
// invocation, permute 4 consecutive outputs, the reduction one output; workgroups of 64 are spread over grid
// x and y because one dimension stops at 65535 workgroups.

import affineWgsl from "../../../shaders/elementwise-affine.wgsl?raw";
import binaryWgsl from "../../../shaders/elementwise-binary.wgsl?raw";
import unaryWgsl from "../../../shaders/elementwise-unary.wgsl?raw";
import unaryBackwardWgsl from "../../../shaders/elementwise-unary-backward.wgsl?raw";
import permuteWgsl from "../../../shaders/permute.wgsl?raw";
import reduceWgsl from "../../../shaders/reduce-sum.wgsl?raw";
import type { Param } from "../../gpu/runtime";
import {
  BINARY_CODES,
  checkAffine,
  checkBinary,
  checkUnaryBackward,
  checkUnaryOp,
  permuteDims,
  type ReduceDims,
  sumDims,
  sumToDims,
  UNARY_CODES,
} from "../../kernels/elementwise-shape";
import type { Shape } from "../../kernels/validate";
import type { BinaryOp, UnaryOp } from "../contract";
import type { GpuTensor } from "../gpu-tensor";
import type { WebGPUBackend } from "../webgpu";

const WG = 64; // @workgroup_size of every shader here
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
};

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

/** Workgroups for `threads` invocations, spread over x and y: x·y·64 >= threads. */
function grid(be: WebGPUBackend, threads: number): [number, number] {
  const groups = Math.ceil(threads / WG);
  const max = be.rt.limits.maxComputeWorkgroupsPerDimension;
  return groups <= max ? [groups, 1] : [max, Math.ceil(groups / max)];
}

/** Allocate the output, run `fill` on it, and give the buffer back if dispatching throws. */
function produce(be: WebGPUBackend, op: string, shape: Shape, fill: (out: GpuTensor) => void): GpuTensor {
  const out = be.output(op, shape);
  try {
    fill(out);
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

/** Dispatch a kernel over n elements, `perThread` of them per invocation. */
function run(
  be: WebGPUBackend,
  kernel: keyof typeof KERNELS,
  constants: Record<string, number>,
  buffers: GPUBuffer[],
  params: Param[],
  n: number,
  perThread = PER,
): void {
  be.rt.dispatch(KERNELS[kernel], constants, buffers, params, grid(be, Math.ceil(n / perThread)));
}

/**
 * A vec4 kernel over n elements. It reads and writes whole vec4s, so the last one may run past element n:
 * each buffer must hold ceil(elems/4) vec4s (elems: n, or that buffer's own count, like a broadcast b's).
 * Pooled buffers always do (power-of-two sizes >= 256 bytes); a foreign buffer might not, so this checks.
 */
function vec4(
  be: WebGPUBackend,
  kernel: keyof typeof KERNELS,
  constants: Record<string, number>,
  buffers: GPUBuffer[],
  params: Param[],
  n: number,
  elems: number[] = buffers.map(() => n),
): void {
  buffers.forEach((b, i) => {
    const need = Math.max(16, Math.ceil(elems[i]! / 4) * 16);
    if (b.size < need) {
      throw new Error(`${KERNELS[kernel].name}: buffer '${b.label}' holds ${b.size} bytes, needs ${need}`);
    }
  });
  run(be, kernel, constants, buffers, params, n);
}

export function permute(be: WebGPUBackend, x: GpuTensor, perm: readonly number[]): GpuTensor {
  const { out, outDims4, inStrides4 } = permuteDims(x.shape, perm);
  // Move vec4s when runs of 4 outputs are 4 contiguous, 16-byte aligned inputs: the last output axis has
  // input stride 1 and a size divisible by 4, and every other axis that moves has a stride divisible by 4
  // (the usual case: the last axis stays last, as in the multi-head split). Counted in vec4s then.
  const aligned = [0, 1, 2].every((i) => outDims4[i] === 1 || inStrides4[i]! % 4 === 0);
  if (outDims4[3] % 4 === 0 && inStrides4[3] === 1 && aligned) {
    const d: [number, number, number, number] = [outDims4[0], outDims4[1], outDims4[2], outDims4[3] / 4];
    const st = inStrides4.map((v, i) => (i === 3 ? 1 : outDims4[i] === 1 ? 0 : v / 4));
    const n = x.size / 4;
    return produce(be, "permute", out, (y) =>
      run(be, "permuteVec4", {}, [x.buffer, y.buffer], [n, 0, 0, 0, ...d, ...st], n),
    );
  }
  return produce(be, "permute", out, (y) =>
    run(be, "permute", {}, [x.buffer, y.buffer], [x.size, 0, 0, 0, ...outDims4, ...inStrides4], x.size),
  );
}

export function unary(be: WebGPUBackend, op: UnaryOp, x: GpuTensor): GpuTensor {
  checkUnaryOp(op);
  return produce(be, op, [...x.shape], (y) =>
    vec4(be, "unary", { OP: UNARY_CODES[op] }, [x.buffer, y.buffer], [x.size], x.size),
  );
}

export function unaryBackward(
  be: WebGPUBackend,
  op: UnaryOp,
  x: GpuTensor,
  y: GpuTensor,
  dy: GpuTensor,
): GpuTensor {
  checkUnaryBackward(op, x.shape, y.shape, dy.shape);
  // The one input the gradient reads besides dy; neg reads none and binds dy in its place.
  const src = op === "relu" || op === "gelu" ? x.buffer : op === "neg" ? dy.buffer : y.buffer;
  return produce(be, `${op}Backward`, [...dy.shape], (dx) =>
    vec4(be, "unaryBackward", { OP: UNARY_CODES[op] }, [src, dy.buffer, dx.buffer], [dy.size], dy.size),
  );
}

export function binary(be: WebGPUBackend, op: BinaryOp, a: GpuTensor, b: GpuTensor): GpuTensor {
  const nb = checkBinary(op, a.shape, b.shape);
  const n = a.size;
  // How the shader reads b (its B_MODE): same shape, scalar, whole vec4s, or lane by lane.
  const mode = nb === n ? 0 : nb === 1 ? 1 : nb % 4 === 0 ? 2 : 3;
  const constants = { OP: BINARY_CODES[op], B_MODE: mode };
  return produce(be, op, [...a.shape], (out) =>
    vec4(be, "binary", constants, [a.buffer, b.buffer, out.buffer], [n, nb], n, [n, nb, n]),
  );
}

export function affine(be: WebGPUBackend, x: GpuTensor, alpha: number, beta: number): GpuTensor {
  checkAffine(alpha, beta);
  return produce(be, "affine", [...x.shape], (y) =>
    vec4(be, "affine", {}, [x.buffer, y.buffer], [x.size, { f32: alpha }, { f32: beta }], x.size),
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
function reduceInto(be: WebGPUBackend, x: GPUBuffer, d: ReduceDims, y: GPUBuffer): void {
  const chunk = reduceChunk(d);
  const chunks = Math.max(1, Math.ceil(d.len / chunk));
  const n = d.outer * chunks * d.inner;
  if (chunks === 1) {
    run(be, "reduce", {}, [x, y], [n, d.len, d.inner, 1, chunk], n, 1);
    return;
  }
  // Partial sums [outer, chunks, inner], then reduce those over their chunk axis.
  const partial = be.rt.pool.acquire(n * 4, "reduce-sum:partial");
  try {
    run(be, "reduce", {}, [x, partial], [n, d.len, d.inner, chunks, chunk], n, 1);
    reduceInto(be, partial, { ...d, len: chunks }, y);
  } finally {
    // Safe to reuse at once: later users of the buffer are queued after these dispatches.
    be.rt.pool.release(partial);
  }
}

export function sumTo(be: WebGPUBackend, x: GpuTensor, shape: readonly number[]): GpuTensor {
  const d = sumToDims(x.shape, shape);
  return produce(be, "sumTo", d.out, (y) => reduceInto(be, x.buffer, d, y.buffer));
}

export function sum(be: WebGPUBackend, x: GpuTensor, axis: number): GpuTensor {
  const d = sumDims(x.shape, axis);
  return produce(be, "sum", d.out, (y) => reduceInto(be, x.buffer, d, y.buffer));
}

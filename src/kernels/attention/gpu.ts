// WebGPU scaled dot-product attention: a fused kernel (online softmax over key blocks, no T×S matrix in
// global memory) and the unfused path (matmul, softmax, matmul) kept as a comparison and a second oracle.
//
// Both write out [B, H, T, d] and lse [B, H, T] with the conventions of shape.ts (a fully masked row gives
// out = 0, lse = -Infinity). The fused kernel holds its q rows and accumulators in fixed-size private arrays, so
// it takes head sizes up to ATTENTION_FUSED_MAX_D; above that the unfused path runs instead and the entry counts
// the fallback.

import fused from "../../../shaders/attention-fused.wgsl?raw";
import type { GpuRuntime } from "../../gpu/runtime";
import { type GpuArray, type GpuOpContext, grid, withScratch } from "../launch";
import { matmulGpu } from "../matmul/gpu";
import { matmulDims } from "../matmul/shape";
import { softmaxGpu } from "../softmax/gpu";
import { ShapeError } from "../validate";
import type { GpuVariants } from "../variants";
import {
  ATTENTION_FUSED_MAX_D,
  type AttentionDims,
  type AttentionOptions,
  type AttentionVariant,
  attentionDims,
  attentionPath,
} from "./shape";

/** Query rows per invocation and invocations per workgroup of the fused kernel (ROWS and WG in the shader). */
const FUSED_ROWS = 4;
const FUSED_WG = 64;

/** The op's GPU entry: out and lse, on the path the variant in force serves (a fallback is counted). */
export function attention<T extends GpuArray>(
  k: GpuOpContext<T>,
  q: T,
  key: T,
  v: T,
  opts: AttentionOptions = {},
): { out: T; lse: T } {
  const d = attentionDims(q.shape, key.shape, v.shape, opts);
  const [out, lse] = k.outputs("attention", [d.out, d.lse], (out, lse) => {
    const ran = attentionGpu(
      k.rt,
      k.variants,
      { q: q.buffer, k: key.buffer, v: v.buffer, out: out.buffer, lse: lse.buffer },
      d,
    );
    countFallback(k, "attention", k.variants.attention, ran);
  });
  return { out, lse };
}

/** Count a request served by another path than the variant asked for (attention and its backward). */
export function countFallback<T extends GpuArray>(
  k: GpuOpContext<T>,
  op: string,
  asked: AttentionVariant,
  ran: AttentionVariant,
): void {
  if (ran !== asked) k.fallback(`${op} ${asked}->${ran} (d > ${ATTENTION_FUSED_MAX_D})`);
}

/** Bytes of the unfused path's [B·H, T, S] score matrix, refused (naming the limit) past the largest binding. */
export function scoreBytes(rt: GpuRuntime, op: string, dims: AttentionDims): number {
  const bytes = dims.B * dims.H * dims.T * dims.S * 4;
  const max = rt.limits.maxStorageBufferBindingSize;
  if (bytes > max) {
    throw new ShapeError(
      op,
      "q",
      `with k must give a score matrix [B·H, T, S] within maxStorageBufferBindingSize (${max} bytes) for the unfused path`,
      `${bytes} bytes`,
    );
  }
  return bytes;
}

/** The storage buffers of one attention: q [BH, T, d], k and v [BH, S, d] in; out [BH, T, d] and lse [BH, T] out. */
export interface AttentionBuffers {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  out: GPUBuffer;
  lse: GPUBuffer;
}

/**
 * Dispatch attention. q, k, v, out and lse are storage buffers laid out as in shape.ts. Returns the variant that
 * actually ran: "unfused" for a fused request with d > ATTENTION_FUSED_MAX_D.
 */
export function attentionGpu(
  rt: GpuRuntime,
  variants: GpuVariants,
  io: AttentionBuffers,
  dims: AttentionDims,
): AttentionVariant {
  if (attentionPath(variants.attention, dims.d) === "fused") {
    attentionFused(rt, io, dims);
    return "fused";
  }
  attentionUnfused(rt, variants, io, dims);
  return "unfused";
}

function attentionFused(rt: GpuRuntime, { q, k, v, out, lse }: AttentionBuffers, dims: AttentionDims): void {
  const BH = dims.B * dims.H;
  const groups = Math.ceil(dims.T / FUSED_ROWS);
  if (BH * groups === 0) return;
  // One row group per invocation, flattened.
  rt.dispatch(
    { name: "attention-fused", code: fused },
    { D: dims.d, CAUSAL: dims.causal },
    [q, k, v, out, lse],
    [BH, dims.T, dims.S, groups, { f32: dims.scale }],
    grid(rt, BH * groups, FUSED_WG),
  );
}

/** scores = q·kᵀ [BH, T, S] → p = softmax(scale·scores + mask) (and lse) → out = p·v. */
function attentionUnfused(
  rt: GpuRuntime,
  variants: GpuVariants,
  { q, k, v, out, lse }: AttentionBuffers,
  dims: AttentionDims,
): void {
  const { T, S, d } = dims;
  const BH = dims.B * dims.H;
  const bytes = scoreBytes(rt, "attention", dims);
  withScratch(rt, bytes, "attention:scores", (scores) =>
    withScratch(rt, bytes, "attention:probs", (probs) => {
      matmulGpu(
        rt,
        variants.matmul,
        q,
        k,
        matmulDims([BH, T, d], [BH, S, d], { transB: true }),
        { transB: true },
        null,
        scores,
      );
      softmaxGpu(rt, variants.softmax, scores, probs, BH * T, S, {
        scale: dims.scale,
        ...(dims.causal ? { causalT: T } : {}),
        lse,
      });
      // Masked weights are exactly 0 and must add nothing, whatever the value rows behind them hold.
      matmulGpu(rt, variants.matmul, probs, v, matmulDims([BH, T, S], [BH, S, d]), {}, null, out, {
        skipZeroA: true,
      });
    }),
  );
}

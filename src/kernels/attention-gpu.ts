// WebGPU scaled dot-product attention: a fused kernel (online softmax over key blocks, no T×S matrix in
// global memory) and the unfused path (matmul, softmax, matmul) kept as a comparison and a second oracle.
//
// Both write out [B, H, T, d] and lse [B, H, T] with the conventions of attention-shape.ts (a fully masked row
// gives out = 0, lse = -Infinity). The fused kernel holds its q rows and accumulators in fixed-size private
// arrays, so it takes head sizes up to ATTENTION_FUSED_MAX_D; above that the unfused path runs instead and
// the caller is told (it counts the fallback).

import fused from "../../shaders/attention-fused.wgsl?raw";
import type { GpuRuntime } from "../gpu/runtime";
import type { AttentionDims } from "./attention-shape";
import { type MatmulVariant, matmulGpu } from "./matmul-gpu";
import { matmulDims } from "./matmul-shape";
import { type SoftmaxVariant, softmaxGpu } from "./softmax-gpu";
import { ShapeError } from "./validate";

export type AttentionVariant = "fused" | "unfused";

/** Largest head size of the fused kernel (MAX_D4 · 4 in shaders/attention-fused.wgsl). */
export const ATTENTION_FUSED_MAX_D = 128;

/** Query rows per invocation and invocations per workgroup of the fused kernel (ROWS and WG in the shader). */
const FUSED_ROWS = 4;
const FUSED_WG = 64;

export interface AttentionGpuVariants {
  attention: AttentionVariant;
  /** Used by the unfused path. */
  matmul: MatmulVariant;
  softmax: SoftmaxVariant;
}

/**
 * Dispatch attention. q, k, v, out and lse are storage buffers laid out as in attention-shape.ts. Returns the
 * variant that actually ran: "unfused" for a fused request with d > ATTENTION_FUSED_MAX_D.
 */
export function attentionGpu(
  rt: GpuRuntime,
  variants: AttentionGpuVariants,
  q: GPUBuffer,
  k: GPUBuffer,
  v: GPUBuffer,
  dims: AttentionDims,
  out: GPUBuffer,
  lse: GPUBuffer,
): AttentionVariant {
  if (variants.attention === "fused" && dims.d <= ATTENTION_FUSED_MAX_D) {
    attentionFused(rt, q, k, v, dims, out, lse);
    return "fused";
  }
  attentionUnfused(rt, variants, q, k, v, dims, out, lse);
  return "unfused";
}

function attentionFused(
  rt: GpuRuntime,
  q: GPUBuffer,
  k: GPUBuffer,
  v: GPUBuffer,
  dims: AttentionDims,
  out: GPUBuffer,
  lse: GPUBuffer,
): void {
  const BH = dims.B * dims.H;
  const groups = Math.ceil(dims.T / FUSED_ROWS);
  const invocations = BH * groups;
  if (invocations === 0) return;
  // One row group per invocation, flattened; spill into y when x would exceed the per-dimension limit.
  const wgs = Math.ceil(invocations / FUSED_WG);
  const maxX = rt.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.min(wgs, maxX);
  const y = Math.ceil(wgs / x);
  rt.dispatch(
    { name: "attention-fused", code: fused },
    { D: dims.d, CAUSAL: dims.causal },
    [q, k, v, out, lse],
    [BH, dims.T, dims.S, groups, { f32: dims.scale }],
    [x, y],
  );
}

/** scores = q·kᵀ [BH, T, S] → p = softmax(scale·scores + mask) (and lse) → out = p·v. */
function attentionUnfused(
  rt: GpuRuntime,
  variants: AttentionGpuVariants,
  q: GPUBuffer,
  k: GPUBuffer,
  v: GPUBuffer,
  dims: AttentionDims,
  out: GPUBuffer,
  lse: GPUBuffer,
): void {
  const { T, S, d } = dims;
  const BH = dims.B * dims.H;
  const bytes = BH * T * S * 4;
  const max = rt.limits.maxStorageBufferBindingSize;
  if (bytes > max) {
    throw new ShapeError(
      "attention",
      "q",
      `with k must give a score matrix [B·H, T, S] within maxStorageBufferBindingSize (${max} bytes) for the unfused path`,
      `${bytes} bytes`,
    );
  }
  const scores = rt.pool.acquire(bytes, "attention:scores");
  const probs = rt.pool.acquire(bytes, "attention:probs");
  try {
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
  } finally {
    // Safe to reuse at once: later writers are queued after the commands above (see gpu/buffers.ts).
    rt.pool.release(scores);
    rt.pool.release(probs);
  }
}

// WebGPU attention backward: a fused path in the style of flash-attention 2 (the softmax weights recomputed
// from the forward's saved lse, no T×S matrix in global memory) and an unfused path through matmul and softmax
// kernels, kept as a comparison and a second oracle. The math is in attention-backward-cpu.ts.
//
// Fused: three barrier-free kernels
//   delta  one invocation per query row: deltaᵢ = doutᵢ·outᵢ                        (out, dout, delta)
//   dq     4 query rows per invocation, streaming over the keys they see            (q k v dout lse delta dq)
//   dkdv   4 key rows per invocation, streaming over the queries that see them      (q k v dout lse delta dk dv)
// The last uses all 8 storage bindings a stage may have. Their private arrays are sized like the forward's, so
// the fused path takes head sizes up to ATTENTION_FUSED_MAX_D; above it the unfused path runs and the caller is
// told (it counts the fallback).

import deltaWgsl from "../../shaders/attention-backward-delta.wgsl?raw";
import dkdvWgsl from "../../shaders/attention-backward-dkdv.wgsl?raw";
import dqWgsl from "../../shaders/attention-backward-dq.wgsl?raw";
import affineWgsl from "../../shaders/elementwise-affine.wgsl?raw";
import { KernelError } from "../gpu/errors";
import type { GpuRuntime } from "../gpu/runtime";
import { ATTENTION_FUSED_MAX_D, type AttentionGpuVariants, type AttentionVariant } from "./attention-gpu";
import type { AttentionDims } from "./attention-shape";
import { matmulGpu } from "./matmul-gpu";
import { matmulDims } from "./matmul-shape";
import { softmaxBackwardGpu, softmaxGpu } from "./softmax-gpu";
import { ShapeError } from "./validate";

/** P and dS are exactly 0 where masked: those terms must add nothing, whatever k, q or dout hold there. */
const SKIP_MASKED = { skipZeroA: true };

/** Query rows (dq) or key rows (dkdv) per invocation, and invocations per workgroup (ROWS/KEYS, WG in WGSL). */
const ROWS = 4;
const WG = 64;

export interface AttentionBackwardBuffers {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  out: GPUBuffer;
  lse: GPUBuffer;
  dout: GPUBuffer;
  dq: GPUBuffer;
  dk: GPUBuffer;
  dv: GPUBuffer;
}

/**
 * Dispatch the attention backward; buffers laid out as in attention-backward-shape.ts. Returns the variant that
 * actually ran: "unfused" for a fused request with d > ATTENTION_FUSED_MAX_D.
 */
export function attentionBackwardGpu(
  rt: GpuRuntime,
  variants: AttentionGpuVariants,
  b: AttentionBackwardBuffers,
  dims: AttentionDims,
): AttentionVariant {
  if (variants.attention === "fused" && dims.d <= ATTENTION_FUSED_MAX_D) {
    backwardFused(rt, b, dims);
    return "fused";
  }
  backwardUnfused(rt, variants, b, dims);
  return "unfused";
}

/** Workgroups for `invocations`, spread over x and y (the shaders flatten gid.x + gid.y·nwg.x·WG). */
function grid(rt: GpuRuntime, invocations: number): [number, number] {
  const wgs = Math.ceil(invocations / WG);
  const x = Math.min(Math.max(wgs, 1), rt.limits.maxComputeWorkgroupsPerDimension);
  return [wgs === 0 ? 0 : x, Math.max(1, Math.ceil(wgs / x))];
}

function backwardFused(rt: GpuRuntime, b: AttentionBackwardBuffers, dims: AttentionDims): void {
  const { T, S, d, causal, scale } = dims;
  const BH = dims.B * dims.H;
  const delta = rt.pool.acquire(Math.max(4, BH * T * 4), "attentionBackward:delta");
  try {
    rt.dispatch(
      { name: "attention-backward-delta", code: deltaWgsl },
      { D: d },
      [b.out, b.dout, delta],
      [BH * T],
      grid(rt, BH * T),
    );
    const qGroups = Math.ceil(T / ROWS);
    rt.dispatch(
      { name: "attention-backward-dq", code: dqWgsl },
      { D: d, CAUSAL: causal },
      [b.q, b.k, b.v, b.dout, b.lse, delta, b.dq],
      [BH, T, S, qGroups, { f32: scale }],
      grid(rt, BH * qGroups),
    );
    const kGroups = Math.ceil(S / ROWS);
    rt.dispatch(
      { name: "attention-backward-dkdv", code: dkdvWgsl },
      { D: d, CAUSAL: causal },
      [b.q, b.k, b.v, b.dout, b.lse, delta, b.dk, b.dv],
      [BH, T, S, kGroups, { f32: scale }],
      grid(rt, BH * kGroups),
    );
  } finally {
    // Safe to reuse at once: later writers are queued after the commands above (see gpu/buffers.ts).
    rt.pool.release(delta);
  }
}

/**
 * P = softmax(scale·Q·Kᵀ + mask) recomputed [BH, T, S]; dv = Pᵀ·dout; scale·dP = dout·(scale·V)ᵀ;
 * scale·dS = softmaxBackward(P, scale·dP) (the softmax backward is linear in dP, so scaling V once, an
 * [S, d] tensor, stands in for scaling the [T, S] dS); dq = (scale·dS)·K; dk = (scale·dS)ᵀ·Q.
 * A fully masked row has P = 0, hence dS = 0 and a zero dq row.
 */
function backwardUnfused(
  rt: GpuRuntime,
  variants: AttentionGpuVariants,
  b: AttentionBackwardBuffers,
  dims: AttentionDims,
): void {
  const { T, S, d } = dims;
  const BH = dims.B * dims.H;
  const bytes = BH * T * S * 4;
  const max = rt.limits.maxStorageBufferBindingSize;
  if (bytes > max) {
    throw new ShapeError(
      "attentionBackward",
      "q",
      `with k must give a score matrix [B·H, T, S] within maxStorageBufferBindingSize (${max} bytes) for the unfused path`,
      `${bytes} bytes`,
    );
  }
  const mm = variants.matmul;
  const scores = rt.pool.acquire(bytes, "attentionBackward:scores"); // then scale·dP
  const probs = rt.pool.acquire(bytes, "attentionBackward:probs");
  const dS = rt.pool.acquire(bytes, "attentionBackward:dS");
  const vScaled = rt.pool.acquire(BH * S * d * 4, "attentionBackward:vScaled");
  try {
    matmulGpu(
      rt,
      mm,
      b.q,
      b.k,
      matmulDims([BH, T, d], [BH, S, d], { transB: true }),
      { transB: true },
      null,
      scores,
    );
    softmaxGpu(rt, variants.softmax, scores, probs, BH * T, S, {
      scale: dims.scale,
      ...(dims.causal ? { causalT: T } : {}),
    });
    matmulGpu(
      rt,
      mm,
      probs,
      b.dout,
      matmulDims([BH, T, S], [BH, T, d], { transA: true }),
      { transA: true },
      null,
      b.dv,
      SKIP_MASKED,
    );
    scaleInto(rt, b.v, vScaled, BH * S * d, dims.scale);
    matmulGpu(
      rt,
      mm,
      b.dout,
      vScaled,
      matmulDims([BH, T, d], [BH, S, d], { transB: true }),
      { transB: true },
      null,
      scores,
    );
    softmaxBackwardGpu(rt, variants.softmax, probs, scores, dS, BH * T, S);
    matmulGpu(rt, mm, dS, b.k, matmulDims([BH, T, S], [BH, S, d]), {}, null, b.dq, SKIP_MASKED);
    matmulGpu(
      rt,
      mm,
      dS,
      b.q,
      matmulDims([BH, T, S], [BH, T, d], { transA: true }),
      { transA: true },
      null,
      b.dk,
      SKIP_MASKED,
    );
  } finally {
    for (const buf of [scores, probs, dS, vScaled]) rt.pool.release(buf);
  }
}

/** y = alpha·x over n floats with the elementwise affine kernel (one vec4 per invocation). */
function scaleInto(rt: GpuRuntime, x: GPUBuffer, y: GPUBuffer, n: number, alpha: number): void {
  // The kernel reads and writes whole vec4s: both buffers must reach past the last partial one. Pooled
  // buffers always do (powers of two of at least 256 bytes).
  const need = Math.ceil(n / 4) * 16;
  for (const buf of [x, y]) {
    if (buf.size < need)
      throw new KernelError(
        "elementwise-affine",
        `buffer '${buf.label}' holds ${buf.size} bytes, needs ${need}`,
      );
  }
  rt.dispatch(
    { name: "elementwise-affine", code: affineWgsl },
    {},
    [x, y],
    [n, { f32: alpha }, { f32: 0 }],
    grid(rt, Math.ceil(n / 4)),
  );
}

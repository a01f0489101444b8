// WebGPU attention backward: a fused path in the style of flash-attention 2 (the softmax weights recomputed
// from the forward's saved lse, no T×S matrix in global memory) and an unfused path through the matmul, softmax
// and elementwise dispatchers, kept as a comparison and a second oracle. The math is in reference.ts.
//
// Fused: three barrier-free kernels
//   delta  one invocation per query row: deltaᵢ = doutᵢ·outᵢ                        (out, dout, delta)
//   dq     4 query rows per invocation, streaming over the keys they see            (q k v dout lse delta dq)
//   dkdv   4 key rows per invocation, streaming over the queries that see them      (q k v dout lse delta dk dv)
// The last uses all 8 storage bindings a stage may have. Their private arrays are sized like the forward's, so
// the fused path takes head sizes up to ATTENTION_FUSED_MAX_D; above it the unfused path runs and the entry
// counts the fallback.

import deltaWgsl from "../../../shaders/attention-backward-delta.wgsl?raw";
import dkdvWgsl from "../../../shaders/attention-backward-dkdv.wgsl?raw";
import dqWgsl from "../../../shaders/attention-backward-dq.wgsl?raw";
import type { GpuRuntime } from "../../gpu/runtime";
import { countFallback, scoreBytes } from "../attention/gpu";
import {
  type AttentionDims,
  type AttentionOptions,
  type AttentionVariant,
  attentionPath,
} from "../attention/shape";
import { affineGpu } from "../elementwise/gpu";
import { type GpuArray, type GpuOpContext, grid, withScratch } from "../launch";
import { matmulGpu } from "../matmul/gpu";
import { matmulDims } from "../matmul/shape";
import { softmaxBackwardGpu, softmaxGpu } from "../softmax/gpu";
import type { GpuVariants } from "../variants";
import { attentionBackwardDims } from "./shape";

/** Query rows (dq) or key rows (dkdv) per invocation (ROWS/KEYS in WGSL). */
const ROWS = 4;

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

/** The op's GPU entry: dq, dk, dv on the path the variant in force serves (a fallback is counted). */
export function attentionBackward<T extends GpuArray>(
  k: GpuOpContext<T>,
  q: T,
  key: T,
  v: T,
  out: T,
  lse: T,
  dout: T,
  opts: AttentionOptions = {},
): { dq: T; dk: T; dv: T } {
  const d = attentionBackwardDims(q.shape, key.shape, v.shape, out.shape, lse.shape, dout.shape, opts);
  const [dq, dk, dv] = k.outputs("attentionBackward", [d.out, key.shape, v.shape], (dq, dk, dv) => {
    const ins = {
      q: q.buffer,
      k: key.buffer,
      v: v.buffer,
      out: out.buffer,
      lse: lse.buffer,
      dout: dout.buffer,
    };
    const ran = attentionBackwardGpu(
      k.rt,
      k.variants,
      { ...ins, dq: dq.buffer, dk: dk.buffer, dv: dv.buffer },
      d,
    );
    countFallback(k, "attentionBackward", k.variants.attention, ran);
  });
  return { dq, dk, dv };
}

/**
 * Dispatch the attention backward; buffers laid out as in shape.ts. Returns the variant that actually ran:
 * "unfused" for a fused request with d > ATTENTION_FUSED_MAX_D.
 */
export function attentionBackwardGpu(
  rt: GpuRuntime,
  variants: GpuVariants,
  b: AttentionBackwardBuffers,
  dims: AttentionDims,
): AttentionVariant {
  if (attentionPath(variants.attention, dims.d) === "fused") {
    backwardFused(rt, b, dims);
    return "fused";
  }
  backwardUnfused(rt, variants, b, dims);
  return "unfused";
}

function backwardFused(rt: GpuRuntime, b: AttentionBackwardBuffers, dims: AttentionDims): void {
  const { T, S, d, causal, scale } = dims;
  const BH = dims.B * dims.H;
  withScratch(rt, BH * T * 4, "attentionBackward:delta", (delta) => {
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
  });
}

/**
 * P = softmax(scale·Q·Kᵀ + mask) recomputed [BH, T, S]; dv = Pᵀ·dout; scale·dP = dout·(scale·V)ᵀ;
 * scale·dS = softmaxBackward(P, scale·dP) (the softmax backward is linear in dP, so scaling V once, an
 * [S, d] tensor, stands in for scaling the [T, S] dS); dq = (scale·dS)·K; dk = (scale·dS)ᵀ·Q.
 * A fully masked row has P = 0, hence dS = 0 and a zero dq row.
 */
function backwardUnfused(
  rt: GpuRuntime,
  variants: GpuVariants,
  b: AttentionBackwardBuffers,
  dims: AttentionDims,
): void {
  const { T, S, d } = dims;
  const BH = dims.B * dims.H;
  const bytes = scoreBytes(rt, "attentionBackward", dims);
  // `skip`: the left operand (P or dS) is exactly 0 where masked, and those terms must add nothing, whatever
  // k, q or dout hold there.
  const mm = (
    a: GPUBuffer,
    x: GPUBuffer,
    sa: number[],
    sb: number[],
    o: GPUBuffer,
    t: "A" | "B" | "",
    skip = false,
  ) => {
    const opts = { transA: t === "A", transB: t === "B" };
    matmulGpu(rt, variants.matmul, a, x, matmulDims(sa, sb, opts), opts, null, o, { skipZeroA: skip });
  };
  withScratch(
    rt,
    bytes,
    "attentionBackward:scores",
    (
      scores, // then scale·dP
    ) =>
      withScratch(rt, bytes, "attentionBackward:probs", (probs) =>
        withScratch(rt, bytes, "attentionBackward:dS", (dS) =>
          withScratch(rt, BH * S * d * 4, "attentionBackward:vScaled", (vScaled) => {
            mm(b.q, b.k, [BH, T, d], [BH, S, d], scores, "B");
            softmaxGpu(rt, variants.softmax, scores, probs, BH * T, S, {
              scale: dims.scale,
              ...(dims.causal ? { causalT: T } : {}),
            });
            mm(probs, b.dout, [BH, T, S], [BH, T, d], b.dv, "A", true);
            affineGpu(rt, b.v, vScaled, BH * S * d, dims.scale, 0);
            mm(b.dout, vScaled, [BH, T, d], [BH, S, d], scores, "B");
            softmaxBackwardGpu(rt, variants.softmax, probs, scores, dS, BH * T, S);
            mm(dS, b.k, [BH, T, S], [BH, S, d], b.dq, "", true);
            mm(dS, b.q, [BH, T, S], [BH, T, d], b.dk, "A", true);
          }),
        ),
      ),
  );
}

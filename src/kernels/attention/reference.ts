// The CPU reference of scaled dot-product attention, written for clarity with float64 accumulation: the
// spec the fused and unfused WGSL paths are checked against. Per query row it computes every score, subtracts
// the row maximum before exponentiating (exact in real arithmetic, and keeps exp from overflowing for large
// scores), and returns the log-sum-exp the backward pass needs. Non-finite input follows the contract
// (AttentionResult in backend/contract.ts): a hidden key adds nothing, a weight of exactly 0 (a -Infinity score,
// an underflow) adds nothing, and a visible NaN or +Infinity score makes the row's out and lse NaN. Outputs take the precision of q (float64 on
// the gradient-check backend, float32 otherwise).

import { allFinite, alloc, type CpuOpContext, type FloatArray, type Host, host } from "../float-array";
import { attentionCpuFast } from "./fast";
import { type AttentionDims, type AttentionOptions, attentionDims, visibleKeys } from "./shape";

/** The op's CPU entry: dims checked, then the variant in force ("reference" below, or "rows4" in fast.ts). */
export function attention(
  ctx: CpuOpContext,
  q: Host,
  k: Host,
  v: Host,
  opts: AttentionOptions = {},
): { out: Host; lse: Host } {
  const d = attentionDims(q.shape, k.shape, v.shape, opts);
  // rows4 is written for finite input; the contract's rules for NaN and ±Infinity (hidden keys add nothing, a
  // visible NaN poisons the row) are the reference's, so non-finite input always takes the reference path.
  const fast = ctx.variants.attention === "rows4" && allFinite([q.data, k.data, v.data]);
  const run = fast ? attentionCpuFast : attentionCpu;
  const r = run(q.data, k.data, v.data, d);
  return { out: host(d.out, r.out), lse: host(d.lse, r.lse) };
}

export interface AttentionCpuResult {
  /** [B, H, T, d] */
  out: FloatArray;
  /** [B, H, T]; -Infinity for a row that sees no key. */
  lse: FloatArray;
}

export function attentionCpu(
  q: FloatArray,
  k: FloatArray,
  v: FloatArray,
  dims: AttentionDims,
): AttentionCpuResult {
  const { B, H, T, S, d, scale } = dims;
  const out = alloc(q, B * H * T * d);
  const lse = alloc(q, B * H * T);
  const scores = new Float64Array(S);
  const acc = new Float64Array(d);
  for (let bh = 0; bh < B * H; bh++) {
    const qBase = bh * T * d;
    const kvBase = bh * S * d;
    for (let i = 0; i < T; i++) {
      const row = bh * T + i;
      const n = visibleKeys(dims, i);
      if (n === 0) {
        // Fully masked: the empty sum. out stays 0.
        lse[row] = -Infinity;
        continue;
      }
      let max = -Infinity;
      let poisoned = false;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += q[qBase + i * d + c]! * k[kvBase + j * d + c]!;
        const x = s * scale;
        scores[j] = x;
        if (Number.isNaN(x) || x === Infinity) poisoned = true;
        else if (x > max) max = x;
      }
      if (poisoned) {
        // A visible NaN or +Infinity score: the whole row is NaN.
        out.fill(Number.NaN, qBase + i * d, qBase + (i + 1) * d);
        lse[row] = Number.NaN;
        continue;
      }
      if (max === -Infinity) {
        // Every visible score is -Infinity: weights 0, as if masked.
        lse[row] = -Infinity;
        continue;
      }
      let sum = 0;
      acc.fill(0);
      for (let j = 0; j < n; j++) {
        const p = Math.exp(scores[j]! - max);
        // A weight of exactly 0 adds nothing, whatever the value row holds.
        if (p === 0) continue;
        sum += p;
        for (let c = 0; c < d; c++) acc[c]! += p * v[kvBase + j * d + c]!;
      }
      for (let c = 0; c < d; c++) out[qBase + i * d + c] = acc[c]! / sum;
      lse[row] = max + Math.log(sum);
    }
  }
  return { out, lse };
}

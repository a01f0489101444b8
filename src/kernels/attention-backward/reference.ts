// The CPU reference of the attention backward, written for clarity with float64 accumulation: the spec the
// WGSL kernels are checked against. Outputs take the precision of q (float64 on the gradient-check backend).
//
// Per (batch, head), with sᵢⱼ = scale·qᵢ·kⱼ and the forward's saved lseᵢ, the softmax weights are recomputed
// rather than stored:
//   Pᵢⱼ  = exp(sᵢⱼ − lseᵢ) for a key j that query i sees, else 0
//   Dᵢ   = Σ_c doutᵢc·outᵢc            (= Σⱼ Pᵢⱼ·dPᵢⱼ, the softmax backward's row term)
//   dPᵢⱼ = doutᵢ·vⱼ
//   dSᵢⱼ = Pᵢⱼ·(dPᵢⱼ − Dᵢ)             (the gradient with respect to the scores sᵢⱼ)
//   dq = scale·dS·K,  dk = scale·dSᵀ·Q,  dv = Pᵀ·dout
// A fully masked row (no visible key, lse = -Infinity) has no weights: it contributes nothing, and its dq
// row is 0. Its lse is never used in an exponent. A weight of exactly 0 (a -Infinity score, an underflow) adds
// nothing either, whatever k, v, q and dout hold. A row whose lse is NaN (the forward saw a visible NaN or
// +Infinity score) has NaN weights: its dq and the dk, dv rows of the keys it sees are NaN.

import { type AttentionOptions, visibleKeys } from "../attention/shape";
import { allFinite, alloc, type CpuOpContext, type Host, host } from "../float-array";
import { attentionBackwardCpuFast } from "./fast";
import { type AttentionBackwardCpuKernel, attentionBackwardDims } from "./shape";

/** The op's CPU entry: dims checked, then the variant in force ("reference" below, or "rows4" in fast.ts). */
export function attentionBackward(
  ctx: CpuOpContext,
  q: Host,
  k: Host,
  v: Host,
  out: Host,
  lse: Host,
  dout: Host,
  opts: AttentionOptions = {},
): { dq: Host; dk: Host; dv: Host } {
  const d = attentionBackwardDims(q.shape, k.shape, v.shape, out.shape, lse.shape, dout.shape, opts);
  // rows4 is written for finite input (a row that sees no key has lse -Infinity); anything else non-finite takes
  // the reference path, which carries the contract's rules.
  const fast =
    ctx.variants.attention === "rows4" &&
    allFinite([q.data, k.data, v.data, out.data, dout.data]) &&
    allFinite([lse.data], -Infinity);
  const run = fast ? attentionBackwardCpuFast : attentionBackwardCpu;
  const r = run(q.data, k.data, v.data, out.data, lse.data, dout.data, d);
  return { dq: host(q.shape, r.dq), dk: host(k.shape, r.dk), dv: host(v.shape, r.dv) };
}

export const attentionBackwardCpu: AttentionBackwardCpuKernel = (q, k, v, out, lse, dout, dims) => {
  const { B, H, T, S, d, scale } = dims;
  const dq = alloc(q, B * H * T * d);
  const dk = alloc(q, B * H * S * d);
  const dv = alloc(q, B * H * S * d);
  // float64 accumulators: one query row of dq, and every key row of dk and dv of the current (batch, head).
  const dqRow = new Float64Array(d);
  const dkAcc = new Float64Array(S * d);
  const dvAcc = new Float64Array(S * d);
  for (let bh = 0; bh < B * H; bh++) {
    const qBase = bh * T * d;
    const kvBase = bh * S * d;
    dkAcc.fill(0);
    dvAcc.fill(0);
    for (let i = 0; i < T; i++) {
      const n = visibleKeys(dims, i);
      const L = lse[bh * T + i]!;
      // dq's row stays 0 (alloc zeroes it).
      if (n === 0 || L === -Infinity) continue;
      const qi = qBase + i * d;
      let D = 0;
      for (let c = 0; c < d; c++) D += dout[qi + c]! * out[qi + c]!;
      dqRow.fill(0);
      for (let j = 0; j < n; j++) {
        const kj = kvBase + j * d;
        let s = 0;
        let dp = 0;
        for (let c = 0; c < d; c++) {
          s += q[qi + c]! * k[kj + c]!;
          dp += dout[qi + c]! * v[kj + c]!;
        }
        const p = Number.isNaN(L) || L === Infinity ? Number.NaN : Math.exp(scale * s - L);
        if (p === 0) continue;
        const ds = p * (dp - D);
        for (let c = 0; c < d; c++) {
          dqRow[c]! += ds * k[kj + c]!;
          dkAcc[j * d + c]! += ds * q[qi + c]!;
          dvAcc[j * d + c]! += p * dout[qi + c]!;
        }
      }
      for (let c = 0; c < d; c++) dq[qi + c] = scale * dqRow[c]!;
    }
    for (let e = 0; e < S * d; e++) {
      dk[kvBase + e] = scale * dkAcc[e]!;
      dv[kvBase + e] = dvAcc[e]!;
    }
  }
  return { dq, dk, dv };
};

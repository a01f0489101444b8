// attention backward cases, for both paths: size 1, odd T and d, T not a multiple of the fused kernels' 4-row,
// 4-key and 8-wide blocks, causal and not, several batches and heads, T > S with causal (fully masked rows:
// lse -Infinity, their dq must be 0), T < S, large scores, a head size above the fused limit (the fused request
// falls back to the unfused path), and long ranges that would expose an accumulator not re-initialised between
// blocks. out and lse come from the CPU forward, so both backends get identical saved tensors; dq, dk and dv
// are compared.

import type { BackendName } from "../../backend/contract";
import { type AttentionSpec, describeSpec, specOptions } from "../attention/cases";
import { attentionCpu } from "../attention/reference";
import { ATTENTION_FUSED_MAX_D, attentionDims } from "../attention/shape";
import { fallbackCount, type Input, input, makeCase, type VerifyCase, variantsToCheck } from "../case";

export const ATTENTION_BACKWARD_SPECS: AttentionSpec[] = [
  // One key: P = 1 and dS = dout·v − dout·out = 0, so dq and dk are rounding noise around 0 and dv = dout.
  { name: "1x1x1 d=1", B: 1, H: 1, T: 1, S: 1, d: 1 },
  { name: "causal 1x1x1 d=3", B: 1, H: 1, T: 1, S: 1, d: 3, causal: true },
  { name: "odd T=7 d=5", B: 1, H: 1, T: 7, S: 7, d: 5 },
  { name: "causal odd T=7 d=5", B: 1, H: 1, T: 7, S: 7, d: 5, causal: true },
  { name: "ragged T=37 d=16", B: 1, H: 2, T: 37, S: 37, d: 16 },
  { name: "causal ragged T=37 d=16", B: 1, H: 2, T: 37, S: 37, d: 16, causal: true },
  { name: "batched B=2 H=3 T=9 d=8", B: 2, H: 3, T: 9, S: 9, d: 8 },
  { name: "causal batched B=2 H=3 T=9 d=6", B: 2, H: 3, T: 9, S: 9, d: 6, causal: true },
  // Rows 0..5 see no key (i + S - T < 0): lse -Infinity, dq rows 0 (compared exactly by the zero reference
  // under the absolute tolerance), and they add nothing to dk and dv.
  { name: "causal T>S T=11 S=5 d=4", B: 2, H: 1, T: 11, S: 5, d: 4, causal: true },
  { name: "T<S T=5 S=13 d=6", B: 1, H: 2, T: 5, S: 13, d: 6 },
  { name: "causal T<S T=5 S=13 d=6", B: 1, H: 2, T: 5, S: 13, d: 6, causal: true },
  // scale 1 on q, k in [-3, 3] with d = 16: scores up to about ±30 (checked in the unit tests), weights
  // spanning e^±30, so a weight recomputed as exp(s − lse) is exact only if lse is right to f32 rounding.
  { name: "large scores d=16 scale=1", B: 1, H: 2, T: 12, S: 19, d: 16, scale: 1, range: 3 },
  {
    name: "causal large scores d=16 scale=1",
    B: 1,
    H: 1,
    T: 12,
    S: 12,
    d: 16,
    scale: 1,
    range: 3,
    causal: true,
  },
  // At the fused kernels' head-size limit: every chunk of their private arrays in use.
  { name: "widest fused d=128", B: 1, H: 1, T: 5, S: 10, d: 128, causal: true },
  // Above ATTENTION_FUSED_MAX_D: the fused request runs the unfused path (and counts the fallback).
  { name: "wide d=130", B: 1, H: 2, T: 6, S: 9, d: 130 },
  // Many 8-key blocks per query group (dq) and 8-query blocks per key group (dk, dv), ragged at the end.
  { name: "long S=301 T=6 d=12", B: 1, H: 1, T: 6, S: 301, d: 12 },
  { name: "long T=301 S=6 d=12", B: 1, H: 1, T: 301, S: 6, d: 12 },
  { name: "causal long T=S=203 d=8", B: 1, H: 1, T: 203, S: 203, d: 8, causal: true },
];

/** q, k, v and dout from seeds; out and lse from the CPU forward (float32, like a real forward's). */
export function attentionBackwardInputs(s: AttentionSpec, seed: number): Record<string, Input> {
  const r = s.range ?? 1;
  const q = input([s.B, s.H, s.T, s.d], 700 + seed, -r, r);
  const k = input([s.B, s.H, s.S, s.d], 800 + seed, -r, r);
  const v = input([s.B, s.H, s.S, s.d], 900 + seed);
  const dout = input([s.B, s.H, s.T, s.d], 1000 + seed);
  const fw = attentionCpu(q.data, k.data, v.data, attentionDims(q.shape, k.shape, v.shape, specOptions(s)));
  return {
    q,
    k,
    v,
    out: { data: Float32Array.from(fw.out), shape: q.shape },
    lse: { data: Float32Array.from(fw.lse), shape: q.shape.slice(0, 3) },
    dout,
  };
}

export function attentionBackwardCases(backend: BackendName = "webgpu"): VerifyCase[] {
  const out: VerifyCase[] = [];
  for (const variant of variantsToCheck(backend, "attention")) {
    ATTENTION_BACKWARD_SPECS.forEach((s, i) => {
      const big = (s.range ?? 1) > 1;
      out.push(
        makeCase({
          kernel: "attentionBackward",
          variant,
          name: s.name,
          shape: describeSpec(s),
          // Each gradient is a sum of products of weights P (relative error that of the recomputed score,
          // a few eps·scale·Σ|q·k|: ~1e-6 for unit inputs, ~1e-5 at scores of ±30) with dP − delta, q, k or
          // dout (O(1); dP up to Σ|dout·v| <= d). The sums cancel (Σⱼ dSᵢⱼ = 0), so results near 0 are common
          // and the error is absolute, set by Σ|terms| rather than by the result: seen <= 1.2e-6 (dk, dv of
          // "long T=301", sums over 301 queries) for unit inputs and <= 6.5e-6 at large scores. rtol covers
          // the rounding of large results (dv reaches ~50 when a key collects weight from 301 queries).
          atol: big ? 5e-5 : 2e-5,
          rtol: 1e-4,
          force: { attention: variant } as VerifyCase["force"],
          inputs: () => attentionBackwardInputs(s, i),
          apply: (be, t) => {
            const before = fallbackCount(be, "attentionBackward fused->unfused");
            const g = be.attentionBackward(t.q!, t.k!, t.v!, t.out!, t.lse!, t.dout!, specOptions(s));
            // A fused request above the head-size limit must run unfused and say so in `fallbacks`.
            if (
              be.name === "webgpu" &&
              variant === "fused" &&
              s.d > ATTENTION_FUSED_MAX_D &&
              fallbackCount(be, "attentionBackward fused->unfused") !== before + 1
            ) {
              for (const x of [g.dq, g.dk, g.dv]) x.dispose();
              throw new Error(`attentionBackward d=${s.d}: the fused->unfused fallback was not counted`);
            }
            return [g.dq, g.dk, g.dv];
          },
        }),
      );
    });
  }
  return out;
}

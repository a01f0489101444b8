// attention backward cases, for both paths: size 1, odd T and d, T not a multiple of the fused kernels' 4-row,
// 4-key and 8-wide blocks, causal and not, several batches and heads, T > S with causal (fully masked rows:
// lse -Infinity, their dq must be 0), T < S, large scores, a head size above the fused limit (the fused request
// falls back to the unfused path), and long ranges that would expose an accumulator not re-initialised between
// blocks. out and lse come from the CPU forward, so both backends get identical saved tensors; dq, dk and dv
// are compared.

import type { BackendName } from "../../backend/contract";
import { type AttentionSpec, attentionSpecs, describeSpec, specOptions } from "../attention/cases";
import { attentionCpu } from "../attention/reference";
import { ATTENTION_FUSED_MAX_D, attentionDims } from "../attention/shape";
import { fallbackCount, type Input, input, makeCase, type VerifyCase, variantsToCheck } from "../case";

// scale 1 on q, k in [-3, 3] with d = 16: scores up to about ±30 (checked in the unit tests), weights spanning
// e^±30, so a weight recomputed as exp(s − lse) is exact only if lse is right to f32 rounding. The long T: many
// 8-query blocks per key group (dk, dv), ragged at the end.
export const ATTENTION_BACKWARD_SPECS: AttentionSpec[] = attentionSpecs(3, [
  { name: "long T=301 S=6 d=12", B: 1, H: 1, T: 301, S: 6, d: 12 },
]);

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

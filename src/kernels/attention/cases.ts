// attention cases, for both paths: size 1, odd T and d, T not a multiple of the fused kernel's 4-row and
// 8-key blocks, causal and not, several batches and heads, T > S with causal (fully masked rows: out 0,
// lse -Infinity, compared exactly), T < S, large scores, a head size above the fused limit (the fused request
// falls back to the unfused path), and long key ranges that would expose an accumulator or score block not
// re-initialised between key blocks or between row groups. Both out and lse are compared.

import type { BackendName } from "../../backend/contract";
import { fallbackCount, input, makeCase, type VerifyCase, variantsToCheck } from "../case";
import { ATTENTION_FUSED_MAX_D } from "./shape";

/** One attention shape: the forward's and the backward's cases are built from such lists. */
export interface AttentionSpec {
  name: string;
  B: number;
  H: number;
  T: number;
  S: number;
  d: number;
  causal?: boolean;
  /** Explicit scale (default 1/sqrt(d)). */
  scale?: number;
  /** q and k drawn from [-range, range] (default 1). */
  range?: number;
}

/**
 * The shapes forward and backward are both verified on. `range` is the q, k range of the two large-score shapes
 * (scale 1, d = 16); `long` are the shapes after "long S=301" (the backward adds a long T).
 */
export function attentionSpecs(range: number, long: AttentionSpec[] = []): AttentionSpec[] {
  return [
    // One key: the forward's weight is 1; the backward's dS = dout·v − dout·out = 0, dv = dout.
    { name: "1x1x1 d=1", B: 1, H: 1, T: 1, S: 1, d: 1 },
    { name: "causal 1x1x1 d=3", B: 1, H: 1, T: 1, S: 1, d: 3, causal: true },
    { name: "odd T=7 d=5", B: 1, H: 1, T: 7, S: 7, d: 5 },
    { name: "causal odd T=7 d=5", B: 1, H: 1, T: 7, S: 7, d: 5, causal: true },
    { name: "ragged T=37 d=16", B: 1, H: 2, T: 37, S: 37, d: 16 },
    { name: "causal ragged T=37 d=16", B: 1, H: 2, T: 37, S: 37, d: 16, causal: true },
    { name: "batched B=2 H=3 T=9 d=8", B: 2, H: 3, T: 9, S: 9, d: 8 },
    { name: "causal batched B=2 H=3 T=9 d=6", B: 2, H: 3, T: 9, S: 9, d: 6, causal: true },
    // Rows 0..5 see no key (i + S - T < 0): out 0 and lse -Infinity; backward, dq rows 0 (compared exactly by
    // the zero reference under the absolute tolerance), and they add nothing to dk and dv.
    { name: "causal T>S T=11 S=5 d=4", B: 2, H: 1, T: 11, S: 5, d: 4, causal: true },
    { name: "T<S T=5 S=13 d=6", B: 1, H: 2, T: 5, S: 13, d: 6 },
    { name: "causal T<S T=5 S=13 d=6", B: 1, H: 2, T: 5, S: 13, d: 6, causal: true },
    { name: "large scores d=16 scale=1", B: 1, H: 2, T: 12, S: 19, d: 16, scale: 1, range },
    {
      name: "causal large scores d=16 scale=1",
      B: 1,
      H: 1,
      T: 12,
      S: 12,
      d: 16,
      scale: 1,
      range,
      causal: true,
    },
    // At the fused kernels' head-size limit: every chunk of their private arrays in use.
    { name: "widest fused d=128", B: 1, H: 1, T: 5, S: 10, d: 128, causal: true },
    // Above ATTENTION_FUSED_MAX_D: the fused request runs the unfused path (and counts the fallback).
    { name: "wide d=130", B: 1, H: 2, T: 6, S: 9, d: 130 },
    // Many 8-key blocks per row group and many row groups per head, with a ragged last block of each.
    { name: "long S=301 T=6 d=12", B: 1, H: 1, T: 6, S: 301, d: 12 },
    ...long,
    { name: "causal long T=S=203 d=8", B: 1, H: 1, T: 203, S: 203, d: 8, causal: true },
  ];
}

// scale 1 on q, k in [-4, 4] with d = 16: scores spread over about ±50 (the largest |s| is checked in the unit
// tests). Weights span e^±50, so the running-max rescaling is exercised hard, and a score's rounding shows
// directly as relative error of its weight.
const SPECS = attentionSpecs(4);

export function describeSpec(s: AttentionSpec): string {
  const extra = [s.causal ? "causal" : "", s.scale !== undefined ? `scale=${s.scale}` : ""];
  return [`B=${s.B} H=${s.H} T=${s.T} S=${s.S} d=${s.d}`, ...extra.filter(Boolean)].join(" ");
}

export function specOptions(s: AttentionSpec): { causal: boolean; scale?: number } {
  return { causal: !!s.causal, ...(s.scale !== undefined ? { scale: s.scale } : {}) };
}

export function attentionCases(backend: BackendName = "webgpu"): VerifyCase[] {
  const out: VerifyCase[] = [];
  for (const variant of variantsToCheck(backend, "attention")) {
    SPECS.forEach((s, i) => {
      const r = s.range ?? 1;
      const big = r > 1;
      out.push(
        makeCase({
          kernel: "attention",
          variant,
          name: s.name,
          shape: describeSpec(s),
          // out is a convex combination of v rows in [-1, 1], so its error is that of the weights. A score's
          // f32 error is a few eps·scale·Σ|q·k|, and exp turns it into the same relative error of a weight:
          // at most ~1e-6 for unit inputs (scale·Σ|q·k| <= sqrt(d) <= 11.4), ~1.5e-5 for the large-score
          // cases (Σ|q·k| <= 16·4·4 = 256). Seen: <= 1e-6 and <= 4e-6. lse (up to ~50 in magnitude) carries
          // the same absolute error plus rounding of its own size, covered by rtol.
          atol: big ? 5e-5 : 1e-5,
          rtol: 2e-5,
          force: { attention: variant } as VerifyCase["force"],
          inputs: () => ({
            q: input([s.B, s.H, s.T, s.d], 400 + i, -r, r),
            k: input([s.B, s.H, s.S, s.d], 500 + i, -r, r),
            v: input([s.B, s.H, s.S, s.d], 600 + i),
          }),
          apply: (be, t) => {
            const before = fallbackCount(be, "attention fused->unfused");
            const res = be.attention(t.q!, t.k!, t.v!, specOptions(s));
            // A fused request above the head-size limit must run unfused and say so in `fallbacks`.
            if (
              be.name === "webgpu" &&
              variant === "fused" &&
              s.d > ATTENTION_FUSED_MAX_D &&
              fallbackCount(be, "attention fused->unfused") !== before + 1
            ) {
              res.out.dispose();
              res.lse.dispose();
              throw new Error(`attention d=${s.d}: the fused->unfused fallback was not counted`);
            }
            return [res.out, res.lse];
          },
        }),
      );
    });
  }
  return out;
}

// attention forward at the edges, both paths: NaN and ±Infinity in keys, values and queries that the causal
// mask hides (they must add nothing to the rows that cannot see them), with T = S, T < S and T > S; a visible
// NaN key (the row's out and lse are NaN on every backend); ±Infinity scores; negative and zero scales; and
// batch·heads past the grid's 65,535 workgroups per dimension. The rules are those of AttentionResult in
// backend/contract.ts. The backward's edge cases (attention-backward/edge-cases.ts) share the helpers here.

import type { BackendName } from "../../backend/contract";
import { type Input, input, makeCase, type VerifyCase, variantsToCheck } from "../case";
import { type AttentionSpec, describeSpec, specOptions } from "./cases";

/** An attention shape whose inputs get non-finite values written in (rows within the first (batch, head)). */
export interface EdgeSpec extends AttentionSpec {
  poke?: (x: { q: Float32Array; k: Float32Array; v: Float32Array; dout: Float32Array }, s: EdgeSpec) => void;
}

/** Fill row `r` (of width d) of `x` with `value`. */
export function fillRow(x: Float32Array, d: number, r: number, value: number): void {
  x.fill(value, r * d, (r + 1) * d);
}

/** q, k, v and an upstream gradient from seeds, then the spec's non-finite values. */
export function edgeInputs(s: EdgeSpec, seed: number): { q: Input; k: Input; v: Input; dout: Input } {
  const q = input([s.B, s.H, s.T, s.d], 1300 + seed);
  const k = input([s.B, s.H, s.S, s.d], 1400 + seed);
  const v = input([s.B, s.H, s.S, s.d], 1500 + seed);
  const dout = input([s.B, s.H, s.T, s.d], 1600 + seed);
  s.poke?.({ q: q.data, k: k.data, v: v.data, dout: dout.data }, s);
  return { q, k, v, dout };
}

const FORWARD: EdgeSpec[] = [
  // A NaN in value row 5 once reached rows 4 (fused) and 0-4 (unfused), which cannot see key 5.
  {
    name: "causal T=S=8 NaN in hidden value row 5",
    ...{ B: 1, H: 1, T: 8, S: 8, d: 4, causal: true },
    poke: (x, s) => fillRow(x.v, s.d, 5, Number.NaN),
  },
  {
    name: "causal T=S=8 ±Infinity in hidden key row 6 and value row 7",
    ...{ B: 1, H: 2, T: 8, S: 8, d: 5, causal: true },
    poke: (x, s) => {
      fillRow(x.k, s.d, 6, Infinity);
      fillRow(x.v, s.d, 7, -Infinity);
    },
  },
  // Query i sees keys j <= i + 4: key 8 only row 4, key 7 rows 3 and 4.
  {
    name: "causal T<S T=5 S=9 NaN value row 8, NaN key row 7",
    ...{ B: 1, H: 1, T: 5, S: 9, d: 6, causal: true },
    poke: (x, s) => {
      fillRow(x.v, s.d, 8, Number.NaN);
      fillRow(x.k, s.d, 7, Number.NaN);
    },
  },
  // Rows 0-5 see no key: their NaN queries must not matter; key 4 reaches row 10 alone.
  {
    name: "causal T>S T=11 S=5 NaN queries in dead rows, Infinity value row 4",
    ...{ B: 2, H: 1, T: 11, S: 5, d: 4, causal: true },
    poke: (x, s) => {
      for (let r = 0; r < 6; r++) fillRow(x.q, s.d, r, Number.NaN);
      fillRow(x.v, s.d, 4, Infinity);
    },
  },
  // Many 8-key blocks and 4-row groups; the NaN rows sit inside blocks, at a block edge and at the end.
  {
    name: "causal ragged T=S=37 d=16 NaN values 10, 31, 36 and key 24",
    ...{ B: 1, H: 2, T: 37, S: 37, d: 16, causal: true },
    poke: (x, s) => {
      for (const r of [10, 31, 36]) fillRow(x.v, s.d, r, Number.NaN);
      fillRow(x.k, s.d, 24, Number.NaN);
    },
  },
  {
    name: "visible NaN key T=3 S=6",
    ...{ B: 1, H: 1, T: 3, S: 6, d: 5 },
    poke: (x) => {
      x.k[7] = Number.NaN;
    },
  },
  // q row 1 = -Infinity in component 0: its scores are ±Infinity by the sign of k's component 0 (a +Infinity
  // poisons the row, a -Infinity is a weight 0); value row 0 holds NaN.
  {
    name: "±Infinity scores T=4 S=6",
    ...{ B: 1, H: 1, T: 4, S: 6, d: 3 },
    poke: (x) => {
      x.q[3] = -Infinity;
      x.q[4] = 0;
      x.q[5] = 0;
      x.v.fill(Number.NaN, 0, 3);
    },
  },
  { name: "negative scale causal T=7 S=9", ...{ B: 1, H: 2, T: 7, S: 9, d: 5, causal: true, scale: -0.7 } },
  { name: "zero scale T=5 S=6", ...{ B: 1, H: 1, T: 5, S: 6, d: 3, scale: 0 } },
  // Past one grid dimension: the unfused path's matmuls loop over the batch; the fused kernel spreads its
  // row groups over x and y.
  { name: "B·H=65536 T=1 S=2 d=2", B: 65536, H: 1, T: 1, S: 2, d: 2 },
  { name: "causal B·H=70000 T=2 S=1 d=3", B: 35000, H: 2, T: 2, S: 1, d: 3, causal: true },
  // d > 128: the fused request runs unfused, at B·H past 65,535.
  { name: "B·H=65536 T=S=1 d=129", B: 65536, H: 1, T: 1, S: 1, d: 129 },
];

export function attentionEdgeCases(backend: BackendName = "webgpu"): VerifyCase[] {
  const out: VerifyCase[] = [];
  for (const variant of variantsToCheck(backend, "attention")) {
    FORWARD.forEach((s, i) => {
      // The d = 129 case exists for the fused request's fallback; the unfused path runs d = 2 at that size.
      if (variant === "unfused" && s.d > 128) return;
      out.push(
        makeCase({
          backend,
          kernel: "attention",
          variant,
          name: `edge ${s.name}`,
          shape: describeSpec(s),
          // Unit inputs as in cases.ts; NaN and infinities are matched exactly.
          atol: 1e-5,
          rtol: 2e-5,
          force: { attention: variant } as VerifyCase["force"],
          inputs: () => {
            const { q, k, v } = edgeInputs(s, i);
            return { q, k, v };
          },
          apply: (be, t) => {
            const r = be.attention(t.q!, t.k!, t.v!, specOptions(s));
            return [r.out, r.lse];
          },
        }),
      );
    });
  }
  return out;
}

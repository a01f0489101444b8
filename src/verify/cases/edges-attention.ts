// attention at the edges, forward and backward on both paths: NaN and ±Infinity in keys, values, queries and
// upstream gradients that the causal mask hides (they must add nothing to the rows that cannot see them), with
// T = S, T < S and T > S; visible NaN keys (the row's out, lse and gradients are NaN on every backend); negative
// and zero scales; and batch·heads past the grid's 65,535 workgroups per dimension. The rules are those of
// AttentionResult and attentionBackward in backend/contract.ts.

import { attentionCpu } from "../../kernels/attention-cpu";
import type { AttentionVariant } from "../../kernels/attention-gpu";
import { attentionDims } from "../../kernels/attention-shape";
import { type Input, input, makeCase, type VerifyCase } from "../case";

const VARIANTS = ["fused", "unfused"] as const satisfies readonly AttentionVariant[];

interface Spec {
  name: string;
  B: number;
  H: number;
  T: number;
  S: number;
  d: number;
  causal?: boolean;
  scale?: number;
  /** Writes non-finite values into the inputs (rows are within the first (batch, head)). */
  poke?: (x: { q: Float32Array; k: Float32Array; v: Float32Array; dout: Float32Array }, s: Spec) => void;
}

/** Fill row `row` (of width d) of `x` with `value`. */
function row(x: Float32Array, d: number, r: number, value: number): void {
  x.fill(value, r * d, (r + 1) * d);
}

const FORWARD: Spec[] = [
  // The reported leak: NaN in value row 5 reached rows 4 (fused) and 0-4 (unfused), which cannot see key 5.
  {
    name: "causal T=S=8 NaN in hidden value row 5",
    ...{ B: 1, H: 1, T: 8, S: 8, d: 4, causal: true },
    poke: (x, s) => row(x.v, s.d, 5, Number.NaN),
  },
  {
    name: "causal T=S=8 ±Infinity in hidden key row 6 and value row 7",
    ...{ B: 1, H: 2, T: 8, S: 8, d: 5, causal: true },
    poke: (x, s) => {
      row(x.k, s.d, 6, Infinity);
      row(x.v, s.d, 7, -Infinity);
    },
  },
  // Query i sees keys j <= i + 4: key 8 only row 4, key 7 rows 3 and 4.
  {
    name: "causal T<S T=5 S=9 NaN value row 8, NaN key row 7",
    ...{ B: 1, H: 1, T: 5, S: 9, d: 6, causal: true },
    poke: (x, s) => {
      row(x.v, s.d, 8, Number.NaN);
      row(x.k, s.d, 7, Number.NaN);
    },
  },
  // Rows 0-5 see no key: their NaN queries must not matter; key 4 reaches row 10 alone.
  {
    name: "causal T>S T=11 S=5 NaN queries in dead rows, Infinity value row 4",
    ...{ B: 2, H: 1, T: 11, S: 5, d: 4, causal: true },
    poke: (x, s) => {
      for (let r = 0; r < 6; r++) row(x.q, s.d, r, Number.NaN);
      row(x.v, s.d, 4, Infinity);
    },
  },
  // Many 8-key blocks and 4-row groups; the NaN rows sit inside blocks, at a block edge and at the end.
  {
    name: "causal ragged T=S=37 d=16 NaN values 10, 31, 36 and key 24",
    ...{ B: 1, H: 2, T: 37, S: 37, d: 16, causal: true },
    poke: (x, s) => {
      for (const r of [10, 31, 36]) row(x.v, s.d, r, Number.NaN);
      row(x.k, s.d, 24, Number.NaN);
    },
  },
  {
    name: "visible NaN key T=3 S=6",
    ...{ B: 1, H: 1, T: 3, S: 6, d: 5 },
    poke: (x) => (x.k[7] = Number.NaN),
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

function options(s: Spec): { causal: boolean; scale?: number } {
  return { causal: !!s.causal, ...(s.scale !== undefined ? { scale: s.scale } : {}) };
}

function dims(s: Spec): string {
  const extra = [s.causal ? "causal" : "", s.scale !== undefined ? `scale=${s.scale}` : ""];
  return [`B=${s.B} H=${s.H} T=${s.T} S=${s.S} d=${s.d}`, ...extra.filter(Boolean)].join(" ");
}

function inputs(s: Spec, seed: number): { q: Input; k: Input; v: Input; dout: Input } {
  const q = input([s.B, s.H, s.T, s.d], 1300 + seed);
  const k = input([s.B, s.H, s.S, s.d], 1400 + seed);
  const v = input([s.B, s.H, s.S, s.d], 1500 + seed);
  const dout = input([s.B, s.H, s.T, s.d], 1600 + seed);
  s.poke?.({ q: q.data, k: k.data, v: v.data, dout: dout.data }, s);
  return { q, k, v, dout };
}

const BACKWARD: Spec[] = [
  // Out rows 5-7 are NaN (they see v5), so dq there and dk everywhere (row 7 sees every key) are NaN; dq rows
  // 0-4 and every dv (which never reads v) stay finite.
  {
    name: "causal T=S=8 NaN in hidden value row 5",
    ...{ B: 1, H: 1, T: 8, S: 8, d: 4, causal: true },
    poke: (x, s) => row(x.v, s.d, 5, Number.NaN),
  },
  // Row 0 sees keys 0-4: its NaN upstream gradient must not reach dk, dv of keys 5-7.
  {
    name: "causal T<S T=4 S=8 NaN upstream gradient row 0",
    ...{ B: 1, H: 2, T: 4, S: 8, d: 5, causal: true },
    poke: (x, s) => row(x.dout, s.d, 0, Number.NaN),
  },
  // Rows 0-5 see no key: NaN queries and upstream gradients there change nothing; key 4 (Infinity value) is
  // seen by row 10 alone.
  {
    name: "causal T>S T=11 S=5 NaN q and dout in dead rows",
    ...{ B: 1, H: 1, T: 11, S: 5, d: 4, causal: true },
    poke: (x, s) => {
      for (let r = 0; r < 6; r++) {
        row(x.q, s.d, r, Number.NaN);
        row(x.dout, s.d, r, Number.NaN);
      }
    },
  },
  {
    name: "causal ragged T=S=37 d=16 NaN upstream gradient rows 3 and 20, -Infinity row 33",
    ...{ B: 1, H: 1, T: 37, S: 37, d: 16, causal: true },
    poke: (x, s) => {
      row(x.dout, s.d, 3, Number.NaN);
      row(x.dout, s.d, 20, Number.NaN);
      row(x.dout, s.d, 33, -Infinity);
    },
  },
  // Rows 6 and 7 see the NaN key: lse NaN, so their dq and the dk, dv of every key they see are NaN; dq rows
  // 0-5 are finite.
  {
    name: "causal T=S=8 visible NaN key row 6",
    ...{ B: 1, H: 1, T: 8, S: 8, d: 4, causal: true },
    poke: (x, s) => row(x.k, s.d, 6, Number.NaN),
  },
  { name: "negative scale causal T=7 S=9", ...{ B: 1, H: 2, T: 7, S: 9, d: 5, causal: true, scale: -0.7 } },
  { name: "B·H=65536 T=1 S=2 d=2", B: 65536, H: 1, T: 1, S: 2, d: 2 },
];

export function edgesAttentionCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  for (const variant of VARIANTS) {
    FORWARD.forEach((s, i) => {
      // The d = 129 case exists for the fused request's fallback; the unfused path runs d = 2 at that size.
      if (variant === "unfused" && s.d > 128) return;
      out.push(
        makeCase({
          kernel: "attention",
          variant,
          name: `edge ${s.name}`,
          shape: dims(s),
          // Unit inputs as in attention.ts; NaN and infinities are matched exactly.
          atol: 1e-5,
          rtol: 2e-5,
          force: { attention: variant },
          inputs: () => {
            const { q, k, v } = inputs(s, i);
            return { q, k, v };
          },
          apply: (be, t) => {
            const r = be.attention(t.q!, t.k!, t.v!, options(s));
            return [r.out, r.lse];
          },
        }),
      );
    });
    BACKWARD.forEach((s, i) => {
      out.push(
        makeCase({
          kernel: "attentionBackward",
          variant,
          name: `edge ${s.name}`,
          shape: dims(s),
          atol: 2e-5,
          rtol: 1e-4,
          force: { attention: variant },
          inputs: () => {
            const { q, k, v, dout } = inputs(s, 100 + i);
            const fw = attentionCpu(
              q.data,
              k.data,
              v.data,
              attentionDims(q.shape, k.shape, v.shape, options(s)),
            );
            return {
              q,
              k,
              v,
              dout,
              out: { data: Float32Array.from(fw.out), shape: q.shape },
              lse: { data: Float32Array.from(fw.lse), shape: q.shape.slice(0, 3) },
            };
          },
          apply: (be, t) => {
            const g = be.attentionBackward(t.q!, t.k!, t.v!, t.out!, t.lse!, t.dout!, options(s));
            return [g.dq, g.dk, g.dv];
          },
        }),
      );
    });
  }
  return out;
}

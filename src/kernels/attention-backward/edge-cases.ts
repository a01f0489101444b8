// attention backward at the edges, both paths: NaN and ±Infinity in values, queries and upstream gradients
// that the causal mask hides (a hidden pair adds nothing to dq, dk or dv), with T = S, T < S and T > S; a
// visible NaN key (lse NaN: the row's dq and the dk, dv of the keys it sees are NaN); a negative scale; and
// batch·heads past the grid's 65,535 workgroups per dimension. out and lse come from the CPU forward. The rules
// are those of attentionBackward in backend/contract.ts.

import type { BackendName } from "../../backend/contract";
import { describeSpec, specOptions } from "../attention/cases";
import { type EdgeSpec, edgeInputs, fillRow } from "../attention/edge-cases";
import { attentionCpu } from "../attention/reference";
import { attentionDims } from "../attention/shape";
import { makeCase, type VerifyCase, variantsToCheck } from "../case";

const BACKWARD: EdgeSpec[] = [
  // Out rows 5-7 are NaN (they see v5), so dq there and dk everywhere (row 7 sees every key) are NaN; dq rows
  // 0-4 and every dv (which never reads v) stay finite.
  {
    name: "causal T=S=8 NaN in hidden value row 5",
    ...{ B: 1, H: 1, T: 8, S: 8, d: 4, causal: true },
    poke: (x, s) => fillRow(x.v, s.d, 5, Number.NaN),
  },
  // Row 0 sees keys 0-4: its NaN upstream gradient must not reach dk, dv of keys 5-7.
  {
    name: "causal T<S T=4 S=8 NaN upstream gradient row 0",
    ...{ B: 1, H: 2, T: 4, S: 8, d: 5, causal: true },
    poke: (x, s) => fillRow(x.dout, s.d, 0, Number.NaN),
  },
  // Rows 0-5 see no key: NaN queries and upstream gradients there change nothing.
  {
    name: "causal T>S T=11 S=5 NaN q and dout in dead rows",
    ...{ B: 1, H: 1, T: 11, S: 5, d: 4, causal: true },
    poke: (x, s) => {
      for (let r = 0; r < 6; r++) {
        fillRow(x.q, s.d, r, Number.NaN);
        fillRow(x.dout, s.d, r, Number.NaN);
      }
    },
  },
  {
    name: "causal ragged T=S=37 d=16 NaN upstream gradient rows 3 and 20, -Infinity row 33",
    ...{ B: 1, H: 1, T: 37, S: 37, d: 16, causal: true },
    poke: (x, s) => {
      fillRow(x.dout, s.d, 3, Number.NaN);
      fillRow(x.dout, s.d, 20, Number.NaN);
      fillRow(x.dout, s.d, 33, -Infinity);
    },
  },
  // Rows 6 and 7 see the NaN key: lse NaN, so their dq and the dk, dv of every key they see are NaN; dq rows
  // 0-5 are finite.
  {
    name: "causal T=S=8 visible NaN key row 6",
    ...{ B: 1, H: 1, T: 8, S: 8, d: 4, causal: true },
    poke: (x, s) => fillRow(x.k, s.d, 6, Number.NaN),
  },
  { name: "negative scale causal T=7 S=9", ...{ B: 1, H: 2, T: 7, S: 9, d: 5, causal: true, scale: -0.7 } },
  { name: "B·H=65536 T=1 S=2 d=2", B: 65536, H: 1, T: 1, S: 2, d: 2 },
];

export function attentionBackwardEdgeCases(backend: BackendName = "webgpu"): VerifyCase[] {
  const out: VerifyCase[] = [];
  for (const variant of variantsToCheck(backend, "attention")) {
    BACKWARD.forEach((s, i) => {
      out.push(
        makeCase({
          backend,
          kernel: "attentionBackward",
          variant,
          name: `edge ${s.name}`,
          shape: describeSpec(s),
          // Unit inputs, as the unit-input cases of cases.ts; NaN and infinities are matched exactly.
          atol: 2e-5,
          rtol: 1e-4,
          force: { attention: variant } as VerifyCase["force"],
          inputs: () => {
            const { q, k, v, dout } = edgeInputs(s, 100 + i);
            const dims = attentionDims(q.shape, k.shape, v.shape, specOptions(s));
            const fw = attentionCpu(q.data, k.data, v.data, dims);
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
            const g = be.attentionBackward(t.q!, t.k!, t.v!, t.out!, t.lse!, t.dout!, specOptions(s));
            return [g.dq, g.dk, g.dv];
          },
        }),
      );
    });
  }
  return out;
}

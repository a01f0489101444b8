// mixture at the edges: an expert excluded by a score bias of -Infinity adds nothing to y or to any gradient even
// when its value is +Infinity; a score of +Infinity makes every row NaN (softmax's rule) and a NaN in one row of x
// makes that row NaN and leaves the others alone; scores up to ±60, where only the subtracted maximum keeps exp
// finite. The rules are in src/kernels/mixture/shape.ts.

import { type Input, input, makeCase, pickOutputs, type VerifyCase } from "../case";
import { backwardTols, referenceWeights, weightTol } from "./cases";

const N = 6;
const F = 2;
const E = 3;

function values(shape: number[], data: number[]): Input {
  return { data: Float32Array.from(data), shape };
}

/** x [6, 2], values and scores [2, 3] (scores times `scale`), biases [3] with `vb`, `sb` overriding. */
function inputs(seed: number, o: { vb?: number[]; sb?: number[]; nanRow?: number; scale?: number }) {
  const x = input([N, F], seed);
  if (o.nanRow !== undefined) x.data[o.nanRow * F] = Number.NaN;
  const scores = input([F, E], seed + 2);
  if (o.scale) for (let i = 0; i < scores.data.length; i++) scores.data[i]! *= o.scale;
  const t: Record<string, Input> = {
    x,
    values: input([F, E], seed + 1),
    scores,
    valuesBias: o.vb ? values([E], o.vb) : input([E], seed + 3),
    scoresBias: o.sb ? values([E], o.sb) : input([E], seed + 4),
    dy: input([N], seed + 5),
  };
  return { ...t, weights: referenceWeights(t) };
}

const EDGES: { name: string; make: () => Record<string, Input>; scoreMax: number }[] = [
  {
    name: "excluded expert with an infinite value",
    make: () => inputs(1400, { vb: [0.3, Infinity, -0.2], sb: [0.1, -Infinity, 0.5] }),
    scoreMax: 4,
  },
  { name: "+Infinity score", make: () => inputs(1410, { sb: [0.1, Infinity, 0.5] }), scoreMax: 4 },
  { name: "NaN in row 2 of x", make: () => inputs(1420, { nanRow: 2 }), scoreMax: 4 },
  { name: "large scores ±60", make: () => inputs(1430, { scale: 30 }), scoreMax: 64 },
];

export function mixtureEdgeCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  EDGES.forEach((edge) => {
    // As in cases.ts, with WGSL's exp error 3 + 2·|x| ULP for |x| up to twice the largest score.
    const w = weightTol(F, E) + 4 * edge.scoreMax * 2 ** -23;
    const tol = backwardTols(1, N, F, E);
    const common = { variant: "rows", shape: `N=${N} F=${F} E=${E} vb sb`, force: {}, inputs: edge.make };
    out.push(
      makeCase({
        ...common,
        kernel: "mixture",
        name: `edge ${edge.name}`,
        atol: (F + 1) * 2 * w,
        rtol: w,
        apply: (be, t) => {
          const r = be.mixture(t.x!, t.values!, t.scores!, {
            valuesBias: t.valuesBias!,
            scoresBias: t.scoresBias!,
          });
          return [r.y, r.weights];
        },
      }),
      makeCase({
        ...common,
        kernel: "mixtureBackward",
        variant: "rows+params",
        name: `edge ${edge.name}`,
        atol: tol.dw,
        rtol: 32 * 2 ** -24,
        apply: (be, t) => {
          const d = be.mixtureBackward(t.x!, t.values!, t.scores!, t.weights!, t.dy!, {
            valuesBias: t.valuesBias!,
            scoresBias: t.scoresBias!,
          });
          return pickOutputs([d.dx, d.dvalues, d.dscores, d.dvaluesBias!, d.dscoresBias!], [0, 1, 2, 3, 4]);
        },
      }),
    );
  });
  return out;
}

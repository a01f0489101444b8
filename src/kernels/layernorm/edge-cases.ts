// layer norm at the edges. The f32 range: rows of ±1e20 and ±1e37, whose centred squares overflow f32, must
// normalise as the float64 reference does (y = ±1-ish, rstd ≈ 1e-20), since the kernel scales by the row's
// largest magnitude; a row of 1e-30 values (below eps's scale) next to them; and the backward from the saved
// statistics at the same magnitudes. Non-finite input: a row holding NaN or ±Infinity gives non-finite y, mean
// and rstd (either kind: the rule of backend/contract.ts does not say which) and leaves the other rows as they
// would be alone.

import { type Input, input, makeCase, nonFiniteAsNaN, type VerifyCase } from "../case";

const ULP = 2 ** -23;

function values(shape: number[], data: number[]): Input {
  return { data: Float32Array.from(data), shape };
}

const C = 6;
// Row 0: ±1e20; row 1: mixed 1e19..3e20; row 2: ±1e37; row 3: 1e-30 scale (eps dominates: y ≈ beta).
// biome-ignore format: one row per line
const X = values([4, C], [
  1e20, -1e20, 1e20, -1e20, 0.5e20, -0.5e20,
  3e20, 1e19, -2e20, 5e19, 0, -1e20,
  1e37, -1e37, 2e37, -2e37, 1e37, 0,
  1e-30, -2e-30, 3e-30, 0, 1e-30, -1e-30,
]);
const GAMMA = values([C], [1, 0.5, 1.5, 2, 0.75, 1.25]);
const BETA = values([C], [0.1, -0.2, 0, 0.3, -0.1, 0.2]);
// biome-ignore format: one row per line
const DY = values([4, C], [
  0.5, -1, 0.25, 0.75, -0.5, 1,
  1, 0.2, -0.3, 0.4, -0.5, 0.6,
  -1, 1, 0.5, -0.5, 0.1, 0.2,
  1, 2, 3, 4, 5, 6,
]);
const EPS = 1e-5;

/**
 * Rows 1, 2, 4 and 5 of uniform [-1, 1] values hold NaN at 3, +Infinity at 0 (the value the kernel shifts the
 * row by), -Infinity at 5, and +Infinity at 1 with -Infinity at 4; rows 0 and 3 are finite.
 */
function nonFiniteRows(): Input {
  const x = input([6, 7], 470);
  const at = (r: number, j: number, v: number) => {
    x.data[r * 7 + j] = v;
  };
  at(1, 3, Number.NaN);
  at(2, 0, Infinity);
  at(4, 5, -Infinity);
  at(5, 1, Infinity);
  at(5, 4, -Infinity);
  return x;
}

export function layerNormEdgeCases(): VerifyCase[] {
  return [
    makeCase({
      kernel: "layerNorm",
      variant: "row",
      name: "edge range rows of ±1e20, ±1e37 and 1e-30",
      shape: `rows=4 C=${C} eps=${EPS}`,
      // y is O(1): a few f32 roundings of each of the C terms; mean and rstd to rtol.
      atol: 2e-6,
      rtol: 2e-6,
      force: {},
      inputs: () => ({ x: X, gamma: GAMMA, beta: BETA }),
      apply: (be, t) => {
        const r = be.layerNorm(t.x!, t.gamma!, t.beta!, EPS);
        return [r.y, r.mean, r.rstd];
      },
    }),
    makeCase({
      kernel: "layerNormBackward",
      variant: "row+column",
      name: "edge range rows of ±1e20, ±1e37 and 1e-30",
      shape: `rows=4 C=${C}`,
      // dx is rstd·O(1): ~1e-20 and ~1e-37 on the large rows (relative), O(300) on the small one.
      atol: 0,
      rtol: 2e-5,
      force: {},
      inputs: () => ({ x: X, gamma: GAMMA, beta: BETA, dy: DY }),
      apply: (be, t) => {
        // Statistics from this backend's own forward, so each backend runs the whole pair.
        const f = be.layerNorm(t.x!, t.gamma!, t.beta!, EPS);
        f.y.dispose();
        const g = be.layerNormBackward(t.x!, t.gamma!, f.mean, f.rstd, t.dy!);
        f.mean.dispose();
        f.rstd.dispose();
        return [g.dx, g.dgamma, g.dbeta];
      },
    }),
    makeCase({
      kernel: "layerNorm",
      variant: "row",
      name: "edge NaN and ±Infinity rows",
      shape: `rows=6 C=7 eps=${EPS} NaN, +Infinity, -Infinity, ±Infinity in rows 1, 2, 4, 5`,
      // The finite rows: the forward tolerance of cases.ts, (C + 8)·ULP relative in rstd·(x − mean), times
      // |xh·gamma| <= sqrt(C − 1)·1.5 < 4 absolute in y. Every value of the other rows must be non-finite.
      atol: 4 * (7 + 8) * ULP,
      rtol: (7 + 8) * ULP,
      force: {},
      inputs: () => ({ x: nonFiniteRows(), gamma: input([7], 471, 0.5, 1.5), beta: input([7], 472) }),
      apply: (be, t) => {
        const r = be.layerNorm(t.x!, t.gamma!, t.beta!, EPS);
        return [r.y, r.mean, r.rstd];
      },
      view: nonFiniteAsNaN,
    }),
  ];
}

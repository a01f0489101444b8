// layer norm at the edge of the f32 range: rows of ±1e20 and ±1e37, whose centred squares overflow f32, must
// normalise as the float64 reference does (y = ±1-ish, rstd ≈ 1e-20), since the kernel scales by the row's
// largest magnitude; a row of 1e-30 values (below eps's scale) next to them; and the backward from the saved
// statistics at the same magnitudes.

import { type Input, makeCase, type VerifyCase } from "../case";

function values(shape: number[], data: number[]): Input {
  return { data: Float32Array.from(data), shape };
}

const C = 6;
// Row 0: ±1e20; row 1: mixed 1e19..3e20; row 2: ±1e37; row 3: 1e-30 scale (eps dominates: y ≈ beta).
const X = values(
  [4, C],
  [
    1e20, -1e20, 1e20, -1e20, 0.5e20, -0.5e20, 3e20, 1e19, -2e20, 5e19, 0, -1e20, 1e37, -1e37, 2e37, -2e37,
    1e37, 0, 1e-30, -2e-30, 3e-30, 0, 1e-30, -1e-30,
  ],
);
const GAMMA = values([C], [1, 0.5, 1.5, 2, 0.75, 1.25]);
const BETA = values([C], [0.1, -0.2, 0, 0.3, -0.1, 0.2]);
const DY = values(
  [4, C],
  [0.5, -1, 0.25, 0.75, -0.5, 1, 1, 0.2, -0.3, 0.4, -0.5, 0.6, -1, 1, 0.5, -0.5, 0.1, 0.2, 1, 2, 3, 4, 5, 6],
);
const EPS = 1e-5;

export function edgesLayerCases(): VerifyCase[] {
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
  ];
}

// mse cases (+ backward): a scalar, odd element counts, one past a chunk of the partial sums, and many partials.

import { input, makeCase, type VerifyCase } from "../case";

const U = 2 ** -24;

// ---- mse -------------------------------------------------------------------------------------------------

const MSE_SHAPES: { name: string; shape: number[] }[] = [
  { name: "scalar []", shape: [] },
  { name: "7", shape: [7] },
  { name: "odd 3x33", shape: [3, 33] },
  { name: "one past a chunk 257", shape: [257] },
  { name: "odd 3x333", shape: [3, 333] },
  { name: "many partials 70001", shape: [70001] },
];

export function mseCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  MSE_SHAPES.forEach((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const P = Math.ceil(n / 256);
    out.push(
      makeCase({
        kernel: "mse",
        variant: "chunked",
        name: s.name,
        shape: `n=${n} partials=${P}`,
        // Non-negative terms: chained recursive sums of <= 256 and P terms err by <= (256 + P)·U relative, plus
        // the difference, square and divide (3 U).
        atol: 0,
        rtol: (256 + P + 4) * U,
        force: {},
        inputs: () => ({ pred: input(s.shape, 900 + i), target: input(s.shape, 950 + i) }),
        apply: (be, t) => [be.mse(t.pred!, t.target!)],
      }),
    );
    out.push(
      makeCase({
        kernel: "mseBackward",
        variant: "elementwise",
        name: s.name,
        shape: `n=${n} dloss=0.3`,
        // (p − t)·(2·dloss/n): four f32 roundings.
        atol: 1e-30,
        rtol: 5 * U,
        force: {},
        inputs: () => ({
          pred: input(s.shape, 900 + i),
          target: input(s.shape, 950 + i),
          dloss: { data: Float32Array.of(0.3), shape: i % 2 ? [1] : [] },
        }),
        apply: (be, t) => [be.mseBackward(t.pred!, t.target!, t.dloss!)],
      }),
    );
  });
  return out;
}

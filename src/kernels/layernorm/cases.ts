// layerNorm cases (+ backward): one row, odd widths (7, 33), many rows (300), a batch shape, C = 1, and an input
// of 1000 + small noise (which a one-pass E[x²] − E[x]² variance or an f32 mean of the raw values gets visibly
// wrong); the backward from the reference's saved statistics and after the backend's own forward.
//
// Tolerances are derived from f32 error bounds (U = 2⁻²⁴ per rounding, ULP = 2⁻²³ relative per WGSL built-in
// ULP) for the value ranges generated here; each is explained where it is set.

import { type Input, input, makeCase, pickOutputs, type VerifyCase } from "../case";
import { layerNorm } from "./reference";

const U = 2 ** -24;
const ULP = 2 ** -23;

function offset(x: Input, by: number, noise: number): Input {
  return { shape: x.shape, data: x.data.map((v) => by + noise * v) };
}

// ---- layerNorm -------------------------------------------------------------------------------------------

interface LnSpec {
  name: string;
  shape: number[];
  /** x = 1000 + 0.05·u instead of u (u uniform in [-1, 1]); rstd ≈ 35 instead of ≈ 1.7. */
  largeOffset?: boolean;
}

const LN: LnSpec[] = [
  { name: "1 row C=7", shape: [1, 7] },
  { name: "odd 5x33", shape: [5, 33] },
  { name: "many rows 300x7", shape: [300, 7] },
  { name: "batch 2x3x16", shape: [2, 3, 16] },
  { name: "C=1 4x1", shape: [4, 1] },
  { name: "large offset 1000+noise 12x33", shape: [12, 33], largeOffset: true },
];

const EPS = 1e-5;

function lnInputs(s: LnSpec, seed: number): Record<string, Input> {
  const C = s.shape[s.shape.length - 1]!;
  const x = input(s.shape, seed);
  return {
    x: s.largeOffset ? offset(x, 1000, 0.05) : x,
    gamma: input([C], seed + 1, 0.5, 1.5),
    beta: input([C], seed + 2),
    dy: input(s.shape, seed + 3),
  };
}

export function layerNormCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  LN.forEach((s, i) => {
    const C = s.shape[s.shape.length - 1]!;
    const rows = s.shape.reduce((a, b) => a * b, 1) / C;
    const rsMax = s.largeOffset ? 40 : 2;
    // Forward: the variance is a sum of C non-negative terms and the shifted mean a sum of C differences, so
    // rstd·(x − mean) is off by at most ~(C + 8)·ULP relative; y adds |xh·gamma| times that, absolute, where
    // xh·gamma + beta can cancel. |xh·gamma| is about 1.7·1.5 at most for these uniform rows: 4 leaves room.
    const fwd = { atol: 4 * (C + 8) * ULP, rtol: (C + 8) * ULP };
    out.push(
      makeCase({
        kernel: "layerNorm",
        variant: "row",
        name: s.name,
        shape: `rows=${rows} C=${C} eps=${EPS}`,
        ...fwd,
        force: {},
        inputs: () => {
          const { x, gamma, beta } = lnInputs(s, 400 + 10 * i);
          return { x: x!, gamma: gamma!, beta: beta! };
        },
        apply: (be, t) => {
          const r = be.layerNorm(t.x!, t.gamma!, t.beta!, EPS);
          return [r.y, r.mean, r.rstd];
        },
      }),
    );
    // Backward, from the CPU's saved mean and rstd (identical inputs on both sides; in the large-offset case one
    // f32 ulp of the mean, 6e-5, times rstd would otherwise dominate). dx = rs·(g − mean(g) − xh·mean(g·xh)):
    // the two row means are sums of C terms bounded by G = 1.5 and 2G, so the bracket is off by <= (5C + 8)·G·U,
    // times rs. dgamma, dbeta are sums over rows of terms averaging ~0.43 and 0.5 in magnitude: random-walk
    // rounding gives ~sqrt(rows)·U·Σ|t|, with 4x headroom.
    const sq = Math.sqrt(rows);
    const parts = [
      { what: "dx", atol: rsMax * (5 * C + 8) * 1.5 * U, pick: [0] },
      { what: "dgamma dbeta", atol: 4 * sq * U * rows * 0.5 + 8 * U, pick: [1, 2] },
    ];
    for (const part of parts) {
      out.push(
        makeCase({
          kernel: "layerNormBackward",
          variant: "row+column",
          name: `${s.name} ${part.what}`,
          shape: `rows=${rows} C=${C}`,
          atol: part.atol,
          rtol: 4 * U,
          force: {},
          inputs: () => {
            const { x, gamma, beta, dy } = lnInputs(s, 400 + 10 * i);
            const saved = layerNorm(null, x!, gamma!, beta!, EPS);
            return {
              x: x!,
              gamma: gamma!,
              dy: dy!,
              mean: { data: Float32Array.from(saved.mean.data), shape: [rows] },
              rstd: { data: Float32Array.from(saved.rstd.data), shape: [rows] },
            };
          },
          apply: (be, t) => {
            const g = be.layerNormBackward(t.x!, t.gamma!, t.mean!, t.rstd!, t.dy!);
            return pickOutputs([g.dx, g.dgamma, g.dbeta], part.pick);
          },
        }),
      );
    }
  });
  // The real path: forward then backward on one backend. The GPU's mean and rstd differ from the CPU's by the
  // forward's (C + 8)·ULP relative, which passes straight into dx and dgamma (relative).
  const C = 33;
  out.push(
    makeCase({
      kernel: "layerNormBackward",
      variant: "row+column",
      name: "after forward 9x33",
      shape: `rows=9 C=${C}`,
      atol: 2 * (5 * C + 8) * 1.5 * U,
      rtol: 2 * (C + 8) * ULP,
      force: {},
      inputs: () => lnInputs({ name: "", shape: [9, C] }, 480),
      apply: (be, t) => {
        const f = be.layerNorm(t.x!, t.gamma!, t.beta!, EPS);
        const g = be.layerNormBackward(t.x!, t.gamma!, f.mean, f.rstd, t.dy!);
        for (const u of [f.y, f.mean, f.rstd]) u.dispose();
        return [g.dx, g.dgamma, g.dbeta];
      },
    }),
  );
  return out;
}

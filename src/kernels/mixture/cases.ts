// mixture cases (+ backward): the five-experts model's own size, one row, K stacked models without biases (the
// many-seeds trainer's form), a single expert, no features (biases only), no rows, and only a values bias; the
// backward from the reference's saved weights, and after the backend's own forward.
//
// Tolerances from f32 error bounds (U = 2⁻²⁴ per rounding, ULP = 2⁻²³ per WGSL built-in ULP) for these inputs:
// x, weights and biases uniform in [-1, 1], F <= 3, so |s|, |r| <= F + 1 <= 4 and |s − max s| <= 8.

import { type Input, input, makeCase, pickOutputs, type VerifyCase } from "../case";
import { mixture } from "./reference";

const U = 2 ** -24;
const ULP = 2 ** -23;

export interface MixtureSpec {
  name: string;
  K?: number;
  N: number;
  F: number;
  E: number;
  valuesBias: boolean;
  scoresBias: boolean;
}

const SPECS: MixtureSpec[] = [
  { name: "five experts 160x2 E=5", N: 160, F: 2, E: 5, valuesBias: true, scoresBias: true },
  { name: "one row 1x2 E=3", N: 1, F: 2, E: 3, valuesBias: true, scoresBias: true },
  { name: "stacked K=3 33x3 E=4 no biases", K: 3, N: 33, F: 3, E: 4, valuesBias: false, scoresBias: false },
  { name: "one expert 7x2 E=1", N: 7, F: 2, E: 1, valuesBias: true, scoresBias: true },
  { name: "no features 9x0 E=4", N: 9, F: 0, E: 4, valuesBias: true, scoresBias: true },
  { name: "no rows 0x2 E=3", N: 0, F: 2, E: 3, valuesBias: true, scoresBias: true },
  {
    name: "values bias only stacked K=2 12x2 E=5",
    K: 2,
    N: 12,
    F: 2,
    E: 5,
    valuesBias: true,
    scoresBias: false,
  },
];

/** The op's inputs for a spec (x, values, scores, the biases it has, dy), from `seed`. */
export function mixtureInputs(s: MixtureSpec, seed: number): Record<string, Input> {
  const lead = s.K ? [s.K] : [];
  return {
    x: input([s.N, s.F], seed),
    values: input([...lead, s.F, s.E], seed + 1),
    scores: input([...lead, s.F, s.E], seed + 2),
    ...(s.valuesBias ? { valuesBias: input([...lead, s.E], seed + 3) } : {}),
    ...(s.scoresBias ? { scoresBias: input([...lead, s.E], seed + 4) } : {}),
    dy: input(s.K ? [s.K, s.N] : [s.N], seed + 5),
  };
}

/** The saved weights of the reference's forward on these inputs, as an input. */
export function referenceWeights(t: Record<string, Input>): Input {
  const h = (i: Input | undefined) => (i ? { data: i.data, shape: i.shape } : undefined);
  const biases = {
    ...(t.valuesBias ? { valuesBias: h(t.valuesBias)! } : {}),
    ...(t.scoresBias ? { scoresBias: h(t.scoresBias)! } : {}),
  };
  const w = mixture(null, h(t.x)!, h(t.values)!, h(t.scores)!, biases).weights;
  return { data: Float32Array.from(w.data), shape: [...w.shape] };
}

/**
 * Relative error of a weight: WGSL's exp is within 3 + 2·|x| ULP (|x| <= 8: 19), the scores are off by
 * (F + 1) roundings of terms <= 4 (twice that in the weights through exp(s − m)), and the sum and division add
 * E + 2 roundings. The wasm kernel (f64 linear maps, an exp within 2.2 ULP) is well inside.
 */
export function weightTol(F: number, E: number): number {
  return (2 * 19 + 8 * (F + 2) + E + 2) * ULP;
}

/**
 * The backward's absolute errors: each dr, ds = a·dy·(r − y) is off by <= 16·(F + 2)·U (r and y to f32 in
 * F + 2 roundings of terms <= 4, times |a·dy| <= 1); the weight gradients sum N terms x·dz bounded by 8 (r − y
 * within 8), with random-walk rounding ~sqrt(N)·U·Σ|t| (4x headroom) and the terms' own errors; dx sums K·E
 * terms W·dr + W·ds bounded by 9 the same way.
 */
export function backwardTols(K: number, N: number, F: number, E: number): { dw: number; dx: number } {
  const dz = 16 * (F + 2) * U;
  const KE = K * E;
  return {
    dw: 4 * Math.sqrt(N) * U * 8 * N + N * dz + U,
    dx: 4 * Math.sqrt(KE) * U * 9 * KE + 2 * KE * dz + U,
  };
}

/** Apply the op to a case's tensors (the biases those it has). */
type T = Parameters<VerifyCase["apply"]>[1];
const biasesOf = (t: T) => ({
  ...(t.valuesBias ? { valuesBias: t.valuesBias } : {}),
  ...(t.scoresBias ? { scoresBias: t.scoresBias } : {}),
});

export function mixtureCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  SPECS.forEach((s, i) => {
    const K = s.K ?? 1;
    const shape = `K=${s.K ?? "-"} N=${s.N} F=${s.F} E=${s.E}${s.valuesBias ? " vb" : ""}${s.scoresBias ? " sb" : ""}`;
    const seed = 1200 + 10 * i;
    const w = weightTol(s.F, s.E);
    const tol = backwardTols(K, s.N, s.F, s.E);
    // y = Σ a·r with Σ a = 1 and |r| <= F + 1: off by (F + 1)·(w + (F + 2)·U) at most, absolute (y can cancel).
    const parts = [
      { what: "y", atol: (s.F + 1) * 2 * w, rtol: w, pick: [0] },
      { what: "weights", atol: 1e-30, rtol: w, pick: [1] },
    ];
    for (const p of parts) {
      out.push(
        makeCase({
          kernel: "mixture",
          variant: "rows",
          name: `${s.name} ${p.what}`,
          shape,
          atol: p.atol,
          rtol: p.rtol,
          force: {},
          inputs: () => {
            const { dy: _, ...rest } = mixtureInputs(s, seed);
            return rest;
          },
          apply: (be, t) => {
            const r = be.mixture(t.x!, t.values!, t.scores!, biasesOf(t));
            return pickOutputs([r.y, r.weights], p.pick);
          },
        }),
      );
    }
    const grads = [
      { what: "dx", atol: tol.dx, pick: [0] },
      {
        what: "dvalues dscores and biases",
        atol: tol.dw,
        pick: [1, 2, 3, 4].slice(0, 2 + +s.valuesBias + +s.scoresBias),
      },
    ];
    for (const g of grads) {
      out.push(
        makeCase({
          kernel: "mixtureBackward",
          variant: "rows+params",
          name: `${s.name} ${g.what}`,
          shape,
          atol: g.atol,
          rtol: 32 * U,
          force: {},
          inputs: () => {
            const t = mixtureInputs(s, seed);
            return { ...t, weights: referenceWeights(t) };
          },
          apply: (be, t) => {
            const d = be.mixtureBackward(t.x!, t.values!, t.scores!, t.weights!, t.dy!, biasesOf(t));
            const all = [
              d.dx,
              d.dvalues,
              d.dscores,
              ...(d.dvaluesBias ? [d.dvaluesBias] : []),
              ...(d.dscoresBias ? [d.dscoresBias] : []),
            ];
            return pickOutputs(all, g.pick);
          },
        }),
      );
    }
  });
  // The real path: forward then backward on one backend. The weights differ from the reference's by w
  // relative, which moves each dz by up to 8·w·a and each weight gradient by up to 8·w·N.
  const s = SPECS[0]!;
  const w = weightTol(s.F, s.E);
  const tol = backwardTols(1, s.N, s.F, s.E);
  out.push(
    makeCase({
      kernel: "mixtureBackward",
      variant: "rows+params",
      name: `after forward ${s.name}`,
      shape: `N=${s.N} F=${s.F} E=${s.E} vb sb`,
      atol: tol.dw + 8 * w * s.N,
      rtol: 32 * U,
      force: {},
      inputs: () => mixtureInputs(s, 1290),
      apply: (be, t) => {
        const f = be.mixture(t.x!, t.values!, t.scores!, biasesOf(t));
        const d = be.mixtureBackward(t.x!, t.values!, t.scores!, f.weights, t.dy!, biasesOf(t));
        f.y.dispose();
        f.weights.dispose();
        return [d.dvalues, d.dscores, d.dvaluesBias!, d.dscoresBias!, d.dx];
      },
    }),
  );
  return out;
}

// cross-entropy cases (+ backward): one row, odd widths, many rows, a single class, logits of ±50, and targets
// that are not integers in [0, C): the contract adds 0 to the loss for them and no one-hot to the gradient, on
// every backend, and the reference computes exactly that.

import { BAD_INDICES, type Input, input, ints, makeCase, pickOutputs, type VerifyCase } from "../case";
import { crossEntropy } from "./reference";

const U = 2 ** -24;
const ULP = 2 ** -23;
const REFERENCE = { variants: { matmul: "reference", attention: "reference" } as const, checkIndices: false };

// ---- cross-entropy ---------------------------------------------------------------------------------------

interface CeSpec {
  name: string;
  N: number;
  C: number;
  /** Logits scaled from [-1, 1] to [-scale, scale]. */
  scale?: number;
  /** Every other row: logits ±scale exactly, target at the smallest logit (loss ≈ 2·scale). */
  extreme?: boolean;
}

const CE: CeSpec[] = [
  { name: "1 row C=7", N: 1, C: 7, scale: 3 },
  { name: "odd 5x33", N: 5, C: 33, scale: 3 },
  { name: "many rows 300x7", N: 300, C: 7, scale: 3 },
  { name: "C=1 4x1", N: 4, C: 1, scale: 3 },
  { name: "±50 logits 8x33", N: 8, C: 33, scale: 50, extreme: true },
];

function ceInputs(s: CeSpec, seed: number): Record<string, Input> {
  const logits = input([s.N, s.C], seed, -(s.scale ?? 1), s.scale ?? 1);
  const targets = ints([s.N], s.C, seed + 1);
  if (s.extreme) {
    for (let r = 0; r < s.N; r += 2) {
      for (let j = 0; j < s.C; j++) logits.data[r * s.C + j] = j % 2 ? 50 : -50;
      targets.data[r] = 0;
    }
  }
  return { logits, targets, dloss: { data: Float32Array.of(1.7), shape: [] } };
}

export function crossEntropyCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  CE.forEach((s, i) => {
    // probs: WGSL's exp errs by 3 + 2|x| ULP; only probabilities above atol = 1e-7 (x − m > −16.2, so <= 36 ULP)
    // are held to rtol. The row sum adds <= C·U relative to its own terms' 36 ULP, and the divide one more:
    // <= (72 + C)·ULP. Row loss = (m − x_t) + log s: log s is off by s's relative error plus WGSL log's 2⁻²¹
    // absolute; the mean of N non-negative row losses adds <= N·U relative.
    const parts = [
      { what: "loss", atol: (36 + s.C) * ULP + 2 ** -21, rtol: (s.N + 4) * U, pick: [0] },
      { what: "probs", atol: 1e-7, rtol: (72 + s.C) * ULP, pick: [1] },
    ];
    for (const part of parts) {
      out.push(
        makeCase({
          kernel: "crossEntropy",
          variant: "row",
          name: `${s.name} ${part.what}`,
          shape: `N=${s.N} C=${s.C} logits in ±${s.scale}`,
          atol: part.atol,
          rtol: part.rtol,
          force: {},
          inputs: () => {
            const { logits, targets } = ceInputs(s, 800 + 10 * i);
            return { logits: logits!, targets: targets! };
          },
          apply: (be, t) => {
            const r = be.crossEntropy(t.logits!, t.targets!);
            return pickOutputs([r.loss, r.probs], part.pick);
          },
        }),
      );
    }
    // Backward from the CPU's probs (identical inputs): (p − onehot)·(dloss/N) is three f32 roundings.
    out.push(
      makeCase({
        kernel: "crossEntropyBackward",
        variant: "elementwise",
        name: s.name,
        shape: `N=${s.N} C=${s.C} dloss=1.7`,
        atol: 1e-30,
        rtol: 4 * U,
        force: {},
        inputs: () => {
          const { logits, targets, dloss } = ceInputs(s, 800 + 10 * i);
          const fwd = crossEntropy(REFERENCE, logits!, targets!);
          return {
            probs: { data: Float32Array.from(fwd.probs.data), shape: [s.N, s.C] },
            targets: targets!,
            dloss: dloss!,
          };
        },
        apply: (be, t) => [be.crossEntropyBackward(t.probs!, t.targets!, t.dloss!)],
      }),
    );
  });
  return [...out, ...invalidTargetCases()];
}

function invalidTargetCases(): VerifyCase[] {
  const [V, N] = [5, BAD_INDICES.length];
  const list = Array.from(BAD_INDICES).join(" ");
  const base = { force: {}, rtol: 0, shape: `N=${N} C=${V} targets ${list}` };
  const ceShape = base.shape;
  const ce = {
    logits: input([N, V], 990, -3, 3),
    targets: { data: BAD_INDICES, shape: [N] },
    dloss: { data: Float32Array.of(1.7), shape: [] },
  };
  return [
    makeCase({
      ...base,
      kernel: "crossEntropy",
      variant: "row",
      name: "invalid targets add 0 to the loss",
      shape: ceShape,
      atol: (36 + V) * ULP + 2 ** -21, // as for the loss above
      rtol: (N + 4) * U,
      inputs: () => ({ logits: ce.logits, targets: ce.targets }),
      apply: (be, t) => {
        const r = be.crossEntropy(t.logits!, t.targets!);
        return pickOutputs([r.loss, r.probs], [0]);
      },
    }),
    makeCase({
      ...base,
      kernel: "crossEntropyBackward",
      variant: "elementwise",
      name: "invalid targets get no one-hot",
      shape: ceShape,
      atol: 1e-30,
      rtol: 4 * U,
      inputs: () => ({ probs: input([N, V], 993, 0, 1), targets: ce.targets, dloss: ce.dloss }),
      apply: (be, t) => [be.crossEntropyBackward(t.probs!, t.targets!, t.dloss!)],
    }),
  ];
}

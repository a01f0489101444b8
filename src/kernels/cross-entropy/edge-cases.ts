// cross-entropy at the edges, the rules of backend/contract.ts for non-finite logits: a row with a NaN or
// +Infinity logit (and a target in [0, C)) makes the loss non-finite, of either kind; a -Infinity logit is a
// probability of exactly 0, and a loss of +Infinity when it is the target's; a target outside [0, C) still adds
// 0, whatever its row holds; and rows are independent in probs (a row with a NaN or +Infinity logit leaves the
// others as they would be alone; its own probs are not specified).

import { type Input, input, makeCase, nonFiniteAsNaN, pickOutputs, type VerifyCase } from "../case";

const U = 2 ** -24;
const ULP = 2 ** -23;
const C = 5;

/** N rows of logits in [-3, 3] with `set` values written in as [row, column, value], and the targets. */
function logits(N: number, seed: number, set: [number, number, number][], targets: number[]): Input[] {
  const x = input([N, C], seed, -3, 3);
  for (const [r, j, v] of set) x.data[r * C + j] = v;
  return [x, { data: Float32Array.from(targets), shape: [N] }];
}

interface LossSpec {
  name: string;
  N: number;
  set: [number, number, number][];
  targets: number[];
  /** The loss is checked as non-finite (any kind) rather than to the value. */
  nonFinite?: boolean;
}

const LOSS: LossSpec[] = [
  {
    name: "NaN logit makes the loss non-finite",
    N: 3,
    set: [[1, 2, Number.NaN]],
    targets: [4, 0, 2],
    nonFinite: true,
  },
  {
    name: "+Infinity logit makes the loss non-finite",
    N: 3,
    set: [[2, 3, Infinity]],
    targets: [0, 2, 1],
    nonFinite: true,
  },
  {
    name: "+Infinity target logit makes the loss non-finite",
    N: 2,
    set: [[0, 1, Infinity]],
    targets: [1, 3],
    nonFinite: true,
  },
  // −log 0: +Infinity exactly, as the reference gives it (compared exactly, no view).
  {
    name: "-Infinity target logit gives a loss of +Infinity",
    N: 3,
    set: [[1, 2, -Infinity]],
    targets: [0, 2, 4],
  },
  // Probabilities 0 off the target: the loss stays finite and is compared to the value.
  {
    name: "-Infinity logits off the target",
    N: 3,
    set: [
      [0, 1, -Infinity],
      [0, 4, -Infinity],
      [2, 0, -Infinity],
      [2, 2, -Infinity],
      [2, 3, -Infinity],
    ],
    targets: [0, 3, 1],
  },
  // Row 1 holds NaN and +Infinity but its target (5 = C, then NaN) is outside [0, C): it adds 0.
  {
    name: "invalid targets add 0 whatever their row holds",
    N: 3,
    set: [
      [1, 0, Number.NaN],
      [1, 3, Infinity],
      [2, 4, Number.NaN],
    ],
    targets: [2, C, Number.NaN],
  },
];

// probs: rows 1 (NaN) and 2 (+Infinity) are not specified and left out of the comparison; rows 3 and 5 hold
// -Infinity logits, whose probabilities must be exactly 0 (row 5 keeps one finite logit: probability 1).
const PROBS_SET: [number, number, number][] = [
  [1, 2, Number.NaN],
  [2, 3, Infinity],
  [3, 1, -Infinity],
  [3, 4, -Infinity],
  ...[0, 1, 3, 4].map((j): [number, number, number] => [5, j, -Infinity]),
];
const UNSPECIFIED_ROWS = [1, 2];

/** probs as compared: unspecified rows as 0, and each -Infinity logit's entry 0 if it is exactly 0, else NaN. */
function probsView(values: Float32Array): Float32Array {
  const v = Float32Array.from(values);
  for (const r of UNSPECIFIED_ROWS) v.fill(0, r * C, (r + 1) * C);
  for (const [r, j, x] of PROBS_SET) if (x === -Infinity) v[r * C + j] = v[r * C + j] === 0 ? 0 : Number.NaN;
  return v;
}

export function crossEntropyEdgeCases(): VerifyCase[] {
  const out: VerifyCase[] = LOSS.map((s, i) =>
    makeCase({
      kernel: "crossEntropy",
      variant: "row",
      name: `edge ${s.name}`,
      shape: `N=${s.N} C=${C} logits in ±3, ${s.set.map(([r, j, v]) => `[${r},${j}]=${v}`).join(" ")} targets ${s.targets.join(" ")}`,
      // The loss tolerance of cases.ts (exp's and log's errors, the mean of N row losses) for the finite
      // results; a non-finite one must be matched exactly, or, with the view, by any non-finite value.
      atol: (36 + C) * ULP + 2 ** -21,
      rtol: (s.N + 4) * U,
      force: {},
      inputs: () => {
        const [x, targets] = logits(s.N, 1700 + 10 * i, s.set, s.targets);
        return { logits: x!, targets: targets! };
      },
      apply: (be, t) => {
        const r = be.crossEntropy(t.logits!, t.targets!);
        return pickOutputs([r.loss, r.probs], [0]);
      },
      ...(s.nonFinite ? { view: nonFiniteAsNaN } : {}),
    }),
  );
  out.push(
    makeCase({
      kernel: "crossEntropy",
      variant: "row",
      name: "edge rows independent in probs, -Infinity logits give 0",
      shape: `N=6 C=${C} logits in ±3, NaN in row 1, +Infinity in row 2, -Infinity in rows 3 and 5`,
      // The probs tolerance of cases.ts; the -Infinity entries are held to exactly 0 by the view.
      atol: 1e-7,
      rtol: (72 + C) * ULP,
      force: {},
      inputs: () => {
        const [x, targets] = logits(6, 1790, PROBS_SET, [0, 1, 2, 3, 4, 2]);
        return { logits: x!, targets: targets! };
      },
      apply: (be, t) => {
        const r = be.crossEntropy(t.logits!, t.targets!);
        return pickOutputs([r.loss, r.probs], [1]);
      },
      view: probsView,
    }),
  );
  return out;
}

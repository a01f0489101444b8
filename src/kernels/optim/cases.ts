// Optimizer cases: the global sum of squares, then SGD and Adam/AdamW steps on parameters of sizes 1, 7 and
// 1000 (one step and three consecutive steps, with and without clipping by global norm), and the non-finite
// guard. Outputs are the mutated parameters and state, read after the last step.

import type { Backend, ClipArgs, Tensor } from "../../backend/contract";
import { type Input, input, makeCase, type VerifyCase } from "../case";

const SIZES = [1, 7, 1000];

// Step tolerance. Parameters, momenta and gradients are O(1) and each step is ~10 f32 operations per element
// (<= 0.5 ulp each, ~6e-8 relative) against float64 on the CPU. The clip scale comes from an f32 sum of 1008
// positive squares (chains of <= ~80 additions: ~sqrt(80)·6e-8 ≈ 5e-7 relative with rounding to nearest,
// halved by the sqrt), and its error enters m, v and p in proportion to |g| <= 1, where m may cancel to ~0:
// hence an absolute bound, over three steps. Updates are lr·O(1) = 1e-3..1e-1, so a wrong bias correction,
// decay or scale shows up orders of magnitude above it. (Measured on SwiftShader: max abs error 2.4e-7.)
const STEP_TOL = { atol: 1e-6, rtol: 1e-5 };

type Opt = "sgd" | "adam";

interface StepSpec {
  name: string;
  opt: Opt;
  steps: number;
  /** Adam: the step number of the first step (bias correction). */
  firstStep?: number;
  /** Clip args with this maxNorm (sumSq from sumSquares of each step's gradients). */
  maxNorm?: number;
  /** Momenta / m, v start random instead of zero. */
  randomState?: boolean;
  /** Written into element 3 of params[1]'s gradient: the guard must skip the step. */
  poison?: number;
  momentum?: number;
  weightDecay?: number;
}

// Gradients in [-1, 1] over 1008 elements have a norm of about sqrt(1008 / 3) ≈ 18, so maxNorm 5 scales by ~0.27.
const STEPS: StepSpec[] = [
  { name: "one step", opt: "sgd", steps: 1, randomState: true },
  { name: "plain (momentum 0) one step", opt: "sgd", steps: 1, momentum: 0, weightDecay: 0 },
  { name: "three steps", opt: "sgd", steps: 3 },
  { name: "one step clipped to 5", opt: "sgd", steps: 1, maxNorm: 5, randomState: true },
  { name: "three steps clipped to 5", opt: "sgd", steps: 3, maxNorm: 5 },
  {
    name: "NaN gradient clipped: unchanged",
    opt: "sgd",
    steps: 1,
    maxNorm: 5,
    randomState: true,
    poison: NaN,
  },
  { name: "first step t=1", opt: "adam", steps: 1 },
  {
    name: "Adam (wd 0) one step t=5",
    opt: "adam",
    steps: 1,
    firstStep: 5,
    randomState: true,
    weightDecay: 0,
  },
  { name: "three steps t=1..3", opt: "adam", steps: 3 },
  { name: "one step t=4 clipped to 5", opt: "adam", steps: 1, firstStep: 4, maxNorm: 5, randomState: true },
  { name: "three steps clipped to 5", opt: "adam", steps: 3, maxNorm: 5 },
  { name: "maxNorm Infinity (guard only) three steps", opt: "adam", steps: 3, maxNorm: Infinity },
  {
    name: "NaN gradient clipped: unchanged",
    opt: "adam",
    steps: 1,
    maxNorm: 5,
    randomState: true,
    poison: NaN,
  },
  {
    name: "Infinity gradient, maxNorm Infinity: unchanged",
    opt: "adam",
    steps: 1,
    firstStep: 7,
    maxNorm: Infinity,
    randomState: true,
    poison: Infinity,
  },
];

function stepInputs(s: StepSpec, seed: number): Record<string, Input> {
  const out: Record<string, Input> = {};
  SIZES.forEach((n, i) => {
    const k = seed + 10 * i;
    out[`p${i}`] = input([n], k);
    out[`m${i}`] = s.randomState ? input([n], k + 1, -0.5, 0.5) : input([n], k + 1, 0, 0);
    // v >= 1e-3 keeps sqrt(v̂) away from eps, where the update would be m̂/eps (not a useful comparison).
    if (s.opt === "adam")
      out[`v${i}`] = s.randomState ? input([n], k + 2, 1e-3, 0.1) : input([n], k + 2, 0, 0);
    for (let t = 0; t < s.steps; t++) out[`g${t}_${i}`] = input([n], k + 3 + t);
  });
  if (s.poison !== undefined) out.g0_1!.data[3] = s.poison;
  return out;
}

function applyStep(s: StepSpec, be: Backend, t: Record<string, Tensor>): Tensor[] {
  const pick = (prefix: string) => SIZES.map((_, i) => t[`${prefix}${i}`]!);
  const params = pick("p");
  const m = pick("m");
  const v = s.opt === "adam" ? pick("v") : [];
  const state = [...params, ...m, ...v];
  // The reference of a skipped step is the untouched inputs themselves, compared bit for bit; the CPU's own
  // guard is covered by tests/unit/optim.test.ts.
  if (s.poison !== undefined && be.name === "cpu") return [be.sumSquares(pick("g0_")), ...state];
  const sums: Tensor[] = [];
  for (let k = 0; k < s.steps; k++) {
    const grads = pick(`g${k}_`);
    let clip: ClipArgs | undefined;
    if (s.maxNorm !== undefined) {
      const sumSq = be.sumSquares(grads);
      sums.push(sumSq);
      clip = { sumSq, maxNorm: s.maxNorm };
    }
    const weightDecay = s.weightDecay ?? 0.01;
    if (s.opt === "sgd") {
      be.sgdStep(params, grads, m, { lr: 0.1, momentum: s.momentum ?? 0.9, weightDecay }, clip);
    } else {
      const hp = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, step: (s.firstStep ?? 1) + k };
      be.adamStep(params, grads, m, v, hp, clip);
    }
  }
  // The guard cases also compare the (non-finite) sum of squares; the others free theirs.
  if (s.poison !== undefined) return [sums[0]!, ...state];
  for (const x of sums) x.dispose();
  return state;
}

interface SumSpec {
  name: string;
  sizes: number[];
}

const SUMS: SumSpec[] = [
  { name: "sizes 1, 7, 1000", sizes: [1, 7, 1000] },
  { name: "an empty tensor among 3, 0, 5", sizes: [3, 0, 5] },
  // 70001 elements: 1152 partial sums of ~61 elements each, more than one workgroup of slots.
  { name: "large 70000 + 1", sizes: [70000, 1] },
  { name: "empty list", sizes: [] },
];

// An f32 sum of positive squares in O(1): each result is a chain of at most ~61 additions into a partial sum
// plus up to 1152 additions of partials (the large case), ~1200 roundings of <= 6e-8 relative each. Rounding
// to nearest makes the error grow like sqrt(1200)·6e-8 ≈ 2e-6 in practice (linearly only at worst): rtol
// leaves a 5x margin over that, and a skipped or doubled element of the 1000-element case (~1e-3 on average) still fails.
const SUM_TOL = { atol: 0, rtol: 1e-5 };

export function optimCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  SUMS.forEach((s, c) => {
    out.push(
      makeCase({
        kernel: "optim-sum-squares",
        variant: "strided",
        name: s.name,
        shape: `sizes ${s.sizes.join(", ") || "none"}`,
        ...SUM_TOL,
        force: {},
        inputs: () => Object.fromEntries(s.sizes.map((n, i) => [`x${i}`, input([n], 500 + 10 * c + i)])),
        apply: (be, t) => [be.sumSquares(s.sizes.map((_, i) => t[`x${i}`]!))],
      }),
    );
  });
  STEPS.forEach((s, c) => {
    const exact = s.poison !== undefined;
    out.push(
      makeCase({
        kernel: `optim-${s.opt}`,
        variant: "fused",
        name: s.name,
        shape: `sizes ${SIZES.join(", ")}, ${s.steps} step${s.steps > 1 ? "s" : ""}`,
        // A skipped step must leave every bit as it was.
        ...(exact ? { atol: 0, rtol: 0 } : STEP_TOL),
        force: {},
        inputs: () => stepInputs(s, 1000 + 100 * c),
        apply: (be, t) => applyStep(s, be, t),
      }),
    );
  });
  return out;
}

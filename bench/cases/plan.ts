// Sizes and repetition budgets of a run. The full run must stay well under 25 minutes (the CLI's limit; the language
// model's step alone takes 6-7 of them, tfjs-webgpu's steps most of that) on a 2-core machine whose
// "GPU" is SwiftShader (a 512³ matmul takes most of a second there, tfjs-webgpu's several times that), so
// large shapes get fewer repetitions: every runner times at most `budgetMs` of trials per group, but never
// fewer than `minReps`.

export interface Budget {
  maxReps: number;
  minReps: number;
  budgetMs: number;
}

/** The language model's training step: steps whose losses are checked, and the repetitions. */
export interface CharGptPlan {
  checkSteps: number;
  budget: Budget;
}

export interface Plan {
  /** Square matmul sizes N (N×N · N×N) and [M, K, N] of the tall/skinny shapes. */
  matmulSquare: number[];
  matmulSkinny: [number, number, number][];
  /** [rows, width] */
  softmax: [number, number][];
  /**
   * Attention: B, H, d fixed, T varies (T = S, not causal). The backward stops at T = 512: at 1024 it alone
   * took 3 minutes (tfjs-webgpu ~15 s, our fused backward ~10 s per call on SwiftShader).
   */
  attention: { B: number; H: number; d: number; T: number[]; backwardT: number[] };
  /** Training: steps per timed trial. */
  trainSteps: number;
  budget: Budget;
  trainBudget: Budget;
  charGpt: CharGptPlan;
}

export function makePlan(quick: boolean): Plan {
  if (quick) {
    return {
      matmulSquare: [64, 128],
      matmulSkinny: [[256, 32, 16]],
      softmax: [[64, 128]],
      attention: { B: 1, H: 2, d: 32, T: [32, 64], backwardT: [32] },
      trainSteps: 1,
      budget: { maxReps: 3, minReps: 3, budgetMs: 200 },
      trainBudget: { maxReps: 3, minReps: 3, budgetMs: 200 },
      // A structure and agreement check: two checked steps, one warm-up, one or two timed (one for a step over 2 s).
      charGpt: { checkSteps: 2, budget: { maxReps: 2, minReps: 1, budgetMs: 4000 } },
    };
  }
  return {
    matmulSquare: [64, 128, 256, 512, 1024],
    matmulSkinny: [
      [4096, 64, 64],
      [64, 4096, 64],
      [64, 64, 4096],
    ],
    softmax: [
      [1024, 64],
      [64, 1024],
      [1024, 1024],
      [4096, 256],
    ],
    attention: { B: 1, H: 4, d: 64, T: [32, 128, 512, 1024], backwardT: [32, 128, 512] },
    // Ten steps in a row per trial, as a training run takes them: a single step after seven other runners starts
    // from caches and a heap they left (on the experts model that added 100-200 µs to a 25-100 µs step on
    // every backend). The language model's step has its own plan (charGpt).
    trainSteps: 10,
    // Small ops: up to 15 repetitions in ~3 s per runner; ops over a second: 3.
    budget: { maxReps: 15, minReps: 3, budgetMs: 3000 },
    // Training steps are short and noisy (JS, dispatch, garbage collection): more of them.
    trainBudget: { maxReps: 30, minReps: 5, budgetMs: 4000 },
    // A step of the small preset takes 0.2-40 s here (our wasm ... tfjs-webgpu on SwiftShader): 3 timed steps of
    // the slowest, up to 10 of the others.
    charGpt: { checkSteps: 3, budget: { maxReps: 10, minReps: 3, budgetMs: 15_000 } },
  };
}

/** Up to `n` row indices spread evenly over [0, rows), always including the first and the last. */
export function sampleRows(rows: number, n: number): number[] {
  if (rows <= n) return Array.from({ length: rows }, (_, i) => i);
  return Array.from({ length: n }, (_, i) => Math.round((i * (rows - 1)) / (n - 1)));
}

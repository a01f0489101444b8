// The five-experts data set: five linear relationships y = aₖ·x + bₖ and a selector input that says which one
// produced the row.
//
// Encoding of the selector (our choice; the source leaves it open): expert k is announced by the scalar s = k,
// so s ∈ {0, 1, 2, 3, 4} for five experts. Every model then sees two inputs (x, s), like the grain task's (x, z),
// which keeps the parameter counts of the comparison (attention 30, ReLU 2→7→1 29, ReLU 2→4→3→1 31). A scalar
// is the harder, more telling encoding: a model must carve the s axis into five bands, where a one-hot code would
// hand it the bands.
// Negative result behind the scale: with s = k/4 ∈ [0, 1] next to x ∈ [1, 5], no ReLU network of 8 seeds fitted
// (2→7→1 and 2→4→3→1, Adam at lr 0.01 and 0.05, 3000-5000 steps, data seed 1): most stalled at MSE ≈ 9, the
// error of ignoring s, the best reached 5.8; with s on x's scale the best seeds fit. Attention fitted either way.
//
// Slopes aₖ ~ U(−3, 3) and intercepts bₖ ~ U(−2, 2) are drawn from the seed (their own stream, so changing the
// row counts leaves the lines alone). Training and held-out x ~ U(1, 5); out-of-range x ~ U(5, 10).
// Rows cycle through the experts (row i is expert i mod K).

import { Rng } from "../util/rng";
import { generateRows, type RegressionData, streamSeed } from "./regression";

export interface ExpertLine {
  slope: number;
  intercept: number;
  /** The selector value that announces this expert. */
  s: number;
}

export interface ExpertsConfig {
  /** Base seed of the lines and every split (default 1). */
  seed?: number;
  /** Number of experts (default 5). */
  experts?: number;
  /** Training rows per expert (default 32). */
  perExpert?: number;
  /** Held-out and out-of-range rows per expert (default 32). */
  testPerExpert?: number;
  /** Standard deviation of Gaussian noise on y (default 0). */
  noise?: number;
}

export interface ExpertsSplits {
  lines: ExpertLine[];
  train: RegressionData;
  test: RegressionData;
  outOfRange: RegressionData;
}

/** The selector value of expert k. */
export function selectorOf(k: number): number {
  return k;
}

export function expertLines(seed: number, experts = 5): ExpertLine[] {
  const rng = new Rng(streamSeed(seed, 100));
  return Array.from({ length: experts }, (_, k) => ({
    slope: rng.uniform(-3, 3),
    intercept: rng.uniform(-2, 2),
    s: selectorOf(k),
  }));
}

export function expertsData(config: ExpertsConfig = {}): ExpertsSplits {
  const { seed = 1, experts = 5, perExpert = 32, testPerExpert = 32, noise = 0 } = config;
  if (!(Number.isInteger(experts) && experts >= 1))
    throw new Error(`experts: must be an integer >= 1, got ${experts}`);
  const lines = expertLines(seed, experts);
  const split = (stream: number, perK: number, [lo, hi]: [number, number]) => {
    const rng = new Rng(streamSeed(seed, stream));
    return generateRows(perK * experts, (i) => {
      const k = i % experts;
      const line = lines[k]!;
      const x = rng.uniform(lo, hi);
      const y = line.slope * x + line.intercept + (noise > 0 ? noise * rng.normal() : 0);
      return [x, line.s, y, k];
    });
  };
  return {
    lines,
    train: split(0, perExpert, [1, 5]),
    test: split(1, testPerExpert, [1, 5]),
    outOfRange: split(2, testPerExpert, [5, 10]),
  };
}

// The grain data set: how many cups of water (y) to cook x cups of a grain of darkness z.
//
// Ground truth per grain (a line through the origin, z read by a luminance meter, 0 white .. 1 black):
//   white   z ≈ 0     y = 2x
//   brown   z ≈ 0.5   y = 3x
//   franken z ≈ 1     y = x
// Training and held-out rows draw x ~ U(1, 5) cups; the out-of-range set draws x ~ U(5, 10) (the "what about 10
// cups?" question). Each row's z is the grain's darkness plus U(−zJitter, zJitter), clamped to [0, 1]; the target
// gets optional Gaussian noise of standard deviation `noise` (default 0: the stages are about fitting the shape).
// Rows are interleaved grain by grain (row i is grain i mod G), so any prefix is balanced.

import { Rng } from "../util/rng";
import { filterLabels, generateRows, type RegressionData, streamSeed } from "./regression";

export interface Grain {
  name: "white" | "brown" | "franken";
  /** Darkness on the meter. */
  z: number;
  /** Cups of water per cup of grain. */
  ratio: number;
}

export const GRAINS: readonly Grain[] = [
  { name: "white", z: 0, ratio: 2 },
  { name: "brown", z: 0.5, ratio: 3 },
  { name: "franken", z: 1, ratio: 1 },
];

export type GrainName = Grain["name"];

/** The early stages (4-6) see only white and brown; stage 7 adds franken. */
export const TWO_GRAINS: readonly GrainName[] = ["white", "brown"];
export const THREE_GRAINS: readonly GrainName[] = ["white", "brown", "franken"];

export interface GrainConfig {
  /** Base seed of every split (default 1). */
  seed?: number;
  /** Which grains appear (default all three). */
  grains?: readonly GrainName[];
  /** Training rows per grain (default 32). */
  perGrain?: number;
  /** Held-out and out-of-range rows per grain (default 32). */
  testPerGrain?: number;
  /** Half-width of the uniform jitter on z (default 0.05). */
  zJitter?: number;
  /** Standard deviation of Gaussian noise on y (default 0). */
  noise?: number;
}

export interface GrainSplits {
  train: RegressionData;
  /** Fresh rows in the training range x ∈ [1, 5]. */
  test: RegressionData;
  /** Rows beyond it, x ∈ [5, 10]. */
  outOfRange: RegressionData;
}

export function grainIndex(name: GrainName): number {
  const i = GRAINS.findIndex((g) => g.name === name);
  if (i < 0) throw new Error(`unknown grain '${name}'; valid: ${GRAINS.map((g) => g.name).join(", ")}`);
  return i;
}

/** One split: `perGrain` rows of each grain with x ~ U(lo, hi), from its own random stream. */
export function grainRows(
  rng: Rng,
  grains: readonly GrainName[],
  perGrain: number,
  [lo, hi]: [number, number],
  zJitter: number,
  noise: number,
): RegressionData {
  const idx = grains.map(grainIndex);
  return generateRows(perGrain * idx.length, (i) => {
    const label = idx[i % idx.length]!;
    const g = GRAINS[label]!;
    const x = rng.uniform(lo, hi);
    const z = Math.min(1, Math.max(0, g.z + rng.uniform(-zJitter, zJitter)));
    const y = g.ratio * x + (noise > 0 ? noise * rng.normal() : 0);
    return [x, z, y, label];
  });
}

export function grainData(config: GrainConfig = {}): GrainSplits {
  const {
    seed = 1,
    grains = THREE_GRAINS,
    perGrain = 32,
    testPerGrain = 32,
    zJitter = 0.05,
    noise = 0,
  } = config;
  const split = (stream: number, n: number, range: [number, number]) =>
    grainRows(new Rng(streamSeed(seed, stream)), grains, n, range, zJitter, noise);
  return {
    train: split(0, perGrain, [1, 5]),
    test: split(1, testPerGrain, [1, 5]),
    outOfRange: split(2, testPerGrain, [5, 10]),
  };
}

/** The rows of one grain, e.g. to report per-grain error or attention weights. */
export function grainSubset(d: RegressionData, name: GrainName): RegressionData {
  return filterLabels(d, [grainIndex(name)]);
}

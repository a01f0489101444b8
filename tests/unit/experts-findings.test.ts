// The five-experts comparison (the experts page; data/experts.ts) on the CPU backend: an attention layer over 5 linear experts
// (30 parameters) against ReLU networks 2→7→1 (29) and 2→4→3→1 (31). Each model trains 8 seeds at once with the
// same budget (registry: Adam 0.05, cosine to 2%, 3000 steps, data seed 1) and the lowest-training-loss run of
// each is compared, as one would pick runs by hand. All three fit the training rows; out of range (x ∈ [5, 10],
// trained on [1, 5]) the attention network's experts stay linear while the ReLU fits bend wherever they happened
// to, so its error there is several times lower.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import { expertsData } from "../../src/data/experts";
import { modelEntry } from "../../src/models/registry";
import type { RegressionModel } from "../../src/models/regression";
import { type ManySeedsResult, trainManySeeds } from "../../src/run/many-seeds";

const be = new CpuBackend();
const data = expertsData({ seed: 1 });
const SEEDS = Array.from({ length: 8 }, (_, i) => i + 1);

interface Outcome {
  train: number;
  test: number;
  outOfRange: number;
}
const outcomes: Record<string, Outcome> = {};

/** Variance of the training targets: the MSE of predicting their mean. */
function targetVariance(): number {
  const y = data.train.targets;
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  return y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length;
}

async function run(name: string): Promise<ManySeedsResult> {
  const e = modelEntry(name);
  const r = await trainManySeeds(be, {
    build: (ctx, seed) => e.build(ctx, seed) as RegressionModel,
    seeds: SEEDS,
    train: data.train,
    steps: e.train.steps,
    optimizer: e.train.optimizer,
    ...(e.train.schedule ? { schedule: e.train.schedule } : {}),
  });
  const test = await r.model.evaluate(data.test);
  const oor = await r.model.evaluate(data.outOfRange);
  const k = r.best.index;
  outcomes[name] = { train: r.best.loss, test: test[k]!, outOfRange: oor[k]! };
  const fitted = r.ranked.filter((x) => x.loss < 0.01 * targetVariance()).length;
  console.log(
    `${name}: ${SEEDS.length} seeds × ${e.train.steps} steps in ${(r.ms / 1000).toFixed(1)} s, ${fitted} fitted; ` +
      `best seed ${r.best.seed}: train ${r.best.loss.toFixed(4)}, held-out ${test[k]!.toFixed(4)}, ` +
      `out of range ${oor[k]!.toFixed(2)}; median train ${r.median.loss.toFixed(3)}, worst ${r.worst.loss.toFixed(3)}`,
  );
  return r;
}

describe("five experts", () => {
  // "Fits" = training MSE below 1% of the targets' variance (≈ 10.7 on data seed 1): R² > 0.99.
  for (const name of ["experts-attention", "experts-relu7", "experts-relu43"]) {
    test(`${name}: the best of 8 seeds fits the training rows and the held-out rows in range`, async () => {
      await run(name);
      const o = outcomes[name]!;
      expect(o.train).toBeLessThan(0.01 * targetVariance());
      expect(o.test).toBeLessThan(0.02 * targetVariance());
    });
  }

  test("out of range, the attention network's error is several times (> 3x) lower than both ReLU networks'", () => {
    const attn = outcomes["experts-attention"];
    const relu7 = outcomes["experts-relu7"];
    const relu43 = outcomes["experts-relu43"];
    if (!attn || !relu7 || !relu43) throw new Error("the three training tests above must run first");
    const r7 = relu7.outOfRange / attn.outOfRange;
    const r43 = relu43.outOfRange / attn.outOfRange;
    console.log(
      `out-of-range MSE: attention ${attn.outOfRange.toFixed(2)}, relu 2→7→1 ${relu7.outOfRange.toFixed(2)} ` +
        `(${r7.toFixed(1)}x), relu 2→4→3→1 ${relu43.outOfRange.toFixed(2)} (${r43.toFixed(1)}x)`,
    );
    expect(r7).toBeGreaterThan(3);
    expect(r43).toBeGreaterThan(3);
  });
});

// Train K seeds of one small regression model at once (see batched.ts for how they share dispatches), then rank
// the runs. The seed article trained its attention model about ten times and kept the run with low error and
// readable weights; this makes that choice a table a caller (or the UI) can read and pick from.

import { Context } from "../autograd/variable";
import type { Backend } from "../backend/contract";
import type { RegressionData } from "../data/regression";
import { Optimizer, type OptimizerConfig } from "../nn/optim";
import { type Schedule, scheduledLr } from "../nn/schedule";
import { BatchedRegression } from "./batched";
import type { RegressionModel } from "./regression";

export interface ManySeedsConfig {
  /** Build the model of one seed (its initial weights depend only on the seed). */
  build: (ctx: Context, seed: number) => RegressionModel;
  seeds: readonly number[];
  train: RegressionData;
  steps: number;
  /** clipNorm must be Infinity (or left out): a global norm across seeds would couple them. */
  optimizer: OptimizerConfig;
  schedule?: Schedule;
  /** Record every seed's training loss every this many steps (default 50; the last step is always recorded). */
  recordEvery?: number;
}

export interface SeedRun {
  /** Index of the slice in the batched model. */
  index: number;
  seed: number;
  /** Final training mean squared error. */
  loss: number;
}

export interface ManySeedsResult {
  model: BatchedRegression;
  ctx: Context;
  /** Runs sorted by final training loss, best first. */
  ranked: SeedRun[];
  best: SeedRun;
  median: SeedRun;
  worst: SeedRun;
  /** Per-seed training loss at the recorded steps, in seed order. */
  history: { step: number; losses: number[] }[];
  /** Wall-clock milliseconds of the training loop. */
  ms: number;
  /** A standalone model of one run (by slice index), with that run's trained weights, on the same backend. */
  extract(index: number): Promise<RegressionModel>;
}

export async function trainManySeeds(backend: Backend, config: ManySeedsConfig): Promise<ManySeedsResult> {
  const { build, seeds, train, steps, optimizer, schedule = { kind: "constant" }, recordEvery = 50 } = config;
  if ((optimizer.clipNorm ?? Infinity) !== Infinity) {
    throw new Error(
      `trainManySeeds: clipNorm must be Infinity (a global norm couples the seeds), got ${optimizer.clipNorm}`,
    );
  }
  if (seeds.length === 0) throw new Error("trainManySeeds: no seeds");
  const ctx = new Context(backend);
  // Build each seed's model on the same backend only to read its initial weights.
  const scratch = new Context(backend);
  const inits = seeds.map((s) => build(scratch, s));
  const model = await BatchedRegression.fromModels(ctx, inits);
  for (const m of inits) for (const p of m.parameters()) p.free();
  const opt = new Optimizer(model.parameters(), optimizer);
  const history: ManySeedsResult["history"] = [];
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const { perSeed, total } = model.losses(train);
    total.backward();
    opt.step(scheduledLr(optimizer.lr, schedule, s)).dispose();
    if (s % recordEvery === 0 || s === steps - 1)
      history.push({ step: s, losses: [...(await perSeed.read())] });
    model.zeroGrad();
    ctx.endStep();
  }
  const ms = performance.now() - t0;
  opt.dispose();
  const final = await model.evaluate(train);
  const ranked = seeds
    .map((seed, index) => ({ index, seed, loss: final[index]! }))
    // A NaN loss ranks last.
    .sort((a, b) => (Number.isNaN(a.loss) ? 1 : Number.isNaN(b.loss) ? -1 : a.loss - b.loss));
  return {
    model,
    ctx,
    ranked,
    best: ranked[0]!,
    median: ranked[Math.floor((ranked.length - 1) / 2)]!,
    worst: ranked[ranked.length - 1]!,
    history,
    ms,
    async extract(index: number) {
      const m = build(ctx, seeds[index]!);
      await model.extract(index, m);
      return m;
    },
  };
}

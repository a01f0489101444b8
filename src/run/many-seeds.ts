// Train K seeds of one small batchable regression model at once with the K-seed trainer the pages and the CLI use
// (seeds.ts; models/batched.ts for how the seeds share dispatches), then rank the runs. The attention models need
// several seeds to find one with low error and readable weights (grain-attention: the best of about ten); this makes
// that choice a table a caller can read and pick from.

import type { Context } from "../autograd/variable";
import type { Backend } from "../backend/contract";
import type { RegressionData } from "../data/regression";
import type { BatchedRegression } from "../models/batched";
import type { RegressionModel } from "../models/regression";
import type { OptimizerConfig } from "../nn/optim";
import type { Schedule } from "../nn/schedule";
import { LossRecorder, SeedTrainer } from "./seeds";

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
  const { build, seeds, train, steps, optimizer, schedule, recordEvery = 50 } = config;
  if (!(Number.isInteger(recordEvery) && recordEvery >= 1))
    throw new Error(`trainManySeeds: recordEvery must be an integer >= 1, got ${recordEvery}`);
  const recorded = (s: number) => s % recordEvery === 0 || s === steps - 1;
  const recorder = new LossRecorder(backend, recorded);
  const run = await SeedTrainer.create(backend, {
    build,
    seeds,
    train,
    config: {
      steps,
      optimizer,
      ...(schedule ? { schedule } : {}),
      readEvery: recordEvery,
      // No device-loss recovery here: a checkpoint would only cost a read of every parameter.
      checkpointEvery: 2 ** 30,
    },
    onLosses: recorder.capture,
  });
  const model = run.batched;
  if (!model)
    throw new Error(
      "trainManySeeds: this model cannot be batched (its registry entry says batchable: false)",
    );
  const t0 = performance.now();
  await run.trainer.run();
  const rows = await recorder.rows();
  const ms = performance.now() - t0;
  const history = rows.flatMap((losses, step) => (losses && recorded(step) ? [{ step, losses }] : []));
  const ctx = run.ctx;
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

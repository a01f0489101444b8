// K seeds of one regression model (a grain stage or an experts model) under a Trainer, built the way the pages
// build them (ui/jobs/seed-runs.ts), so the parameters carry the same names and shapes as the pages' files:
// - a model the many-seeds code can batch trains as one BatchedRegression (one set of dispatches for all K seeds);
// - the switch model, which cannot be batched, trains as a bank of K models whose loss is the sum of theirs.
// Data: the grain splits of the model's grains, or the five-experts splits, from the run's base seed.

import * as op from "../autograd/ops";
import { Context, type Variable } from "../autograd/variable";
import type { Backend } from "../backend/contract";
import { expertsData } from "../data/experts";
import { GRAINS, grainData } from "../data/grain";
import { meanSquaredError, type RegressionData } from "../data/regression";
import { BatchedRegression, withOnes } from "../models/batched";
import { regressionEntry } from "../models/registry";
import {
  FEATURE_MAPS,
  featurize,
  predictions,
  type RegressionModel,
  regressionBatch,
} from "../models/regression";
import { Module } from "../nn/module";
import { Trainer } from "../train/trainer";
import { grainsOf } from "../ui/stages";
import type { Attention, Capture, Runner, RunnerConfig, SeedFinal } from "./run-model";

/** K models under one module, children "0", "1", … (the pages' naming); the loss is the sum of theirs. */
class RegressionBank extends Module {
  readonly models: RegressionModel[];
  constructor(
    ctx: Context,
    build: (ctx: Context, seed: number) => RegressionModel,
    seeds: readonly number[],
  ) {
    super(ctx);
    this.models = seeds.map((s, k) => this.child(String(k), build(ctx, s)));
  }
}

function splitsOf(name: string, dataSeed: number) {
  const entry = regressionEntry(name);
  if (entry.data === "experts") {
    const d = expertsData({ seed: dataSeed });
    return { ...d, group: (label: number) => `expert${label + 1}` };
  }
  const d = grainData({ seed: dataSeed, grains: grainsOf(entry.data) });
  return { ...d, group: (label: number) => GRAINS[label]!.name };
}

/** Mean of each row's weights [n, E] over the rows of every group (label) present in `d`, by group name. */
function groupMeans(
  w: Float32Array,
  E: number,
  d: RegressionData,
  group: (label: number) => string,
): Attention {
  const labels = [...new Set(d.labels)].sort((a, b) => a - b);
  const out: Attention = {};
  for (const label of labels) {
    const sum = new Array<number>(E).fill(0);
    let n = 0;
    for (let i = 0; i < d.n; i++) {
      if (d.labels[i] !== label) continue;
      for (let e = 0; e < E; e++) sum[e]! += w[i * E + e]!;
      n++;
    }
    out[group(label)] = sum.map((s) => s / n);
  }
  return out;
}

export async function regressionRunner(
  backend: Backend,
  cfg: RunnerConfig,
  capture: Capture,
): Promise<Runner> {
  const entry = regressionEntry(cfg.model);
  const splits = splitsOf(cfg.model, cfg.dataSeed);
  const build = (ctx: Context, seed: number) => entry.build(ctx, seed) as RegressionModel;
  const probe = build(new Context(backend), cfg.seeds[0]!);
  const paramsPerSeed = probe.parameterCount();
  const plan = probe.plan();
  for (const p of probe.parameters()) p.free();
  const K = cfg.seeds.length;

  if (plan) {
    const ctx = new Context(backend);
    const scratch = new Context(backend);
    const inits = cfg.seeds.map((s) => build(scratch, s));
    const model = await BatchedRegression.fromModels(ctx, inits);
    for (const m of inits) for (const p of m.parameters()) p.free();
    const trainer = new Trainer<Module>(
      backend,
      {
        build: () => model,
        loss: (_m, _ctx, step) => {
          const { perSeed, total } = model.losses(splits.train);
          capture(step, [perSeed]);
          return total;
        },
      },
      cfg.train,
    );
    // The batched model was built (asynchronously) on its own context: the trainer frees that context's tape.
    trainer.ctx = ctx;
    const E = plan.kind === "mixture" ? plan.values.outFeatures : 0;
    return {
      trainer,
      paramsPerSeed,
      async finals(): Promise<SeedFinal[]> {
        const [train, test, oor] = [
          await model.evaluate(splits.train),
          await model.evaluate(splits.test),
          await model.evaluate(splits.outOfRange),
        ];
        return cfg.seeds.map((seed, k) => ({
          seed,
          trainLoss: train[k]!,
          testLoss: test[k]!,
          outOfRangeLoss: oor[k]!,
          accuracy: null,
        }));
      },
      async attention(k: number): Promise<Attention | null> {
        if (E === 0) return null;
        const d = splits.test;
        const F = FEATURE_MAPS[model.features].names.length;
        let all: Float32Array;
        try {
          const x = ctx.constant(withOnes(featurize(model.features, d), d.n, F), [d.n, F + 1]);
          all = await ctx.noGrad(() => model.attentionWeights(x)).read(); // (K, n, E)
        } finally {
          ctx.endStep();
        }
        return groupMeans(all.subarray(k * d.n * E, (k + 1) * d.n * E), E, d, splits.group);
      },
    };
  }

  const trainer = new Trainer<Module>(
    backend,
    {
      build: (ctx) => new RegressionBank(ctx, build, cfg.seeds),
      loss: (m, ctx, step) => {
        const losses: Variable[] = (m as RegressionBank).models.map((model) => {
          const { x, y, labels } = regressionBatch(ctx, model, splits.train);
          return model.loss(x, y, labels);
        });
        capture(step, losses);
        return losses.reduce((a, b) => op.add(a, b));
      },
    },
    cfg.train,
  );
  const bank = () => trainer.model as RegressionBank;
  return {
    trainer,
    paramsPerSeed,
    async finals(): Promise<SeedFinal[]> {
      const out: SeedFinal[] = [];
      for (let k = 0; k < K; k++) {
        const m = bank().models[k]!;
        // Mean squared error of the predictions, as the pages report it (the switch's objective adds a
        // cross-entropy on the grain labels).
        const mse = async (d: RegressionData) => meanSquaredError(await predictions(m, trainer.ctx, d), d);
        out.push({
          seed: cfg.seeds[k]!,
          trainLoss: await mse(splits.train),
          testLoss: await mse(splits.test),
          outOfRangeLoss: await mse(splits.outOfRange),
          accuracy: null,
        });
      }
      return out;
    },
    // The switch's gates are classifier probabilities, not attention: no attention summary.
    attention: async () => null,
  };
}

// K seeds of the transformer on the recipe language for runModel: the transformer bank the page trains
// (transformer-bank.ts), each step on the same batch of RECIPE_BATCH sentences drawn from the run's base seed.
// Final numbers per seed: cross-entropy over the whole training pool and the held-out set, and held-out accuracy.
// The recipe language has no out-of-range split (every amount is 1..4 cups), so that loss is null.

import type { Context } from "../autograd/variable";
import type { Backend } from "../backend/contract";
import type { RecipeSentence } from "../data/recipe";
import { RECIPE_BATCH } from "../models/registry";
import { evaluateRecipes, type RecipeEval, recipeLoss } from "../models/sequence-tasks";
import type { Transformer } from "../models/transformer";
import type { Attention, Runner, RunnerConfig, SeedFinal } from "./run-types";
import type { LossCapture } from "./seeds";
import { transformerSeeds } from "./transformer-bank";

/** Mean answer cross-entropy of `model` over `sentences`, in chunks so an evaluation batch stays small. */
async function meanLoss(
  model: Transformer,
  ctx: Context,
  sentences: readonly RecipeSentence[],
): Promise<number> {
  const CHUNK = 1024;
  let sum = 0;
  for (let i = 0; i < sentences.length; i += CHUNK) {
    const part = sentences.slice(i, i + CHUNK);
    try {
      const l = await ctx.noGrad(() => recipeLoss(model, ctx, part)).read();
      sum += l[0]! * part.length;
    } finally {
      ctx.endStep();
    }
  }
  return sum / sentences.length;
}

export async function transformerRunner(
  backend: Backend,
  cfg: RunnerConfig,
  capture: LossCapture,
): Promise<Runner> {
  const { trainer, data, bank } = await transformerSeeds(backend, {
    seeds: cfg.seeds,
    dataSeed: cfg.dataSeed,
    batch: RECIPE_BATCH,
    config: cfg.train,
    onLosses: capture,
    arch: cfg.arch,
  });
  const evals = new Map<number, RecipeEval>();
  const evaluate = async (k: number) => {
    let ev = evals.get(k);
    if (!ev) {
      ev = await evaluateRecipes(bank().models[k]!, trainer.ctx, data.test);
      evals.set(k, ev);
    }
    return ev;
  };
  return {
    trainer,
    paramsPerSeed: bank().models[0]!.parameterCount(),
    // Cross-entropy has no constant-prediction baseline drawn from the targets here: divergence is still checked.
    constantLoss: null,
    async finals(): Promise<SeedFinal[]> {
      evals.clear();
      const out: SeedFinal[] = [];
      for (let k = 0; k < cfg.seeds.length; k++) {
        const model = bank().models[k]!;
        out.push({
          seed: cfg.seeds[k]!,
          trainLoss: await meanLoss(model, trainer.ctx, data.train),
          testLoss: await meanLoss(model, trainer.ctx, data.test),
          outOfRangeLoss: null,
          accuracy: (await evaluate(k)).accuracy,
        });
      }
      return out;
    },
    async attention(k: number): Promise<Attention> {
      // The largest, over blocks and heads, of the mean weight the WATER query puts on the deciding grain word.
      const grainTokenWeight = Math.max(...(await evaluate(k)).grainWeight.flat());
      return { grainTokenWeight };
    },
  };
}

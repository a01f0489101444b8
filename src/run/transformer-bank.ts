// K seeds of the registry's transformer on the recipe language (data/recipe.ts), under one Trainer: what the
// transformer page's worker and the command-line trainer both train. The seeds are a bank of K models (children
// "0", "1", …) whose loss is the sum of their answer-token cross-entropies (models/sequence-tasks.ts), each step on
// the same batch of sentences drawn from the data seed; the optimizer and schedule come with the caller's config.

import * as op from "../autograd/ops";
import type { Context, Variable } from "../autograd/variable";
import type { Backend } from "../backend/contract";
import { type RecipeSplits, recipeBatch, recipeData } from "../data/recipe";
import { MODELS, TRANSFORMER_ARCH } from "../models/registry";
import { recipeLoss } from "../models/sequence-tasks";
import type { Transformer } from "../models/transformer";
import { Module } from "../nn/module";
import { type TrainConfig, Trainer } from "../train/trainer";
import type { LossCapture } from "./seeds";

export class TransformerBank extends Module {
  readonly models: Transformer[];
  /** `arch`: width, heads and layers (registry TRANSFORMER_ARCH); absent, the registry's defaults. */
  constructor(ctx: Context, seeds: readonly number[], arch?: readonly number[]) {
    super(ctx);
    if (arch) {
      const why = TRANSFORMER_ARCH.check(arch);
      if (why) throw new Error(`transformer: ${why}`);
    }
    this.models = seeds.map((seed, k) =>
      this.child(
        String(k),
        (arch ? TRANSFORMER_ARCH.build(ctx, seed, arch) : MODELS.transformer.build(ctx, seed)) as Transformer,
      ),
    );
  }
}

export interface TransformerSeedsConfig {
  seeds: readonly number[];
  /** Seed of the sentences and of the batches drawn from them. */
  dataSeed: number;
  /** Sentences per step. */
  batch: number;
  config: TrainConfig;
  onLosses?: LossCapture;
  /** Width, heads and layers, when not the registry's. */
  arch?: readonly number[];
}

export interface TransformerSeeds {
  trainer: Trainer<Module>;
  data: RecipeSplits;
  /** The bank the trainer holds now (a new one after a device-loss recovery). */
  bank(): TransformerBank;
}

export async function transformerSeeds(
  backend: Backend,
  c: TransformerSeedsConfig,
): Promise<TransformerSeeds> {
  const data = recipeData({ seed: c.dataSeed });
  const trainer = await Trainer.create<Module>(
    backend,
    {
      build: (ctx) => new TransformerBank(ctx, c.seeds, c.arch),
      loss: (m, ctx, step) => {
        const sentences = recipeBatch(data.train, c.batch, c.dataSeed, step);
        const losses: Variable[] = (m as TransformerBank).models.map((t) => recipeLoss(t, ctx, sentences));
        c.onLosses?.(step, losses);
        return losses.reduce((a, b) => op.add(a, b));
      },
    },
    c.config,
  );
  return { trainer, data, bank: () => trainer.model as TransformerBank };
}

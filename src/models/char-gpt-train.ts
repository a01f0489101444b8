// Training and evaluating the character-level GPT on a text corpus: the task for src/train/trainer.ts (a seeded
// random batch per step), the optimizer and schedule of a preset, and the validation loss on fixed held-out
// batches.

import type { Context, Variable } from "../autograd/variable";
import { type Baselines, baselines } from "../data/text/baselines";
import { type TokenBatch, trainingBatch, validationBatches } from "../data/text/batches";
import type { TextCorpus } from "../data/text/corpus";
import type { Vocab } from "../data/text/vocab";
import type { OptimizerConfig } from "../nn/optim";
import { type Schedule, scheduledLr } from "../nn/schedule";
import { CharGPT, type CharGptConfig } from "./char-gpt";
import type { CharGptModelShape, CharGptTraining } from "./char-gpt-presets";

/** A corpus encoded once: ids of both splits, its vocabulary and its baselines. */
export interface EncodedCorpus {
  name: TextCorpus["name"];
  vocab: Vocab;
  boundary: string;
  train: Int32Array;
  val: Int32Array;
  baselines: Baselines;
}

export function encodeCorpus(c: TextCorpus): EncodedCorpus {
  const train = c.vocab.encode(c.train, `${c.name} training text`);
  const val = c.vocab.encode(c.val, `${c.name} validation text`);
  return {
    name: c.name,
    vocab: c.vocab,
    boundary: c.boundary,
    train,
    val,
    baselines: baselines(train, val, c.vocab.size),
  };
}

/** The full model configuration for a corpus: its vocabulary size, a preset's shape, tying and seed. */
export function charGptConfigFor(
  vocab: Vocab,
  shape: CharGptModelShape,
  opts: { tieWeights?: boolean; seed?: number } = {},
): CharGptConfig {
  return { vocab: vocab.size, ...shape, tieWeights: opts.tieWeights ?? true, seed: opts.seed ?? 1 };
}

/** Inputs [B, T] and targets [B·T] of a batch as constants of this step. */
export function batchVariables(ctx: Context, b: TokenBatch) {
  return {
    ids: ctx.constant(b.inputs, [b.batch, b.context]),
    targets: ctx.constant(b.targets, [b.batch * b.context]),
  };
}

/** Step s trains on the batch drawn by (dataSeed, s) from the training ids. */
/** The training task, in the shape of train/trainer.ts's TrainTask (models sit above the trainer). */
export interface CharGptTask {
  build(ctx: Context): CharGPT;
  loss(model: CharGPT, ctx: Context, step: number): Variable;
}

/** The training configuration, in the shape of train/trainer.ts's TrainConfig. */
export interface CharGptTrainConfig {
  steps: number;
  optimizer: OptimizerConfig;
  schedule: Schedule;
  readEvery: number;
}

export function charGptTask(
  data: EncodedCorpus,
  config: CharGptConfig,
  training: CharGptTraining,
): CharGptTask {
  return {
    build: (ctx) => new CharGPT(ctx, config),
    loss: (model, ctx, step) => {
      const b = trainingBatch(data.train, training.batch, config.context, training.dataSeed, step);
      const { ids, targets } = batchVariables(ctx, b);
      return model.loss(ids, targets);
    },
  };
}

/** AdamW with decay on matrices only, global-norm clipping, warmup then cosine decay to minLr. */
export function charGptTrainConfig(training: CharGptTraining, readEvery = 10): CharGptTrainConfig {
  return {
    steps: training.steps,
    optimizer: {
      kind: "adam",
      lr: training.lr,
      beta1: training.beta1,
      beta2: training.beta2,
      weightDecay: training.weightDecay,
      decayMatricesOnly: true,
      clipNorm: training.clipNorm,
    },
    schedule: {
      kind: "cosine",
      warmup: training.warmup,
      total: training.steps,
      minFactor: training.minLr / training.lr,
    },
    readEvery,
  };
}

/** The learning rate of step `step` (1-based: the last of `step` steps) of a run with this recipe. */
export function charGptFinalLr(training: CharGptTraining, step: number): number {
  return scheduledLr(training.lr, charGptTrainConfig(training).schedule, Math.max(0, step - 1));
}

/** `count` fixed held-out batches of the model's context (the same set at every evaluation). */
export function charGptValidationBatches(
  data: EncodedCorpus,
  context: number,
  batch: number,
  count = 8,
): TokenBatch[] {
  return validationBatches(data.val, count, batch, context);
}

/**
 * Mean cross-entropy (nats per character) over the batches, with no graph recorded. Call it between training
 * runs (not while a Trainer's `run` is in progress on the same context): it frees the context's tape.
 */
export async function evaluateCharGpt(model: CharGPT, batches: readonly TokenBatch[]): Promise<number> {
  const ctx = model.ctx;
  let total = 0;
  for (const b of batches) {
    const loss = ctx.noGrad(() => {
      const { ids, targets } = batchVariables(ctx, b);
      return model.loss(ids, targets);
    });
    total += (await loss.read())[0]!;
    ctx.endStep();
  }
  return total / batches.length;
}

// The transformer page's job: the registry's transformer on the recipe language of data/recipe.ts (the water
// amount after WATER depends on the grain word and the amount, wherever they stand), trained on the answer token
// (models/sequence-tasks.ts). K seeds are K models under one module whose loss is the sum of theirs; the page
// shows the seed with the lowest held-out loss. Optimizer and schedule are the registry's, with the panel's rate and steps.

import * as op from "../../autograd/ops";
import type { Context } from "../../autograd/variable";
import type { Backend } from "../../backend/contract";
import { type RecipeSentence, recipeBatch, recipeData, tokenName } from "../../data/recipe";
import { MODELS } from "../../models/registry";
import { evaluateRecipes, recipeLoss } from "../../models/sequence-tasks";
import type { Transformer } from "../../models/transformer";
import { Module } from "../../nn/module";
import { Trainer } from "../../train/trainer";
import type { JobSpec } from "../protocol";
import type { SentenceView, TransformerSnapshot } from "../snapshots";
import { registrySchedule } from "./catalog";
import { type Job, seedList } from "./job";

const SAMPLES = 8;

class TransformerBank extends Module {
  readonly models: Transformer[];
  constructor(ctx: Context, seeds: number[]) {
    super(ctx);
    const entry = MODELS.transformer;
    this.models = seeds.map((seed, k) => this.child(String(k), entry.build(ctx, seed) as Transformer));
  }
}

export async function transformerJob(spec: JobSpec, backend: Backend): Promise<Job> {
  const { seed, seeds: count, steps, lr, batch } = spec.settings;
  const data = recipeData({ seed });
  const seeds = seedList(seed, count);
  const schedule = registrySchedule("transformer", steps);
  const trainer = new Trainer<Module>(
    backend,
    {
      build: (ctx) => new TransformerBank(ctx, seeds),
      loss: (m, ctx, step) => {
        const sentences = recipeBatch(data.train, batch, seed, step);
        const losses = (m as TransformerBank).models.map((t) => recipeLoss(t, ctx, sentences));
        return losses.reduce((a, b) => op.add(a, b));
      },
    },
    {
      steps,
      optimizer: { ...MODELS.transformer.train.optimizer, lr },
      ...(schedule ? { schedule } : {}),
      readEvery: 1,
      checkpointEvery: 100,
    },
  );
  const bank = () => trainer.model as TransformerBank;
  const ctx = () => trainer.ctx;

  /** Held-out cross-entropy of every seed. */
  async function testLosses(): Promise<number[]> {
    try {
      const c = ctx();
      const losses = c.noGrad(() => bank().models.map((t) => recipeLoss(t, c, data.test)));
      return (await Promise.all(losses.map((l) => l.read()))).map((l) => l[0]!);
    } finally {
      ctx().endStep();
    }
  }

  const view = (s: RecipeSentence, predicted: number): SentenceView => ({
    tokens: s.tokens.map(tokenName),
    answer: tokenName(s.answer),
    predicted: tokenName(predicted),
    correct: predicted === s.answer,
  });

  return {
    runs: [{ name: "transformer", trainer, lossDivisor: count }],
    info: { runs: [{ name: "transformer", params: bank().models[0]!.parameterCount() }], seeds },
    async testLoss() {
      const loss = await testLosses();
      return [loss.reduce((a, b) => a + b, 0) / loss.length];
    },
    async snapshot(req): Promise<TransformerSnapshot> {
      const loss = await testLosses();
      const best = loss.reduce((b, l, k) => (l < loss[b]! ? k : b), 0);
      const model = bank().models[best]!;
      const ev = await evaluateRecipes(model, ctx(), data.test);
      const index = Math.min(Math.max(0, req.sentence ?? 0), data.test.length - 1);
      const sentence = data.test[index]!;
      const T = sentence.tokens.length;
      let maps: { heads: number; w: Float32Array }[];
      try {
        const ids = ctx().constant(Float32Array.from(sentence.tokens), [1, T]);
        maps = await Promise.all(
          model.attentionMaps(ids).map(async (m) => ({ heads: m.shape[1]!, w: await m.read() })), // (1, nh, T, T)
        );
      } finally {
        ctx().endStep();
      }
      const attention = maps.map(({ heads, w }) =>
        Array.from({ length: heads }, (_, h) =>
          Array.from({ length: T }, (_, i) => Array.from(w.subarray((h * T + i) * T, (h * T + i + 1) * T))),
        ),
      );
      return {
        kind: "transformer",
        seed: seeds[best]!,
        accuracy: ev.accuracy,
        grainWeight: ev.grainWeight,
        samples: data.test.slice(0, SAMPLES).map((s, i) => view(s, ev.predicted[i]!)),
        sentence: view(sentence, ev.predicted[index]!),
        sentenceIndex: index,
        sentenceCount: data.test.length,
        attention,
      };
    },
  };
}

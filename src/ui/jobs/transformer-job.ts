// The transformer page's job: the recipe language of data/recipe.ts (the water amount after WATER depends on the
// grain word and the amount, wherever they stand), trained on the answer token only. K seeds are K models under
// one module whose loss is the sum of theirs; the page shows the seed with the lowest held-out loss.

import * as op from "../../autograd/ops";
import type { Context, Variable } from "../../autograd/variable";
import type { Backend } from "../../backend/contract";
import { packRecipes, type RecipeSentence, recipeBatch, recipeData, tokenName } from "../../data/recipe";
import { Module } from "../../nn/module";
import { Transformer, type TransformerConfig } from "../../models/transformer";
import { Trainer } from "../../train/trainer";
import type { JobSpec } from "../protocol";
import type { SentenceView, TransformerSnapshot } from "../snapshots";
import { type Job, seedList } from "./job";

/** Two blocks of two heads, so the page has layers and heads to compare; otherwise the model's defaults. */
export const TRANSFORMER_SHAPE: Partial<TransformerConfig> = { layers: 2, heads: 2, width: 32 };

const SAMPLES = 8;

class TransformerBank extends Module {
  readonly models: Transformer[];
  constructor(ctx: Context, seeds: number[]) {
    super(ctx);
    this.models = seeds.map((seed, k) => this.child(String(k), new Transformer(ctx, { ...TRANSFORMER_SHAPE, seed })));
  }
}

function batchVars(ctx: Context, sentences: readonly RecipeSentence[]): { ids: Variable; answers: Variable } {
  const { ids, answers } = packRecipes(sentences);
  const T = sentences[0]!.tokens.length;
  return { ids: ctx.constant(ids, [sentences.length, T]), answers: ctx.constant(answers, [sentences.length]) };
}

export async function transformerJob(spec: JobSpec, backend: Backend): Promise<Job> {
  const { seed, seeds: count, steps, lr, batch } = spec.settings;
  const data = recipeData({ seed });
  const seeds = seedList(seed, count);
  const trainer = new Trainer<Module>(
    backend,
    {
      build: (ctx) => new TransformerBank(ctx, seeds),
      loss: (m, ctx, step) => {
        const { ids, answers } = batchVars(ctx, recipeBatch(data.train, batch, seed, step));
        const losses = (m as TransformerBank).models.map((t) => op.crossEntropy(t.lastLogits(ids), answers));
        return losses.reduce((a, b) => op.add(a, b));
      },
    },
    { steps, optimizer: { kind: "adam", lr, clipNorm: 1 }, readEvery: 1, checkpointEvery: 100 },
  );
  const bank = () => trainer.model as TransformerBank;
  const ctx = () => trainer.ctx;

  /** Held-out cross-entropy per seed, and each seed's predicted answer token per held-out sentence. */
  async function evaluate(): Promise<{ loss: number[]; predicted: number[][] }> {
    try {
      const c = ctx();
      const { ids, answers } = batchVars(c, data.test);
      const logits = c.noGrad(() => bank().models.map((t) => t.lastLogits(ids))); // each (N, V)
      const losses = c.noGrad(() => logits.map((l) => op.crossEntropy(l, answers)));
      const [lv, rows] = await Promise.all([
        Promise.all(losses.map((l) => l.read())),
        Promise.all(logits.map((l) => l.read())),
      ]);
      const V = data.vocab;
      const predicted = rows.map((r) =>
        data.test.map((_, i) => {
          let best = 0;
          for (let v = 1; v < V; v++) if (r[i * V + v]! > r[i * V + best]!) best = v;
          return best;
        }),
      );
      return { loss: lv.map((l) => l[0]!), predicted };
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
      const { loss } = await evaluate();
      return [loss.reduce((a, b) => a + b, 0) / loss.length];
    },
    async snapshot(req): Promise<TransformerSnapshot> {
      const { loss, predicted } = await evaluate();
      const best = loss.reduce((b, l, k) => (l < loss[b]! ? k : b), 0);
      const pred = predicted[best]!;
      const index = Math.min(Math.max(0, req.sentence ?? 0), data.test.length - 1);
      const sentence = data.test[index]!;
      let maps: Float32Array[];
      try {
        const c = ctx();
        const ids = c.constant(Float32Array.from(sentence.tokens), [1, sentence.tokens.length]);
        maps = await Promise.all(bank().models[best]!.attentionMaps(ids).map((m) => m.read()));
      } finally {
        ctx().endStep();
      }
      const T = sentence.tokens.length;
      const heads = TRANSFORMER_SHAPE.heads!;
      const attention = maps.map((m) =>
        Array.from({ length: heads }, (_, h) =>
          Array.from({ length: T }, (_, i) => Array.from(m.subarray((h * T + i) * T, (h * T + i + 1) * T))),
        ),
      );
      const correct = pred.filter((p, i) => p === data.test[i]!.answer).length;
      return {
        kind: "transformer",
        seed: seeds[best]!,
        accuracy: correct / data.test.length,
        samples: data.test.slice(0, SAMPLES).map((s, i) => view(s, pred[i]!)),
        sentence: view(sentence, pred[index]!),
        sentenceIndex: index,
        sentenceCount: data.test.length,
        attention,
      };
    },
  };
}

// The transformer page's job: the registry's transformer on the recipe language of data/recipe.ts (the water
// amount after WATER depends on the grain word and the amount, wherever they stand), trained on the answer token
// (models/sequence-tasks.ts). K seeds are the run layer's transformer bank (run/transformer-bank.ts), the one the
// command-line trainer trains too; the page shows the seed with the lowest held-out loss. Optimizer and schedule are the registry's, with the panel's rate and steps.

import type { Backend } from "../../backend/contract";
import { type RecipeSentence, tokenName } from "../../data/recipe";
import type { JobSpec } from "../../io/types";
import { MODELS, registrySchedule } from "../../models/registry";
import { evaluateRecipes, recipeLoss } from "../../models/sequence-tasks";
import { transformerSeeds } from "../../run/transformer-bank";
import type { SentenceView, TransformerSnapshot } from "../snapshots";
import { type Job, seedList } from "./job";

const SAMPLES = 8;

export async function transformerJob(spec: JobSpec, backend: Backend): Promise<Job> {
  const { seed, seeds: count, steps, lr, batch } = spec.settings;
  const seeds = seedList(seed, count);
  const schedule = registrySchedule("transformer", steps);
  const { trainer, data, bank } = await transformerSeeds(backend, {
    seeds,
    dataSeed: seed,
    batch,
    ...(spec.arch?.transformer ? { arch: spec.arch.transformer } : {}),
    config: {
      steps,
      optimizer: { ...MODELS.transformer.train.optimizer, lr },
      ...(schedule ? { schedule } : {}),
      readEvery: 1,
      checkpointEvery: 100,
    },
  });
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

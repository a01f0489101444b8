// The language-model page's job: the character-level GPT (models/char-gpt.ts) on a text corpus from its npm
// package (bundled by Vite), one seed. The spec's model is "char-gpt-<dataset>-<preset>"; the panel's rate, steps,
// batch and seed replace the preset's (the schedule's warmup and final rate keep the preset's proportions).
// Held-out loss: fixed validation batches. Snapshots: samples written by the current weights (the page's prompt,
// temperature, top-k and seed), attention maps per layer and head over a held-out snippet, the baselines, and the
// training speed in tokens per second and GFLOP/s (2·FLOPs of the forward per token for the backward, as usual).

import type { Backend } from "../../backend/contract";
import { viteCorpusSource } from "../../data/text/sources-vite";
import { VocabError } from "../../data/text/vocab";
import type { JobSpec } from "../../io/types";
import type { CharGptConfig } from "../../models/char-gpt";
import { charGptParamCount } from "../../models/char-gpt";
import { SampleError, sampleCharGpt } from "../../models/char-gpt-sample";
import { charGptTrainConfig, evaluateCharGpt } from "../../models/char-gpt-train";
import { lmModel, prepareCharGpt } from "../../run/run-char-gpt";
import { Trainer } from "../../train/trainer";
import type { LmSnapshot } from "../lm-snapshot";
import type { Job } from "./job";

/** Training FLOPs per token: 3 × (2 × the matmul weights + the attention's 2·2·T·C per layer, causal ~half). */
export function flopsPerToken(c: CharGptConfig): number {
  const C = c.width;
  const matmul = c.layers * (4 * C * C + 8 * C * C) + c.vocab * C;
  const attention = c.layers * 2 * c.context * C;
  return 3 * 2 * (matmul + attention);
}

const SNIPPET = 32;

export async function lmJob(spec: JobSpec, backend: Backend): Promise<Job> {
  const { dataset, preset } = lmModel(spec.model);
  const s = spec.settings;
  const options = {
    model: "char-gpt",
    dataset,
    preset,
    steps: s.steps,
    lr: s.lr,
    seed: s.seed,
    batch: s.batch,
  };
  const { data, config, task, training, valBatches } = await prepareCharGpt(
    backend,
    options,
    viteCorpusSource,
  );
  const trainer = new Trainer(backend, task, { ...charGptTrainConfig(training, 1), checkpointEvery: 100 });
  // The held-out snippet the attention maps are drawn over: the start of the validation text.
  const snippetIds = Array.from(data.val.subarray(0, Math.min(SNIPPET, config.context, data.val.length)));
  const perToken = flopsPerToken(config);
  let lastTime = performance.now();
  let lastStep = 0;

  return {
    runs: [{ name: "char-gpt", trainer, lossDivisor: 1 }],
    info: { runs: [{ name: "char-gpt", params: charGptParamCount(config) }], seeds: [s.seed] },
    async testLoss() {
      return [await evaluateCharGpt(trainer.model, valBatches)];
    },
    async snapshot(req): Promise<LmSnapshot> {
      const model = trainer.model;
      const now = performance.now();
      const steps = trainer.step - lastStep;
      const tokensPerSecond =
        steps > 0 ? (steps * training.batch * config.context * 1000) / (now - lastTime) : 0;
      lastTime = now;
      lastStep = trainer.step;
      const ctx = trainer.ctx;
      let attention: number[][][][] = [];
      try {
        const T = snippetIds.length;
        const maps = model.attentionMaps(ctx.constant(Float32Array.from(snippetIds), [1, T]));
        const read = await Promise.all(maps.map((m) => m.read()));
        attention = read.map((w) =>
          Array.from({ length: config.heads }, (_, h) =>
            Array.from({ length: T }, (_, i) => Array.from(w.subarray((h * T + i) * T, (h * T + i + 1) * T))),
          ),
        );
      } finally {
        ctx.endStep();
      }
      let sample = "";
      let sampleError = "";
      try {
        sample = await sampleCharGpt(model, data.vocab, {
          prompt: req.prompt ?? "",
          tokens: req.tokens ?? (dataset === "names" ? 60 : 160),
          temperature: req.temperature ?? 0.8,
          ...(req.topK !== undefined ? { topK: req.topK } : {}),
          seed: req.sampleSeed ?? 1,
          boundary: data.boundary,
        });
      } catch (e) {
        if (!(e instanceof VocabError || e instanceof SampleError)) throw e;
        sampleError = e.message;
      }
      return {
        kind: "lm",
        dataset,
        preset,
        config,
        vocab: data.vocab.toJSON(),
        baselines: { unigram: data.baselines.unigram, bigram: data.baselines.bigram },
        tokensPerSecond,
        gflops: (tokensPerSecond * perToken) / 1e9,
        prompt: req.prompt ?? "",
        sample,
        sampleError,
        snippet: data.vocab.decode(snippetIds),
        attention,
      };
    },
  };
}

// The character-level GPT on the CPU backend: parameter count against a hand formula, weight tying, sampling
// (deterministic per seed, top-k respected, prompts checked), weights files (round trip; another vocabulary or
// shape refused), optimizer groups (no decay on biases and LayerNorm), and a shortened run of the `tiny` preset
// on the names corpus that must end below the bigram baseline on held-out names.

import { describe, expect, test } from "vitest";
import { Context } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { loadCorpus } from "../../src/data/text/corpus";
import { nodeCorpusSource } from "../../src/data/text/sources-node";
import { Vocab, VocabError } from "../../src/data/text/vocab";
import { CharGPT, type CharGptConfig, charGptParamCount } from "../../src/models/char-gpt";
import { CHAR_GPT_PRESETS, charGptPreset } from "../../src/models/char-gpt-presets";
import { sampleCharGpt, sampleFromLogits } from "../../src/models/char-gpt-sample";
import {
  charGptConfigFor,
  charGptTask,
  charGptTrainConfig,
  charGptValidationBatches,
  encodeCorpus,
  evaluateCharGpt,
} from "../../src/models/char-gpt-train";
import { loadCharGpt, saveCharGpt, WeightsMismatchError } from "../../src/models/char-gpt-weights";
import { Optimizer } from "../../src/nn/optim";
import { Trainer } from "../../src/train/trainer";
import { Rng } from "../../src/util/rng";

const be = new CpuBackend();
const small: CharGptConfig = {
  vocab: 11,
  context: 8,
  width: 16,
  heads: 2,
  layers: 2,
  tieWeights: true,
  seed: 3,
};

describe("parameters", () => {
  // Per block: two LayerNorms (γ, β), four C×C projections with biases, the MLP C→4C→C with biases.
  const hand = (V: number, T: number, C: number, L: number, tied: boolean) =>
    V * C +
    T * C +
    L * (4 * C + 4 * C * C + 4 * C + 4 * C * C + 4 * C + 4 * C * C + C) +
    2 * C +
    (tied ? 0 : C * V);

  test("the built model, the formula and a hand count agree, tied and untied", () => {
    for (const tieWeights of [true, false]) {
      const c = { ...small, tieWeights };
      const m = new CharGPT(new Context(be), c);
      expect(m.parameterCount()).toBe(hand(11, 8, 16, 2, tieWeights));
      expect(charGptParamCount(c)).toBe(m.parameterCount());
      expect(m.head === null).toBe(tieWeights);
    }
  });

  test("the small preset with Moby-Dick's 81 characters has about 0.8 M parameters", () => {
    const c = { vocab: 81, ...CHAR_GPT_PRESETS.small.model, tieWeights: true, seed: 1 };
    expect(charGptParamCount(c)).toBe(hand(81, 64, 128, 4, true));
    expect(charGptParamCount(c)).toBe(811_904);
  });

  test("a bad shape is refused before building, naming it", () => {
    expect(() => new CharGPT(new Context(be), { ...small, heads: 3 })).toThrow(
      "width 16 is not divisible by heads 3",
    );
    expect(() => new CharGPT(new Context(be), { ...small, layers: 0 })).toThrow(
      "layers must be an integer >= 1",
    );
    const m = new CharGPT(new Context(be), small);
    expect(() => m.forward(m.ctx.constant(new Float32Array(9), [1, 9]))).toThrow(
      "input length 9 exceeds the context 8",
    );
  });
});

test("weight decay applies to matrices only", async () => {
  const ctx = new Context(be);
  const m = new CharGPT(ctx, small);
  const before = await Promise.all(m.parameters().map((p) => p.read()));
  const opt = new Optimizer(m.parameters(), {
    kind: "adam",
    lr: 0.1,
    weightDecay: 0.5,
    decayMatricesOnly: true,
  });
  opt.step().dispose(); // no gradients: only the decay moves parameters
  const after = await Promise.all(m.parameters().map((p) => p.read()));
  m.parameters().forEach((p, i) => {
    const moved = after[i]!.some((v, j) => v !== before[i]![j]);
    const nonzero = before[i]!.some((v) => v !== 0);
    expect(moved, p.name).toBe(p.shape.length >= 2 && nonzero);
  });
});

describe("sampling", () => {
  const vocab = new Vocab(["\n", ..."abcdefghij"]);

  test("deterministic per seed, different across seeds, only vocabulary characters", async () => {
    const m = new CharGPT(new Context(be), small);
    const a = await sampleCharGpt(m, vocab, { prompt: "abc", tokens: 20, seed: 5 });
    expect(a).toHaveLength(20);
    expect(vocab.unknown(a)).toEqual([]);
    expect(await sampleCharGpt(m, vocab, { prompt: "abc", tokens: 20, seed: 5 })).toBe(a);
    expect(await sampleCharGpt(m, vocab, { prompt: "abc", tokens: 20, seed: 6 })).not.toBe(a);
    // Longer than the context: the window slides.
    expect(await sampleCharGpt(m, vocab, { prompt: "abcdefghijabc", tokens: 3, seed: 1 })).toHaveLength(3);
  });

  test("an empty prompt starts from the boundary; a prompt outside the vocabulary is refused, naming the characters", async () => {
    const m = new CharGPT(new Context(be), small);
    const empty = await sampleCharGpt(m, vocab, { prompt: "", tokens: 5, seed: 2 });
    expect(await sampleCharGpt(m, vocab, { prompt: "\n", tokens: 5, seed: 2 })).toBe(empty);
    await expect(sampleCharGpt(m, vocab, { prompt: "aXbY", tokens: 5 })).rejects.toThrow(VocabError);
    await expect(sampleCharGpt(m, vocab, { prompt: "aXbY", tokens: 5 })).rejects.toThrow(
      "prompt has 2 characters outside the vocabulary: 'X', 'Y'",
    );
    await expect(sampleCharGpt(m, vocab, { tokens: 5, topK: 12 })).rejects.toThrow(
      "top-k must be an integer in [1, 11]",
    );
  });

  test("top-k draws only among the k largest logits; temperature 0 is the argmax", () => {
    const logits = [0.5, 3, -1, 2.9, 1, 2.95, 0];
    const rng = new Rng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampleFromLogits(logits, 1, 3, rng));
    expect([...seen].sort()).toEqual([1, 3, 5]);
    const all = new Set<number>();
    for (let i = 0; i < 4000; i++) all.add(sampleFromLogits(logits, 5, undefined, rng));
    expect(all.size).toBe(7);
    expect(sampleFromLogits(logits, 0, undefined, rng)).toBe(1);
    expect(sampleFromLogits(logits, 1, 1, rng)).toBe(1);
  });
});

describe("weights files", () => {
  const vocab = new Vocab(["\n", ..."abcdefghij"]);

  test("a saved model loads with the same outputs", async () => {
    const m = new CharGPT(new Context(be), small);
    const file = JSON.parse(JSON.stringify(await saveCharGpt(m, vocab, { dataset: "test", step: 7 })));
    const { model: m2, vocab: v2 } = loadCharGpt(new Context(be), file, { vocab });
    expect(v2.chars).toEqual(vocab.chars);
    const ids = Float32Array.from([1, 2, 3, 0, 5]);
    const a = await m.forward(m.ctx.constant(ids, [1, 5])).read();
    const b = await m2.forward(m2.ctx.constant(ids, [1, 5])).read();
    expect(b).toEqual(a);
  });

  test("another vocabulary or shape is refused, naming the mismatch", async () => {
    const m = new CharGPT(new Context(be), small);
    const file = JSON.parse(JSON.stringify(await saveCharGpt(m, vocab, { dataset: "test", step: 7 })));
    const other = new Vocab(["\n", ..."abcdefghiz"]);
    expect(() => loadCharGpt(new Context(be), file, { vocab: other })).toThrow(WeightsMismatchError);
    expect(() => loadCharGpt(new Context(be), file, { vocab: other })).toThrow(
      "character 10 is 'j' instead of 'z'",
    );
    expect(() => loadCharGpt(new Context(be), file, { vocab: new Vocab(["a"]) })).toThrow(
      "11 characters instead of 1",
    );
    expect(() => loadCharGpt(new Context(be), file, { config: { width: 32 } })).toThrow(
      "width is 16 in the file, 32 here",
    );
    const broken = { ...file, params: { ...file.params, "lnF.gamma": { shape: [3], data: [1, 1, 1] } } };
    expect(() => loadCharGpt(new Context(be), broken)).toThrow(
      "parameter 'lnF.gamma' has shape [3], the model [16]",
    );
    expect(() => loadCharGpt(new Context(be), { format: "other" })).toThrow("not a char-gpt weights file");
  });
});

test("a shortened tiny run on names beats the bigram baseline on held-out names", async () => {
  const data = encodeCorpus(await loadCorpus("names", nodeCorpusSource));
  const preset = charGptPreset("tiny");
  const training = { ...preset.training, steps: TINY_TEST_STEPS };
  const config = charGptConfigFor(data.vocab, preset.model);
  const trainer = new Trainer(be, charGptTask(data, config, training), charGptTrainConfig(training, 50));
  const valBatches = charGptValidationBatches(data, config.context, 64, 8);
  const before = await evaluateCharGpt(trainer.model, valBatches);
  expect(before).toBeGreaterThan(data.baselines.unigram); // an untrained model is near ln(V)
  await trainer.run();
  const after = await evaluateCharGpt(trainer.model, valBatches);
  expect(after, `val ${after} against bigram ${data.baselines.bigram}`).toBeLessThan(data.baselines.bigram);
  const text = await sampleCharGpt(trainer.model, data.vocab, { tokens: 40, seed: 1, topK: 10 });
  expect(data.vocab.unknown(text)).toEqual([]);
}, 180_000);

// A quarter of the preset's 1,200 steps, with the schedule compressed to 300.
const TINY_TEST_STEPS = 300;

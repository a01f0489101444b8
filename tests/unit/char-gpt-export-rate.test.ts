// A char-gpt weights file taken to PyTorch records the learning rate its last step ran at, so that a run resumed
// there goes on at that rate. A file without that rate (written by hand, or by an older workbench) takes it from
// its recipe: the preset's warmup and cosine at the file's own peak rate, not the preset's.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import { loadCorpus } from "../../src/data/text/corpus";
import { nodeCorpusSource } from "../../src/data/text/sources-node";
import { charGptWeightsFromTorch, exportCharGptWeights } from "../../src/io/torch-char-gpt";
import { CHAR_GPT_PRESETS } from "../../src/models/char-gpt-presets";
import { runCharGpt } from "../../src/run/run-char-gpt";

const STEPS = 12;
const PEAK = 0.02; // twice the tiny preset's peak

describe("char-gpt export: the rate of the last step", () => {
  test("a file trained at another peak rate, without its last rate, exports the rate its last step ran at", async () => {
    const be = new CpuBackend();
    const names = await loadCorpus("names", nodeCorpusSource);
    const opts = {
      model: "char-gpt",
      dataset: "names",
      preset: "tiny",
      steps: STEPS,
      lr: PEAK,
      batch: 4,
    } as const;
    const { weights } = await runCharGpt(be, opts, nodeCorpusSource);
    expect(weights.lr).toBe(PEAK);
    const recorded = weights.finalLr!;

    // Warmup of min(10, STEPS - 1) steps, then a cosine from PEAK to a tenth of it at STEPS (the tiny preset's
    // ratio); the last step is 0-based step STEPS - 1.
    const tiny = CHAR_GPT_PRESETS.tiny.training;
    const warmup = Math.min(tiny.warmup, STEPS - 1);
    const progress = (STEPS - 1 - warmup) / (STEPS - warmup);
    const min = tiny.minLr / tiny.lr;
    const want = PEAK * (min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    expect(recorded).toBeCloseTo(want, 12);
    expect(Math.abs(want - tiny.minLr)).toBeGreaterThan(1e-3); // the preset's final rate would be wrong here

    const { finalLr: _drop, ...bare } = weights;
    for (const file of [weights, bare]) {
      const { bytes } = await exportCharGptWeights(be, file, names);
      const back = charGptWeightsFromTorch(be, bytes);
      expect(back.finalLr).toBeCloseTo(want, 7);
      expect(back.lr).toBeCloseTo(PEAK, 7);
    }
  }, 60_000);
});

// char-gpt from a weights file saved at step k goes on along the schedule: N more steps take the rates and batches
// of steps k.. of a run of k + N steps (as the other models' --load does, resume-schedule.test.ts). Seen from
// outside the trainer: the first loss of the run from the file is the file's weights on the batch of step k, and
// the first step of Adam from fresh moments moves every vector parameter (no weight decay) by the step's rate.

import { describe, expect, test } from "vitest";
import { Context } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { trainingBatch } from "../../src/data/text/batches";
import { loadCorpus } from "../../src/data/text/corpus";
import { nodeCorpusSource } from "../../src/data/text/sources-node";
import { batchVariables, charGptFinalLr, encodeCorpus } from "../../src/models/char-gpt-train";
import { type CharGptWeights, loadCharGpt } from "../../src/models/char-gpt-weights";
import { charGptSetup, runCharGpt } from "../../src/run/run-char-gpt";

const K = 12;
const options = { model: "char-gpt", dataset: "names", batch: 4, seed: 2 } as const;

/** The loss of a weights file on the training batch of `step`. */
async function lossAt(file: CharGptWeights, step: number): Promise<number> {
  const be = new CpuBackend();
  const data = encodeCorpus(await loadCorpus("names", nodeCorpusSource));
  const ctx = new Context(be);
  const { model } = loadCharGpt(ctx, file, { vocab: data.vocab });
  const { training } = charGptSetup({ ...options, steps: 1 });
  const b = trainingBatch(data.train, training.batch, file.config.context, training.dataSeed, step);
  const { ids, targets } = batchVariables(ctx, b);
  const [v] = await be.read(model.loss(ids, targets).value);
  return v!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

describe("char-gpt from a file at step k", () => {
  test("one more step takes the batch and the rate of step k of a (k + 1)-step run", async () => {
    const be = new CpuBackend();
    const first = await runCharGpt(be, { ...options, steps: K }, nodeCorpusSource);
    expect(first.weights.step).toBe(K);
    const on = await runCharGpt(
      be,
      { ...options, steps: 1, weights: JSON.stringify(first.weights) },
      nodeCorpusSource,
    );

    // The batch: step k's, not step 0's (which a restarted order would take).
    const atK = await lossAt(first.weights, K);
    const at0 = await lossAt(first.weights, 0);
    expect(Math.abs(atK - at0)).toBeGreaterThan(1e-3);
    expect(on.report.loss[0]!.loss).toBeCloseTo(atK, 5);

    // The rate: a run of k + 1 steps from scratch has this rate at its last step (charGptSetup's own schedule);
    // a restarted schedule would take its first step's, the peak.
    const want = charGptFinalLr(charGptSetup({ ...options, steps: K + 1 }).training, K + 1);
    const restarted = charGptFinalLr(charGptSetup({ ...options, steps: 1 }).training, 1);
    expect(Math.abs(want - restarted) / restarted).toBeGreaterThan(0.5);
    // Adam's first step from zero moments moves an undecayed parameter by lr · g / (|g| + eps), so by the rate
    // wherever |g| is far above eps: the median over the vector parameters (biases, norm gains).
    const moved: number[] = [];
    for (const [name, p] of Object.entries(first.weights.params)) {
      if (p.shape.length !== 1) continue;
      const q = on.weights.params[name]!.data;
      for (const [i, v] of p.data.entries()) if (q[i] !== v) moved.push(Math.abs(q[i]! - v));
    }
    expect(moved.length).toBeGreaterThan(50);
    expect(Math.abs(median(moved) - want)).toBeLessThanOrEqual(1e-3 * want);

    // The file written back records the schedule it went along and where it ended.
    expect(on.weights.step).toBe(K + 1);
    expect(on.weights.steps).toBe(K + 1);
    expect(on.weights.finalLr).toBeCloseTo(want, 12);
  }, 120_000);
});

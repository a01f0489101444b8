// In-browser half of tests/gpu/soak.test.ts: a long run of the registry's `experts-attention` (or of the language
// model's tiny preset) on WebGPU, trained in chunks so the Node side can read the browser's heap between them; the buffer pool's counters are sampled every
// 100 steps, the checkpoint at one chosen chunk's end is kept, and a second trainer restored from it loses its device
// at a chosen step and resumes, for its losses to be compared with the long run's. Each chunk's losses go to the Node
// side and leave the trainer's history, so the page's heap holds no per-step data and only a leak would grow it.

import { WebGPUBackend } from "../../src/backend/webgpu";
import { loadCorpus } from "../../src/data/text/corpus";
import { viteCorpusSource } from "../../src/data/text/sources-vite";
import {
  charGptConfigFor,
  charGptTask,
  charGptTrainConfig,
  encodeCorpus,
} from "../../src/models/char-gpt-train";
import { modelEntry } from "../../src/models/registry";
import type { Module } from "../../src/nn/module";
import { charGptSetup } from "../../src/run/run-char-gpt";
import type { Checkpoint } from "../../src/train/checkpoint";
import { restoreCheckpoint } from "../../src/train/checkpoint";
import { type TrainConfig, Trainer } from "../../src/train/trainer";

const entry = modelEntry("experts-attention");

/** The language model's `tiny` preset on the names corpus, as `npm run train -- char-gpt --dataset names` trains it. */
async function charGptTrainer(gpu: WebGPUBackend, checkpointEvery: number): Promise<Trainer<Module>> {
  const { dataset, training, shape, seed } = charGptSetup({
    model: "char-gpt",
    dataset: "names",
    preset: "tiny",
  });
  const data = encodeCorpus(await loadCorpus(dataset, viteCorpusSource));
  const task = charGptTask(data, charGptConfigFor(data.vocab, shape, { seed }), training);
  return new Trainer<Module>(gpu, task, { ...charGptTrainConfig(training), steps: 0, checkpointEvery });
}

interface PoolSample {
  step: number;
  bytesInUse: number;
  bytesFree: number;
  allocations: number;
}

let soak: { gpu: WebGPUBackend; trainer: Trainer<Module>; keepAt: number; kept: Checkpoint | null } | null =
  null;

const config = (steps: number, checkpointEvery: number): TrainConfig => ({
  steps,
  optimizer: entry.train.optimizer,
  readEvery: 1,
  checkpointEvery,
});

const api = {
  /**
   * A new long run of experts-attention, or of char-gpt's tiny preset (its loss read every 10 steps, as the CLI does
   * on WebGPU); the checkpoint at step `keepAt` (a chunk's end) is kept for `resumeAfterLoss`.
   */
  async start(
    checkpointEvery: number,
    keepAt: number,
    model: "experts-attention" | "char-gpt" = "experts-attention",
  ) {
    const gpu = await WebGPUBackend.create();
    const trainer =
      model === "char-gpt"
        ? await charGptTrainer(gpu, checkpointEvery)
        : new Trainer<Module>(gpu, entry.task(), config(0, checkpointEvery));
    soak = { gpu, trainer, keepAt, kept: null };
    return gpu.description;
  },

  /** Train the long run on to `toStep`; returns the chunk's losses and pool samples, and the time it took. */
  async runTo(toStep: number) {
    if (!soak) throw new Error("start first");
    const { gpu, trainer } = soak;
    (trainer.config as { steps: number }).steps = toStep;
    const samples: PoolSample[] = [];
    const t0 = performance.now();
    await trainer.run({
      onStep: (r) => {
        if ((r.step + 1) % 100 === 0)
          samples.push({
            step: r.step + 1,
            bytesInUse: gpu.rt.pool.bytesInUse,
            bytesFree: gpu.rt.pool.bytesFree,
            allocations: gpu.rt.pool.allocations,
          });
      },
    });
    const ms = performance.now() - t0;
    const cp = trainer.checkpoint;
    if (cp?.step === soak.keepAt) soak.kept = cp;
    const steps = trainer.history.map((r) => r.step);
    const losses = trainer.history.map((r) => r.loss);
    trainer.history.length = 0;
    return { samples, ms, step: trainer.step, checkpointStep: cp?.step ?? -1, steps, losses };
  },

  /**
   * From the long run's checkpoint at `from`, train to `to` on a new device whose `device.destroy()` is called when
   * step `lossAt` has been recorded; training resumes on another new device from its last checkpoint.
   */
  async resumeAfterLoss(from: number, to: number, lossAt: number, checkpointEvery: number) {
    const cp = soak?.kept;
    if (cp?.step !== from) throw new Error(`no checkpoint kept at step ${from}`);
    const gpu = await WebGPUBackend.create();
    const t = new Trainer<Module>(gpu, entry.task(), config(to, checkpointEvery));
    restoreCheckpoint(cp, t.model, t.opt);
    t.step = cp.step;
    t.checkpoint = cp;
    const recoveries: { fromStep: number; toStep: number; reason: string }[] = [];
    let destroyed = false;
    await t.run({
      onStep: (r) => {
        if (r.step === lossAt && !destroyed) {
          destroyed = true;
          gpu.rt.device.destroy();
        }
      },
      recover: async () => WebGPUBackend.create(),
      onRecover: (r) => recoveries.push({ fromStep: r.fromStep, toStep: r.toStep, reason: r.reason }),
    });
    return {
      recoveries,
      steps: t.history.map((r) => r.step),
      losses: t.history.map((r) => r.loss),
      finalStep: t.step,
    };
  },

  /** The page's own view of its heap (Chromium's coarse performance.memory), for the log only. */
  heap(): number {
    return (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? -1;
  },
};

declare global {
  interface Window {
    soakChecks: typeof api;
  }
}
window.soakChecks = api;
document.body.dataset.ready = "1";

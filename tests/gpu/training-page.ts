// In-browser half of tests/gpu/training.test.ts: trains the small model families on WebGPU and on the CPU and
// reports losses, memory and recovery facts for the Node side to assert on.

import type { Backend } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import { WebGPUBackend } from "../../src/backend/webgpu";
import type { Module } from "../../src/nn/module";
import { type TrainConfig, Trainer, TrainingError } from "../../src/train/trainer";
import { Rng } from "../../src/util/rng";
import { type Family, familyTask } from "./families";

const config = (steps: number): TrainConfig => ({
  steps,
  optimizer: { kind: "adam", lr: 0.01 },
  readEvery: 1,
});

async function losses(backend: Backend, family: Family, steps: number): Promise<number[]> {
  const t = new Trainer<Module>(backend, familyTask(family), config(steps));
  await t.run();
  return t.history.map((r) => r.loss);
}

const api = {
  async adapter() {
    const gpu = await WebGPUBackend.create();
    return gpu.description;
  },

  /** The same family, seed and steps on both backends. */
  async parity(family: Family, steps: number) {
    const gpu = await WebGPUBackend.create();
    return { gpu: await losses(gpu, family, steps), cpu: await losses(new CpuBackend(), family, steps) };
  },

  /** Pool bytes in use and buffer allocations sampled while training `steps` steps on WebGPU. */
  async memory(family: Family, steps: number, every: number) {
    const gpu = await WebGPUBackend.create();
    const t = new Trainer<Module>(gpu, familyTask(family), {
      ...config(steps),
      readEvery: every,
      checkpointEvery: steps,
    });
    const samples: { step: number; bytesInUse: number; allocations: number }[] = [];
    await t.run({
      onStep: (r) =>
        samples.push({
          step: r.step,
          bytesInUse: gpu.rt.pool.bytesInUse,
          allocations: gpu.rt.pool.allocations,
        }),
    });
    return { samples, finalLoss: t.history.at(-1)?.loss ?? Number.NaN };
  },

  /** Dispatches per training step after warm-up. */
  async dispatches(family: Family) {
    const gpu = await WebGPUBackend.create();
    const t = new Trainer<Module>(gpu, familyTask(family), { ...config(3), checkpointEvery: 1000 });
    await t.run();
    const before = gpu.rt.dispatchCount;
    const t2 = t.config.steps;
    (t.config as { steps: number }).steps = t2 + 5;
    await t.run();
    return (gpu.rt.dispatchCount - before) / 5;
  },

  /** Destroy the device at `lossAt` steps; continue on a new WebGPU device or on the CPU. */
  async deviceLoss(
    family: Family,
    steps: number,
    lossAt: number,
    checkpointEvery: number,
    to: "webgpu" | "cpu",
  ) {
    const gpu = await WebGPUBackend.create();
    const t = new Trainer<Module>(gpu, familyTask(family), { ...config(steps), checkpointEvery });
    const recoveries: { fromStep: number; toStep: number; backend: string; reason: string }[] = [];
    await t.run({
      onStep: (r) => {
        if (r.step === lossAt - 1 && recoveries.length === 0) gpu.rt.device.destroy();
      },
      recover: async () => (to === "cpu" ? new CpuBackend() : await WebGPUBackend.create()),
      onRecover: (i) => recoveries.push({ ...i, backend: i.backend.name }),
    });
    const steps_ = t.history.map((r) => r.step);
    return {
      recoveries,
      steps: steps_,
      finalStep: t.step,
      finalBackend: t.backend.name,
      lastLoss: t.history.at(-1)?.loss,
    };
  },

  /**
   * Device loss at any moment: `trials` runs of `family`, each with `device.destroy()` fired from a timer at a random
   * moment of the run (most of a step's time here is spent in readbacks), resumed on a new device from the last
   * checkpoint. Each run's losses are compared by the Node side with an uninterrupted run of the same seed.
   */
  async lossAtRandomMoments(
    family: Family,
    steps: number,
    checkpointEvery: number,
    trials: number,
    seed: number,
  ) {
    const cfg = { ...config(steps), checkpointEvery };
    const clean = new Trainer<Module>(await WebGPUBackend.create(), familyTask(family), cfg);
    await clean.run();
    // The time of a run once the pipelines are compiled: a second uninterrupted run.
    const again = new Trainer<Module>(await WebGPUBackend.create(), familyTask(family), cfg);
    // Time per step once the device's pipelines are compiled (the first steps compile them).
    const stamps: number[] = [];
    await again.run({ onStep: () => stamps.push(performance.now()) });
    const stepMs = (stamps.at(-1)! - stamps[4]!) / (stamps.length - 5);
    const ms = stepMs * steps;
    const reference = clean.history.map((r) => r.loss);
    const rng = new Rng(seed);
    const runs: {
      delayMs: number;
      fired: number;
      recoveries: { fromStep: number; toStep: number; reason: string }[];
      losses: number[];
    }[] = [];
    for (let i = 0; i < trials; i++) {
      const gpu = await WebGPUBackend.create();
      const t = new Trainer<Module>(gpu, familyTask(family), cfg);
      // After a random step, a timer of a random fraction of up to three steps' time: the destroy lands anywhere in
      // the steps that follow (a dispatch, a submit, a checkpoint, mostly a readback in flight).
      const after = rng.int(Math.floor(steps / 2));
      const delayMs = rng.uniform(0, 2 * stepMs);
      let timer: ReturnType<typeof setTimeout> | undefined;
      let fired = -1;
      const recoveries: { fromStep: number; toStep: number; reason: string }[] = [];
      await t.run({
        onStep: (r) => {
          if (r.step === after && timer === undefined)
            timer = setTimeout(() => {
              fired = t.step;
              gpu.rt.device.destroy();
            }, delayMs);
        },
        recover: async () => WebGPUBackend.create(),
        onRecover: (r) => recoveries.push({ fromStep: r.fromStep, toStep: r.toStep, reason: r.reason }),
      });
      clearTimeout(timer);
      runs.push({
        delayMs: after * (ms / steps) + delayMs,
        fired,
        recoveries,
        losses: t.history.map((r) => r.loss),
      });
    }
    return { reference, ms, runs };
  },

  /** Feed a NaN input at step `at`: training must stop naming that step, with finite parameters kept. */
  async nanStop(at: number) {
    const gpu = await WebGPUBackend.create();
    const task = familyTask("mlp", 1, { nanAtStep: at });
    const t = new Trainer<Module>(gpu, task, { ...config(at + 5), readEvery: 1 });
    let message = "";
    let errorStep = -1;
    try {
      await t.run();
    } catch (e) {
      if (!(e instanceof TrainingError)) throw e;
      message = e.message;
      errorStep = e.step;
    }
    const params = await Promise.all(t.model.parameters().map((p) => p.read()));
    const allFinite = params.every((a) => a.every(Number.isFinite));
    return { message, errorStep, allFinite, historyLength: t.history.length };
  },
};

declare global {
  interface Window {
    trainingChecks: typeof api;
  }
}
window.trainingChecks = api;
document.body.dataset.ready = "1";

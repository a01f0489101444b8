// Training on the wasm backend: the families of tests/gpu/families.ts (MLP, attention mixture, transformer) for
// 200 Adam steps against the CPU backend, every step's loss within 1% (the bound of the WebGPU parity test,
// tests/gpu/training.test.ts), on one thread and on two with the pool used for every size; the arena's bytes in
// use stay flat from step to step; and a worker that dies mid-training is a lost device naming the op: training
// resumes from its last checkpoint (the last good weights) on a new backend.

import { afterAll, describe, expect, test } from "vitest";
import type { Backend } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import { WasmBackend, WasmWorkerLostError } from "../../src/backend/wasm";
import type { Module } from "../../src/nn/module";
import { type TrainConfig, Trainer } from "../../src/train/trainer";
import { FAMILIES, type Family, familyTask } from "../gpu/families";

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

const made: WasmBackend[] = [];
afterAll(() => {
  for (const b of made) b.dispose();
});

async function wasm(threads: number): Promise<WasmBackend> {
  const b = await WasmBackend.create({ threads, cutover: { flops: 0, rowElements: 0 } });
  made.push(b);
  expect(b.threads).toBe(threads);
  return b;
}

for (const threads of [1, 2]) {
  describe(`training parity on wasm, ${threads} thread${threads === 1 ? "" : "s"}`, () => {
    for (const family of FAMILIES) {
      test(`${family}: 200 steps, loss within 1% of the CPU backend at every step`, async () => {
        const be = await wasm(threads);
        const w = await losses(be, family, 200);
        const cpu = await losses(new CpuBackend(), family, 200);
        expect(w).toHaveLength(200);
        let worst = 0;
        w.forEach((l, i) => {
          const rel = Math.abs(l - cpu[i]!) / Math.abs(cpu[i]!);
          worst = Math.max(worst, rel);
          expect(rel, `step ${i}: wasm ${l} vs cpu ${cpu[i]}`).toBeLessThanOrEqual(0.01);
        });
        expect(cpu[199]!).toBeLessThan(cpu[0]!);
        console.log(
          `${family} (${threads} thread(s)): max relative wasm/cpu deviation ${worst.toExponential(2)}`,
        );
      }, 60_000);
    }
  });
}

test("the arena's bytes in use stay flat over 300 transformer steps", async () => {
  const be = await wasm(2);
  const t = new Trainer<Module>(be, familyTask("transformer"), { ...config(300), checkpointEvery: 1000 });
  const samples: number[] = [];
  await t.run({
    onStep: (r) => {
      if (r.step >= 10 && r.step % 10 === 0) samples.push(be.engine.arena.bytesInUse);
    },
  });
  expect(samples.length).toBeGreaterThan(20);
  expect(Math.max(...samples) - Math.min(...samples)).toBeLessThanOrEqual(samples[0]! * 0.05);
}, 60_000);

describe("a worker that dies", () => {
  test("is a lost device naming the op; training resumes from the last checkpoint on a new backend", async () => {
    const be = await wasm(2);
    const t = new Trainer<Module>(be, familyTask("transformer"), { ...config(40), checkpointEvery: 10 });
    const recoveries: { fromStep: number; toStep: number; backend: string; reason: string }[] = [];
    const errors: unknown[] = [];
    let checkpointAtLoss: { step: number } | null = null;
    await t.run({
      onStep: (r) => {
        if (r.step === 24 && recoveries.length === 0) {
          checkpointAtLoss = t.checkpoint;
          be.engine.pool!.killWorker(0);
        }
      },
      recover: async (e) => {
        errors.push(e);
        return new CpuBackend();
      },
      onRecover: (i) => recoveries.push({ ...i, backend: i.backend.name }),
    });
    expect(recoveries).toHaveLength(1);
    const e = errors[0] as WasmWorkerLostError;
    expect(e).toBeInstanceOf(WasmWorkerLostError);
    expect(e.message).toMatch(
      /^wasm backend: (matmul|attention|attentionBackward|softmax|layerNorm|softmaxLse|softmaxBackward): /,
    );
    expect(e.message).toMatch(/worker 1 exited/);
    expect(recoveries[0]!.toStep).toBe(20);
    expect(recoveries[0]!.backend).toBe("cpu");
    expect(t.step).toBe(40);
    expect(t.history.map((r) => r.step)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // The checkpoint it resumed from is the one held when the worker died: the last good weights.
    expect(checkpointAtLoss).toMatchObject({ step: 20 });
    expect(t.backend.name).toBe("cpu");
    // Every later read of the broken backend keeps failing rather than returning stale values.
    await expect(be.read(be.tensor([1], [1]))).rejects.toBeInstanceOf(WasmWorkerLostError);
  }, 60_000);
});

// The training loop on the CPU backend: bad hyperparameters are refused before the first step, schedules give
// the rates they promise, checkpoints restore exactly, and a non-finite loss names its step.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import type { Module } from "../../src/nn/module";
import { checkOptimizerConfig, Optimizer, OptimizerError } from "../../src/nn/optim";
import { scheduledLr } from "../../src/nn/schedule";
import { restoreCheckpoint, takeCheckpoint } from "../../src/train/checkpoint";
import { Trainer, TrainingError } from "../../src/train/trainer";
import { familyTask } from "../gpu/families";

describe("hyperparameters are checked before the first step", () => {
  test.each([
    [{ kind: "adam", lr: Number.NaN }, /lr/],
    [{ kind: "adam", lr: -0.1 }, /lr/],
    [{ kind: "sgd", lr: 0.1, momentum: 1 }, /momentum/],
    [{ kind: "adam", lr: 0.1, beta1: -0.5 }, /beta1/],
    [{ kind: "adam", lr: 0.1, beta2: Number.NaN }, /beta2/],
    [{ kind: "adam", lr: 0.1, eps: 0 }, /eps/],
    [{ kind: "adam", lr: 0.1, weightDecay: -1 }, /weightDecay/],
    [{ kind: "adam", lr: 0.1, clipNorm: 0 }, /clipNorm/],
    [{ kind: "rmsprop", lr: 0.1 }, /kind/],
  ] as const)("%j is refused naming the field", (config, name) => {
    expect(() => checkOptimizerConfig(config as never)).toThrow(OptimizerError);
    expect(() => checkOptimizerConfig(config as never)).toThrow(name);
  });

  test("the trainer refuses bad step counts and the optimizer's bad fields before building anything", () => {
    const be = new CpuBackend();
    const task = familyTask("mlp");
    expect(() => new Trainer<Module>(be, task, { steps: -1, optimizer: { kind: "adam", lr: 0.1 } })).toThrow(
      /steps/,
    );
    expect(() => new Trainer<Module>(be, task, { steps: 1.5, optimizer: { kind: "adam", lr: 0.1 } })).toThrow(
      /steps/,
    );
    expect(
      () => new Trainer<Module>(be, task, { steps: 5, readEvery: 0, optimizer: { kind: "adam", lr: 0.1 } }),
    ).toThrow(/readEvery/);
    expect(
      () => new Trainer<Module>(be, task, { steps: 5, optimizer: { kind: "adam", lr: Number.NaN } }),
    ).toThrow(/lr/);
  });
});

describe("learning-rate schedules", () => {
  test("constant", () => {
    expect(scheduledLr(0.1, { kind: "constant" }, 0)).toBe(0.1);
    expect(scheduledLr(0.1, { kind: "constant" }, 999)).toBe(0.1);
  });

  test("linear warmup, then cosine down to minFactor", () => {
    const s = { kind: "cosine", warmup: 10, total: 110, minFactor: 0.1 } as const;
    expect(scheduledLr(1, s, 0)).toBeCloseTo(0.1, 12); // (0 + 1) / 10
    expect(scheduledLr(1, s, 9)).toBeCloseTo(1, 12);
    expect(scheduledLr(1, s, 10)).toBeCloseTo(1, 12); // cosine starts at the peak
    expect(scheduledLr(1, s, 60)).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // half way: cos(π/2) = 0
    expect(scheduledLr(1, s, 110)).toBeCloseTo(0.1, 12);
    expect(scheduledLr(1, s, 500)).toBeCloseTo(0.1, 12); // stays at the floor
  });
});

describe("training loop", () => {
  test("a checkpoint restores parameters and optimizer state exactly, so a resumed run repeats the original", async () => {
    const run = async (steps: number) => {
      const t = new Trainer<Module>(new CpuBackend(), familyTask("mixture"), {
        steps,
        optimizer: { kind: "adam", lr: 0.01 },
      });
      await t.run();
      return t;
    };
    const straight = await run(20);
    const first = await run(10);
    const cp = await takeCheckpoint(first.step, first.model, first.opt);
    const resumed = new Trainer<Module>(new CpuBackend(), familyTask("mixture"), {
      steps: 20,
      optimizer: { kind: "adam", lr: 0.01 },
    });
    restoreCheckpoint(cp, resumed.model, resumed.opt);
    resumed.step = cp.step;
    await resumed.run();
    expect(resumed.history.map((r) => r.loss)).toEqual(straight.history.slice(10).map((r) => r.loss));
  });

  test("a run from saved weights at step k (firstStep k) takes the rates and batches of steps k, k + 1, ...", async () => {
    const schedule = { kind: "cosine", warmup: 4, total: 20, minFactor: 0.1 } as const;
    const optimizer = { kind: "sgd", lr: 0.05 } as const;
    const trained = new Trainer<Module>(new CpuBackend(), familyTask("mixture"), { steps: 6, optimizer });
    await trained.run();
    const saved = await takeCheckpoint(trained.step, trained.model, trained.opt);
    // The reference: the trainer's own resume, its step counter at 6 of 20.
    const absolute = new Trainer<Module>(new CpuBackend(), familyTask("mixture"), {
      steps: 20,
      optimizer,
      schedule,
    });
    restoreCheckpoint(saved, absolute.model, absolute.opt);
    absolute.step = 6;
    await absolute.run();
    const fresh = async (firstStep?: number) => {
      const t = new Trainer<Module>(new CpuBackend(), familyTask("mixture"), {
        steps: 14,
        optimizer,
        schedule,
        ...(firstStep !== undefined ? { firstStep } : {}),
      });
      restoreCheckpoint({ ...saved, step: 0 }, t.model, t.opt);
      await t.run();
      return t.history.map((r) => r.loss);
    };
    const want = absolute.history.map((r) => r.loss);
    expect(want).toHaveLength(14);
    expect(await fresh(6)).toEqual(want);
    // Without it the run starts the schedule again (warmup from lr / 4): not the same losses.
    expect(await fresh()).not.toEqual(want);
  });

  test("firstStep must be an integer >= 0", () => {
    const make = (firstStep: number) =>
      new Trainer<Module>(new CpuBackend(), familyTask("mlp"), {
        steps: 1,
        firstStep,
        optimizer: { kind: "sgd", lr: 0.1 },
      });
    expect(() => make(-1)).toThrow(/firstStep/);
    expect(() => make(Number.NaN)).toThrow(/firstStep/);
  });

  // relu(NaN) is 0, so a NaN input may leave the loss finite and poison only the gradient: either is caught.
  test("a NaN batch stops training with the step named; parameters stay finite", async () => {
    const t = new Trainer<Module>(new CpuBackend(), familyTask("mlp", 1, { nanAtStep: 4 }), {
      steps: 10,
      optimizer: { kind: "adam", lr: 0.01 },
    });
    const err = await t.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingError);
    expect((err as TrainingError).step).toBe(4);
    expect((err as Error).message).toMatch(/step 4: (loss|gradient norm) NaN is not finite/);
    for (const p of t.model.parameters()) expect((await p.read()).every(Number.isFinite)).toBe(true);
  });

  test("the optimizer's on-device guard leaves parameters untouched by a NaN gradient", async () => {
    const be = new CpuBackend();
    const t = new Trainer<Module>(be, familyTask("mlp"), { steps: 0, optimizer: { kind: "sgd", lr: 0.1 } });
    const params = t.model.parameters();
    const before = await Promise.all(params.map((p) => p.read()));
    for (const p of params) p.grad = be.tensor(new Float32Array(p.size).fill(Number.NaN), p.shape);
    const opt = new Optimizer(params, { kind: "sgd", lr: 0.1 });
    opt.step().dispose();
    const after = await Promise.all(params.map((p) => p.read()));
    expect(after).toEqual(before);
  });
});

describe("a trainer is created with its model", () => {
  test("Trainer.create awaits an asynchronous build and trains it as the constructor trains a synchronous one", async () => {
    const be = new CpuBackend();
    const task = familyTask("mlp");
    const config = { steps: 5, optimizer: { kind: "adam" as const, lr: 0.05 } };
    const sync = new Trainer<Module>(be, task, config);
    const deferred = await Trainer.create<Module>(
      be,
      { build: async (ctx) => task.build(ctx), loss: task.loss },
      config,
    );
    expect(deferred.model.ctx).toBe(deferred.ctx);
    await sync.run();
    await deferred.run();
    expect(deferred.history.map((r) => r.loss)).toEqual(sync.history.map((r) => r.loss));
    expect(
      () => new Trainer<Module>(be, { build: async (ctx) => task.build(ctx), loss: task.loss }, config),
    ).toThrow(/use Trainer.create/);
  });
});

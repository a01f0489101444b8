// The grain page's job (one stage, K seeds) and the five-experts page's job (three models side by side, K seeds
// each, same data).

import type { Backend } from "../../backend/contract";
import { expertsData } from "../../data/experts";
import { GRAINS, grainData, grainIndex } from "../../data/grain";
import { regressionEntry } from "../../models/registry";
import type { JobSpec } from "../protocol";
import type { ExpertsSnapshot, GrainSnapshot } from "../snapshots";
import { stageInfo } from "../stages";
import { EXPERT_MODELS, registrySchedule, regressionBuilder } from "./catalog";
import { type Job, seedList } from "./job";
import { type Group, modelView, type Splits } from "./regression-view";
import { SeedRun } from "./seed-runs";

/** The registry's optimizer and schedule for `name`, with the panel's learning rate and steps. */
function training(name: string, lr: number, steps: number) {
  const schedule = registrySchedule(name, steps);
  return { optimizer: { ...regressionEntry(name).train.optimizer, lr }, ...(schedule ? { schedule } : {}) };
}

async function mean(run: SeedRun, d: Splits["test"]): Promise<number> {
  const l = await run.perSeedLoss(d);
  return l.reduce((a, b) => a + b, 0) / l.length;
}

export async function grainJob(spec: JobSpec, backend: Backend): Promise<Job> {
  const stage = stageInfo(spec.model);
  const { seed, seeds: count, steps, lr } = spec.settings;
  const splits: Splits = grainData({ seed, grains: stage.grains });
  const seeds = seedList(seed, count);
  const run = await SeedRun.create(backend, {
    name: stage.name,
    build: regressionBuilder(stage.name),
    seeds,
    train: splits.train,
    steps,
    ...training(stage.name, lr, steps),
    inputNames: ["x", "z"],
  });
  const groups: Group[] = stage.shown.map((name) => {
    const g = GRAINS[grainIndex(name)]!;
    return { name: g.name, label: grainIndex(name), b: g.z, truth: (x) => g.ratio * x };
  });
  return {
    runs: [{ name: stage.name, trainer: run.trainer, lossDivisor: run.K }],
    info: { runs: [{ name: stage.name, params: run.paramsPerSeed }], seeds },
    testLoss: async () => [await mean(run, splits.test)],
    async snapshot(req): Promise<GrainSnapshot> {
      return {
        kind: "grain",
        stage: stage.name,
        view: await modelView(run, stage.title.replace(/^\d+\. /, ""), groups, splits, req.seed),
      };
    },
  };
}

export async function expertsJob(spec: JobSpec, backend: Backend): Promise<Job> {
  const { seed, seeds: count, steps, lr } = spec.settings;
  const data = expertsData({ seed });
  const splits: Splits = data;
  const seeds = seedList(seed, count);
  const runs: SeedRun[] = [];
  for (const m of EXPERT_MODELS) {
    runs.push(
      await SeedRun.create(backend, {
        name: m.name,
        build: m.build,
        seeds,
        train: data.train,
        steps,
        ...training(m.name, lr, steps),
        inputNames: ["x", "s"],
      }),
    );
  }
  const groups: Group[] = data.lines.map((l, k) => ({
    name: `expert ${k + 1}`,
    label: k,
    b: l.s,
    truth: (x) => l.slope * x + l.intercept,
  }));
  return {
    runs: runs.map((r) => ({ name: r.config.name, trainer: r.trainer, lossDivisor: r.K })),
    info: { runs: runs.map((r) => ({ name: r.config.name, params: r.paramsPerSeed })), seeds },
    testLoss: async () => Promise.all(runs.map((r) => mean(r, data.test))),
    async snapshot(req): Promise<ExpertsSnapshot> {
      const views = [];
      // One after another: the runs share the device, and each view ends its context's step.
      for (let i = 0; i < runs.length; i++) {
        views.push(await modelView(runs[i]!, EXPERT_MODELS[i]!.about, groups, splits, req.seed));
      }
      return { kind: "experts", lines: data.lines, views };
    },
  };
}

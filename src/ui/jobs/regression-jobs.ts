// The grain page's job (one stage, K seeds) and the five-experts page's job (three models side by side, K seeds
// each, same data).

import type { Backend } from "../../backend/contract";
import { expertsData } from "../../data/experts";
import { GRAINS, grainData, grainIndex } from "../../data/grain";
import type { RegressionData } from "../../data/regression";
import type { JobSpec } from "../../io/types";
import { registrySchedule, regressionEntry } from "../../models/registry";
import { SeedTrainer } from "../../run/seeds";
import type { ExpertsSnapshot, GrainSnapshot } from "../snapshots";
import { stageInfo } from "../stages";
import { planeLeastSquaresMse } from "./baseline";
import { EXPERT_MODELS, regressionBuilder } from "./catalog";
import { type Job, seedList } from "./job";
import { type Group, modelView, type PageRun, type Splits } from "./regression-view";

/** K seeds of registry model `name` on `train`: the registry's optimizer and schedule, the panel's rate and steps. */
async function pageRun(
  backend: Backend,
  name: string,
  inputs: readonly [string, string],
  seeds: number[],
  train: RegressionData,
  { lr, steps }: { lr: number; steps: number },
): Promise<PageRun> {
  const schedule = registrySchedule(name, steps);
  const run = await SeedTrainer.create(backend, {
    build: regressionBuilder(name),
    seeds,
    train,
    config: {
      steps,
      optimizer: { ...regressionEntry(name).train.optimizer, lr },
      ...(schedule ? { schedule } : {}),
      readEvery: 1,
      checkpointEvery: 100,
    },
  });
  return { name, inputs, run };
}

async function mean({ run }: PageRun, d: Splits["test"]): Promise<number> {
  const l = await run.perSeedLoss(d);
  return l.reduce((a, b) => a + b, 0) / l.length;
}

export async function grainJob(spec: JobSpec, backend: Backend): Promise<Job> {
  const stage = stageInfo(spec.model);
  const { seed, seeds: count } = spec.settings;
  const splits: Splits = grainData({ seed, grains: stage.grains });
  const seeds = seedList(seed, count);
  const page = await pageRun(backend, stage.name, ["x", "z"], seeds, splits.train, spec.settings);
  const { run } = page;
  const planeMse = stage.grains.length === 2 ? planeLeastSquaresMse(splits.train) : null;
  const groups: Group[] = stage.shown.map((name) => {
    const g = GRAINS[grainIndex(name)]!;
    return { name: g.name, label: grainIndex(name), b: g.z, truth: (x) => g.ratio * x };
  });
  return {
    runs: [{ name: stage.name, trainer: run.trainer, lossDivisor: run.K }],
    info: { runs: [{ name: stage.name, params: run.paramsPerSeed }], seeds },
    testLoss: async () => [await mean(page, splits.test)],
    async snapshot(req): Promise<GrainSnapshot> {
      return {
        kind: "grain",
        stage: stage.name,
        view: await modelView(page, stage.title.replace(/^\d+\. /, ""), groups, splits, req.seed),
        planeMse,
      };
    },
  };
}

export async function expertsJob(spec: JobSpec, backend: Backend): Promise<Job> {
  const { seed, seeds: count } = spec.settings;
  const data = expertsData({ seed });
  const splits: Splits = data;
  const seeds = seedList(seed, count);
  const runs: PageRun[] = [];
  for (const m of EXPERT_MODELS)
    runs.push(await pageRun(backend, m.name, ["x", "s"], seeds, data.train, spec.settings));
  const groups: Group[] = data.lines.map((l, k) => ({
    name: `expert ${k + 1}`,
    label: k,
    b: l.s,
    truth: (x) => l.slope * x + l.intercept,
  }));
  return {
    runs: runs.map((r) => ({ name: r.name, trainer: r.run.trainer, lossDivisor: r.run.K })),
    info: { runs: runs.map((r) => ({ name: r.name, params: r.run.paramsPerSeed })), seeds },
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

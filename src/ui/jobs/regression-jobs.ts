// The grain page's job (one stage, K seeds) and the five-experts page's job (three models side by side, K seeds
// each, same data).

import type { Backend } from "../../backend/contract";
import { type ExpertLine, expertsData } from "../../data/experts";
import { GRAINS, grainData, grainIndex } from "../../data/grain";
import type { RegressionData } from "../../data/regression";
import type { JobSpec } from "../../io/types";
import { registrySchedule, regressionEntry } from "../../models/registry";
import { SeedTrainer } from "../../run/seeds";
import type { ExpertsSnapshot, FitChart, GrainSnapshot } from "../snapshots";
import { stageInfo } from "../stages";
import { planeLeastSquaresMse } from "./baseline";
import { EXPERT_MODELS, regressionBuilder } from "./catalog";
import { type Job, seedList } from "./job";
import { dataSeries, type Group, modelView, type PageRun, type Splits } from "./regression-view";

/** A model as trained: its label, or with an edited architecture those sizes in words (not the default's label). */
function described(name: string, label: string, spec: JobSpec): string {
  const sizes = spec.arch?.[name];
  return sizes ? regressionEntry(name).arch!.describe(sizes) : label;
}

/** K seeds of registry model `name` on `train`: the registry's optimizer and schedule, the panel's rate and steps. */
async function pageRun(
  backend: Backend,
  name: string,
  inputs: readonly [string, string],
  seeds: number[],
  train: RegressionData,
  { lr, steps }: { lr: number; steps: number },
  arch?: readonly number[],
): Promise<PageRun> {
  const schedule = registrySchedule(name, steps);
  const run = await SeedTrainer.create(backend, {
    build: regressionBuilder(name, arch),
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

/** The grains a stage draws: each at its darkness z, with its true relationship y = ratio·x. */
export function grainGroups(stageName: string): Group[] {
  return stageInfo(stageName).shown.map((name) => {
    const g = GRAINS[grainIndex(name)]!;
    return { name: g.name, label: grainIndex(name), b: g.z, truth: (x) => g.ratio * x };
  });
}

/** The five experts: each at its selector value s, with its line. */
export function expertGroups(lines: ExpertLine[]): Group[] {
  return lines.map((l, k) => ({
    name: `expert ${k + 1}`,
    label: k,
    b: l.s,
    truth: (x) => l.slope * x + l.intercept,
  }));
}

/** What the fit chart shows before any training: a stage's data rows and true lines (seed `seed`). */
export function grainPreview(stageName: string, seed: number): FitChart {
  const groups = grainGroups(stageName);
  const { xs, series } = dataSeries(groups, grainData({ seed, grains: stageInfo(stageName).grains }));
  return { xs, groups: groups.map((g) => g.name), series };
}

export function expertsPreview(seed: number): FitChart {
  const data = expertsData({ seed });
  const groups = expertGroups(data.lines);
  const { xs, series } = dataSeries(groups, data);
  return { xs, groups: groups.map((g) => g.name), series };
}

export async function grainJob(spec: JobSpec, backend: Backend): Promise<Job> {
  const stage = stageInfo(spec.model);
  const { seed, seeds: count } = spec.settings;
  const splits: Splits = grainData({ seed, grains: stage.grains });
  const seeds = seedList(seed, count);
  const page = await pageRun(
    backend,
    stage.name,
    ["x", "z"],
    seeds,
    splits.train,
    spec.settings,
    spec.arch?.[stage.name],
  );
  const { run } = page;
  const planeMse = stage.grains.length === 2 ? planeLeastSquaresMse(splits.train) : null;
  const groups = grainGroups(stage.name);
  return {
    runs: [{ name: stage.name, trainer: run.trainer, lossDivisor: run.K }],
    info: { runs: [{ name: stage.name, params: run.paramsPerSeed }], seeds },
    testLoss: async () => [await mean(page, splits.test)],
    async snapshot(req): Promise<GrainSnapshot> {
      return {
        kind: "grain",
        stage: stage.name,
        view: await modelView(
          page,
          described(stage.name, stage.title.replace(/^\d+\. /, ""), spec),
          groups,
          splits,
          req.seed,
          {
            label: "darkness z",
            lo: 0,
            hi: 1,
          },
        ),
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
    runs.push(
      await pageRun(backend, m.name, ["x", "s"], seeds, data.train, spec.settings, spec.arch?.[m.name]),
    );
  const groups = expertGroups(data.lines);
  return {
    runs: runs.map((r) => ({ name: r.name, trainer: r.run.trainer, lossDivisor: r.run.K })),
    info: { runs: runs.map((r) => ({ name: r.name, params: r.run.paramsPerSeed })), seeds },
    testLoss: async () => Promise.all(runs.map((r) => mean(r, data.test))),
    async snapshot(req): Promise<ExpertsSnapshot> {
      const views = [];
      // One after another: the runs share the device, and each view ends its context's step.
      for (let i = 0; i < runs.length; i++) {
        const m = EXPERT_MODELS[i]!;
        views.push(await modelView(runs[i]!, described(m.name, m.about, spec), groups, splits, req.seed));
      }
      return { kind: "experts", lines: data.lines, views };
    },
  };
}

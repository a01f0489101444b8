// K seeds of one regression model (a grain stage or an experts model) for runModel: the K-seed trainer the pages
// train with (seeds.ts), so the parameters carry the same names and shapes as the pages' files. Data: the grain
// splits of the model's grains, or the five-experts splits, from the run's base seed.

import type { Backend } from "../backend/contract";
import { expertsData } from "../data/experts";
import { GRAINS, grainData } from "../data/grain";
import { buildWithArch, grainsOf, regressionEntry } from "../models/registry";
import { constantLoss } from "./health";
import type { Attention, Runner, RunnerConfig, SeedFinal } from "./run-types";
import { type LossCapture, meanGates, SeedTrainer } from "./seeds";

function splitsOf(name: string, dataSeed: number) {
  const entry = regressionEntry(name);
  if (entry.data === "experts") {
    const d = expertsData({ seed: dataSeed });
    return { ...d, group: (label: number) => `expert${label + 1}` };
  }
  const d = grainData({ seed: dataSeed, grains: grainsOf(entry.data) });
  return { ...d, group: (label: number) => GRAINS[label]!.name };
}

export async function regressionRunner(
  backend: Backend,
  cfg: RunnerConfig,
  capture: LossCapture,
): Promise<Runner> {
  const entry = regressionEntry(cfg.model);
  const splits = splitsOf(cfg.model, cfg.dataSeed);
  const run = await SeedTrainer.create(backend, {
    build: (ctx, seed) => buildWithArch(entry.name, ctx, seed, cfg.arch),
    seeds: cfg.seeds,
    train: splits.train,
    config: cfg.train,
    onLosses: capture,
  });
  return {
    trainer: run.trainer,
    paramsPerSeed: run.paramsPerSeed,
    constantLoss: constantLoss(splits.train.targets),
    async finals(): Promise<SeedFinal[]> {
      // Mean squared error of the predictions, as the pages report it (the switch's objective adds a
      // cross-entropy on the grain labels).
      const [train, test, oor] = [
        await run.perSeedLoss(splits.train),
        await run.perSeedLoss(splits.test),
        await run.perSeedLoss(splits.outOfRange),
      ];
      return cfg.seeds.map((seed, k) => ({
        seed,
        trainLoss: train[k]!,
        testLoss: test[k]!,
        outOfRangeLoss: oor[k]!,
        accuracy: null,
      }));
    },
    async attention(k: number): Promise<Attention | null> {
      // The switch's gates are classifier probabilities, not attention: no attention summary.
      if (run.gateKind !== "attention") return null;
      const d = splits.test;
      const w = (await run.gates(d, k))!;
      const labels = [...new Set(d.labels)].sort((a, b) => a - b);
      return Object.fromEntries(labels.map((l) => [splits.group(l), meanGates(w, run.gateCount, d, l)]));
    },
  };
}

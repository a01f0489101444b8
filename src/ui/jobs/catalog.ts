// The models each page trains, built from the model registry (models/registry.ts); ../stages.ts holds what the
// pages say about them.

import type { Context } from "../../autograd/variable";
import { modelEntry, regressionEntry } from "../../models/registry";
import type { RegressionModel } from "../../models/regression";
import type { Schedule } from "../../nn/schedule";
import { EXPERT_MODEL_NAMES } from "../stages";

export type Build = (ctx: Context, seed: number) => RegressionModel;

/** One seed of a registry regression model (a grain stage or an experts model). */
export function regressionBuilder(name: string): Build {
  const entry = regressionEntry(name);
  return (ctx, seed) => entry.build(ctx, seed);
}

/** The registry's learning-rate schedule for `name`, stretched to `steps` (the panel may ask for another count). */
export function registrySchedule(name: string, steps: number): Schedule | undefined {
  const t = modelEntry(name).train;
  const s = t.schedule;
  if (!s || s.kind === "constant") return s;
  const f = steps / t.steps;
  return { ...s, warmup: Math.round(s.warmup * f), total: steps };
}

export interface ExpertModelDef {
  name: (typeof EXPERT_MODEL_NAMES)[number];
  /** A short label for side-by-side use. */
  about: string;
  build: Build;
}

const SHORT: Record<ExpertModelDef["name"], string> = {
  "experts-attention": "attention, 5 linear experts",
  "experts-relu7": "ReLU 2→7→1",
  "experts-relu43": "ReLU 2→4→3→1",
};

/** The five-experts comparison at nearly equal parameter counts (30, 29, 31). */
export const EXPERT_MODELS: readonly ExpertModelDef[] = EXPERT_MODEL_NAMES.map((name) => ({
  name,
  about: SHORT[name],
  build: regressionBuilder(name),
}));

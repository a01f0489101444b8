// The models each page trains, built from the model registry (models/registry.ts); ../stages.ts holds what the
// pages say about them.

import type { Context } from "../../autograd/variable";
import { regressionEntry } from "../../models/registry";
import type { RegressionModel } from "../../models/regression";
import { EXPERT_MODEL_NAMES } from "../stages";

export type Build = (ctx: Context, seed: number) => RegressionModel;

/** One seed of a registry regression model (a grain stage or an experts model). */
export function regressionBuilder(name: string): Build {
  const entry = regressionEntry(name);
  return (ctx, seed) => entry.build(ctx, seed);
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

// The models each page trains (the worker's side of ../stages.ts): how to build one seed of each.

import type { Context } from "../../autograd/variable";
import { LinearModel, MixtureModel, type RegressionModel, ReluModel } from "../../models/regression";
import { SwitchModel } from "../../models/switch";
import { EXPERT_MODEL_NAMES } from "../stages";

export type Build = (ctx: Context, seed: number) => RegressionModel;

export const GRAIN_BUILDERS: Record<string, Build> = {
  "line": (ctx, seed) => new LinearModel(ctx, { features: "x", seed }),
  "plane": (ctx, seed) => new LinearModel(ctx, { features: "xz", seed }),
  "relu2": (ctx, seed) => new ReluModel(ctx, { hidden: [2], seed }),
  "relu10": (ctx, seed) => new ReluModel(ctx, { hidden: [10], seed }),
  "poly": (ctx, seed) => new LinearModel(ctx, { features: "poly", seed }),
  "switch": (ctx, seed) => new SwitchModel(ctx, { seed }),
  "grain-attention": (ctx, seed) => new MixtureModel(ctx, { experts: 3, seed }),
};

export function grainBuilder(stage: string): Build {
  const b = GRAIN_BUILDERS[stage];
  if (!b) throw new Error(`unknown grain stage '${stage}'; valid: ${Object.keys(GRAIN_BUILDERS).join(", ")}`);
  return b;
}

export interface ExpertModelDef {
  name: (typeof EXPERT_MODEL_NAMES)[number];
  about: string;
  build: Build;
}

/** The five-experts comparison at nearly equal parameter counts (30, 29, 31). */
export const EXPERT_MODELS: readonly ExpertModelDef[] = [
  {
    name: "experts-attention",
    about: "attention, 5 linear experts",
    build: (ctx, seed) => new MixtureModel(ctx, { experts: 5, seed }),
  },
  { name: "experts-relu7", about: "ReLU 2→7→1", build: (ctx, seed) => new ReluModel(ctx, { hidden: [7], seed }) },
  { name: "experts-relu43", about: "ReLU 2→4→3→1", build: (ctx, seed) => new ReluModel(ctx, { hidden: [4, 3], seed }) },
];

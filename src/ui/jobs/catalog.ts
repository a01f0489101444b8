// The models the five-experts page trains side by side: the registry's experts-page models (models/registry.ts),
// each with its label; and a builder of one seed of any registry regression model.

import type { Context } from "../../autograd/variable";
import { buildWithArch, pageModels, regressionEntry } from "../../models/registry";
import type { RegressionModel } from "../../models/regression";

export type Build = (ctx: Context, seed: number) => RegressionModel;

/** One seed of a registry regression model (a grain stage or an experts model). */
export function regressionBuilder(name: string, sizes?: readonly number[]): Build {
  const entry = regressionEntry(name);
  if (!sizes) return (ctx, seed) => entry.build(ctx, seed);
  return (ctx, seed) => buildWithArch(name, ctx, seed, sizes);
}

export interface ExpertModelDef {
  name: string;
  /** A short label for side-by-side use. */
  about: string;
}

/** The five-experts comparison at nearly equal parameter counts (30, 29, 31). */
export const EXPERT_MODELS: readonly ExpertModelDef[] = pageModels("experts").map((e) => ({
  name: e.name,
  about: e.label,
}));

// The grain page's stages in the seed article's order, and each training page's panel defaults: metadata only,
// so the page loads none of the model code (the worker builds the models, see jobs/catalog.ts).
// See /work/shared/models.md, section 1.

import type { GrainName } from "../data/grain";
import type { TrainSettings } from "./protocol";

export type Defaults = Omit<TrainSettings, "backend" | "seed">;

export interface StageInfo {
  name: string;
  title: string;
  /** What the stage shows, one or two sentences. */
  about: string;
  /** Grains in the training data. */
  grains: readonly GrainName[];
  /** Grains drawn in the fit chart: the trained ones, plus franken for the polynomial (where it breaks). */
  shown: readonly GrainName[];
  defaults: Defaults;
}

const two: readonly GrainName[] = ["white", "brown"];
const three: readonly GrainName[] = ["white", "brown", "franken"];

export const GRAIN_STAGES: readonly StageInfo[] = [
  {
    name: "line",
    title: "1. A line",
    about: "One grain (white rice): water is a line through the origin, y = 2x, and two parameters fit it.",
    grains: ["white"],
    shown: ["white"],
    defaults: { lr: 0.1, steps: 400, batch: 1, seeds: 1 },
  },
  {
    name: "plane",
    title: "2. A plane",
    about: "White and brown rice: the slope must depend on darkness z, which a plane y = ax + bz + c cannot do.",
    grains: two,
    shown: two,
    defaults: { lr: 0.1, steps: 600, batch: 1, seeds: 1 },
  },
  {
    name: "relu2",
    title: "3. ReLU, 2 hidden units",
    about: "A ReLU network with 2 hidden units (9 parameters) bends the plane; it fits in range, not beyond.",
    grains: two,
    shown: two,
    defaults: { lr: 0.05, steps: 1500, batch: 1, seeds: 4 },
  },
  {
    name: "relu10",
    title: "4. ReLU, 10 hidden units",
    about: "10 hidden units (41 parameters) fit both grains closely in the training range; past 5 cups it guesses.",
    grains: two,
    shown: two,
    defaults: { lr: 0.03, steps: 1500, batch: 1, seeds: 4 },
  },
  {
    name: "poly",
    title: "5. Polynomial",
    about:
      "y = p·xz + q·x + b fits white and brown exactly (p = q = 2, b = 0). Shown with the franken-grain (z ≈ 1, y = x), " +
      "which it never saw: it predicts 4x.",
    grains: two,
    shown: three,
    defaults: { lr: 0.1, steps: 800, batch: 1, seeds: 1 },
  },
  {
    name: "switch",
    title: "6. Inhibitory switch",
    about:
      "Three grains. A softmax classifier on z feeds ReLU-gated regressors; a wrong class's weight drives a " +
      "regressor below zero and the ReLU mutes it.",
    grains: three,
    shown: three,
    defaults: { lr: 0.05, steps: 1500, batch: 1, seeds: 2 },
  },
  {
    name: "grain-attention",
    title: "7. Attention",
    about:
      "y = Σ softmax(s)ᵢ·rᵢ with 3 linear scores and 3 linear values (18 parameters). Each grain should select " +
      "its own expert; training is finicky, so several seeds run at once and the best is shown.",
    grains: three,
    shown: three,
    defaults: { lr: 0.05, steps: 3000, batch: 1, seeds: 8 },
  },
];

export function stageInfo(name: string): StageInfo {
  const s = GRAIN_STAGES.find((d) => d.name === name);
  if (!s) throw new Error(`unknown grain stage '${name}'; valid: ${GRAIN_STAGES.map((d) => d.name).join(", ")}`);
  return s;
}

export const EXPERT_MODEL_NAMES = ["experts-attention", "experts-relu7", "experts-relu43"] as const;

export const EXPERTS_DEFAULTS: Defaults = { lr: 0.03, steps: 3000, batch: 1, seeds: 4 };

/** Sentences of the recipe language per step; Adam with a small rate (the model is 2 blocks of width 32). */
export const TRANSFORMER_DEFAULTS: Defaults = { lr: 0.003, steps: 1500, batch: 32, seeds: 1 };

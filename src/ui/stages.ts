// The grain page's stages in the seed article's order (see /work/shared/models.md, section 1), and each training
// page's panel defaults. Models, data sets, learning rates and step counts come from the model registry
// (models/registry.ts); what is added here is how a page tells the story: titles, a sentence per stage, and which
// grains the fit chart draws.

import { type GrainName, THREE_GRAINS, TWO_GRAINS } from "../data/grain";
import { type DataName, MODELS, type ModelName, RECIPE_BATCH } from "../models/registry";
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

const two = TWO_GRAINS;
const three = THREE_GRAINS;

/** The grains of a registry data set. */
export function grainsOf(data: DataName): readonly GrainName[] {
  if (data === "grain-white") return ["white"];
  if (data === "grain-two") return two;
  if (data === "grain-three") return three;
  throw new Error(`'${data}' is not a grain data set`);
}

/** Learning rate and steps from the registry, and how many seeds to run at once. */
function fromRegistry(name: ModelName, seeds: number): Defaults {
  const t = MODELS[name].train;
  return { lr: t.optimizer.lr, steps: t.steps, batch: 1, seeds };
}

export const GRAIN_STAGES: readonly StageInfo[] = [
  {
    name: "line",
    title: "1. A line",
    about: "One grain (white rice): water is a line through the origin, y = 2x, and two parameters fit it.",
    grains: grainsOf(MODELS["line"].data),
    shown: ["white"],
    defaults: fromRegistry("line", 1),
  },
  {
    name: "plane",
    title: "2. A plane",
    about:
      "White and brown rice: the slope must depend on darkness z, which a plane y = ax + bz + c cannot do.",
    grains: grainsOf(MODELS["plane"].data),
    shown: two,
    defaults: fromRegistry("plane", 1),
  },
  {
    name: "relu2",
    title: "3. ReLU, 2 hidden units",
    about: "A ReLU network with 2 hidden units (9 parameters) bends the plane; it fits in range, not beyond.",
    grains: grainsOf(MODELS["relu2"].data),
    shown: two,
    defaults: fromRegistry("relu2", 4),
  },
  {
    name: "relu10",
    title: "4. ReLU, 10 hidden units",
    about:
      "10 hidden units (41 parameters) fit both grains closely in the training range; past 5 cups it guesses.",
    grains: grainsOf(MODELS["relu10"].data),
    shown: two,
    defaults: fromRegistry("relu10", 4),
  },
  {
    name: "poly",
    title: "5. Polynomial",
    about:
      "y = p·xz + q·x + b fits white and brown exactly (p = q = 2, b = 0). Shown with the franken-grain (z ≈ 1, y = x), " +
      "which it never saw: it predicts 4x.",
    grains: grainsOf(MODELS["poly"].data),
    shown: three,
    defaults: fromRegistry("poly", 1),
  },
  {
    name: "switch",
    title: "6. Inhibitory switch",
    about:
      "Three grains. A softmax classifier on z feeds ReLU-gated regressors; a wrong class's weight drives a " +
      "regressor below zero and the ReLU mutes it.",
    grains: grainsOf(MODELS["switch"].data),
    shown: three,
    defaults: fromRegistry("switch", 2),
  },
  {
    name: "grain-attention",
    title: "7. Attention",
    about:
      "y = Σ softmax(s)ᵢ·rᵢ with 3 linear scores and 3 linear values (18 parameters). Each grain should select " +
      "its own expert; training is finicky, so several seeds run at once and the best is shown.",
    grains: grainsOf(MODELS["grain-attention"].data),
    shown: three,
    defaults: fromRegistry("grain-attention", 8),
  },
];

export function stageInfo(name: string): StageInfo {
  const s = GRAIN_STAGES.find((d) => d.name === name);
  if (!s)
    throw new Error(`unknown grain stage '${name}'; valid: ${GRAIN_STAGES.map((d) => d.name).join(", ")}`);
  return s;
}

export const EXPERT_MODEL_NAMES = ["experts-attention", "experts-relu7", "experts-relu43"] as const;

/** The registry trains the three experts models alike; 4 seeds of each. */
export const EXPERTS_DEFAULTS: Defaults = fromRegistry("experts-attention", 4);

export const TRANSFORMER_DEFAULTS: Defaults = { ...fromRegistry("transformer", 1), batch: RECIPE_BATCH };

// What the training pages say about their models, and each page's panel defaults. Which models a page shows, in
// which order, under which label, with which data set, learning rate and step count: the model registry
// (models/registry.ts). What is added here is how a page tells the story: a sentence per grain stage, which grains
// its fit chart draws, and how many seeds run at once by default.

import type { GrainName } from "../data/grain";
import type { TrainSettings } from "../io/types";
import { grainsOf, MODELS, type ModelName, pageModels, RECIPE_BATCH } from "../models/registry";

export type Defaults = Omit<TrainSettings, "backend" | "seed">;

export interface StageInfo {
  name: string;
  /** The registry's label, numbered in page order: "1. A line". */
  title: string;
  /** What the stage shows, one or two sentences. */
  about: string;
  /** Grains in the training data. */
  grains: readonly GrainName[];
  /** Grains drawn in the fit chart: the trained ones, plus franken for the polynomial (where it breaks). */
  shown: readonly GrainName[];
  defaults: Defaults;
}

/** Learning rate and steps from the registry, and how many seeds to run at once. */
function fromRegistry(name: ModelName, seeds: number): Defaults {
  const t = MODELS[name].train;
  return { lr: t.optimizer.lr, steps: t.steps, batch: 1, seeds };
}

/** A grain stage's sentence, the grains it draws (default: its training grains) and its default seed count. */
interface StageText {
  about: string;
  shown?: readonly GrainName[];
  seeds: number;
}

const STAGE_TEXT: Record<string, StageText> = {
  line: {
    about: "One grain (white rice): water is a line through the origin, y = 2x, and two parameters fit it.",
    seeds: 1,
  },
  plane: {
    about:
      "White and brown rice: the slope must depend on darkness z, which a plane y = ax + bz + c cannot do.",
    seeds: 1,
  },
  relu2: {
    about:
      "A ReLU network with 2 hidden units (9 parameters) bends the plane on most seeds (3 of its 4 default seeds); a seed " +
      "whose units leave the data stays a plane. It fits in range, not beyond 5 cups.",
    seeds: 4,
  },
  relu10: {
    about:
      "10 hidden units (41 parameters) fit both grains closely in the training range; past 5 cups it guesses.",
    seeds: 4,
  },
  poly: {
    about:
      "y = p·xz + q·x + b fits white and brown exactly (p = q = 2, b = 0). Shown with the franken-grain (z ≈ 1, y = x), " +
      "which it never saw: it predicts 4x.",
    shown: ["white", "brown", "franken"],
    seeds: 1,
  },
  switch: {
    about:
      "Three grains. A softmax classifier on z feeds ReLU-gated regressors; a wrong class's weight drives a " +
      "regressor below zero and the ReLU mutes it.",
    seeds: 2,
  },
  "grain-attention": {
    about:
      "y = Σ softmax(s)ᵢ·rᵢ with 3 linear scores and 3 linear values (18 parameters). White and franken each " +
      "select their own expert; brown blends two experts instead of learning 3x, as in the source article's run. " +
      "Training is finicky, so several seeds run at once and the best is shown.",
    seeds: 8,
  },
};

/** The grain page's stages: the registry's grain-page models, in registry order (the seed article's). */
export const GRAIN_STAGES: readonly StageInfo[] = pageModels("grain").map((e, i) => {
  const text = STAGE_TEXT[e.name];
  if (!text) throw new Error(`stages: the grain page has no text for model '${e.name}'`);
  const grains = grainsOf(e.data);
  return {
    name: e.name,
    title: `${i + 1}. ${e.label}`,
    about: text.about,
    grains,
    shown: text.shown ?? grains,
    defaults: fromRegistry(e.name, text.seeds),
  };
});

export function stageInfo(name: string): StageInfo {
  const s = GRAIN_STAGES.find((d) => d.name === name);
  if (!s)
    throw new Error(`unknown grain stage '${name}'; valid: ${GRAIN_STAGES.map((d) => d.name).join(", ")}`);
  return s;
}

/** What the five-experts page shows (tests/unit/page-claims.test.ts checks it on the defaults). */
export const EXPERTS_ABOUT =
  "On the defaults all three fit the training rows, but beyond that range (x from 5 to 10) only attention keeps " +
  "following the lines: its error there is several times lower than either ReLU net's.";

/** The registry trains the three experts models alike; 4 seeds of each. */
export const EXPERTS_DEFAULTS: Defaults = fromRegistry("experts-attention", 4);

export const TRANSFORMER_DEFAULTS: Defaults = { ...fromRegistry("transformer", 1), batch: RECIPE_BATCH };

// Every model the workbench trains, by name: what it is, its parameter count, the data it trains on, how to build
// it, and training defaults a CLI or the UI can list and start from.
//
// The task and config shapes match train/trainer.ts (TrainTask, TrainConfig) structurally, so an entry's `task()`
// and `train` go straight into a Trainer without this folder importing the training layer above it.

import type { Context, Variable } from "../autograd/variable";
import { expertsData } from "../data/experts";
import { type GrainName, grainData, THREE_GRAINS, TWO_GRAINS } from "../data/grain";
import { recipeBatch, recipeData } from "../data/recipe";
import type { RegressionData } from "../data/regression";
import type { Module } from "../nn/module";
import type { OptimizerConfig } from "../nn/optim";
import type { Schedule } from "../nn/schedule";
import { CharGPT, type CharGptConfig, charGptParamCount } from "./char-gpt";
import { CHAR_GPT_PRESETS } from "./char-gpt-presets";
import { charGptTrainConfig } from "./char-gpt-train";
import { LinearModel, MixtureModel, type RegressionModel, ReluModel, regressionLoss } from "./regression";
import { recipeLoss } from "./sequence-tasks";
import { SwitchModel } from "./switch";
import { Transformer, type TransformerConfig, transformerConfig } from "./transformer";

export const MODEL_NAMES = [
  "line",
  "plane",
  "relu2",
  "relu10",
  "poly",
  "switch",
  "grain-attention",
  "experts-attention",
  "experts-relu7",
  "experts-relu43",
  "transformer",
  "char-gpt",
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Which data set an entry trains on by default. */
export type DataName = "grain-white" | "grain-two" | "grain-three" | "experts" | "recipe" | "text";

/** The page that trains a model: the grain stages, the five-experts comparison, the transformer, the language model. */
export type PageName = "grain" | "experts" | "transformer" | "lm";
export const PAGE_NAMES: readonly PageName[] = ["grain", "experts", "transformer", "lm"];

/** Same shape as train/trainer.ts TrainTask. */
export interface ModelTask<M extends Module> {
  build(ctx: Context): M;
  loss(model: M, ctx: Context, step: number): Variable;
}

/** Same shape as train/trainer.ts TrainConfig (the fields a model chooses). */
export interface TrainDefaults {
  steps: number;
  optimizer: OptimizerConfig;
  schedule?: Schedule;
}

export interface TaskOptions {
  /** Seed of the initial weights (default 1). */
  seed?: number;
  /** Seed of the data set (default 1). */
  dataSeed?: number;
}

/**
 * The part of a model's architecture a page may change: a ReLU net's hidden widths, or a mixture's number of
 * experts. `sizes` is a list of positive integers (one per hidden layer; one entry, the experts, for a mixture).
 */
export interface ArchSpec {
  /** What the sizes are, for a form: "hidden units per layer", "experts". */
  label: string;
  defaults: readonly number[];
  /** Trainable scalars of one seed with these sizes. */
  params(sizes: readonly number[]): number;
  /** The model with these sizes, in words: "ReLU 2→5→1", "attention, 8 linear experts", "width 16, 4 heads, 1 layer". */
  describe(sizes: readonly number[]): string;
  /** Why `sizes` are refused, or null. */
  check(sizes: readonly number[]): string | null;
  build(ctx: Context, seed: number, sizes: readonly number[]): Module;
}

export interface ModelEntry<M extends Module = Module> {
  name: ModelName;
  /** The page that trains it; a page shows its models in registry order. */
  page: PageName;
  /** A short name for the page (a stage's title, a column heading beside the others). */
  label: string;
  description: string;
  /** Trainable scalars with the default configuration. */
  params: number;
  data: DataName;
  /** Whether the many-seeds trainer (batched.ts) can train K seeds of it at once. */
  batchable: boolean;
  /** Whether src/torch/workbench_torch.py has a twin of it (safetensors export and import, the PyTorch tests). */
  torch: boolean;
  build(ctx: Context, seed?: number): M;
  task(options?: TaskOptions): ModelTask<M>;
  train: TrainDefaults;
  /** What of its architecture may change (the ReLU nets' widths, the mixtures' experts); absent: fixed. */
  arch?: ArchSpec;
}

const GRAIN_SETS: Record<string, readonly GrainName[]> = {
  "grain-white": ["white"],
  "grain-two": TWO_GRAINS,
  "grain-three": THREE_GRAINS,
};

/** The grains of a grain data set. */
export function grainsOf(data: DataName): readonly GrainName[] {
  const grains = GRAIN_SETS[data];
  if (!grains) throw new Error(`'${data}' is not a grain data set`);
  return grains;
}

/** The training split of a regression data set. */
export function regressionTrainData(data: DataName, dataSeed = 1): RegressionData {
  if (data === "experts") return expertsData({ seed: dataSeed }).train;
  return grainData({ seed: dataSeed, grains: grainsOf(data) }).train;
}

/** The input boxes the ReLU nets place their kinks in (ReluModelConfig.box): grain (x, z), experts (x, s). */
const GRAIN_BOX = [
  [1, 5],
  [0, 1],
] as const;
const EXPERTS_BOX = [
  [1, 5],
  [0, 4],
] as const;

const adam = (lr: number, steps: number): TrainDefaults => ({ steps, optimizer: { kind: "adam", lr } });

/**
 * The five-experts comparison trains all three models alike: Adam at 0.05 decaying by a cosine to 2% over 3000
 * steps. On data seed 1, seeds 1-8, with the ReLU nets' kinks started inside the data (ReluModelConfig.box): every
 * seed of 2→7→1 ends below training MSE 0.05, 7 of 8 of 2→4→3→1 below 0.06 (median 0.059); the uniform
 * initialisation left their median at 8.2 and 3.9, the error of ignoring the selector.
 */
const expertsTraining: TrainDefaults = {
  steps: 3000,
  optimizer: { kind: "adam", lr: 0.05 },
  schedule: { kind: "cosine", warmup: 0, total: 3000, minFactor: 0.02 },
};

const MAX_WIDTH = 64;
const positive = (what: string, max: number) => (sizes: readonly number[]) =>
  sizes.length === 0
    ? `${what}: give at least one number`
    : sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= max)
      ? null
      : `${what}: whole numbers from 1 to ${max}, got ${sizes.join(", ")}`;

/** A ReLU net over two inputs whose hidden widths may change (1-3 layers of 1-64 units). */
function reluArch(defaults: number[], box: readonly (readonly [number, number])[]): ArchSpec {
  return {
    label: "hidden units per layer",
    defaults,
    params: (sizes) => [2, ...sizes, 1].slice(1).reduce((n, out, i) => n + ([2, ...sizes][i]! + 1) * out, 0),
    describe: (sizes) => `ReLU ${[2, ...sizes, 1].join("→")}`,
    check: (sizes) =>
      sizes.length > 3 ? "at most 3 hidden layers" : positive("hidden units", MAX_WIDTH)(sizes),
    build: (ctx, seed, sizes) => new ReluModel(ctx, { hidden: sizes, seed, box }),
  };
}

/** An attention mixture over two inputs whose number of experts may change (1-12). */
function mixtureArch(experts: number): ArchSpec {
  return {
    label: "experts",
    defaults: [experts],
    params: ([e]) => 2 * 3 * (e ?? 0),
    describe: ([e]) => `attention, ${e} linear expert${e === 1 ? "" : "s"}`,
    check: (sizes) => (sizes.length !== 1 ? "one number: the experts" : positive("experts", 12)(sizes)),
    build: (ctx, seed, [e]) => new MixtureModel(ctx, { experts: e!, seed }),
  };
}

/**
 * Why `sizes` are refused as the architecture of `name`, naming the model, what the sizes are and the rule broken
 * ("model 'transformer' (width, heads, layers): the heads (3) must divide the width (16)"); null when accepted.
 */
export function archRefusal(name: string, sizes: readonly number[]): string | null {
  const spec = modelEntry(name).arch;
  if (!spec) return `model '${name}' has a fixed architecture`;
  const why = spec.check(sizes);
  return why ? `model '${name}' (${spec.label}): ${why}` : null;
}

/** Whether `sizes` are `name`'s default architecture (a file then records none, as the pages' do). */
export function isDefaultArch(name: string, sizes: readonly number[]): boolean {
  const spec = modelEntry(name).arch;
  return spec !== undefined && sizes.join(",") === spec.defaults.join(",");
}

/** A model of `name` with architecture `sizes` (its registry default when absent); throws on refused sizes. */
export function buildModelWithArch(
  name: string,
  ctx: Context,
  seed: number,
  sizes?: readonly number[],
): Module {
  const e = modelEntry(name);
  if (!sizes) return e.build(ctx, seed);
  const why = archRefusal(name, sizes);
  if (why) throw new Error(why);
  return e.arch!.build(ctx, seed, sizes);
}

/** A regression model of `name` with architecture `sizes` (buildModelWithArch). */
export function buildWithArch(
  name: string,
  ctx: Context,
  seed: number,
  sizes?: readonly number[],
): RegressionModel {
  regressionEntry(name);
  return buildModelWithArch(name, ctx, seed, sizes) as RegressionModel;
}

/** A model's architecture in words ("ReLU 2→5→1"): `sizes`, or its defaults when absent; its label when fixed. */
export function describeArch(name: string, sizes?: readonly number[]): string {
  const e = modelEntry(name);
  return e.arch ? e.arch.describe(sizes ?? e.arch.defaults) : e.label;
}

/** The transformer's width, heads and layers (the FFN stays 4 × width); heads must divide the width. */
export const TRANSFORMER_ARCH: ArchSpec = {
  label: "width, heads, layers",
  defaults: [16, 4, 1],
  params: ([width, heads, layers]) =>
    transformerParams(transformerConfig({ width, heads, layers, hidden: 4 * width! })),
  describe: ([w, h, l]) => `width ${w}, ${h} head${h === 1 ? "" : "s"}, ${l} layer${l === 1 ? "" : "s"}`,
  check: (sizes) => {
    if (sizes.length !== 3) return "three numbers: width, heads, layers";
    const [w, h, l] = sizes as [number, number, number];
    if (![w, h, l].every((n) => Number.isInteger(n) && n >= 1)) return "whole numbers >= 1";
    if (w > 64 || h > 8 || l > 4) return "at most width 64, 8 heads, 4 layers";
    if (w % h !== 0) return `the heads (${h}) must divide the width (${w})`;
    return null;
  },
  build: (ctx, seed, [width, heads, layers]) =>
    new Transformer(ctx, transformerConfig({ seed, width, heads, layers, hidden: 4 * width! })),
};

function regression(
  name: ModelName,
  label: string,
  description: string,
  params: number,
  data: DataName,
  make: (ctx: Context, seed: number) => RegressionModel,
  train: TrainDefaults,
  arch?: ArchSpec,
): ModelEntry<RegressionModel> {
  return {
    name,
    // The data set decides the page: the five-experts data on its own page, the grains on the stages' page.
    page: data === "experts" ? "experts" : "grain",
    label,
    description,
    params,
    data,
    batchable: name !== "switch",
    torch: true,
    build: (ctx, seed = 1) => make(ctx, seed),
    task: ({ seed = 1, dataSeed = 1 } = {}) => {
      const d = regressionTrainData(data, dataSeed);
      // Full batch: every step sees the whole (≈100-row) training set.
      return { build: (ctx) => make(ctx, seed), loss: (model, ctx) => regressionLoss(model, ctx, d) };
    },
    train,
    ...(arch ? { arch } : {}),
  };
}

/** Transformer parameters: embeddings, per block 4 projections + 2 LayerNorms + the FFN, and the head. */
export function transformerParams(c: TransformerConfig): number {
  const C = c.width;
  const block = 4 * (C * C + C) + 2 * 2 * C + (C * c.hidden + c.hidden) + (c.hidden * C + C);
  return c.vocab * C + c.context * C + c.layers * block + (C * c.vocab + c.vocab);
}

/** Sentences per transformer training step. */
export const RECIPE_BATCH = 32;

const transformerEntry: ModelEntry<Transformer> = {
  name: "transformer",
  page: "transformer",
  label: "Transformer",
  description:
    "token + position embeddings, post-norm blocks of causal multi-head attention and a ReLU FFN; recipe sentences",
  params: transformerParams(transformerConfig()),
  data: "recipe",
  batchable: false,
  torch: true,
  arch: TRANSFORMER_ARCH,
  build: (ctx, seed = 1) => new Transformer(ctx, { seed }),
  task: ({ seed = 1, dataSeed = 1 } = {}) => {
    const { train } = recipeData({ seed: dataSeed });
    return {
      build: (ctx) => new Transformer(ctx, { seed }),
      loss: (model, ctx, step) => recipeLoss(model, ctx, recipeBatch(train, RECIPE_BATCH, dataSeed, step)),
    };
  },
  // 100% held-out accuracy by step ~400 on seeds 1-3 (transformer.ts); the cosine settles the last steps.
  train: {
    steps: 600,
    optimizer: { kind: "adam", lr: 0.01 },
    schedule: { kind: "cosine", warmup: 20, total: 600, minFactor: 0.1 },
  },
};

/** Characters in Moby-Dick's vocabulary (src/data/text/corpus.ts; checked in tests/unit/text-corpus.test.ts). */
export const MOBY_DICK_VOCAB = 81;

/** The character-level GPT with the `small` preset on Moby-Dick (the defaults of `npm run train -- char-gpt`). */
function charGptDefaults(seed: number): CharGptConfig {
  return { vocab: MOBY_DICK_VOCAB, ...CHAR_GPT_PRESETS.small.model, tieWeights: true, seed };
}

const charGptEntry: ModelEntry<CharGPT> = {
  name: "char-gpt",
  page: "lm",
  label: "Character-level GPT",
  description:
    "nanoGPT-shaped character model: pre-norm GELU blocks, fused causal attention, tied head; Moby-Dick or first names",
  params: charGptParamCount(charGptDefaults(1)),
  data: "text",
  batchable: false,
  torch: true,
  build: (ctx, seed = 1) => new CharGPT(ctx, charGptDefaults(seed)),
  task: () => {
    // Its batches come from a corpus loaded from npm packages (asynchronously, by file system or bundler).
    throw new Error(
      "char-gpt trains on a loaded text corpus: charGptTask (src/models/char-gpt-train.ts), run by src/run/run-char-gpt.ts",
    );
  },
  train: (() => {
    const { steps, optimizer, schedule } = charGptTrainConfig(CHAR_GPT_PRESETS.small.training);
    return { steps, optimizer, ...(schedule ? { schedule } : {}) };
  })(),
};

export const MODELS: Record<ModelName, ModelEntry> = {
  line: regression(
    "line",
    "A line",
    "y = a·x + b on one grain (white)",
    2,
    "grain-white",
    (ctx, seed) => new LinearModel(ctx, { features: "x", seed }),
    adam(0.05, 1000),
  ),
  plane: regression(
    "plane",
    "A plane",
    "y = a·x + b·z + c: cannot fit white and brown, the slope must depend on z",
    3,
    "grain-two",
    (ctx, seed) => new LinearModel(ctx, { features: "xz", seed }),
    adam(0.05, 1500),
  ),
  relu2: regression(
    "relu2",
    "ReLU, 2 hidden units",
    "ReLU MLP 2→2→1 on (x, z)",
    9,
    "grain-two",
    (ctx, seed) => new ReluModel(ctx, { hidden: [2], seed, box: GRAIN_BOX }),
    // 4000 steps: on data seed 1, 6 of seeds 1-8 end below the plane's error (0.37), 4 at the noise floor (0.012);
    // at 2000 steps two of those were still on their way down.
    adam(0.02, 4000),
    reluArch([2], GRAIN_BOX),
  ),
  relu10: regression(
    "relu10",
    "ReLU, 10 hidden units",
    "ReLU MLP 2→10→1 on (x, z)",
    41,
    "grain-two",
    (ctx, seed) => new ReluModel(ctx, { hidden: [10], seed, box: GRAIN_BOX }),
    adam(0.02, 2000),
    reluArch([10], GRAIN_BOX),
  ),
  poly: regression(
    "poly",
    "Polynomial",
    "y = p·x·z + q·x + b (x·z a precomputed feature): fits white and brown, breaks on franken",
    3,
    "grain-two",
    (ctx, seed) => new LinearModel(ctx, { features: "poly", seed }),
    adam(0.05, 1500),
  ),
  switch: regression(
    "switch",
    "Inhibitory switch",
    "softmax classifier on z chained into three ReLU-gated linear regressors, outputs summed",
    21,
    "grain-three",
    (ctx, seed) => new SwitchModel(ctx, { seed }),
    adam(0.05, 3000),
  ),
  "grain-attention": regression(
    "grain-attention",
    "Attention",
    "y = Σ softmax(s)ᵢ·rᵢ, scores and values linear in (x, z), 3 experts",
    18,
    "grain-three",
    (ctx, seed) => new MixtureModel(ctx, { experts: 3, seed }),
    // lr 0.02: on data seed 1 the four lowest-loss of 10 seeds all route white and franken sharply (> 0.94);
    // at 0.05 the lowest-loss run blended two experts for white (0.80 / 0.20).
    adam(0.02, 3000),
    mixtureArch(3),
  ),
  "experts-attention": regression(
    "experts-attention",
    "attention, 5 linear experts",
    "attention over 5 linear experts, scores and values linear in (x, s)",
    30,
    "experts",
    (ctx, seed) => new MixtureModel(ctx, { experts: 5, seed }),
    expertsTraining,
    mixtureArch(5),
  ),
  "experts-relu7": regression(
    "experts-relu7",
    "ReLU 2→7→1",
    "ReLU MLP 2→7→1 on (x, s)",
    29,
    "experts",
    (ctx, seed) => new ReluModel(ctx, { hidden: [7], seed, box: EXPERTS_BOX }),
    expertsTraining,
    reluArch([7], EXPERTS_BOX),
  ),
  "experts-relu43": regression(
    "experts-relu43",
    "ReLU 2→4→3→1",
    "ReLU MLP 2→4→3→1 on (x, s)",
    31,
    "experts",
    (ctx, seed) => new ReluModel(ctx, { hidden: [4, 3], seed, box: EXPERTS_BOX }),
    expertsTraining,
    reluArch([4, 3], EXPERTS_BOX),
  ),
  transformer: transformerEntry as unknown as ModelEntry,
  "char-gpt": charGptEntry as unknown as ModelEntry,
};

/** The models with a PyTorch twin, in registry order. */
export const TORCH_MODEL_NAMES: readonly ModelName[] = MODEL_NAMES.filter((n) => MODELS[n].torch);

export function modelEntry(name: string): ModelEntry {
  if (!Object.hasOwn(MODELS, name)) {
    throw new Error(`unknown model '${name}'; valid: ${MODEL_NAMES.join(", ")}`);
  }
  return MODELS[name as ModelName];
}

/** The models `page` trains, in registry order. */
export function pageModels(page: PageName): ModelEntry[] {
  return MODEL_NAMES.map((n) => MODELS[n]).filter((e) => e.page === page);
}

/** The registry's learning-rate schedule for `name`, stretched to `steps` (a run may ask for another count). */
export function registrySchedule(name: string, steps: number): Schedule | undefined {
  const t = modelEntry(name).train;
  const s = t.schedule;
  if (!s || s.kind === "constant") return s;
  const f = steps / t.steps;
  return { ...s, warmup: Math.round(s.warmup * f), total: steps };
}

/** A regression entry (all but the transformer and the character-level GPT), typed for the regression helpers. */
export function regressionEntry(name: string): ModelEntry<RegressionModel> {
  const e = modelEntry(name);
  if (e.data === "recipe" || e.data === "text") throw new Error(`model '${name}' is not a regression model`);
  return e as unknown as ModelEntry<RegressionModel>;
}

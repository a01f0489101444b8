// A registry model's weights as a safetensors file for its PyTorch twin (src/torch/workbench_torch.py), and back.
//
// Export: one seed's parameters under the twin's state_dict keys and layouts (torch-layout.ts), and metadata that
// lets the twin rebuild the model and continue training it, every value a string:
//   format                   "pt"
//   workbench.version        the file version below
//   workbench.model          the registry name ("relu10", "transformer", ...)
//   workbench.config         the twin's constructor arguments, JSON (twinConfig): of the architecture trained, an
//                            edited one (registry ArchSpec) too; the import reads that architecture back (torchFileArch)
//   workbench.step           training steps done
//   workbench.seed           the seed of these weights; workbench.seeds: how many were trained, how it was chosen
//   workbench.lr             the learning rate the run used; char-gpt: the rate of its last step (its cosine
//                            schedule ends at a tenth of the peak), so PyTorch goes on where the run stopped
//   workbench.peak_lr        char-gpt: the peak of that schedule (the rate the workbench's --lr and panel take)
//   workbench.train_loss     the training objective at these weights on all the training data (objectiveLoss)
//   workbench.data           the training data as JSON, so PyTorch continues on exactly the rows trained on:
//                            regression {"x": [[features]], "y": [...], "labels": [...]}, transformer
//                            {"ids": [[tokens]], "answers": [...]}; char-gpt {"text": "..."}, the first
//                            CHAR_GPT_SAMPLE_CHARS characters of its training text (a sample: the corpora are
//                            up to a million characters), and besides
//   workbench.vocab          char-gpt: its vocabulary, the characters in id order (JSON list)
//   workbench.dataset        char-gpt: the corpus it trained on ("names", "moby-dick")
//   workbench.batch          char-gpt: windows per training step
//   workbench.optimizer      the training recipe, JSON (TorchRecipe): the optimizer and its hyperparameters, the
//                            clip, the learning-rate schedule and the step the weights are at, so PyTorch goes on
//                            with the same training (continue_training.py evaluates the schedule at the next steps)
// Import: the file's model, names, shapes and dtypes checked against the model before one value is written.

import { Context } from "../autograd/variable";
import type { Backend } from "../backend/contract";
import { recipeData } from "../data/recipe";
import { meanSquaredError } from "../data/regression";
import { batchAt } from "../data/text/batches";
import type { Vocab } from "../data/text/vocab";
import { CharGPT } from "../models/char-gpt";
import { evaluateCharGpt } from "../models/char-gpt-train";
import {
  buildModelWithArch,
  describeArch,
  type ModelName,
  modelEntry,
  registrySchedule,
  regressionTrainData,
} from "../models/registry";
import {
  featurize,
  LinearModel,
  MixtureModel,
  predictions,
  type RegressionModel,
  ReluModel,
  regressionBatch,
} from "../models/regression";
import { recipeLoss } from "../models/sequence-tasks";
import { SwitchModel } from "../models/switch";
import { Transformer, type TransformerConfig } from "../models/transformer";
import type { Linear } from "../nn/layers";
import type { Module } from "../nn/module";
import type { OptimizerConfig } from "../nn/optim";
import type { Schedule } from "../nn/schedule";
import { quoted } from "../util/printable";
import { readSafetensors, SafetensorsError, writeSafetensors } from "./safetensors";
import { fromTorch, type Tensor32, torchNameOf, toTorch } from "./torch-layout";

/** Version of the workbench's metadata entries. */
export const TORCH_FILE_VERSION = 1;

export class TorchFileError extends Error {
  override name = "TorchFileError";
}

/** The twin's constructor arguments (workbench_torch.py `build_model`). */
export type TwinConfig =
  | { kind: "linear"; features: string; in_features: number }
  | { kind: "mlp"; sizes: number[] }
  | { kind: "mixture"; in_features: number; experts: number }
  | { kind: "switch"; grains: number; class_weight: number }
  | ({ kind: "transformer" } & Pick<
      TransformerConfig,
      "vocab" | "context" | "width" | "heads" | "layers" | "hidden"
    >)
  | {
      kind: "char-gpt";
      vocab: number;
      context: number;
      width: number;
      heads: number;
      layers: number;
      tie_weights: boolean;
    };

export function twinConfig(model: Module): TwinConfig {
  if (model instanceof LinearModel)
    return { kind: "linear", features: model.features, in_features: model.featureCount };
  if (model instanceof ReluModel) return { kind: "mlp", sizes: [...model.mlp.sizes] };
  if (model instanceof MixtureModel)
    return { kind: "mixture", in_features: model.values.inFeatures, experts: model.values.outFeatures };
  if (model instanceof SwitchModel)
    return { kind: "switch", grains: model.grains, class_weight: model.classWeight };
  if (model instanceof Transformer) {
    const { vocab, context, width, heads, layers, hidden } = model.config;
    return { kind: "transformer", vocab, context, width, heads, layers, hidden };
  }
  if (model instanceof CharGPT) {
    const { vocab, context, width, heads, layers, tieWeights } = model.config;
    return { kind: "char-gpt", vocab, context, width, heads, layers, tie_weights: tieWeights };
  }
  throw new TorchFileError(`no PyTorch twin for ${model.constructor.name}`);
}

/** Refuses a file whose metadata names another model than `name`. */
function checkFileModel(metadata: Record<string, string>, name: string): void {
  const fileModel = metadata["workbench.model"];
  if (fileModel !== undefined && fileModel !== name)
    throw new TorchFileError(`the file holds weights of model ${quoted(fileModel)}, not of model '${name}'`);
}

/**
 * The registry ArchSpec sizes a twin config describes (hidden widths; [experts]; [width, heads, layers]), or null
 * for a config of no kind whose architecture may change. modelOfFile checks the config against the model it builds.
 */
function archOfConfig(config: Record<string, unknown>): number[] | null {
  const ints = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isInteger(n));
  const { kind } = config;
  if (kind === "mlp" && ints(config.sizes) && config.sizes.length >= 2) return config.sizes.slice(1, -1);
  if (kind === "mixture" && Number.isInteger(config.experts)) return [config.experts as number];
  const { width, heads, layers } = config;
  if (kind === "transformer" && ints([width, heads, layers])) return [width, heads, layers] as number[];
  return null;
}

/**
 * The architecture of registry model `name` a safetensors file holds, from its workbench.config: the ArchSpec sizes,
 * or undefined for the defaults (also for a model of fixed architecture and a file without a config, whose tensors
 * are then checked against the default model). Refuses, naming the file's architecture, one the registry does not
 * build.
 */
export function torchFileArch(name: string, metadata: Record<string, string>): number[] | undefined {
  const spec = modelEntry(name).arch;
  const text = metadata["workbench.config"];
  if (!spec || text === undefined) return undefined;
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new TorchFileError(`the metadata's workbench.config is not JSON: ${quoted(text, 160)}`);
  }
  const sizes =
    typeof config === "object" && config !== null && !Array.isArray(config)
      ? archOfConfig(config as Record<string, unknown>)
      : null;
  if (!sizes)
    throw new TorchFileError(`the file's workbench.config ${quoted(text, 160)} is not of a ${name} model`);
  if (sizes.join(",") === spec.defaults.join(",")) return undefined;
  const why = spec.check(sizes);
  if (why)
    throw new TorchFileError(
      `the file holds ${name} as ${quoted(text, 160)}, which the workbench does not build (${spec.label}: ${why}); ${name} is ${describeArch(name)} by default`,
    );
  return sizes;
}

/**
 * Registry model `name` with the architecture of a safetensors file (torchFileArch), checked: every entry of the
 * model's twin config must be the file's, or the file is refused naming both.
 */
export function modelOfFile(
  ctx: Context,
  name: string,
  metadata: Record<string, string>,
  seed = 1,
): { model: Module; arch: number[] | undefined } {
  checkFileModel(metadata, name);
  const arch = torchFileArch(name, metadata);
  const model = buildModelWithArch(name, ctx, seed, arch);
  const text = metadata["workbench.config"];
  if (text !== undefined) {
    const ours = twinConfig(model) as Record<string, unknown>;
    let theirs: Record<string, unknown> = {};
    try {
      theirs = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Refused below, as a config that does not match.
    }
    if (Object.entries(ours).some(([k, v]) => JSON.stringify(theirs?.[k]) !== JSON.stringify(v))) {
      for (const p of model.parameters()) p.free();
      throw new TorchFileError(
        `the file's workbench.config ${quoted(text, 160)} is not ${name} as ${describeArch(name, arch)} (${JSON.stringify(ours)})`,
      );
    }
  }
  return { model, arch };
}

// ---- one seed out of a trained run (the pages' and the CLI's weights files) ----

/** A run as the weights files hold it (ui/weights-file.ts): parameters named as the training module names them. */
export interface TrainedRun {
  name: string;
  params: Record<string, { shape: readonly number[]; data: ArrayLike<number> }>;
}

/** The parts of a weights file an export reads. */
export interface TrainedWeights {
  step: number;
  /** `steps`: the run's length, which its schedule spans (default: the steps trained, `step`). */
  settings: { seed: number; seeds?: number; lr?: number; steps?: number };
  runs: readonly TrainedRun[];
  /** Architecture changes by model name (JobSpec.arch): the runs' models are built with them. */
  arch?: Readonly<Record<string, readonly number[]>>;
}

const tensor = (shape: readonly number[], data: ArrayLike<number>): Tensor32 => ({
  shape: [...shape],
  data: Float32Array.from(data),
});

/** A model's parameters by name → the Variable's name, for the layers of a plan. */
function nameOf(model: Module): Map<unknown, string> {
  return new Map(model.namedParameters().map(([n, v]) => [v, n]));
}

/** Seeds a run holds: the leading axis of a batched model's "w0", or the bank's "0.", "1.", … prefixes. */
export function seedsInRun(run: TrainedRun): number {
  const w0 = run.params["w0"];
  if (w0) return w0.shape[0]!;
  return new Set(Object.keys(run.params).map((n) => n.split(".")[0])).size;
}

/**
 * Seed k's parameters, named as the standalone model names them. A batched run (models/batched.ts) stores layer i
 * as "w{i}" [K, in+1, out] (rows 0..in−1 the weight, row `in` the bias); a bank stores model k under "k.".
 */
export function seedParams(run: TrainedRun, model: Module, k: number): Map<string, Tensor32> {
  const out = new Map<string, Tensor32>();
  const K = seedsInRun(run);
  if (!(Number.isInteger(k) && k >= 0 && k < K))
    throw new TorchFileError(`run '${run.name}' holds ${K} seed(s); there is no seed index ${k}`);
  if (run.params["w0"]) {
    const plan = (model as RegressionModel).plan?.();
    if (!plan) throw new TorchFileError(`run '${run.name}' is batched but its model cannot be`);
    const layers: Linear[] = plan.kind === "chain" ? plan.layers : [plan.values, plan.scores];
    const names = nameOf(model);
    layers.forEach((l, i) => {
      const w = run.params[`w${i}`];
      const I = l.inFeatures;
      const O = l.outFeatures;
      if (w?.shape.length !== 3 || w.shape[1] !== I + 1 || w.shape[2] !== O)
        throw new TorchFileError(`run '${run.name}': 'w${i}' should be [${K}, ${I + 1}, ${O}]`);
      const block = Float32Array.from(w.data).subarray(k * (I + 1) * O, (k + 1) * (I + 1) * O);
      out.set(names.get(l.weight)!, tensor([I, O], block.subarray(0, I * O)));
      if (l.bias) out.set(names.get(l.bias)!, tensor([O], block.subarray(I * O)));
    });
    return out;
  }
  const prefix = `${k}.`;
  for (const [name, p] of Object.entries(run.params))
    if (name.startsWith(prefix)) out.set(name.slice(prefix.length), tensor(p.shape, p.data));
  return out;
}

/** Overwrite a model's parameters with `params`, after checking every name and shape (nothing written on refusal). */
export function applyParams(model: Module, params: ReadonlyMap<string, Tensor32>): void {
  const named = model.namedParameters();
  for (const [name, v] of named) {
    const p = params.get(name);
    if (!p) throw new TorchFileError(`no values for parameter '${name}'`);
    if (p.shape.length !== v.shape.length || p.shape.some((d, i) => d !== v.shape[i]))
      throw new TorchFileError(
        `parameter '${name}' has shape [${p.shape.join(", ")}], the model expects [${v.shape.join(", ")}]`,
      );
  }
  const known = new Set(named.map(([n]) => n));
  for (const name of params.keys())
    if (!known.has(name)) throw new TorchFileError(`the model has no parameter '${name}'`);
  for (const [name, v] of named) {
    const be = v.ctx.backend;
    const t = be.tensor(params.get(name)!.data, v.shape);
    be.copyInto(v.value, t);
    t.dispose();
  }
}

// ---- char-gpt's data: a sample of its corpus ----

/** Characters of the training text a char-gpt file carries (the export evaluates the model on all of them). */
export const CHAR_GPT_SAMPLE_CHARS = 4096;

/** What a char-gpt file carries of its corpus: the corpus's name, its vocabulary and the training-text sample. */
export interface CharGptText {
  dataset: string;
  vocab: Vocab;
  text: string;
}

/** The sample of a corpus: the first CHAR_GPT_SAMPLE_CHARS characters (code points) of its training split. */
export function charGptText(corpus: { name: string; vocab: Vocab; train: string }): CharGptText {
  let text = "";
  let n = 0;
  for (const c of corpus.train) {
    if (n++ === CHAR_GPT_SAMPLE_CHARS) break;
    text += c;
  }
  return { dataset: corpus.name, vocab: corpus.vocab, text };
}

/** What a model's loss is measured on: the seed of its data set, or char-gpt's sample of its corpus. */
export type LossData = number | CharGptText;

function needText(data: LossData): CharGptText {
  if (typeof data === "number")
    throw new TorchFileError("char-gpt's file carries a sample of its corpus: give the corpus");
  return data;
}

function needSeed(data: LossData): number {
  if (typeof data !== "number") throw new TorchFileError("a corpus sample is for char-gpt only");
  return data;
}

/**
 * The sample as non-overlapping windows of the model's context, one batch: window w holds characters
 * w·T .. w·T+T−1 and, as targets, the characters one further on (W = ⌊(length − 1) / T⌋ windows).
 */
export function sampleWindows(model: CharGPT, text: CharGptText) {
  const { vocab: V, context: T } = model.config;
  if (text.vocab.size !== V)
    throw new TorchFileError(
      `the corpus ${quoted(text.dataset)} has ${text.vocab.size} characters, the model's vocabulary ${V}`,
    );
  const ids = text.vocab.encode(text.text, `the ${text.dataset} sample`);
  const W = Math.floor((ids.length - 1) / T);
  if (W < 1)
    throw new TorchFileError(
      `the sample has ${ids.length} characters; a context of ${T} needs at least ${T + 1}`,
    );
  return batchAt(
    ids,
    Array.from({ length: W }, (_, w) => w * T),
    T,
  );
}

/** The training data of a registry model (its data seed's, or char-gpt's sample), as workbench.data holds it. */
export function trainingData(name: ModelName, model: Module, data: LossData): Record<string, unknown> {
  const entry = modelEntry(name);
  if (entry.data === "text") return { text: needText(data).text };
  const dataSeed = needSeed(data);
  if (entry.data === "recipe") {
    const { train } = recipeData({ seed: dataSeed });
    return { ids: train.map((s) => s.tokens), answers: train.map((s) => s.answer) };
  }
  const d = regressionTrainData(entry.data, dataSeed);
  const m = model as RegressionModel;
  const F = m.featureCount;
  const x = featurize(m.features, d);
  return {
    x: Array.from({ length: d.n }, (_, i) => Array.from(x.subarray(i * F, (i + 1) * F))),
    y: Array.from(d.targets),
    labels: Array.from(d.labels),
  };
}

/**
 * The model's loss on its training data, as the workbench ranks seeds (mean squared error; answer cross-entropy;
 * char-gpt's next-character cross-entropy on the windows of its sample).
 */
export async function trainingLoss(name: ModelName, model: Module, data: LossData): Promise<number> {
  const entry = modelEntry(name);
  const ctx = model.ctx;
  if (entry.data === "text")
    return evaluateCharGpt(model as CharGPT, [sampleWindows(model as CharGPT, needText(data))]);
  const dataSeed = needSeed(data);
  if (entry.data !== "recipe") {
    const d = regressionTrainData(entry.data, dataSeed);
    return meanSquaredError(await predictions(model as RegressionModel, ctx, d), d);
  }
  const pool = recipeData({ seed: dataSeed }).train;
  let sum = 0;
  for (let i = 0; i < pool.length; i += 1024) {
    const part = pool.slice(i, i + 1024);
    try {
      const l = await ctx.noGrad(() => recipeLoss(model as Transformer, ctx, part)).read();
      sum += l[0]! * part.length;
    } finally {
      ctx.endStep();
    }
  }
  return sum / pool.length;
}

/**
 * The training objective at the model's weights on all of its training data, as the twin's `loss` computes it:
 * the regressions' mean squared error (the switch adds its classifier's cross-entropy), the transformer's answer
 * cross-entropy, char-gpt's next-character cross-entropy on its sample.
 */
export async function objectiveLoss(name: ModelName, model: Module, data: LossData): Promise<number> {
  const entry = modelEntry(name);
  if (entry.data === "recipe" || entry.data === "text") return trainingLoss(name, model, data);
  const dataSeed = needSeed(data);
  const ctx = model.ctx;
  const m = model as RegressionModel;
  try {
    const { x, y, labels } = regressionBatch(ctx, m, regressionTrainData(entry.data, dataSeed));
    return (await ctx.noGrad(() => m.loss(x, y, labels)).read())[0]!;
  } finally {
    ctx.endStep();
  }
}

// ---- export ----

/**
 * A run's training recipe as workbench.optimizer holds it (the names PyTorch's optimizers use): Adam (decoupled
 * weight decay, PyTorch's AdamW) or SGD with momentum (coupled decay, as PyTorch's SGD), `lr` the base rate the
 * schedule multiplies (the peak of a warmup and cosine), the decay on matrices only or on every parameter, the
 * global gradient-norm clip (null: none), and `step`, the training steps the weights have had: the next step is
 * the schedule's step `step` (0-based, as nn/schedule.ts counts).
 */
export interface TorchRecipe {
  kind: "adam" | "sgd";
  lr: number;
  betas: [number, number];
  eps: number;
  momentum: number;
  weight_decay: number;
  decay_matrices_only: boolean;
  clip_norm: number | null;
  schedule: { kind: "constant" } | { kind: "cosine"; warmup: number; total: number; min_factor: number };
  step: number;
}

/** The recipe of a run trained with `optimizer` and `schedule` (nn/optim.ts's defaults filled in), at `step`. */
export function torchRecipe(
  optimizer: OptimizerConfig,
  schedule: Schedule | undefined,
  step: number,
): TorchRecipe {
  const clip = optimizer.clipNorm ?? Infinity;
  return {
    kind: optimizer.kind,
    lr: optimizer.lr,
    betas: [optimizer.beta1 ?? 0.9, optimizer.beta2 ?? 0.999],
    eps: optimizer.eps ?? 1e-8,
    momentum: optimizer.momentum ?? 0,
    weight_decay: optimizer.weightDecay ?? 0,
    decay_matrices_only: optimizer.decayMatricesOnly ?? false,
    clip_norm: Number.isFinite(clip) ? clip : null,
    schedule:
      !schedule || schedule.kind === "constant"
        ? { kind: "constant" }
        : {
            kind: "cosine",
            warmup: schedule.warmup,
            total: schedule.total,
            min_factor: schedule.minFactor ?? 0.1,
          },
    step,
  };
}

export interface ExportInfo {
  step: number;
  seed: number;
  /** How the seed was chosen, e.g. "best of 4 by training loss" or "seed 3 of 4, as asked". */
  choice: string;
  lr: number;
  dataSeed: number;
  /** The training objective at these weights (objectiveLoss). */
  trainLoss: number;
  /** Examples per training step, when the twin's continuation should use the same (char-gpt's windows). */
  batch?: number;
  /** The schedule's peak rate, when `lr` is the rate of the last step (char-gpt). */
  peakLr?: number;
  /** How the run trained (workbench.optimizer); without it PyTorch continues with Adam at `lr`, no schedule. */
  recipe?: TorchRecipe;
}

/** Refuses a model the registry marks as having no PyTorch twin, naming it. */
function checkHasTwin(name: string): void {
  if (!modelEntry(name).torch)
    throw new TorchFileError(
      `'${name}' has no PyTorch twin in src/torch/workbench_torch.py: no safetensors export or import`,
    );
}

/** A single model's safetensors file for its twin; char-gpt's needs `text`, the sample of its corpus it carries. */
export async function exportModel(
  name: ModelName,
  model: Module,
  info: ExportInfo,
  text?: CharGptText,
): Promise<Uint8Array> {
  checkHasTwin(name);
  const data = trainingData(name, model, text ?? info.dataSeed);
  const tensors: [string, Tensor32][] = [];
  for (const [n, v] of model.namedParameters()) tensors.push(toTorch(n, tensor(v.shape, await v.read())));
  const metadata: Record<string, string> = {
    format: "pt",
    "workbench.version": String(TORCH_FILE_VERSION),
    "workbench.model": name,
    "workbench.config": JSON.stringify(twinConfig(model)),
    "workbench.step": String(info.step),
    "workbench.seed": String(info.seed),
    "workbench.seeds": info.choice,
    "workbench.lr": String(info.lr),
    "workbench.data_seed": String(info.dataSeed),
    "workbench.train_loss": String(info.trainLoss),
    "workbench.data": JSON.stringify(data),
  };
  if (info.recipe) metadata["workbench.optimizer"] = JSON.stringify(info.recipe);
  if (text) {
    metadata["workbench.vocab"] = JSON.stringify(text.vocab.chars);
    metadata["workbench.dataset"] = text.dataset;
  }
  if (info.batch !== undefined) metadata["workbench.batch"] = String(info.batch);
  if (info.peakLr !== undefined) metadata["workbench.peak_lr"] = String(info.peakLr);
  return writeSafetensors(tensors, metadata);
}

export interface ExportResult {
  bytes: Uint8Array;
  seed: number;
  trainLoss: number;
  /** Every seed's training loss, in seed order. */
  losses: { seed: number; loss: number }[];
}

/**
 * Export seed `seed` of a trained run (default: the one with the lowest training loss; a non-finite loss never
 * wins). `runName` picks the run of a file with several (the experts page saves three); the model has the file's
 * architecture for it (`file.arch`), and so has the twin config in the metadata.
 */
export async function exportTrained(
  backend: Backend,
  file: TrainedWeights,
  runName: string,
  options: { seed?: number } = {},
): Promise<ExportResult> {
  const entry = modelEntry(runName);
  if (entry.data === "text")
    throw new TorchFileError("char-gpt is exported with its corpus (exportCharGpt, io/torch-char-gpt.ts)");
  const run = file.runs.find((r) => r.name === runName);
  if (!run) {
    const names = file.runs.map((r) => quoted(r.name)).join(", ") || "none";
    throw new TorchFileError(`the file has no run of model '${runName}' (its runs: ${names})`);
  }
  const K = seedsInRun(run);
  const base = file.settings.seed;
  const ctx = new Context(backend);
  const models = Array.from({ length: K }, (_, k) => {
    const m = buildModelWithArch(entry.name, ctx, base + k, file.arch?.[runName]);
    applyParams(m, seedParams(run, m, k));
    return m;
  });
  try {
    const losses: { seed: number; loss: number }[] = [];
    for (let k = 0; k < K; k++)
      losses.push({ seed: base + k, loss: await trainingLoss(entry.name, models[k]!, base) });
    let k: number;
    let choice: string;
    if (options.seed !== undefined) {
      k = options.seed - base;
      if (!(k >= 0 && k < K))
        throw new TorchFileError(`seed ${options.seed} is not in the file (seeds ${base}..${base + K - 1})`);
      choice = `seed ${options.seed} of ${K} (${base}..${base + K - 1}), as chosen`;
    } else {
      const key = (l: number) => (Number.isFinite(l) ? l : Infinity);
      k = 0;
      losses.forEach((l, i) => {
        if (key(l.loss) < key(losses[k]!.loss)) k = i;
      });
      choice = K === 1 ? "1 (the only one)" : `best of ${K} (${base}..${base + K - 1}) by training loss`;
    }
    const { seed, loss } = losses[k]!;
    const lr = file.settings.lr ?? entry.train.optimizer.lr;
    // The run's optimizer at its rate, and the registry's schedule stretched to its steps (as run-model.ts trains).
    const schedule = registrySchedule(entry.name, file.settings.steps ?? file.step);
    const bytes = await exportModel(entry.name, models[k]!, {
      step: file.step,
      seed,
      choice,
      lr,
      dataSeed: base,
      trainLoss: await objectiveLoss(entry.name, models[k]!, base),
      recipe: torchRecipe({ ...entry.train.optimizer, lr }, schedule, file.step),
    });
    return { bytes, seed, trainLoss: loss, losses };
  } finally {
    for (const m of models) for (const p of m.parameters()) p.free();
  }
}

// ---- import ----

export interface ImportedWeights {
  /** Parameters named and laid out as the workbench's model has them. */
  params: Map<string, Tensor32>;
  metadata: Record<string, string>;
  /** Conversions made (F16/BF16 to f32). */
  notes: string[];
  /** Training steps the file says were done (0 when it does not say). */
  step: number;
}

/**
 * Read a safetensors file for registry model `name` (written by the export or by PyTorch from the twin's
 * state_dict) and check it against `model`: the file's model, then every name, shape and dtype, reporting the
 * first mismatch. Nothing is written to `model`; see applyParams.
 */
export function readTorchFile(bytes: Uint8Array | ArrayBuffer, name: string, model: Module): ImportedWeights {
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new TorchFileError(e.message);
    throw e;
  }
  const { tensors, metadata, notes } = file;
  checkFileModel(metadata, name);
  const params = new Map<string, Tensor32>();
  const expected = new Set<string>();
  for (const [ours, v] of model.namedParameters()) {
    const want = torchNameOf(ours, v.shape);
    expected.add(want.name);
    const got = tensors.get(want.name);
    if (!got)
      throw new TorchFileError(`the file has no tensor ${quoted(want.name)} (model '${name}' needs it)`);
    if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i]))
      throw new TorchFileError(
        `tensor ${quoted(want.name)} has shape [${got.shape.join(", ")}], model '${name}' expects [${want.shape.join(", ")}]`,
      );
    params.set(ours, fromTorch(ours, got));
  }
  for (const n of tensors.keys())
    if (!expected.has(n))
      throw new TorchFileError(`the file has a tensor ${quoted(n)} that model '${name}' does not have`);
  const stepText = metadata["workbench.step"] ?? "0";
  const step = /^\d+$/.test(stepText) ? Number(stepText) : Number.NaN;
  if (!Number.isSafeInteger(step))
    throw new TorchFileError(`the metadata's workbench.step is ${quoted(stepText)}, not a whole number >= 0`);
  return { params, metadata, notes, step };
}

/** Read, check and load a safetensors file into `model`; the model is untouched when anything is refused. */
export function importTorchFile(
  bytes: Uint8Array | ArrayBuffer,
  name: string,
  model: Module,
): ImportedWeights {
  checkHasTwin(name);
  const imported = readTorchFile(bytes, name, model);
  applyParams(model, imported.params);
  return imported;
}

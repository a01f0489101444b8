// A safetensors file (from the export, or written by PyTorch from the twin's state_dict) as the workbench's own
// weights file of one seed, so everything that loads weights files (the CLI's --load, the pages) loads it too.
//
// One run named after the model, its parameters named as the training module of one seed names them: a batchable
// regression model's "w0", "w1", … of shape [1, in+1, out] (models/batched.ts), otherwise the bank's "0.…".
// char-gpt's file becomes the language-model page's weights file (model "char-gpt-<dataset>-<preset>", one run
// "char-gpt" named as the model names its parameters), after its corpus, preset and vocabulary are checked.

import { Context } from "../autograd/variable";
import type { Backend } from "../backend/contract";
import { type CorpusSource, DATASETS, type DatasetName, loadCorpus } from "../data/text/corpus";
import { charGptRecipe, exportCharGpt, readCharGptTorchFile, torchMetadata } from "../io/torch-char-gpt";
import { applyParams, exportTrained, modelOfFile, readTorchFile, TorchFileError } from "../io/torch-file";
import type { SavedRun, TrainSettings } from "../io/types";
import { SAVED_JOB_VERSION } from "../io/types";
import { toWeightsFile, type WeightsFile } from "../io/weights";
import { CharGPT } from "../models/char-gpt";
import { CHAR_GPT_PRESETS, charGptPresetOf } from "../models/char-gpt-presets";
import { charGptConfigFor, charGptFinalLr } from "../models/char-gpt-train";
import { modelEntry, RECIPE_BATCH } from "../models/registry";
import type { RegressionModel } from "../models/regression";
import { quoted } from "../util/printable";
import { charGptSetup, lmModel, lmModelName } from "./run-char-gpt";
import { pageOf } from "./run-weights";

export interface ConvertedWeights {
  file: WeightsFile;
  /** The file's architecture of its model (registry ArchSpec sizes, from its workbench.config); absent: the defaults. */
  arch?: number[];
  /** Conversions made on the way in (F16/BF16 to f32). */
  notes: string[];
}

/** A one-run weights file (the run's steps, at least 1, as the panel's steps). */
function oneRunFile(
  kind: WeightsFile["kind"],
  fileModel: string,
  settings: Omit<TrainSettings, "steps" | "seeds">,
  step: number,
  run: SavedRun,
  arch?: number[],
): WeightsFile {
  return toWeightsFile({
    version: SAVED_JOB_VERSION,
    spec: {
      kind,
      model: fileModel,
      settings: { ...settings, steps: Math.max(1, step), seeds: 1 },
      ...(arch ? { arch: { [run.name]: arch } } : {}),
    },
    step,
    runs: [run],
    history: { train: [], test: [] },
    savedAt: Date.now(),
  });
}

/**
 * A regression model's or the transformer's safetensors file as its page's weights file (synchronous), of the
 * architecture its workbench.config describes (an edited one as the file's `arch`).
 */
export function torchFileToWeights(backend: Backend, bytes: Uint8Array, model: string): ConvertedWeights {
  const entry = modelEntry(model);
  if (entry.data === "text")
    throw new TorchFileError("a char-gpt file is converted with its corpus: torchFileToPageWeights");
  const { model: m, arch } = modelOfFile(new Context(backend), entry.name, torchMetadata(bytes));
  try {
    const imported = readTorchFile(bytes, entry.name, m);
    const params: SavedRun["params"] = {};
    if (entry.batchable) {
      const plan = (m as RegressionModel).plan();
      if (!plan) throw new TorchFileError(`model '${model}' has no batched form`);
      const names = new Map(m.namedParameters().map(([n, v]) => [v, n]));
      const layers = plan.kind === "chain" ? plan.layers : [plan.values, plan.scores];
      layers.forEach((l, i) => {
        const I = l.inFeatures;
        const O = l.outFeatures;
        const data = new Float32Array((I + 1) * O);
        data.set(imported.params.get(names.get(l.weight)!)!.data, 0);
        if (l.bias) data.set(imported.params.get(names.get(l.bias)!)!.data, I * O);
        params[`w${i}`] = { shape: [1, I + 1, O], data };
      });
    } else {
      for (const [n, t] of imported.params) params[`0.${n}`] = { shape: t.shape, data: t.data };
    }
    const meta = imported.metadata;
    const num = (key: string, fallback: number) => {
      const v = Number(meta[key]);
      return Number.isFinite(v) ? v : fallback;
    };
    const { kind, fileModel } = pageOf(entry.name);
    const settings = {
      backend: "auto" as const,
      lr: num("workbench.lr", entry.train.optimizer.lr),
      batch: entry.data === "recipe" ? RECIPE_BATCH : 1,
      // The base seed of a weights file is the seed of its data.
      seed: num("workbench.data_seed", 1),
    };
    const file = oneRunFile(
      kind,
      fileModel,
      settings,
      imported.step,
      { name: entry.name, params, state: [], t: 0 },
      arch,
    );
    return { file, notes: imported.notes, ...(arch ? { arch } : {}) };
  } finally {
    for (const p of m.parameters()) p.free();
  }
}

/**
 * char-gpt's safetensors file as the language-model page's weights file: refused, naming the problem, when its
 * corpus is not one the page trains, its shape is no preset's (or its head is untied), or its vocabulary is not
 * its corpus's.
 */
export async function charGptFileToPageWeights(
  backend: Backend,
  bytes: Uint8Array,
  source: CorpusSource,
): Promise<ConvertedWeights> {
  const f = readCharGptTorchFile(backend, bytes);
  if (!(DATASETS as readonly string[]).includes(f.dataset))
    throw new TorchFileError(
      `the file's corpus is ${quoted(f.dataset)}; the language-model page trains ${DATASETS.join(" and ")}`,
    );
  const preset = charGptPresetOf(f.config);
  const c = f.config;
  if (!preset || !c.tieWeights) {
    const presets = Object.entries(CHAR_GPT_PRESETS)
      .map(
        ([n, p]) =>
          `${n}: ${p.model.layers} layer(s), ${p.model.heads} heads, width ${p.model.width}, context ${p.model.context}`,
      )
      .join("; ");
    throw new TorchFileError(
      `the file's model (${c.layers} layer(s), ${c.heads} heads, width ${c.width}, context ${c.context}, head ${c.tieWeights ? "tied" : "untied"}) is not one the page trains (${presets}; head tied)`,
    );
  }
  const corpus = await loadCorpus(f.dataset as DatasetName, source);
  const d = corpus.vocab.difference(f.vocab);
  if (d) throw new TorchFileError(`the file's vocabulary is not the ${f.dataset} corpus's (${d})`);
  const params: SavedRun["params"] = {};
  for (const [n, t] of f.imported.params) params[n] = { shape: t.shape, data: t.data };
  const training = CHAR_GPT_PRESETS[preset].training;
  const settings = {
    backend: "auto" as const,
    lr: f.peakLr ?? training.lr,
    batch: f.batch ?? training.batch,
    seed: c.seed,
  };
  const fileModel = lmModelName(f.dataset as DatasetName, preset);
  const file = oneRunFile("lm", fileModel, settings, f.imported.step, {
    name: "char-gpt",
    params,
    state: [],
    t: 0,
  });
  return { file, notes: f.imported.notes };
}

/** Any model's safetensors file as its page's weights file; char-gpt's needs its corpus (`source`). */
export async function torchFileToPageWeights(
  backend: Backend,
  bytes: Uint8Array,
  model: string,
  source?: CorpusSource,
): Promise<ConvertedWeights> {
  if (modelEntry(model).data !== "text") return torchFileToWeights(backend, bytes, model);
  if (!source) throw new TorchFileError("a char-gpt file loads on the language-model page");
  return charGptFileToPageWeights(backend, bytes, source);
}

/** The model a safetensors file names in its metadata, or null (a file PyTorch wrote without it). */
export function torchFileModel(bytes: Uint8Array): string | null {
  return torchMetadata(bytes)["workbench.model"] ?? null;
}

export interface TorchDownload {
  filename: string;
  bytes: Uint8Array;
  seed: number;
}

/** The language-model page's weights file (one run, "char-gpt") as a safetensors file, with its corpus's sample. */
async function charGptDownload(
  backend: Backend,
  file: WeightsFile,
  source: CorpusSource,
): Promise<TorchDownload> {
  const { dataset, preset } = lmModel(file.model);
  const run = file.runs.find((r) => r.name === "char-gpt");
  if (!run) throw new TorchFileError(`the file has no run of model 'char-gpt'`);
  const corpus = await loadCorpus(dataset, source);
  const { seed, lr, batch, steps } = file.settings;
  // The page's schedule (jobs/lm-job.ts): its rate at the file's last step is where PyTorch goes on.
  const { training } = charGptSetup({ model: "char-gpt", dataset, preset, steps, lr, seed, batch });
  const model = new CharGPT(
    new Context(backend),
    charGptConfigFor(corpus.vocab, CHAR_GPT_PRESETS[preset].model, { seed }),
  );
  try {
    applyParams(
      model,
      new Map(
        Object.entries(run.params).map(([n, p]) => [
          n,
          { shape: [...p.shape], data: Float32Array.from(p.data) },
        ]),
      ),
    );
    const finalLr = charGptFinalLr(training, file.step);
    const { bytes } = await exportCharGpt(model, corpus, {
      step: file.step,
      lr: finalLr,
      peakLr: lr,
      batch,
      recipe: charGptRecipe(training, file.step),
    });
    return { filename: `${file.model}-step${file.step}-seed${seed}.safetensors`, bytes, seed };
  } finally {
    for (const p of model.parameters()) p.free();
  }
}

/**
 * One safetensors file per run of a weights file (the experts page saves three), each run's best seed; the
 * language-model page's one file needs its corpus (`source`).
 */
export async function torchDownloads(
  backend: Backend,
  file: WeightsFile,
  source?: CorpusSource,
): Promise<TorchDownload[]> {
  if (file.kind === "lm") {
    if (!source) throw new TorchFileError("a char-gpt export needs its corpus");
    return [await charGptDownload(backend, file, source)];
  }
  const out: TorchDownload[] = [];
  for (const run of file.runs) {
    const e = await exportTrained(backend, file, run.name);
    out.push({
      filename: `${run.name}-step${file.step}-seed${e.seed}.safetensors`,
      bytes: e.bytes,
      seed: e.seed,
    });
  }
  return out;
}

// The character-level GPT's safetensors files (torch-file.ts describes the format). Its shape is not the registry's
// default (a corpus decides the vocabulary, a preset or flags the rest), so a file rebuilds the model from its own
// metadata: workbench.config (the twin's arguments), workbench.vocab (the characters) and workbench.dataset.
//
// Export needs the corpus: the file carries its vocabulary and a sample of its training text (charGptText), and
// workbench.train_loss is the model's loss on that sample.

import { Context } from "../autograd/variable";
import type { Backend } from "../backend/contract";
import type { TextCorpus } from "../data/text/corpus";
import { Vocab, VocabError } from "../data/text/vocab";
import { CharGPT, type CharGptConfig, CharGptConfigError, checkCharGptConfig } from "../models/char-gpt";
import {
  CHAR_GPT_PRESETS,
  type CharGptTraining,
  charGptAtRate,
  charGptPresetOf,
  charGptStretched,
} from "../models/char-gpt-presets";
import { charGptFinalLr, charGptTrainConfig } from "../models/char-gpt-train";
import { CHAR_GPT_FORMAT, type CharGptWeights, loadCharGpt } from "../models/char-gpt-weights";
import { quoted } from "../util/printable";
import { readSafetensors, SafetensorsError } from "./safetensors";
import {
  charGptText,
  exportModel,
  type ImportedWeights,
  objectiveLoss,
  readTorchFile,
  TorchFileError,
  type TorchRecipe,
  torchRecipe,
} from "./torch-file";

/** The metadata of a safetensors file; a malformed file is refused as TorchFileError. */
export function torchMetadata(bytes: Uint8Array): Record<string, string> {
  try {
    return readSafetensors(bytes).metadata;
  } catch (e) {
    if (e instanceof SafetensorsError) throw new TorchFileError(e.message);
    throw e;
  }
}

function parsed(metadata: Record<string, string>, key: string): unknown {
  const raw = metadata[key];
  if (raw === undefined) throw new TorchFileError(`the file has no ${key} metadata, which char-gpt needs`);
  try {
    return JSON.parse(raw);
  } catch {
    throw new TorchFileError(`the file's ${key} is not JSON`);
  }
}

/** The model's configuration from workbench.config (and its seed from workbench.seed, 1 when absent). */
export function charGptConfigOf(metadata: Record<string, string>): CharGptConfig {
  const c = parsed(metadata, "workbench.config") as Record<string, unknown> | null;
  if (!c || typeof c !== "object" || c.kind !== "char-gpt")
    throw new TorchFileError(
      `workbench.config is not a char-gpt configuration (kind ${quoted(String(c?.kind))})`,
    );
  if (typeof c.tie_weights !== "boolean")
    throw new TorchFileError("workbench.config: tie_weights must be true or false");
  const seed = Number(metadata["workbench.seed"] ?? "1");
  const config = {
    vocab: c.vocab,
    context: c.context,
    width: c.width,
    heads: c.heads,
    layers: c.layers,
    tieWeights: c.tie_weights,
    seed: Number.isSafeInteger(seed) && seed >= 0 ? seed : 1,
  } as CharGptConfig;
  try {
    checkCharGptConfig(config);
  } catch (e) {
    if (e instanceof CharGptConfigError) throw new TorchFileError(`workbench.config: ${e.message}`);
    throw e;
  }
  return config;
}

/** The vocabulary in workbench.vocab, which must have the configuration's size. */
export function charGptVocabOf(metadata: Record<string, string>, size: number): Vocab {
  const chars = parsed(metadata, "workbench.vocab");
  if (!Array.isArray(chars) || !chars.every((c) => typeof c === "string"))
    throw new TorchFileError("workbench.vocab must be a list of characters");
  let vocab: Vocab;
  try {
    vocab = new Vocab(chars as string[]);
  } catch (e) {
    if (e instanceof VocabError) throw new TorchFileError(`workbench.vocab: ${e.message}`);
    throw e;
  }
  if (vocab.size !== size)
    throw new TorchFileError(`workbench.vocab has ${vocab.size} characters, workbench.config says ${size}`);
  return vocab;
}

export interface CharGptTorchFile {
  config: CharGptConfig;
  vocab: Vocab;
  /** The corpus it trained on (workbench.dataset). */
  dataset: string;
  /** The rate of the run's last step, its schedule's peak and its windows per step, when the file says. */
  lr?: number;
  peakLr?: number;
  batch?: number;
  imported: ImportedWeights;
}

const positive = (v: string | undefined): number | undefined => {
  const n = Number(v);
  return v !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
};

/** Read and check a char-gpt file: metadata, then every tensor against the model its config builds. */
export function readCharGptTorchFile(backend: Backend, bytes: Uint8Array): CharGptTorchFile {
  const metadata = torchMetadata(bytes);
  const fileModel = metadata["workbench.model"];
  if (fileModel !== undefined && fileModel !== "char-gpt")
    throw new TorchFileError(`the file holds weights of model ${quoted(fileModel)}, not of model 'char-gpt'`);
  const config = charGptConfigOf(metadata);
  const vocab = charGptVocabOf(metadata, config.vocab);
  const dataset = metadata["workbench.dataset"];
  if (!dataset) throw new TorchFileError("the file has no workbench.dataset metadata, which char-gpt needs");
  const model = new CharGPT(new Context(backend), config);
  try {
    const imported = readTorchFile(bytes, "char-gpt", model);
    const lr = positive(metadata["workbench.lr"]);
    const peakLr = positive(metadata["workbench.peak_lr"]);
    const batch = positive(metadata["workbench.batch"]);
    return {
      config,
      vocab,
      dataset,
      imported,
      ...(lr !== undefined ? { lr } : {}),
      ...(peakLr !== undefined ? { peakLr } : {}),
      ...(batch !== undefined && Number.isInteger(batch) ? { batch } : {}),
    };
  } finally {
    for (const p of model.parameters()) p.free();
  }
}

/** A char-gpt safetensors file as the command line's weights file (models/char-gpt-weights.ts). */
export function charGptWeightsFromTorch(backend: Backend, bytes: Uint8Array): CharGptWeights {
  const f = readCharGptTorchFile(backend, bytes);
  const params: CharGptWeights["params"] = {};
  for (const [n, t] of f.imported.params) params[n] = { shape: [...t.shape], data: Array.from(t.data) };
  return {
    format: CHAR_GPT_FORMAT,
    version: 1,
    dataset: f.dataset,
    step: f.imported.step,
    ...(f.peakLr !== undefined ? { lr: f.peakLr } : {}),
    ...(f.lr !== undefined ? { finalLr: f.lr } : {}),
    ...(f.batch !== undefined ? { batch: f.batch } : {}),
    config: f.config,
    vocab: [...f.vocab.chars],
    params,
  };
}

export interface CharGptExport {
  bytes: Uint8Array;
  /** The model's loss on the sample the file carries. */
  trainLoss: number;
}

/** The recipe of a char-gpt run trained with `training` (AdamW, decay on matrices, clip, warmup and cosine), at `step`. */
export function charGptRecipe(training: CharGptTraining, step: number): TorchRecipe {
  const { optimizer, schedule } = charGptTrainConfig(training);
  return torchRecipe(optimizer, schedule, step);
}

/**
 * A trained char-gpt as a safetensors file, with its corpus's vocabulary and training-text sample; `lr` is the rate
 * of its last step, `peakLr` its schedule's peak, `recipe` how it trained (charGptRecipe).
 */
export async function exportCharGpt(
  model: CharGPT,
  corpus: TextCorpus,
  info: { step: number; lr: number; peakLr: number; batch: number; recipe?: TorchRecipe },
): Promise<CharGptExport> {
  const text = charGptText(corpus);
  const seed = model.config.seed;
  const trainLoss = await objectiveLoss("char-gpt", model, text);
  const bytes = await exportModel(
    "char-gpt",
    model,
    { ...info, seed, choice: "1 (the only one)", dataSeed: seed, trainLoss },
    text,
  );
  return { bytes, trainLoss };
}

/**
 * The command line's weights file as a safetensors file. Refused when the file's vocabulary is not the corpus's.
 * A file without its peak rate or batch takes its preset's (the small preset's, for another shape). Its recipe is the
 * preset's at that peak, over the file's run (its `steps`, else the steps trained), as run-char-gpt.ts's charGptSetup
 * sets a run of that length up; a file without its last rate takes the rate of its last step along that recipe.
 */
export async function exportCharGptWeights(
  backend: Backend,
  weights: unknown,
  corpus: TextCorpus,
): Promise<CharGptExport & { weights: CharGptWeights }> {
  const { model, weights: w } = loadCharGpt(new Context(backend), weights, { vocab: corpus.vocab });
  try {
    const name = charGptPresetOf(w.config) ?? "small";
    const preset = CHAR_GPT_PRESETS[name].training;
    const peakLr = w.lr ?? preset.lr;
    const batch = w.batch ?? preset.batch;
    // The run's length (a checkpoint's is longer than its step), else the steps trained.
    const total = Number.isInteger(w.steps) && w.steps! >= w.step ? w.steps! : w.step;
    const training = charGptStretched(name, { ...charGptAtRate(preset, peakLr), batch }, total);
    const e = await exportCharGpt(model, corpus, {
      step: w.step,
      lr: w.finalLr ?? charGptFinalLr(training, w.step),
      peakLr,
      batch,
      recipe: charGptRecipe(training, w.step),
    });
    return { ...e, weights: w };
  } finally {
    for (const p of model.parameters()) p.free();
  }
}

// The weights file of a character-level GPT: its configuration, vocabulary and parameters as JSON,
//   { "format": "webgpu-workbench/char-gpt", "version": 1, "dataset": "names", "step": 600,
//     "lr": 0.01, "finalLr": 0.001, "batch": 32,
//     "config": { "vocab": 28, "context": 16, ... }, "vocab": ["\n", "-", "a", ...],
//     "params": { "tokens.table": { "shape": [28, 32], "data": [...] }, ... } }
// ("lr", the last run's peak learning rate, "finalLr", the rate of its last step, "batch", windows per step, and
// "steps", the length of the schedule the run these weights are from went along (a checkpoint's is longer than its
// "step"; a run from a file at step k of N more steps went along one of k + N),
// may be absent.)
// Loading refuses a file from another vocabulary or model shape, naming the difference.

import type { Context } from "../autograd/variable";
import { Vocab } from "../data/text/vocab";
import { CharGPT, type CharGptConfig } from "./char-gpt";

export const CHAR_GPT_FORMAT = "webgpu-workbench/char-gpt";

/** What a weights file says of the run besides the model: its corpus, steps, rates and batch. */
export interface CharGptMeta {
  dataset: string;
  step: number;
  lr?: number;
  finalLr?: number;
  batch?: number;
  /** The length of the schedule the run went along (from step 0, also for a run from a loaded file). */
  steps?: number;
}

export interface CharGptWeights extends CharGptMeta {
  format: typeof CHAR_GPT_FORMAT;
  version: 1;
  config: CharGptConfig;
  vocab: string[];
  params: Record<string, { shape: number[]; data: number[] }>;
}

export class WeightsMismatchError extends Error {
  override name = "WeightsMismatchError";
}

export async function saveCharGpt(model: CharGPT, vocab: Vocab, meta: CharGptMeta): Promise<CharGptWeights> {
  const params: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
  for (const [name, p] of model.namedParameters()) params[name] = { shape: p.shape, data: await p.read() };
  return charGptWeightsOf(model.config, params, vocab, meta);
}

/** The weights file of parameter values already read (a trainer's checkpoint, train/checkpoint.ts). */
export function charGptWeightsOf(
  config: CharGptConfig,
  values: Record<string, { shape: readonly number[]; data: Float32Array }>,
  vocab: Vocab,
  meta: CharGptMeta,
): CharGptWeights {
  const params: CharGptWeights["params"] = {};
  for (const [name, v] of Object.entries(values))
    params[name] = { shape: [...v.shape], data: Array.from(v.data) };
  return {
    format: CHAR_GPT_FORMAT,
    version: 1,
    ...meta,
    config: { ...config },
    vocab: vocab.toJSON(),
    params,
  };
}

const SHAPE_KEYS = ["vocab", "context", "width", "heads", "layers", "tieWeights"] as const;

/**
 * Check a parsed weights file against what the caller expects (the dataset's vocabulary, a model shape) and
 * return its vocabulary. Throws WeightsMismatchError naming the first difference.
 */
export function checkCharGptWeights(
  file: unknown,
  expect: { vocab?: Vocab; config?: Partial<CharGptConfig> } = {},
): { weights: CharGptWeights; vocab: Vocab } {
  const w = file as Partial<CharGptWeights> | null;
  if (!w || typeof w !== "object" || w.format !== CHAR_GPT_FORMAT) {
    throw new WeightsMismatchError(
      `weights: not a char-gpt weights file (format should be "${CHAR_GPT_FORMAT}")`,
    );
  }
  if (w.version !== 1)
    throw new WeightsMismatchError(`weights: version ${String(w.version)} is not supported (expected 1)`);
  if (!w.config || !Array.isArray(w.vocab) || !w.params)
    throw new WeightsMismatchError("weights: config, vocab or params missing");
  const vocab = new Vocab(w.vocab);
  if (vocab.size !== w.config.vocab) {
    throw new WeightsMismatchError(
      `weights: the file's vocabulary has ${vocab.size} characters but its config says ${w.config.vocab}`,
    );
  }
  if (expect.vocab) {
    const d = expect.vocab.difference(vocab);
    if (d)
      throw new WeightsMismatchError(
        `weights: trained on another vocabulary (${d}); they cannot be used with this dataset`,
      );
  }
  for (const k of SHAPE_KEYS) {
    const want = expect.config?.[k];
    if (want !== undefined && w.config[k] !== want) {
      throw new WeightsMismatchError(
        `weights: ${k} is ${String(w.config[k])} in the file, ${String(want)} here`,
      );
    }
  }
  return { weights: w as CharGptWeights, vocab };
}

/** Build a model from a weights file on `ctx` (checked as by checkCharGptWeights). */
export function loadCharGpt(
  ctx: Context,
  file: unknown,
  expect: { vocab?: Vocab; config?: Partial<CharGptConfig> } = {},
): { model: CharGPT; vocab: Vocab; weights: CharGptWeights } {
  const { weights, vocab } = checkCharGptWeights(file, expect);
  const model = new CharGPT(ctx, weights.config);
  const be = ctx.backend;
  const names = model.namedParameters();
  const extra = Object.keys(weights.params).filter((n) => !names.some(([m]) => m === n));
  if (extra.length) throw new WeightsMismatchError(`weights: parameter '${extra[0]}' is not in the model`);
  for (const [name, p] of names) {
    const saved = weights.params[name];
    if (!saved) throw new WeightsMismatchError(`weights: parameter '${name}' is missing`);
    if (saved.shape.join(",") !== p.shape.join(",") || saved.data.length !== p.size) {
      throw new WeightsMismatchError(
        `weights: parameter '${name}' has shape [${saved.shape.join(", ")}], the model [${p.shape.join(", ")}]`,
      );
    }
    const t = be.tensor(saved.data, p.shape);
    be.copyInto(p.value, t);
    t.dispose();
  }
  return { model, vocab, weights };
}

// Weights files for a single-model run (the CLI trainer): the pages' JSON format (io/weights.ts), so a file saved
// here loads on the model's page and a page's file loads here.
//
// The page a model belongs to (its registry entry's `page`) decides the file's kind and model fields, as the
// pages write them:
//   grain stages (line … grain-attention)   kind "grain",       model = the stage,  one run named after it
//   experts-attention / -relu7 / -relu43    kind "experts",     model "experts",    runs named after the models
//   transformer                             kind "transformer", model "transformer", one run "transformer"
// The experts page trains its three models together and saves three runs; a run of one of them saves one run, which
// the experts page loads into that model (the other two keep theirs, see ui/experts-file.ts).
// A file holds the run's loss history as the pages record it (training loss of every step, the mean over seeds; the
// held-out loss at the end), so its curve shows where it loads; a loaded file's history continues.
// Parameters are named as the pages' training modules name them: a batched many-seeds model's "w0", "w1", … with
// the seeds on the leading axis [K, in+1, out], or a bank of K models "0.…", "1.…", ….

import {
  type History,
  type JobKind,
  SAVED_JOB_VERSION,
  type SavedJob,
  type SavedRun,
  type TrainSettings,
} from "../io/types";
import {
  checkShapes,
  parseWeightsFile,
  toWeightsFile,
  type WeightsFile,
  WeightsFileError,
} from "../io/weights";
import { modelEntry } from "../models/registry";
import type { Module } from "../nn/module";
import type { Optimizer } from "../nn/optim";
import { restoreCheckpoint } from "../train/checkpoint";
import { quoted } from "../util/printable";

export { type WeightsFile, WeightsFileError };

/** The page a model trains on, and the `model` field that page writes. */
export function pageOf(model: string): { kind: JobKind; fileModel: string } {
  const { page } = modelEntry(model);
  // A grain-page file is of one stage; the experts and transformer pages name the page.
  return { kind: page, fileModel: page === "grain" ? model : page };
}

export interface LoadedWeights {
  run: SavedRun;
  /** Training steps the file's run had completed. */
  step: number;
  /** The run's architecture (the file's arch of the model: ArchSpec sizes), when it is not the default. */
  arch?: number[];
  /** The run's loss history in the file (its column of the file's), up to its step. */
  history: History;
}

/** Read a weights file's text for `model`: format, version, page and model checked here, shapes in applyWeights. */
export function readWeights(text: string, model: string): LoadedWeights {
  const { kind, fileModel } = pageOf(model);
  let raw: unknown = null;
  try {
    raw = JSON.parse(text);
  } catch {
    // parseWeightsFile below reports it.
  }
  if (raw && typeof raw === "object") {
    const r = raw as Record<string, unknown>;
    // Say which model the file is for in the CLI's words before the page-level check would speak of pages.
    if (typeof r.kind === "string" && r.kind !== kind && typeof r.model === "string") {
      throw new WeightsFileError(
        `the file holds weights of ${quoted(r.model)} (the ${quoted(r.kind)} page), not of model '${model}'`,
      );
    }
  }
  const saved = parseWeightsFile(text, kind);
  if (saved.spec.model !== fileModel) {
    throw new WeightsFileError(`the file holds weights of model ${quoted(saved.spec.model)}, not '${model}'`);
  }
  const run = saved.runs.find((r) => r.name === model);
  if (!run) {
    const names = saved.runs.map((r) => quoted(r.name)).join(", ") || "none";
    throw new WeightsFileError(`the file has no run of model '${model}' (its runs: ${names})`);
  }
  const arch = saved.spec.arch?.[model];
  return { run, step: saved.step, ...(arch ? { arch } : {}), history: historyColumn(saved, run.name) };
}

/** The history of run `name` alone: its losses in `saved`'s history, up to the file's step (points without one go). */
function historyColumn(saved: SavedJob, name: string): History {
  const i = saved.runs.findIndex((r) => r.name === name);
  const column = <P extends { step: number }>(points: P[], value: (p: P) => number | null | undefined) =>
    points.flatMap((p) => {
      const v = value(p);
      return typeof v === "number" && p.step < saved.step ? [{ step: p.step, v }] : [];
    });
  return {
    train: column(saved.history.train, (p) => p.train[i]).map(({ step, v }) => ({ step, train: [v] })),
    test: column(saved.history.test, (p) => p.test[i]).map(({ step, v }) => ({ step, test: [v] })),
  };
}

/** Seeds a file's run holds: the leading axis of a batched model's "w0", or the bank's "0.", "1.", … prefixes. */
export function seedCount(run: SavedRun): number {
  const w0 = run.params["w0"];
  if (w0) return w0.shape[0]!;
  return new Set(Object.keys(run.params).map((n) => n.split(".")[0])).size;
}

/**
 * A run of one seed as a run of K seeds that all start from it: a batched run's [1, …] tensors tiled to [K, …], a
 * bank's "0.…" parameters copied to "1.…" … "K−1.…". Its optimizer state is not kept (it starts fresh).
 */
export function repeatSeeds(run: SavedRun, K: number): SavedRun {
  if (seedCount(run) !== 1)
    throw new WeightsFileError(`run ${quoted(run.name)} holds ${seedCount(run)} seeds, not 1`);
  const params: SavedRun["params"] = {};
  for (const [name, p] of Object.entries(run.params)) {
    if (run.params["w0"]) {
      const data = new Float32Array(K * p.data.length);
      for (let k = 0; k < K; k++) data.set(p.data, k * p.data.length);
      params[name] = { shape: [K, ...p.shape.slice(1)], data };
    } else {
      for (let k = 0; k < K; k++)
        params[`${k}${name.slice(1)}`] = { shape: [...p.shape], data: p.data.slice() };
    }
  }
  return { name: run.name, params, state: [], t: 0 };
}

/**
 * Overwrite a freshly built model's parameters with the file's, after checking every name and shape. The optimizer
 * starts fresh (files hold no optimizer state), as on the pages.
 */
export function applyWeights(loaded: LoadedWeights, model: Module, opt: Optimizer, seeds: number): void {
  const expected = model.namedParameters().map(([n, v]) => [n, v.shape] as [string, readonly number[]]);
  const mismatch = checkShapes(loaded.run, expected);
  if (mismatch) {
    const inFile = seedCount(loaded.run);
    const hint =
      inFile !== seeds
        ? ` (the file holds ${inFile} seed(s) and this run trains ${seeds}: pass --seeds ${inFile})`
        : "";
    throw new WeightsFileError(`${mismatch}${hint}`);
  }
  restoreCheckpoint({ step: 0, params: loaded.run.params, state: [], t: 0 }, model, opt);
}

/**
 * The trained parameters as a weights file, as the model's page would save them: an edited architecture (`arch`,
 * registry ArchSpec sizes other than the defaults) recorded as the page records it, `arch: { [model]: sizes }`, and
 * the run's loss history (one loss per point).
 */
export async function weightsFile(
  model: string,
  trained: Module,
  step: number,
  settings: TrainSettings,
  arch?: readonly number[],
  history: History = { train: [], test: [] },
): Promise<WeightsFile> {
  const params: SavedRun["params"] = {};
  for (const [name, v] of trained.namedParameters())
    params[name] = { shape: [...v.shape], data: await v.read() };
  return weightsFromParams(model, params, step, settings, arch, history);
}

/** Parameters already read (a checkpoint's) as a weights file (with `arch` and `history` as weightsFile has them). */
export function weightsFromParams(
  model: string,
  params: SavedRun["params"],
  step: number,
  settings: TrainSettings,
  arch?: readonly number[],
  history: History = { train: [], test: [] },
): WeightsFile {
  const { kind, fileModel } = pageOf(model);
  const job: SavedJob = {
    version: SAVED_JOB_VERSION,
    spec: { kind, model: fileModel, settings, ...(arch ? { arch: { [model]: [...arch] } } : {}) },
    step,
    runs: [{ name: model, params, state: [], t: 0 }],
    history,
    savedAt: Date.now(),
  };
  return toWeightsFile(job);
}

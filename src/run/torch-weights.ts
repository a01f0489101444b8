// A safetensors file (from the export, or written by PyTorch from the twin's state_dict) as the workbench's own
// weights file of one seed, so everything that loads weights files (the CLI's --load, the pages) loads it too.
//
// One run named after the model, its parameters named as the training module of one seed names them: a batchable
// regression model's "w0", "w1", … of shape [1, in+1, out] (models/batched.ts), otherwise the bank's "0.…".

import { Context } from "../autograd/variable";
import type { Backend } from "../backend/contract";
import { readSafetensors, SafetensorsError } from "../io/safetensors";
import { exportTrained, readTorchFile, TorchFileError } from "../io/torch-file";
import type { SavedRun } from "../io/types";
import { SAVED_JOB_VERSION } from "../io/types";
import { toWeightsFile, type WeightsFile } from "../io/weights";
import { modelEntry, RECIPE_BATCH } from "../models/registry";
import type { RegressionModel } from "../models/regression";
import { pageOf } from "./run-weights";

export interface ConvertedWeights {
  file: WeightsFile;
  /** Conversions made on the way in (F16/BF16 to f32). */
  notes: string[];
}

export function torchFileToWeights(backend: Backend, bytes: Uint8Array, model: string): ConvertedWeights {
  const entry = modelEntry(model);
  const ctx = new Context(backend);
  const m = entry.build(ctx, 1);
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
    const file = toWeightsFile({
      version: SAVED_JOB_VERSION,
      spec: {
        kind,
        model: fileModel,
        settings: {
          backend: "auto",
          lr: num("workbench.lr", entry.train.optimizer.lr),
          steps: imported.step,
          batch: entry.data === "recipe" ? RECIPE_BATCH : 1,
          // The base seed of a weights file is the seed of its data.
          seed: num("workbench.data_seed", 1),
          seeds: 1,
        },
      },
      step: imported.step,
      runs: [{ name: entry.name, params, state: [], t: 0 }],
      history: { train: [], test: [] },
      savedAt: Date.now(),
    });
    return { file, notes: imported.notes };
  } finally {
    for (const p of m.parameters()) p.free();
  }
}

/** The model a safetensors file names in its metadata, or null (a file PyTorch wrote without it). */
export function torchFileModel(bytes: Uint8Array): string | null {
  try {
    return readSafetensors(bytes).metadata["workbench.model"] ?? null;
  } catch (e) {
    if (e instanceof SafetensorsError) throw new TorchFileError(e.message);
    throw e;
  }
}

/** One safetensors file per run of a weights file (the experts page saves three), each run's best seed. */
export async function torchDownloads(
  backend: Backend,
  file: WeightsFile,
): Promise<{ filename: string; bytes: Uint8Array; seed: number }[]> {
  const out: { filename: string; bytes: Uint8Array; seed: number }[] = [];
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

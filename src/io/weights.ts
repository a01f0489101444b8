// Trained weights as a JSON file the user can keep: a format tag and version, what trained them (page, model,
// settings, step), and each run's parameters by name with their shapes. Loading checks all of it before a single
// value reaches a model: the format and version here, the names and shapes against the model in `checkShapes`.
//
//   { "format": "webgpu-workbench/weights", "version": 1, "kind": "grain", "model": "relu10", "step": 2000,
//     "settings": {...}, "runs": [ { "name": "relu10", "params": { "w0": { "shape": [4, 3, 10], "data": [...] } } } ] }
//
// Optimizer state is not saved: a loaded model resumes with a fresh optimizer. The settings are read as the trainer
// panel reads its fields (settings.ts), so a file cannot start a run the panel would refuse.

import { parseSettings, type SettingName } from "./settings";
import {
  type History,
  type JobKind,
  type JobSpec,
  SAVED_JOB_VERSION,
  type SavedJob,
  type SavedRun,
  type TrainSettings,
} from "./types";

export const WEIGHTS_FORMAT = "webgpu-workbench/weights";
export const WEIGHTS_VERSION = 1;

export interface WeightsFile {
  format: string;
  version: number;
  kind: JobKind;
  model: string;
  step: number;
  settings: TrainSettings;
  runs: { name: string; params: Record<string, { shape: number[]; data: number[] }> }[];
  /** The run's loss history, so a loaded file shows its curves (optional; a malformed one is ignored). */
  history?: History;
  /** Architecture changes by model name (JobSpec.arch), when the run had any. */
  arch?: Record<string, number[]>;
}

export class WeightsFileError extends Error {
  override name = "WeightsFileError";
}

export function toWeightsFile(job: SavedJob): WeightsFile {
  return {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    kind: job.spec.kind,
    model: job.spec.model,
    step: job.step,
    settings: job.spec.settings,
    history: job.history,
    ...(job.spec.arch ? { arch: job.spec.arch } : {}),
    runs: job.runs.map((r) => ({
      name: r.name,
      params: Object.fromEntries(
        Object.entries(r.params).map(([k, p]) => [k, { shape: [...p.shape], data: Array.from(p.data) }]),
      ),
    })),
  };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Parse a weights file's text for page `kind`; throws a WeightsFileError saying what is wrong. */
export function parseWeightsFile(text: string, kind: JobKind): SavedJob {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new WeightsFileError(`not a JSON file (${(e as Error).message})`);
  }
  if (!isObj(raw) || raw.format !== WEIGHTS_FORMAT)
    throw new WeightsFileError(`not a ${WEIGHTS_FORMAT} file`);
  if (raw.version !== WEIGHTS_VERSION) {
    throw new WeightsFileError(
      `weights file version ${String(raw.version)}; this workbench reads version ${WEIGHTS_VERSION}`,
    );
  }
  if (raw.kind !== kind)
    throw new WeightsFileError(`these weights are for the ${String(raw.kind)} page, not ${kind}`);
  if (typeof raw.model !== "string" || !isObj(raw.settings) || !Array.isArray(raw.runs)) {
    throw new WeightsFileError("the file lacks model, settings or runs");
  }
  const step = Number.isInteger(raw.step) && (raw.step as number) >= 0 ? (raw.step as number) : 0;
  const runs: SavedRun[] = raw.runs.map((r: unknown, i: number) => {
    if (!isObj(r) || typeof r.name !== "string" || !isObj(r.params))
      throw new WeightsFileError(`run ${i} is malformed`);
    const params: SavedRun["params"] = {};
    for (const [name, p] of Object.entries(r.params)) {
      if (!isObj(p) || !Array.isArray(p.shape) || !Array.isArray(p.data)) {
        throw new WeightsFileError(`parameter '${name}' lacks shape or data`);
      }
      const shape = p.shape as unknown[];
      if (!shape.every((d) => Number.isInteger(d) && (d as number) > 0)) {
        throw new WeightsFileError(`parameter '${name}' has a bad shape [${shape.join(", ")}]`);
      }
      const size = (shape as number[]).reduce((a, b) => a * b, 1);
      if (p.data.length !== size) {
        throw new WeightsFileError(
          `parameter '${name}' has ${p.data.length} values for shape [${shape.join(", ")}]`,
        );
      }
      // Check the JSON values themselves: Float32Array.from would turn null into 0 and "1" into 1.
      if (!p.data.every((v) => typeof v === "number" && Number.isFinite(v))) {
        throw new WeightsFileError(`parameter '${name}' holds non-finite or non-numeric values`);
      }
      const data = Float32Array.from(p.data as number[]);
      params[name] = { shape: shape as number[], data };
    }
    return { name: r.name, params, state: [], t: 0 };
  });
  const spec: JobSpec = { kind, model: raw.model, settings: fileSettings(raw.settings) };
  if (raw.arch !== undefined) spec.arch = fileArch(raw.arch);
  return {
    version: SAVED_JOB_VERSION,
    spec,
    step,
    runs,
    history: fileHistory(raw.history, runs.length),
    savedAt: Date.now(),
  };
}

/** A file's architecture changes: model name → a list of positive integers. */
function fileArch(raw: unknown): Record<string, number[]> {
  if (!isObj(raw)) throw new WeightsFileError("arch must map model names to lists of sizes");
  const out: Record<string, number[]> = {};
  for (const [name, sizes] of Object.entries(raw)) {
    if (!Array.isArray(sizes) || sizes.length === 0 || !sizes.every((n) => Number.isInteger(n) && n >= 1))
      throw new WeightsFileError(`arch of '${name}' must be a list of whole numbers >= 1`);
    out[name] = sizes as number[];
  }
  return out;
}

/** A file's loss history when every point is well formed (one finite loss per run), else none. */
function fileHistory(raw: unknown, runs: number): History {
  const none: History = { train: [], test: [] };
  if (!isObj(raw) || !Array.isArray(raw.train) || !Array.isArray(raw.test)) return none;
  const points = (xs: unknown[], key: "train" | "test") =>
    xs.every(
      (p) =>
        isObj(p) &&
        Number.isInteger(p.step) &&
        Array.isArray(p[key]) &&
        (p[key] as unknown[]).length === runs &&
        (p[key] as unknown[]).every((v) => typeof v === "number" && Number.isFinite(v)),
    );
  if (!points(raw.train, "train") || !points(raw.test, "test")) return none;
  return raw as unknown as History;
}

/** A file's settings, checked field by field with the panel's own rules. */
function fileSettings(raw: Record<string, unknown>): TrainSettings {
  const names: SettingName[] = ["backend", "lr", "steps", "batch", "seed", "seeds"];
  const text = Object.fromEntries(
    names.map((n) => {
      const v = raw[n];
      return [n, typeof v === "number" || typeof v === "string" ? String(v) : ""];
    }),
  ) as Record<SettingName, string>;
  const r = parseSettings(text);
  if (!r.ok) {
    const what = Object.entries(r.errors).map(([n, e]) => `${n} ${JSON.stringify(raw[n] ?? null)}: ${e}`);
    throw new WeightsFileError(`the file's settings are invalid (${what.join("; ")})`);
  }
  return r.settings;
}

/**
 * Compare saved parameters with a model's (name → shape); returns the first mismatch as a sentence, or null.
 * Both directions: a missing parameter and an unexpected one are both refused.
 */
export function checkShapes(saved: SavedRun, expected: [string, readonly number[]][]): string | null {
  const want = new Map(expected.map(([n, s]) => [n, s]));
  for (const [name, shape] of want) {
    const got = saved.params[name];
    if (!got) return `run '${saved.name}': the file has no parameter '${name}'`;
    if (got.shape.length !== shape.length || got.shape.some((d, i) => d !== shape[i])) {
      return `run '${saved.name}': parameter '${name}' has shape [${got.shape.join(", ")}], the model expects [${shape.join(", ")}]`;
    }
  }
  for (const name of Object.keys(saved.params)) {
    if (!want.has(name)) return `run '${saved.name}': the model has no parameter '${name}'`;
  }
  return null;
}

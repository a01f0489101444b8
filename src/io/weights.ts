// Trained weights as a JSON file the user can keep: a format tag and version, what trained them (page, model,
// settings, step), and each run's parameters by name with their shapes. Loading checks all of it before a single
// value reaches a model: the format and version here, the names and shapes against the model in `checkShapes`.
//
//   { "format": "webgpu-workbench/weights", "version": 1, "kind": "grain", "model": "relu10", "step": 2000,
//     "settings": {...}, "runs": [ { "name": "relu10", "params": { "w0": { "shape": [4, 3, 10], "data": [...] } } } ] }
//
// Optimizer state is not saved: a loaded model resumes with a fresh optimizer. The settings are read as the trainer
// panel reads its fields (settings.ts), so a file cannot start a run the panel would refuse.

import { printable, quoted } from "../util/printable";
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

/** The largest weights file read (checked before it is read: a page by `File.size`, the CLI by `stat`). */
export const MAX_WEIGHTS_BYTES = 64 * 1024 * 1024;

/** The largest magnitude an f32 holds; a JSON number beyond it would become ±Infinity when stored. */
const F32_MAX = 3.4028234663852886e38;

/** Keys a JavaScript object treats specially: refused anywhere in a file so no lookup can reach a prototype. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Refuse a file of `bytes` bytes before it is read when it is larger than any weights file could be. */
export function checkWeightsSize(bytes: number, name = "the file"): void {
  if (bytes > MAX_WEIGHTS_BYTES) {
    throw new WeightsFileError(
      `${name} is ${(bytes / 1024 / 1024).toFixed(1)} MB, larger than the ${MAX_WEIGHTS_BYTES / 1024 / 1024} MB limit for a weights file; not read`,
    );
  }
  if (bytes === 0) throw new WeightsFileError(`${name} is empty`);
}

/** The index of the first value that is not a finite f32, or -1. */
function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(Number.isFinite(v) && Math.abs(v) <= F32_MAX)) return i;
  }
  return -1;
}

/**
 * The run as a weights file. Refuses (WeightsFileError) a run holding a value that is not a finite f32: such a
 * file would be refused on load, so it is never written.
 */
export function toWeightsFile(job: SavedJob): WeightsFile {
  for (const r of job.runs) {
    for (const [k, p] of Object.entries(r.params)) {
      const bad = firstNonFinite(p.data);
      if (bad >= 0) {
        throw new WeightsFileError(
          `run ${quoted(r.name)}: parameter ${quoted(k)} holds ${p.data[bad]} at index ${bad}; weights that are not finite are not saved`,
        );
      }
    }
  }
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

/** The path of the first forbidden key in a parsed JSON value (arrays of numbers are not walked), or null. */
function forbiddenKey(v: unknown, path: string): string | null {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === "object" && x !== null) {
        const hit = forbiddenKey(x, `${path}[${i}]`);
        if (hit) return hit;
      }
    }
    return null;
  }
  if (!isObj(v)) return null;
  for (const k of Object.keys(v)) {
    if (FORBIDDEN_KEYS.has(k)) return path ? `${path}.${k}` : k;
    const hit = forbiddenKey(v[k], path ? `${path}.${k}` : k);
    if (hit) return hit;
  }
  return null;
}

const describeValue = (v: unknown): string =>
  typeof v === "string"
    ? `the string ${quoted(v, 30)}`
    : v === undefined
      ? "missing"
      : v === null
        ? "null"
        : quoted(JSON.stringify(v), 30);

/** Parse a weights file's text for page `kind`; throws a WeightsFileError saying what is wrong. */
export function parseWeightsFile(text: string, kind: JobKind): SavedJob {
  if (text.length > MAX_WEIGHTS_BYTES) checkWeightsSize(text.length);
  if (text.trim() === "") throw new WeightsFileError("the file is empty");
  if (text.includes("\0") || text.includes("\ufffd")) {
    throw new WeightsFileError(
      "a binary file, not a weights file (a weights file is JSON text; a .safetensors file must keep its extension)",
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new WeightsFileError(`not a JSON file (${printable((e as Error).message).slice(0, 200)})`);
  }
  if (!isObj(raw) || raw.format !== WEIGHTS_FORMAT)
    throw new WeightsFileError(`not a ${WEIGHTS_FORMAT} file`);
  const bad = forbiddenKey(raw, "");
  if (bad) throw new WeightsFileError(`the file holds a key ${quoted(bad)}, which is not accepted`);
  if (raw.version !== WEIGHTS_VERSION) {
    throw new WeightsFileError(
      `weights file version ${printable(JSON.stringify(raw.version) ?? "missing").slice(0, 40)}; this workbench reads version ${WEIGHTS_VERSION}`,
    );
  }
  if (raw.kind !== kind) {
    // Name the models (the runs' names: a grain stage, the experts page's models, "transformer").
    const names = Array.isArray(raw.runs)
      ? raw.runs
          .flatMap((r) => (isObj(r) && typeof r.name === "string" ? [quoted(r.name, 40)] : []))
          .slice(0, 3)
      : [];
    const of = names.length ? `of ${names.join(", ")}, ` : "";
    throw new WeightsFileError(
      `these weights are ${of}for the ${printable(String(raw.kind)).slice(0, 40)} page, not the ${kind} page`,
    );
  }
  if (typeof raw.model !== "string" || !isObj(raw.settings) || !Array.isArray(raw.runs)) {
    throw new WeightsFileError("the file lacks model, settings or runs");
  }
  if (!(typeof raw.step === "number" && Number.isSafeInteger(raw.step) && raw.step >= 0)) {
    throw new WeightsFileError(`step is ${describeValue(raw.step)}; it must be a whole number >= 0`);
  }
  const step = raw.step;
  if (raw.runs.length === 0) throw new WeightsFileError("the file holds no runs");
  const runs: SavedRun[] = raw.runs.map((r: unknown, i: number) => {
    if (!isObj(r) || typeof r.name !== "string" || !isObj(r.params))
      throw new WeightsFileError(`run ${i} is malformed (it needs a name and params)`);
    const params: SavedRun["params"] = {};
    for (const [name, p] of Object.entries(r.params)) {
      const what = `run ${quoted(r.name)}: parameter ${quoted(name)}`;
      if (!isObj(p) || !Array.isArray(p.shape) || !Array.isArray(p.data)) {
        throw new WeightsFileError(`${what} lacks shape or data`);
      }
      const shape = p.shape as unknown[];
      if (!shape.every((d) => Number.isSafeInteger(d) && (d as number) > 0)) {
        throw new WeightsFileError(`${what} has a bad shape ${quoted(JSON.stringify(shape), 60)}`);
      }
      const size = (shape as number[]).reduce((a, b) => a * b, 1);
      if (p.data.length !== size) {
        throw new WeightsFileError(`${what} has ${p.data.length} values for shape [${shape.join(", ")}]`);
      }
      // Check the JSON values themselves: Float32Array.from would turn null into 0 and "1" into 1.
      const nonNumber = p.data.findIndex((v) => typeof v !== "number");
      if (nonNumber >= 0) {
        throw new WeightsFileError(
          `${what} holds a non-numeric value (${describeValue(p.data[nonNumber])}) at index ${nonNumber}`,
        );
      }
      const nonFinite = firstNonFinite(p.data as number[]);
      if (nonFinite >= 0) {
        throw new WeightsFileError(
          `${what} holds a non-finite value (${p.data[nonFinite]}, beyond the f32 range) at index ${nonFinite}`,
        );
      }
      params[name] = { shape: shape as number[], data: Float32Array.from(p.data as number[]) };
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

/** A file's loss history when every point is well formed (one finite loss, or null, per run), else none. */
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
        (p[key] as unknown[]).every((v) => v === null || (typeof v === "number" && Number.isFinite(v))),
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
    const what = Object.entries(r.errors).map(
      ([n, e]) => `${n} ${printable(JSON.stringify(raw[n] ?? null))}: ${e}`,
    );
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
    if (!got) return `run ${quoted(saved.name)}: the file has no parameter ${quoted(name)}`;
    if (got.shape.length !== shape.length || got.shape.some((d, i) => d !== shape[i])) {
      return `run ${quoted(saved.name)}: parameter ${quoted(name)} has shape [${got.shape.join(", ")}], the model expects [${shape.join(", ")}]`;
    }
  }
  for (const name of Object.keys(saved.params)) {
    if (!want.has(name)) return `run ${quoted(saved.name)}: the model has no parameter ${quoted(name)}`;
  }
  return null;
}

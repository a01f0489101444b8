// Checks a run read back from the browser's storage (src/ui/store.ts) before the page resumes it: the record may come
// from another version of the workbench, a half-finished write or a hand edit, so every field the worker relies on is
// checked and the first problem named. Returns null when the record is a resumable SavedJob of `kind` and `model`.

import { parseSettings, settingsText } from "./settings";
import { type JobKind, type JobSpec, SAVED_JOB_VERSION } from "./types";

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return "a string";
  return v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`;
}

function arrayProblem(v: unknown, what: string): string | null {
  if (!(v instanceof Float32Array)) return `${what} is ${describe(v)}, not a Float32Array`;
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return `${what}[${i}] is ${v[i]}`;
  return null;
}

function runProblem(r: unknown, i: number): string | null {
  const at = `runs[${i}]`;
  if (!isObj(r)) return `${at} is ${describe(r)}`;
  if (typeof r.name !== "string") return `${at}.name is ${describe(r.name)}`;
  if (!isObj(r.params) || Object.keys(r.params).length === 0) return `${at}.params is ${describe(r.params)}`;
  for (const [name, p] of Object.entries(r.params)) {
    const what = `${at}.params.${name}`;
    if (!isObj(p)) return `${what} is ${describe(p)}`;
    if (!(Array.isArray(p.shape) && p.shape.every((d) => isCount(d) && d > 0)))
      return `${what}.shape is not a list of positive integers`;
    const problem = arrayProblem(p.data, `${what}.data`);
    if (problem) return problem;
    const size = (p.shape as number[]).reduce((a, b) => a * b, 1);
    if ((p.data as Float32Array).length !== size)
      return `${what} holds ${(p.data as Float32Array).length} values for shape [${p.shape.join(", ")}]`;
  }
  if (!Array.isArray(r.state)) return `${at}.state is ${describe(r.state)}`;
  for (let s = 0; s < r.state.length; s++) {
    const slot: unknown = r.state[s];
    if (!Array.isArray(slot)) return `${at}.state[${s}] is ${describe(slot)}`;
    for (let j = 0; j < slot.length; j++) {
      const problem = arrayProblem(slot[j], `${at}.state[${s}][${j}]`);
      if (problem) return problem;
    }
  }
  if (!isCount(r.t)) return `${at}.t is ${describe(r.t)}, not a step count`;
  return null;
}

/** The first thing wrong with a stored run of page `kind` and model `model`, or null. */
export function storedRunProblem(v: unknown, kind: JobKind, model: string): string | null {
  if (!isObj(v)) return `the record is ${describe(v)}`;
  if (v.version !== SAVED_JOB_VERSION)
    return `it was saved in format ${describe(v.version)}; this workbench reads format ${SAVED_JOB_VERSION}`;
  const spec = v.spec;
  if (!isObj(spec)) return `its spec is ${describe(spec)}`;
  if (spec.kind !== kind) return `its spec.kind is ${describe(spec.kind)}, not "${kind}"`;
  if (spec.model !== model) return `its spec.model is ${describe(spec.model)}, not "${model}"`;
  if (!isObj(spec.settings)) return `its spec.settings is ${describe(spec.settings)}`;
  let settings: ReturnType<typeof parseSettings>;
  try {
    settings = parseSettings(settingsText(spec.settings as never));
  } catch {
    return "its settings cannot be read";
  }
  if (!settings.ok) {
    const [field, why] = Object.entries(settings.errors)[0]!;
    return `its setting ${field} ${why}`;
  }
  if (!isCount(v.step)) return `its step is ${describe(v.step)}, not a step count`;
  if (!Array.isArray(v.runs) || v.runs.length === 0) return `its runs are ${describe(v.runs)}`;
  for (let i = 0; i < v.runs.length; i++) {
    const problem = runProblem(v.runs[i], i);
    if (problem) return `its ${problem}`;
  }
  const h = v.history;
  if (!(isObj(h) && Array.isArray(h.train) && Array.isArray(h.test)))
    return "its loss history is not readable";
  if (typeof v.savedAt !== "number" || !Number.isFinite(v.savedAt))
    return `its savedAt is ${describe(v.savedAt)}`;
  return null;
}

const archText = (arch: JobSpec["arch"]) =>
  JSON.stringify(Object.entries(arch ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Whether a stored run is the run `wanted` describes (a link's settings): the same page, model, every training
 * setting and the same architecture. Such a run is that link's run further along: the seeds make it the same.
 */
export function sameRun(stored: JobSpec, wanted: JobSpec): boolean {
  return (
    stored.kind === wanted.kind &&
    stored.model === wanted.model &&
    JSON.stringify(settingsText(stored.settings)) === JSON.stringify(settingsText(wanted.settings)) &&
    archText(stored.arch) === archText(wanted.arch)
  );
}

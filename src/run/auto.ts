// `auto` that measures: on the first training run of a model on a machine, a few steps of that model are timed on
// each available backend (webgpu, wasm), the faster is taken, and the choice is remembered with its figures per
// model, seed count and adapter (a cache given by the caller: IndexedDB on the pages, a file for the CLI), so
// later runs start at once. The figures travel with the choice ("wasm 0.3 ms/step, webgpu 13 ms/step: wasm").

import { chooseByTiming, type Timing } from "../backend/choice";
import type { Backend, BackendName } from "../backend/contract";
import { runModel } from "./run-model";
import type { RunOptions, RunProgress } from "./run-types";

/** Steps timed per backend (the first, which compiles pipelines and warms caches, is not counted). */
export const MEASURE_STEPS = 12;

/** A remembered choice. */
export interface AutoRecord {
  backend: BackendName;
  /** ms per training step of each backend measured (null: unavailable). */
  measured: Record<string, number | null>;
  /** The figures as a sentence: "wasm 0.3 ms/step, webgpu 13 ms/step: wasm". */
  figures: string;
  /** ISO date of the measurement. */
  at: string;
}

export interface AutoCache {
  /** Where the records are kept, for messages ("IndexedDB", a file path). */
  readonly where: string;
  get(key: string): Promise<AutoRecord | null>;
  set(key: string, record: AutoRecord): Promise<void>;
}

/** The choice `auto` made, with why and the figures. */
export interface AutoChoice {
  backend: BackendName;
  reason: string;
  measured: Record<string, number | null>;
  /** True when the choice came from the cache (no measurement this time). */
  cached: boolean;
}

/** The cache key: one choice per model, seed count and adapter (or machine). */
export function autoKey(model: string, seeds: number, adapter: string): string {
  return `auto:${model}:${seeds}:${adapter}`;
}

/** A cache in memory (tests; and where no storage is available). */
export function memoryCache(where = "memory"): AutoCache {
  const m = new Map<string, AutoRecord>();
  return {
    where,
    get: async (k) => m.get(k) ?? null,
    set: async (k, r) => {
      m.set(k, r);
    },
  };
}

/**
 * The remembered choice for `key`, or a new one from `measure()` (stored in `cache`). A cache that fails to read
 * or write does not stop the run: the choice is then measured (or not kept) and the reason says so.
 */
export async function autoChoice(
  key: string,
  cache: AutoCache,
  measure: () => Promise<Timing[]>,
): Promise<AutoChoice> {
  let stored: AutoRecord | null = null;
  try {
    stored = await cache.get(key);
  } catch {
    stored = null;
  }
  if (stored) {
    return {
      backend: stored.backend,
      reason: `auto, measured on ${stored.at.slice(0, 10)} (remembered in ${cache.where}): ${stored.figures}`,
      measured: stored.measured,
      cached: true,
    };
  }
  const timings = await measure();
  const { backend, reason } = chooseByTiming(timings);
  const measured = Object.fromEntries(timings.map((t) => [t.backend, t.msPerStep]));
  const record: AutoRecord = { backend, measured, figures: reason, at: new Date().toISOString() };
  let kept = ` (remembered in ${cache.where})`;
  try {
    await cache.set(key, record);
  } catch (e) {
    kept = ` (not remembered: ${(e as Error).message})`;
  }
  return { backend, reason: `auto, measured now${kept}: ${reason}`, measured, cached: false };
}

/** Milliseconds per training step of `options.model` on `backend`, over `steps` steps after the first. */
export async function measureSteps(
  backend: Backend,
  options: RunOptions,
  steps = MEASURE_STEPS,
): Promise<number> {
  let last: RunProgress | null = null;
  const { weights: _w, ...rest } = options;
  await runModel(backend, { ...rest, steps: steps + 1, progressMs: 0 }, { onProgress: (p) => (last = p) });
  const rate = (last as RunProgress | null)?.stepsPerSecond;
  if (!rate || !Number.isFinite(rate)) throw new Error(`no step rate measured on ${backend.name}`);
  return 1000 / rate;
}

/** Time one candidate: its ms/step, or null with why (it could not be created, or failed). */
export async function timeCandidate(
  name: BackendName,
  create: () => Promise<Backend>,
  options: RunOptions,
  steps = MEASURE_STEPS,
): Promise<Timing & { backend: BackendName; made?: Backend }> {
  let made: Backend;
  try {
    made = await create();
  } catch (e) {
    return { backend: name, msPerStep: null, why: (e as Error).message };
  }
  if (made.name !== name) return { backend: name, msPerStep: null, why: `unavailable, ${made.description}` };
  try {
    return { backend: name, msPerStep: await measureSteps(made, options, steps), made };
  } catch (e) {
    return { backend: name, msPerStep: null, why: `failed: ${(e as Error).message}`, made };
  }
}

// The plain data a training run is described by and saved as: the settings it starts from, the page (job kind) it
// belongs to, its loss history, and a saved run (parameters, optimizer state). Data only, no classes or tensors, so
// it crosses postMessage (structured clone) and goes into IndexedDB as it is.

import type { BackendChoice } from "../backend/select";
import type { PageName } from "../models/registry";

/** Bumped when SavedJob changes shape; records of another version are ignored (and overwritten). */
export const SAVED_JOB_VERSION = 1;

/** Which page a job belongs to: it decides the data, the models and what a snapshot holds. */
export type JobKind = PageName;

/** What a run is started with: the pages' trainer panel and the weights files (validated in settings.ts). */
export interface TrainSettings {
  backend: BackendChoice;
  lr: number;
  steps: number;
  /** Sentences per step (transformer); the regression pages train on the full set and ignore it. */
  batch: number;
  /** Base seed: of the data, and of the first run's initial weights. */
  seed: number;
  /** Runs with seeds seed, seed+1, ... trained at once; the page shows the best. */
  seeds: number;
}

export interface JobSpec {
  kind: JobKind;
  /** A stage of the grain page, or "experts", or "transformer". */
  model: string;
  settings: TrainSettings;
  /** Architecture changes by model name (registry ArchSpec: hidden widths, or [experts]); absent: the defaults. */
  arch?: Record<string, number[]>;
  /** Test-only fault injection: lose the GPU device after this many steps. */
  loseDeviceAt?: number;
}

/** One model trained by a job; the experts page trains three side by side. */
export interface RunInfo {
  name: string;
  /** Parameters of one seed's model. */
  params: number;
}

export interface JobInfo {
  runs: RunInfo[];
  /** "webgpu" or "cpu", and the sentence from select.ts on why. */
  backend: string;
  reason: string;
  /** The model's seeds, in slice order. */
  seeds: number[];
}

/**
 * Training losses of step `step` (0-based), one per run (for many seeds: the mean over seeds); null for a run that has
 * none at that step (on the experts page, after a file of some of its models: the others' steps differ).
 */
export interface LossPoint {
  step: number;
  train: (number | null)[];
}

/** Held-out losses after `step` steps' updates, one per run (mean over seeds; null as in LossPoint). */
export interface TestPoint {
  step: number;
  test: (number | null)[];
}

export interface History {
  train: LossPoint[];
  test: TestPoint[];
}

/** Saved parameters (and optionally optimizer state) of one run. */
export interface SavedRun {
  name: string;
  params: Record<string, { shape: number[]; data: Float32Array }>;
  /** Optimizer state per slot in parameter order; empty for weights loaded from a file (fresh optimizer). */
  state: Float32Array[][];
  t: number;
}

/** A resumable training run: what IndexedDB keeps between reloads. */
export interface SavedJob {
  version: number;
  /** The stored run's id in this browser (src/ui/store.ts); absent in weights files. */
  id?: string;
  spec: JobSpec;
  step: number;
  runs: SavedRun[];
  history: History;
  savedAt: number;
}

// The messages between a training page and its worker, and the plain data they carry. Everything here crosses
// postMessage (structured clone), so it is data only: no classes, no tensors.

import type { BackendChoice } from "../backend/select";

/** Which page a job belongs to: it decides the data, the models and what a snapshot holds. */
export type JobKind = "grain" | "experts" | "transformer";

/** What the trainer panel collects (validated in settings.ts before anything starts). */
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

/** Training losses of step `step` (0-based), one per run (for many seeds: the mean over seeds). */
export interface LossPoint {
  step: number;
  train: number[];
}

/** Held-out losses after `step` steps' updates, one per run (mean over seeds). */
export interface TestPoint {
  step: number;
  test: number[];
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
  spec: JobSpec;
  step: number;
  runs: SavedRun[];
  history: History;
  savedAt: number;
}

/** Extra input for a snapshot, e.g. which sentence's attention the transformer page shows. */
export interface SnapshotRequest {
  /** Slice index of the seed to show (regression pages); absent: the best seed. */
  seed?: number;
  /** Index into the held-out sentences (transformer page). */
  sentence?: number;
}

export type ToWorker =
  /** Build the job; with `restore`, from that state and paused, else from fresh weights and running. */
  | { type: "start"; spec: JobSpec; restore?: SavedJob }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "snapshot"; request: SnapshotRequest }
  | { type: "export" }
  /** After a failure: rebuild on the CPU from the last good checkpoint and go on. */
  | { type: "continue-cpu" };

export type RunState = "running" | "paused" | "done";

export type FailureKind = "nonfinite" | "device-lost" | "load" | "other";

export type FromWorker =
  | { type: "ready"; info: JobInfo; step: number; total: number; history: History }
  | {
      type: "progress";
      step: number;
      total: number;
      train: LossPoint[];
      test: TestPoint[];
      stepsPerSecond: number;
    }
  | { type: "snapshot"; step: number; snapshot: unknown }
  | { type: "state"; state: RunState; step: number }
  | { type: "failed"; kind: FailureKind; message: string; step: number; canContinueOnCpu: boolean }
  | { type: "exported"; job: SavedJob }
  | { type: "persisted"; step: number };

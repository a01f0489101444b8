// The messages between a training page and its worker, and the plain data they carry. Everything here crosses
// postMessage (structured clone), so it is data only: no classes, no tensors.

import type { History, JobInfo, JobSpec, LossPoint, SavedJob, TestPoint } from "../io/types";

/** Extra input for a snapshot, e.g. which sentence's attention the transformer page shows. */
export interface SnapshotRequest {
  /** Slice index of the seed to show (regression pages); absent: the best seed. */
  seed?: number;
  /** Index into the held-out sentences (transformer page). */
  sentence?: number;
  /** The language-model page's sample: prompt, characters, temperature, top-k and sampler seed. */
  prompt?: string;
  tokens?: number;
  temperature?: number;
  topK?: number;
  sampleSeed?: number;
}

export type ToWorker =
  /** Build the job; with `restore`, from that state and paused, else from fresh weights and running (or paused); `runId` keys its stored record. */
  | { type: "start"; spec: JobSpec; restore?: SavedJob; paused?: boolean; runId: string }
  /** Train one step and pause. */
  | { type: "step" }
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

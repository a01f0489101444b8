// What the worker trains: one or more runs (each a Trainer) stepped in lockstep, plus what a page can ask about them.

import type { Backend } from "../../backend/contract";
import type { JobSpec, RunInfo } from "../../io/types";
import type { Module } from "../../nn/module";
import type { Trainer } from "../../train/trainer";
import type { SnapshotRequest } from "../protocol";
import type { Snapshot } from "../snapshots";

export interface JobRun {
  name: string;
  trainer: Trainer<Module>;
  /** The trainer's loss divided by this is the mean over seeds (its loss is their sum). */
  lossDivisor: number;
}

export interface Job {
  runs: JobRun[];
  info: { runs: RunInfo[]; seeds: number[] };
  /** Held-out loss per run (mean over seeds). */
  testLoss(): Promise<number[]>;
  snapshot(request: SnapshotRequest): Promise<Snapshot>;
}

export type JobFactory = (spec: JobSpec, backend: Backend) => Promise<Job>;

/** Seeds seed, seed+1, ... (each run's initial weights depend only on its seed). */
export const seedList = (seed: number, count: number) => Array.from({ length: count }, (_, i) => seed + i);

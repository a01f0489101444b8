// What a run that keeps checkpoints hooks into its trainer (run-model.ts, run-char-gpt.ts): each new checkpoint
// reported once, as the model's weights file, and a lost device resumed on the caller's new backend from the last
// checkpoint. Without `checkpointEvery` a run keeps no checkpoint to report or resume from.

import type { Backend } from "../backend/contract";
import type { Module } from "../nn/module";
import type { Checkpoint } from "../train/checkpoint";
import type { Trainer, RunHooks as TrainerHooks } from "../train/trainer";
import type { RunCheckpoint, RunOptions } from "./run-types";

/** What a caller may hook into a run's checkpoints and recoveries. */
export interface CheckpointHooks {
  onCheckpoint?: (c: RunCheckpoint) => void;
  /** A backend to resume on from the last checkpoint when the device is lost (with `checkpointEvery`). */
  recover?: () => Promise<Backend>;
  /** Training resumed at checkpoint `toStep` after the device was lost at `fromStep`. */
  onRecover?: (r: { fromStep: number; toStep: number; reason: string }) => void;
}

/** The trainer's step budget between checkpoints: `checkpointEvery`, or never (a checkpoint reads every parameter). */
export const checkpointInterval = (o: RunOptions) => o.checkpointEvery ?? 2 ** 30;

export interface Checkpointing {
  /** The trainer's recover and onRecover hooks (recover only when the run keeps checkpoints and may resume). */
  hooks: Pick<TrainerHooks, "recover" | "onRecover">;
  /** Report the trainer's checkpoint if it is newer than the last reported (call after each step or run). */
  report(): void;
}

/**
 * The checkpoint hooks of `trainer` in a run of `options`: a checkpoint of `steps` steps (counting a loaded file's
 * `loadedStep`) becomes the weights file `weightsOf` makes of it.
 */
export function checkpointing<M extends Module>(
  trainer: Trainer<M>,
  options: RunOptions,
  hooks: CheckpointHooks,
  loadedStep: number,
  weightsOf: (cp: Checkpoint, step: number) => RunCheckpoint["weights"],
): Checkpointing {
  let reported = 0;
  const recover = options.checkpointEvery && hooks.recover;
  return {
    hooks: {
      ...(recover ? { recover: () => recover() } : {}),
      onRecover: (r) => hooks.onRecover?.({ fromStep: r.fromStep, toStep: r.toStep, reason: r.reason }),
    },
    report() {
      const cp = trainer.checkpoint;
      if (!options.checkpointEvery || !hooks.onCheckpoint || !cp || cp.step <= reported) return;
      reported = cp.step;
      const step = loadedStep + cp.step;
      hooks.onCheckpoint({ step, weights: weightsOf(cp, step) });
    },
  };
}

// What both `npm run train` paths through the WebGPU page share (train-main.ts, train-char-gpt.ts): the run's last
// checkpoint kept on disk, a line per recovery from a lost device, the test-only faults from the environment, and
// the one line naming the failure and the last checkpoint when the page dies.

import { resolve } from "node:path";
import {
  type PageDiedError,
  type PageOutcome,
  type PageRunHooks,
  runTrainPage,
} from "../../tests/headless/train-in-page";
import type { RunOptions } from "../run/run-types";
import { printable } from "../util/printable";
import { errorText, writeFileAtomic } from "./safe-files";
import { DEFAULT_CHECKPOINT_EVERY, type TrainArgs } from "./train-args";

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Where the WebGPU run keeps its last checkpoint: --checkpoint, else beside --save, else nowhere. */
export function checkpointPath(args: TrainArgs): string | undefined {
  if (args.checkpoint) return args.checkpoint;
  return args.save ? `${args.save.replace(/\.json$/i, "")}.checkpoint.json` : undefined;
}

/** The last checkpoint written to disk (its step counts a loaded file's), or why the newest could not be. */
type Kept = { step: number; error?: string } | null;

export interface PageRun {
  /** Where the run keeps its last checkpoint (checkpointPath). */
  path: string | undefined;
  /** Train `options` in the page, with the flags' checkpoint interval and backend choice. */
  start(options: RunOptions, onProgress: PageRunHooks["onProgress"]): Promise<PageOutcome>;
  /**
   * The one line of a run whose page died: the failure, then where the last checkpoint is and how to resume it (the
   * run's `steps`, of which a checkpoint at step k did k - `loadedStep`), or why there is none.
   */
  diedLine(e: PageDiedError, steps: number, loadedStep: number): string;
}

/**
 * The WebGPU page run of `args`: every checkpoint written whole to checkpointPath(args) (when there is one), a line
 * per recovery, and the faults tests/gpu/train-cli-faults.test.ts and the device-loss tests inject: the page hangs
 * ($WORKBENCH_TEST_PAGE_HANG_AT), its renderer crashes (…_CRASH_AT), or its device is destroyed at a step's
 * checkpoint (…_LOSE_AT), or from a timer that many ms after it (…_LOSE_DELAY_MS).
 */
export function pageRun(args: TrainArgs, io: Io, env: NodeJS.ProcessEnv = process.env): PageRun {
  const path = checkpointPath(args);
  let kept: Kept = null;
  // Once the page is reported dead, a checkpoint fetch still in flight must not replace the file the line names.
  let ended = false;
  const hang = env.WORKBENCH_TEST_PAGE_HANG_AT;
  const crash = env.WORKBENCH_TEST_PAGE_CRASH_AT;
  const lose = env.WORKBENCH_TEST_PAGE_LOSE_AT;
  const loseDelay = env.WORKBENCH_TEST_PAGE_LOSE_DELAY_MS;
  const hooks: Omit<PageRunHooks, "onProgress"> = {
    ...(path
      ? {
          onCheckpoint: (c) => {
            if (ended) return;
            try {
              writeFileAtomic(path, JSON.stringify(c.weights), "--checkpoint");
              kept = { step: c.step };
            } catch (e) {
              kept = { step: kept?.step ?? 0, error: errorText(e) };
            }
          },
        }
      : {}),
    ...(hang ? { hangAt: Number(hang) } : {}),
    ...(crash ? { crashAt: Number(crash) } : {}),
    ...(lose ? { loseAt: Number(lose) } : {}),
    ...(lose && loseDelay ? { loseDelayMs: Number(loseDelay) } : {}),
    onRecover: (line) => io.out(`recovered: ${line}`),
  };
  return {
    path,
    start(options, onProgress) {
      io.out("backend: webgpu in headless Chromium (starting Vite and Chromium...)");
      const every = args.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
      return runTrainPage(
        { ...options, backendChoice: args.backend, checkpointEvery: every },
        { onProgress, ...hooks },
      );
    },
    diedLine(e, steps, loadedStep) {
      ended = true;
      const k = kept as Kept;
      const where =
        path && k && !k.error
          ? `the last checkpoint (step ${k.step}) is in ${printable(resolve(path))}: resume with --load ${printable(path)} --steps ${Math.max(0, steps - (k.step - loadedStep))}`
          : path && k?.error
            ? `the last checkpoint could not be written (${k.error})`
            : path
              ? "no checkpoint was reached"
              : "no checkpoint was kept (pass --checkpoint FILE)";
      return `train: ${e.message}; ${where}`;
    },
  };
}

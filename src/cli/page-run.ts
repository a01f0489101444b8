// What both `npm run train` paths through the WebGPU page share (train-main.ts, train-char-gpt.ts): the run's last
// checkpoint kept on disk, a line per recovery from a lost device, the test-only faults from the environment, and
// the one line naming the failure and the last checkpoint when the page dies.

import { resolve } from "node:path";
import type { PageRunHooks } from "../../tests/headless/train-in-page";
import { printable } from "../util/printable";
import { errorText, writeFileAtomic } from "./safe-files";
import type { TrainArgs } from "./train-args";

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
export type Kept = { step: number; error?: string } | null;

/**
 * The page run's hooks besides progress: every checkpoint written whole to `path` (when there is one), a line per
 * recovery, and the faults tests/gpu/train-cli-faults.test.ts and train-cli-device-loss.test.ts inject: the page
 * hangs ($WORKBENCH_TEST_PAGE_HANG_AT), its renderer crashes (…_CRASH_AT), or its device is destroyed at a step's
 * checkpoint (…_LOSE_AT), or from a timer that many ms after it (…_LOSE_DELAY_MS). `kept()` says what is on disk.
 */
export function pageHooks(
  path: string | undefined,
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): { hooks: Omit<PageRunHooks, "onProgress">; kept: () => Kept } {
  let kept: Kept = null;
  const hang = env.WORKBENCH_TEST_PAGE_HANG_AT;
  const crash = env.WORKBENCH_TEST_PAGE_CRASH_AT;
  const lose = env.WORKBENCH_TEST_PAGE_LOSE_AT;
  const loseDelay = env.WORKBENCH_TEST_PAGE_LOSE_DELAY_MS;
  const hooks: Omit<PageRunHooks, "onProgress"> = {
    ...(path
      ? {
          onCheckpoint: (c) => {
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
  return { hooks, kept: () => kept };
}

/**
 * The line after a dead page's failure: where the last checkpoint is and how to resume it (the run's `steps`, of
 * which a checkpoint at step k did k - `loadedStep`), or why there is none.
 */
export function lastCheckpointLine(path: string | undefined, k: Kept, steps: number, loadedStep: number) {
  if (path && k && !k.error) {
    const left = Math.max(0, steps - (k.step - loadedStep));
    return `the last checkpoint (step ${k.step}) is in ${printable(resolve(path))}: resume with --load ${printable(path)} --steps ${left}`;
  }
  if (path && k?.error) return `the last checkpoint could not be written (${k.error})`;
  return path ? "no checkpoint was reached" : "no checkpoint was kept (pass --checkpoint FILE)";
}

// In-browser side of `npm run train` with WebGPU: the Node side (train-in-page.ts) calls `window.trainRun.start` with
// the run's options and polls `window.__train` for progress and the result, which crosses as a JSON string.
// The training itself is src/run/run-model.ts (runAnyModel), the same code the CPU path runs in Node.

import { createBackend } from "../../src/backend/select";
import { viteCorpusSource } from "../../src/data/text/sources-vite";
import { WebGPUUnavailableError } from "../../src/gpu/device";
import type { CharGptProgress } from "../../src/run/run-char-gpt";
import { runAnyModel } from "../../src/run/run-model";
import type { RunCheckpoint, RunOptions, RunProgress } from "../../src/run/run-types";

export type TrainPageState =
  | { state: "idle" }
  | {
      state: "running";
      adapter: string;
      progress: RunProgress | CharGptProgress | null;
      recoveries: string[];
    }
  /** No WebGPU adapter or device here: the Node side decides whether to fall back to the CPU. */
  | { state: "unavailable"; error: string }
  | { state: "error"; error: string }
  /** `result` is a JSON-encoded RunResult or CharGptRunResult; `progress` the last report (the final step's). */
  | { state: "done"; result: string; progress: RunProgress | CharGptProgress | null };

declare global {
  interface Window {
    __train: TrainPageState;
    /** The run's last checkpoint (a weights file as JSON), read by the Node side when `checkpointStep` moves. */
    __checkpoint: { step: number; json: string } | null;
    /** Test-only: stop answering (an endless loop) once this step is reported, as a hung renderer would. */
    __hangAt?: number;
    /** Test-only: destroy the GPU device once a checkpoint at or past this step is reported. */
    __loseAt?: number;
    /** Test-only: with __loseAt, destroy it from a timer this many ms later (at whatever the run is doing then). */
    __loseDelayMs?: number;
    trainRun: { start(options: RunOptions): void };
  }
}

async function train(options: RunOptions): Promise<void> {
  let selection: Awaited<ReturnType<typeof createBackend>>;
  try {
    selection = await createBackend("webgpu");
  } catch (e) {
    window.__train =
      e instanceof WebGPUUnavailableError
        ? { state: "unavailable", error: e.message }
        : { state: "error", error: `could not create the WebGPU backend: ${(e as Error).message}` };
    return;
  }
  const running: TrainPageState = {
    state: "running",
    adapter: selection.backend.description,
    progress: null,
    recoveries: [],
  };
  let lost = false;
  window.__train = running;
  try {
    const result = await runAnyModel(selection.backend, options, {
      onProgress: (p) => {
        running.progress = p;
      },
      onCharGptProgress: (p) => {
        running.progress = p;
      },
      source: viteCorpusSource,
      onCheckpoint: (c: RunCheckpoint) => {
        window.__checkpoint = { step: c.step, json: JSON.stringify(c.weights) };
        if (window.__loseAt !== undefined && c.step >= window.__loseAt && !lost) {
          lost = true;
          const device = (selection.backend as unknown as { rt: { device: GPUDevice } }).rt.device;
          if (window.__loseDelayMs === undefined) device.destroy();
          else setTimeout(() => device.destroy(), window.__loseDelayMs);
        }
        // Hang a moment later, once the Node side (polling every 250 ms) has had time to fetch this checkpoint.
        if (window.__hangAt !== undefined && c.step >= window.__hangAt)
          setTimeout(() => {
            for (;;) {}
          }, 2000);
      },
      recover: async () => (await createBackend("webgpu")).backend,
      onRecover: (r) => {
        running.recoveries.push(
          `the GPU device was lost at step ${r.fromStep} (${r.reason}); resumed from the checkpoint at step ${r.toStep}`,
        );
      },
    });
    window.__train = { state: "done", result: JSON.stringify(result), progress: running.progress };
  } catch (e) {
    window.__train = { state: "error", error: (e as Error).message };
  }
}

window.__train = { state: "idle" };
window.__checkpoint = null;
window.trainRun = {
  start(options) {
    void train(options);
  },
};
document.body.dataset.ready = "1";

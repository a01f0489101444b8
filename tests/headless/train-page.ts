// In-browser side of `npm run train` with WebGPU: the Node side (train-in-page.ts) calls `window.trainRun.start` with
// the run's options and polls `window.__train` for progress and the result, which crosses as a JSON string.
// The training itself is src/run/run-model.ts (runAnyModel), the same code the CPU path runs in Node.

import { createBackend } from "../../src/backend/select";
import { viteCorpusSource } from "../../src/data/text/sources-vite";
import { WebGPUUnavailableError } from "../../src/gpu/device";
import type { CharGptProgress } from "../../src/run/run-char-gpt";
import { runAnyModel } from "../../src/run/run-model";
import type { RunOptions, RunProgress } from "../../src/run/run-types";

export type TrainPageState =
  | { state: "idle" }
  | { state: "running"; adapter: string; progress: RunProgress | CharGptProgress | null }
  /** No WebGPU adapter or device here: the Node side decides whether to fall back to the CPU. */
  | { state: "unavailable"; error: string }
  | { state: "error"; error: string }
  /** `result` is a JSON-encoded RunResult or CharGptRunResult; `progress` the last report (the final step's). */
  | { state: "done"; result: string; progress: RunProgress | CharGptProgress | null };

declare global {
  interface Window {
    __train: TrainPageState;
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
  };
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
    });
    window.__train = { state: "done", result: JSON.stringify(result), progress: running.progress };
  } catch (e) {
    window.__train = { state: "error", error: (e as Error).message };
  }
}

window.__train = { state: "idle" };
window.trainRun = {
  start(options) {
    void train(options);
  },
};
document.body.dataset.ready = "1";

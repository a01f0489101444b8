// Node side of the headless trainer page (train.html, train-page.ts): serves it, starts a run of src/run/run-model.ts
// on WebGPU there, reports its progress and returns its result; "unavailable" when the page has no adapter or device.
// `npm run train --backend webgpu|auto` (src/cli/train-main.ts) trains through this.

import type { CharGptProgress, CharGptRunResult } from "../../src/run/run-char-gpt";
import type { RunOptions, RunProgress, RunResult } from "../../src/run/run-types";
import { openPage, type Session } from "./browser";
import type { TrainPageState } from "./train-page";

export type PageOutcome =
  | { kind: "done"; result: RunResult | CharGptRunResult }
  | { kind: "unavailable"; reason: string };

export async function runTrainPage(
  options: RunOptions,
  onProgress: (p: RunProgress | CharGptProgress) => void,
): Promise<PageOutcome> {
  let session: Session | undefined;
  try {
    session = await openPage("/tests/headless/train.html");
    await session.page.waitForSelector("body[data-ready]");
    await session.page.evaluate((o) => window.trainRun.start(o), options);
    let shown = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const s = JSON.parse(
        await session.page.evaluate(() => JSON.stringify(window.__train)),
      ) as TrainPageState;
      if ((s.state === "running" || s.state === "done") && s.progress && s.progress.step !== shown) {
        shown = s.progress.step;
        onProgress(s.progress);
      }
      if (s.state === "unavailable") return { kind: "unavailable", reason: s.error };
      if (s.state === "error") {
        const extra = session.errors.length ? `\npage errors:\n  ${session.errors.join("\n  ")}` : "";
        throw new Error(`${s.error}${extra}`);
      }
      if (s.state === "done")
        return { kind: "done", result: JSON.parse(s.result) as RunResult | CharGptRunResult };
    }
  } finally {
    await session?.close();
  }
}

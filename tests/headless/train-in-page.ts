// Node side of the headless trainer page (train.html, train-page.ts): serves it, starts a run of src/run/run-model.ts
// on WebGPU there, reports its progress and checkpoints and returns its result; "unavailable" when the page has no
// adapter or device. `npm run train --backend webgpu|auto` (src/cli/train-main.ts) trains through this.
//
// Every wait has a deadline: each DevTools call (puppeteer's protocolTimeout) and the run as a whole, which must show
// progress (a new step, state or checkpoint) at least every `deadlineMs` ($WORKBENCH_PAGE_DEADLINE_S seconds, default
// 120). A renderer that does not load, crashes, closes or stops answering ends the run with a PageDiedError of one
// line, whichever call into the page it happens in.

import { TimeoutError } from "puppeteer";
import type { CharGptProgress, CharGptRunResult } from "../../src/run/run-char-gpt";
import type { RunCheckpoint, RunOptions, RunProgress, RunResult } from "../../src/run/run-types";
import { openPage, type Session } from "./browser";
import type { TrainPageState } from "./train-page";

export type PageOutcome =
  | { kind: "done"; result: RunResult | CharGptRunResult }
  | { kind: "unavailable"; reason: string };

/** The page stopped: its renderer crashed, closed, or made no progress within the deadline. */
export class PageDiedError extends Error {
  override name = "PageDiedError";
}

/** Seconds without progress before the run is given up: $WORKBENCH_PAGE_DEADLINE_S, default 120. */
export function pageDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.WORKBENCH_PAGE_DEADLINE_S;
  if (raw === undefined || raw === "") return 120_000;
  const s = Number(raw);
  if (!(Number.isFinite(s) && s > 0))
    throw new Error(`WORKBENCH_PAGE_DEADLINE_S must be a number of seconds > 0, got '${raw}'`);
  return s * 1000;
}

export interface PageRunHooks {
  onProgress: (p: RunProgress | CharGptProgress) => void;
  /** The run's newest checkpoint (every `options.checkpointEvery` steps). */
  onCheckpoint?: (c: RunCheckpoint) => void;
  deadlineMs?: number;
  /** Test-only: the page hangs (an endless loop) once a checkpoint at or past this step is reported. */
  hangAt?: number;
  /** Test-only: crash the page's renderer (chrome://crash) once a checkpoint at or past this step is fetched. */
  crashAt?: number;
  /** Test-only: destroy the page's GPU device once a checkpoint at or past this step is reported. */
  loseAt?: number;
  /** Test-only: with loseAt, destroy it from a timer this many ms after that checkpoint (a random moment). */
  loseDelayMs?: number;
  /** A line per device loss the page recovered from. */
  onRecover?: (line: string) => void;
}

export async function runTrainPage(
  options: RunOptions,
  hooksOrProgress: PageRunHooks | ((p: RunProgress | CharGptProgress) => void),
): Promise<PageOutcome> {
  const hooks: PageRunHooks =
    typeof hooksOrProgress === "function" ? { onProgress: hooksOrProgress } : hooksOrProgress;
  const deadline = hooks.deadlineMs ?? pageDeadlineMs();
  let session: Session | undefined;
  let died: string | null = null;
  let wake: (() => void) | null = null;
  const dead = (why: string) => {
    died ??= why;
    wake?.();
  };
  try {
    session = await openPage("/tests/headless/train.html", { protocolTimeout: deadline });
    const { page, browser } = session;
    page.on("error", (e) => dead(`the page's renderer crashed (${e.message})`));
    page.on("close", () => dead("the page closed"));
    browser.on("disconnected", () => dead("Chromium exited"));
    // Every call into the page: a renderer that hangs or dies in it ends the run in one line.
    const ask = async <T>(call: () => Promise<T>): Promise<T> => {
      try {
        return await call();
      } catch (e) {
        const msg = (e as Error).message.split("\n")[0]!;
        throw new PageDiedError(
          died ??
            (e instanceof TimeoutError
              ? `the page did not load within ${loadMs / 1000} s (${msg})`
              : /timed out/i.test(msg)
                ? `the page stopped answering for ${deadline / 1000} s (renderer hung or GPU stalled)`
                : `the page's renderer died (${msg})`),
        );
      }
    };
    // The first load transforms the page's modules: slow on a busy machine, so at least three minutes for that.
    const loadMs = Math.max(deadline, 180_000);
    await ask(() => page.waitForSelector("body[data-ready]", { timeout: loadMs }));
    await ask(() =>
      page.evaluate(
        (o, hangAt, loseAt, loseDelayMs) => {
          if (hangAt !== null) window.__hangAt = hangAt;
          if (loseAt !== null) window.__loseAt = loseAt;
          if (loseDelayMs !== null) window.__loseDelayMs = loseDelayMs;
          window.trainRun.start(o);
        },
        options,
        hooks.hangAt ?? null,
        hooks.loseAt ?? null,
        hooks.loseDelayMs ?? null,
      ),
    );
    let recovered = 0;
    let shown = 0;
    let checkpoint = 0;
    let lastChange = Date.now();
    let last = "";
    for (;;) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 250);
      });
      if (died) throw new PageDiedError(died);
      const polled = JSON.parse(
        await ask(() =>
          page.evaluate(() =>
            JSON.stringify({
              state: JSON.stringify(window.__train),
              checkpointStep: window.__checkpoint?.step ?? 0,
            }),
          ),
        ),
      ) as { state: string; checkpointStep: number };
      const s = JSON.parse(polled.state) as TrainPageState;
      const now = Date.now();
      const fingerprint = `${polled.state}|${polled.checkpointStep}`;
      if (fingerprint !== last) {
        last = fingerprint;
        lastChange = now;
      } else if (now - lastChange > deadline) {
        const at = s.state === "running" && s.progress ? ` (last at step ${s.progress.step})` : "";
        throw new PageDiedError(
          `the page made no progress for ${deadline / 1000} s${at}: GPU stalled or page hung`,
        );
      }
      if (hooks.onCheckpoint && polled.checkpointStep > checkpoint) {
        // The step and the weights in one read: the page may take a newer checkpoint between two.
        const got = await ask(() =>
          page.evaluate(() =>
            window.__checkpoint ? { step: window.__checkpoint.step, json: window.__checkpoint.json } : null,
          ),
        );
        checkpoint = Math.max(polled.checkpointStep, got?.step ?? 0);
        const weights = got ? (JSON.parse(got.json) as RunCheckpoint["weights"] | null) : null;
        if (got && weights) hooks.onCheckpoint({ step: got.step, weights });
        if (hooks.crashAt !== undefined && checkpoint >= hooks.crashAt)
          void page.goto("chrome://crash").catch(() => {});
      }
      if (s.state === "running")
        for (; recovered < s.recoveries.length; recovered++) hooks.onRecover?.(s.recoveries[recovered]!);
      if ((s.state === "running" || s.state === "done") && s.progress && s.progress.step !== shown) {
        shown = s.progress.step;
        hooks.onProgress(s.progress);
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
    await session?.close().catch(() => {});
  }
}

// What the CLI device-loss tests share: one trial's lost-device moment set through the test-only environment
// variables, and the one "recovered:" line the run must print, read and checked.

import { expect } from "vitest";

/** Destroy the page's device `delayMs` after the checkpoint at step `after` (dev-only hooks of the CLI's page). */
export function loseDeviceAfter(after: number, delayMs: number): string {
  process.env.WORKBENCH_TEST_PAGE_LOSE_AT = String(after);
  process.env.WORKBENCH_TEST_PAGE_LOSE_DELAY_MS = delayMs.toFixed(1);
  return `destroy ${delayMs.toFixed(1)} ms after the checkpoint at step ${after}`;
}

/**
 * The run's one recovery: lost at `fromStep`, resumed from the checkpoint at `toStep`, a multiple of `every` taken
 * after the timer was set (at or after `after`) and at most one interval (and the steps in flight) before the loss.
 */
export function recovery(lines: string[], what: string, every: number, after: number) {
  const recovered = lines.filter((l) => l.startsWith("recovered: "));
  expect(recovered.length, `${what}:\n${lines.join("\n")}`).toBe(1);
  const m =
    /the GPU device was lost at step (\d+) \(GPU device lost.*\); resumed from the checkpoint at step (\d+)$/.exec(
      recovered[0]!,
    );
  expect(m, `${what}: ${recovered[0]}`).not.toBeNull();
  const [fromStep, toStep] = [Number(m![1]), Number(m![2])];
  expect(toStep % every, what).toBe(0);
  expect(toStep, what).toBeGreaterThanOrEqual(after);
  expect(fromStep - toStep, what).toBeLessThanOrEqual(every + 2);
  expect(fromStep - toStep, what).toBeGreaterThanOrEqual(0);
  return { fromStep, toStep };
}

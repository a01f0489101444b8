// A lost device is survived at any moment, not only at a step boundary: `device.destroy()` fired from timers at
// random moments of training runs on WebGPU (SwiftShader here), most of them landing while a readback's mapAsync is
// in flight. Every run must recover on a new device from its last checkpoint and end with exactly the losses of an
// uninterrupted run (same seed, same checkpoints): nothing lost, nothing repeated twice in the history.

import { afterAll, beforeAll, expect, test } from "vitest";
import { openPage, type Session } from "../headless/browser";

let session: Session;

beforeAll(async () => {
  session = await openPage("/tests/gpu/training.html");
  await session.page.waitForSelector("body[data-ready]");
});

afterAll(async () => {
  await session?.close();
});

interface Trials {
  reference: number[];
  ms: number;
  runs: {
    delayMs: number;
    fired: number;
    recoveries: { fromStep: number; toStep: number; reason: string }[];
    losses: number[];
  }[];
}

test("24 device losses at random moments: each run resumes and matches the uninterrupted run", {
  timeout: 600_000,
}, async () => {
  const steps = 30;
  const every = 10;
  const r = (await session.page.evaluate(
    (a) => window.trainingChecks.lossAtRandomMoments("mlp", a.steps, a.every, 24, 20260),
    { steps, every },
  )) as Trials;
  expect(r.reference).toHaveLength(steps);
  let recovered = 0;
  for (const [i, run] of r.runs.entries()) {
    const what = `trial ${i} (destroy after ${run.delayMs.toFixed(0)} ms of ${r.ms.toFixed(0)}: ${JSON.stringify({ ...run, losses: run.losses.length })})`;
    // A destroy that fired while the run still trained must have been noticed and recovered from.
    if (run.fired >= 0 && run.fired < steps) expect(run.recoveries.length, what).toBeGreaterThanOrEqual(1);
    for (const rec of run.recoveries) {
      expect(rec.reason, what).toMatch(/GPU device lost/);
      expect(rec.toStep % every, what).toBe(0);
      expect(rec.fromStep - rec.toStep, what).toBeLessThanOrEqual(every + 2);
    }
    recovered += run.recoveries.length > 0 ? 1 : 0;
    // Bit for bit: the resumed run recomputes the same kernels on the same inputs.
    expect(run.losses, what).toEqual(r.reference);
  }
  expect(recovered).toBeGreaterThanOrEqual(20);
  console.log(
    `device loss: ${recovered}/${r.runs.length} runs recovered, each equal to the uninterrupted run (${r.ms.toFixed(0)} ms, ${steps} steps)`,
  );
});

// The time-left estimate (src/ui/time-left.ts) on step-time traces shaped like the pages' runs: a start-up (build,
// compile, step 1) before the first message, slow first steps while the JIT or the GPU warms up, jitter per chunk,
// evaluations and snapshots between chunks, and slowdowns mid-run (a lasting one, a short stall). The traces are
// simulated the way worker.ts trains: chunks of about 100 ms sized from the measured rate, a progress message at
// most every 100 ms. The claim checked: from 10% to 90% of the steps the estimate is within 20% of the time the
// trace actually has left; and a finished run's summary gives the whole run's average rate.

import { describe, expect, test } from "vitest";
import { RateTracker, runSummary, timeLeftText } from "../../src/ui/time-left";
import { Rng } from "../../src/util/rng";

interface Trace {
  /** Steps in the run. */
  steps: number;
  /** Milliseconds before the first message: build, compile, step 1. */
  startupMs: number;
  /** The first snapshot, taken right after the first message (its first use may compile or warm up). */
  firstSnapshotMs: number;
  /** Milliseconds of step `s` before warm-up, slowdowns and jitter. */
  baseMs: number;
  /** The first steps are this many times slower, decaying with time constant `warmSteps`. */
  warmFactor: number;
  warmSteps: number;
  /** Spread of each chunk's speed (log-normal sigma). */
  jitter: number;
  /** Evaluation costs: held-out loss (every >= 250 ms), snapshot (every >= 1 s), persist (every 5 s). */
  testMs: number;
  snapshotMs: number;
  persistMs: number;
  /** Slowdown factor at a fraction of the run (1 = none). */
  slow?: (fraction: number) => number;
}

interface Message {
  t: number;
  step: number;
}

/** The worker's loop over a trace: the progress messages it posts, and the time the run ends. */
function simulate(tr: Trace, seed: number): { messages: Message[]; end: number } {
  const rng = new Rng(seed);
  const messages: Message[] = [];
  let t = tr.startupMs;
  let step = 1;
  messages.push({ t, step });
  t += tr.firstSnapshotMs;
  let trainRate = 0;
  let chunk = 1;
  let lastPost = t;
  let nextTest = t + 250;
  let nextSnap = t + 1000;
  let lastPersist = t;
  while (step < tr.steps) {
    const n = Math.min(chunk, tr.steps - step);
    const speed = Math.exp(tr.jitter * rng.normal());
    let dt = 0;
    for (let s = step; s < step + n; s++) {
      const warm = 1 + (tr.warmFactor - 1) * Math.exp(-s / tr.warmSteps);
      dt += tr.baseMs * warm * (tr.slow?.(s / tr.steps) ?? 1) * speed;
    }
    t += dt;
    step += n;
    const r = (1000 * n) / dt;
    trainRate = trainRate === 0 ? r : 0.7 * trainRate + 0.3 * r;
    chunk = Math.max(1, Math.min(500, Math.round(trainRate * 0.1)));
    const end = step >= tr.steps;
    if (end || t >= nextTest) {
      t += tr.testMs;
      nextTest = t + Math.max(250, 5 * tr.testMs);
    }
    if (end || t - lastPost >= 100) {
      lastPost = t;
      messages.push({ t, step });
    }
    if (end || t >= nextSnap) {
      t += tr.snapshotMs;
      nextSnap = t + Math.max(1000, 5 * tr.snapshotMs);
    }
    if (end || t - lastPersist >= 5000) {
      lastPersist = t;
      t += tr.persistMs;
    }
  }
  return { messages, end: t };
}

type Estimator = (tracker: RateTracker, step: number, total: number) => number | null;

const windowed: Estimator = (tracker, step, total) => tracker.secondsLeft(step, total);
/** The steps left over the whole run's average rate (what the page showed before the window). */
const wholeRun: Estimator = (tracker, step, total) =>
  tracker.averageRate > 0 ? (total - step) / tracker.averageRate : null;

/** The estimate at every message with 10%-90% of the steps done, against the time the trace had left then. */
function errors(tr: Trace, seed: number, estimate: Estimator = windowed) {
  const { messages, end } = simulate(tr, seed);
  const tracker = new RateTracker();
  const out: { step: number; estimate: number; actual: number; error: number }[] = [];
  for (const m of messages) {
    tracker.progress(m.t, m.step);
    if (m.step < 0.1 * tr.steps || m.step > 0.9 * tr.steps) continue;
    const e = estimate(tracker, m.step, tr.steps);
    const actual = (end - m.t) / 1000;
    expect(e, `an estimate at step ${m.step}`).not.toBeNull();
    out.push({ step: m.step, estimate: e!, actual, error: Math.abs(e! - actual) / actual });
  }
  return out;
}

function worst(tr: Trace, estimate: Estimator = windowed) {
  let w = { seed: 0, step: 0, estimate: 0, actual: 0, error: 0 };
  for (const seed of SEEDS)
    for (const e of errors(tr, seed, estimate)) if (e.error > w.error) w = { seed, ...e };
  return w;
}

const describeWorst = (w: ReturnType<typeof worst>) =>
  `${(100 * w.error).toFixed(1)}% (seed ${w.seed}, step ${w.step}: ${w.estimate.toFixed(2)} s estimated, ` +
  `${w.actual.toFixed(2)} s left)`;

/**
 * Five experts on the CPU, as recorded on the page: 3000 steps of about 1.9 ms, the JIT 3x slower on the first
 * steps, the first snapshot 150 ms; chunks jitter by about 10%.
 */
const CPU: Trace = {
  steps: 3000,
  startupMs: 600,
  firstSnapshotMs: 150,
  baseMs: 1.9,
  warmFactor: 3,
  warmSteps: 20,
  jitter: 0.1,
  testMs: 5,
  snapshotMs: 60,
  persistMs: 40,
};

/**
 * The transformer on WebGPU (SwiftShader): 600 steps of about 25 ms after 3 s of start-up, the first snapshot
 * compiling its pipelines (1 s) and the first steps up to 8x slower while the rest are compiled and cached.
 */
const GPU: Trace = {
  steps: 600,
  startupMs: 3000,
  firstSnapshotMs: 1000,
  baseMs: 25,
  warmFactor: 8,
  warmSteps: 4,
  jitter: 0.1,
  testMs: 15,
  snapshotMs: 150,
  persistMs: 60,
};

const TRACES: Record<string, Trace> = {
  "cpu, JIT warm-up": CPU,
  "webgpu, compiling first steps": GPU,
  "cpu, 10% slower from 40% of the run on": { ...CPU, slow: (f) => (f >= 0.4 ? 1.1 : 1) },
  "webgpu, 10% slower from 40% of the run on": { ...GPU, slow: (f) => (f >= 0.4 ? 1.1 : 1) },
  "cpu, three times slower for 2% of the run": { ...CPU, slow: (f) => (f >= 0.4 && f < 0.42 ? 3 : 1) },
};

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

describe("time left on simulated traces", () => {
  for (const [name, tr] of Object.entries(TRACES)) {
    test(`${name}: within 20% of the time left from 10% to 90% of the steps`, () => {
      const w = worst(tr);
      console.log(`${name}: worst ${describeWorst(w)}`);
      expect(w.error).toBeLessThanOrEqual(0.2);
    });
  }

  test("a warm-up over the first quarter of the run is beyond it: at 10% of the steps the estimate is high", () => {
    // Steps 2.5 times slower at first, decaying with a time constant of 250 of the 3000 steps.
    const slowStart = { ...CPU, warmFactor: 2.5, warmSteps: 250 };
    let worst = 0;
    for (const seed of SEEDS) {
      const first = errors(slowStart, seed)[0]!;
      expect(first.estimate).toBeGreaterThan(first.actual);
      worst = Math.max(worst, first.error);
    }
    console.log(
      `slow start over a quarter of the run: at 10% of the steps up to ${(100 * worst).toFixed(0)}% high`,
    );
    expect(worst).toBeGreaterThan(0.2);
  });

  test("the whole run's average instead would be off by more than 20% where the first steps are slow", () => {
    const w = worst(GPU, wholeRun);
    console.log(`webgpu trace, whole-run average: worst ${describeWorst(w)}`);
    expect(w.error).toBeGreaterThan(0.2);
  });
});

describe("the rate tracker", () => {
  test("the first message and the first one after a pause start the clock; the first interval is not estimated on", () => {
    const t = new RateTracker();
    t.progress(5000, 1);
    expect(t.rate).toBe(0);
    expect(t.secondsLeft(1, 1000)).toBeNull();
    // The first interval (with the run's first snapshot): in the average, not in the estimate.
    t.progress(5500, 11);
    expect(t.averageRate).toBeCloseTo(20, 9);
    expect(t.secondsLeft(11, 1000)).toBeNull();
    t.progress(5600, 21);
    expect(t.rate).toBeCloseTo(100, 9);
    expect(t.secondsLeft(21, 1000)).toBeCloseTo(9.79, 9);
    t.stop();
    // A pause of 60 s counts in no rate.
    t.progress(65_600, 22);
    t.progress(65_800, 42);
    expect(t.measured).toEqual({ steps: 40, seconds: 0.8 });
    expect(t.averageRate).toBeCloseTo(50, 9);
    // The window: two thirds of the 30 steps after the first interval, and at least a second: all of them here.
    expect(t.rate).toBeCloseTo(100, 9);
  });

  test("the summary gives the whole run's average, not the recent rate the estimate uses", () => {
    const t = new RateTracker();
    t.progress(1000, 1);
    // 600 steps at 1000 steps/s, then 300 at 250 steps/s: 900 steps in 1.8 s, 500 steps/s on average.
    for (let k = 1; k <= 6; k++) t.progress(1000 + 100 * k, 1 + 100 * k);
    for (let k = 1; k <= 3; k++) t.progress(1600 + 400 * k, 601 + 100 * k);
    expect(t.averageRate).toBeCloseTo(500, 9);
    // The estimate's window: at least two thirds of the 800 steps after the first interval, and a second: the
    // latest 300 at 250/s and 300 at 1000/s, 600 steps in 1.5 s.
    expect(t.rate).toBeCloseTo(400, 9);
    expect(runSummary(901, t, 1.25)).toBe(
      "done: 900 steps in 1.8 s, 500 steps/s on average (1.3 s to build and take the first step)",
    );
    expect(runSummary(0, new RateTracker(), 0)).toBe("done at step 0");
  });

  test("the time left in words", () => {
    expect(timeLeftText(0.2)).toBe("about 1 s left");
    expect(timeLeftText(41.5)).toBe("about 42 s left");
    expect(timeLeftText(200)).toBe("about 3 min left");
  });
});

// A training page's run recorded for the time-left check (tests/ui/teaching.test.ts): every probe the page publishes
// (its step, state and the time left it shows) and the worker thread's CPU time, sampled every 20 ms from Start to
// done, in a browser of its own (so the one worker thread in it is the page's). The time left the page shows is
// replayed on both clocks: the page's, and the worker's CPU time, which other processes on the cores stretch far
// less than the wall clock.

import type { Browser } from "puppeteer";
import { RateTracker } from "../../src/ui/time-left";
import type { PageProbe } from "../../src/ui/training-controller";
import { launchChromium } from "./browser";
import { cpuMs, findThreads } from "./thread-time";

interface ProbeRecord {
  /** The page's clock (performance.now), and the system clock shared with this process (Date.now). */
  t: number;
  epoch: number;
  step: number;
  total: number;
  state: string;
  left: number | null;
}

/** One progress message of the run, with the time left on both clocks (seconds). */
export interface TimeLeftRow {
  step: number;
  /** What the page showed, and the same estimator replayed on the page's clock. */
  shown: number | null;
  replayed: number | null;
  /** The wall-clock time the run then took. */
  wallLeft: number;
  /** The estimator on the worker's CPU time, and the worker's CPU time the run then took. */
  ownEstimate: number | null;
  ownLeft: number;
}

async function clickStart(browser: Browser, url: string) {
  const page = await browser.newPage();
  await page.evaluateOnNewDocument(() => {
    const log: ProbeRecord[] = [];
    let probe: PageProbe | undefined;
    Object.defineProperty(window, "__wb", {
      configurable: true,
      get: () => probe,
      set: (p: PageProbe) => {
        probe = p;
        const [t, epoch] = [performance.now(), Date.now()];
        log.push({ t, epoch, step: p.step, total: p.total, state: p.state, left: p.secondsLeft });
      },
    });
    (window as unknown as { __wbLog: ProbeRecord[] }).__wbLog = log;
  });
  await page.goto(url, { waitUntil: "load" });
  const start = await page.waitForSelector(">>> wb-trainer-panel >>> ::-p-text(Start)", { timeout: 30_000 });
  return { page, start: start! };
}

/** Train `url` (a page's address with its settings) to the end; its progress messages with the time left. */
export async function recordTimeLeft(url: string): Promise<{ total: number; rows: TimeLeftRow[] }> {
  const browser = await launchChromium();
  const samples: { t: number; cpu: number }[] = [];
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    const { page, start } = await clickStart(browser, url);
    let thread: string | null = null;
    const root = browser.process()!.pid!;
    const sample = () => {
      thread ??= findThreads(root, "DedicatedWorker")[0] ?? null;
      const cpu = thread ? cpuMs(thread) : null;
      if (cpu !== null) samples.push({ t: Date.now(), cpu });
    };
    sampler = setInterval(sample, 20);
    await start.click();
    await page.waitForFunction(() => window.__wb?.state === "done", { timeout: 300_000 });
    const log = await page.evaluate(() => (window as unknown as { __wbLog: ProbeRecord[] }).__wbLog);
    // One more after the page said done (the worker, idle, lives on).
    sample();
    clearInterval(sampler);
    const total = log[log.length - 1]!.total;
    const done = log.find((r) => r.state === "done")!;
    // The progress messages: a running probe with more steps than the one before.
    const progress = log.filter((r, i) => r.state === "running" && r.step > (log[i - 1]?.step ?? 0));
    if (progress[0]?.step !== 1)
      throw new Error(`the first progress message is at step ${progress[0]?.step}`);
    if (samples.length <= 10 || samples[samples.length - 1]!.t < done.epoch)
      throw new Error(`the worker's CPU time was read ${samples.length} times, not to the end of the run`);
    /** The worker's CPU time at system time `t`, between the samples around it. */
    const cpuAt = (t: number) => {
      const k = samples.findIndex((x) => x.t >= t);
      if (k <= 0) return samples[Math.max(0, k)]!.cpu;
      const [p, q] = [samples[k - 1]!, samples[k]!];
      return q.t === p.t ? q.cpu : p.cpu + ((q.cpu - p.cpu) * (t - p.t)) / (q.t - p.t);
    };
    const wall = new RateTracker();
    const own = new RateTracker();
    const rows = progress.map((r) => {
      wall.progress(r.t, r.step);
      own.progress(cpuAt(r.epoch), r.step);
      return {
        step: r.step,
        shown: r.left,
        replayed: wall.secondsLeft(r.step, total),
        wallLeft: (done.t - r.t) / 1000,
        ownEstimate: own.secondsLeft(r.step, total),
        ownLeft: (cpuAt(done.epoch) - cpuAt(r.epoch)) / 1000,
      };
    });
    return { total, rows };
  } finally {
    clearInterval(sampler);
    await browser.close();
  }
}

/** The time left at one share of the steps: the first progress message at or after it. */
export interface TimeLeftPoint {
  share: number;
  step: number;
  /** On the worker's CPU time (s): the estimate, the time the run then took, and the error relative to that. */
  estimate: number | null;
  left: number;
  error: number;
}

/** A recorded run read at `shares` of its steps, with what else the test reports. */
export function readTimeLeft(total: number, rows: TimeLeftRow[], shares: number[]) {
  const error = (r: TimeLeftRow) =>
    r.ownEstimate === null ? Number.POSITIVE_INFINITY : Math.abs(r.ownEstimate - r.ownLeft) / r.ownLeft;
  const at = shares.map((share) => rows.find((x) => x.step >= share * total) ?? rows[rows.length - 1]!);
  const points: TimeLeftPoint[] = at.map((r, k) => ({
    share: shares[k]!,
    step: r.step,
    estimate: r.ownEstimate,
    left: r.ownLeft,
    error: error(r),
  }));
  const judged = rows.filter((r) => r.step >= 0.1 * total && r.step <= 0.9 * total);
  // The run's pace on the worker's CPU time between those messages (ms per step), from the second message on.
  const marks = [rows[1]!, ...at, rows[rows.length - 1]!];
  const pace = marks.slice(1).map((m, k) => ({
    from: marks[k]!.step,
    to: m.step,
    ms: (1000 * (marks[k]!.ownLeft - m.ownLeft)) / (m.step - marks[k]!.step),
  }));
  // The first interval, which no estimate counts: the worker's warm-up and its first snapshot are in it.
  const first = { wall: rows[0]!.wallLeft - rows[1]!.wallLeft, cpu: rows[0]!.ownLeft - rows[1]!.ownLeft };
  return {
    points,
    pace,
    first,
    judged,
    worst: Math.max(...judged.map(error)),
    wallWorst: Math.max(...judged.map((r) => Math.abs(r.shown! - r.wallLeft) / r.wallLeft)),
  };
}

const f = (x: number | null) => (x === null ? "-" : x.toFixed(2));

/** One line per run: the points, the pace between them and the worst error from 10% to 90% of the steps. */
export function timeLeftReport(r: ReturnType<typeof readTimeLeft>): string {
  const points = r.points.map(
    (p) =>
      `at ${100 * p.share}% (step ${p.step}) ${f(p.estimate)} s estimated, ${f(p.left)} s left, ` +
      `${(100 * p.error).toFixed(1)}% off`,
  );
  const pace = r.pace.map((p) => `${p.from}-${p.to} ${p.ms.toFixed(2)}`);
  return (
    `on the worker's CPU time: ${points.join("; ")}; CPU ms per step, steps ${pace.join(", ")}; first interval ` +
    `${r.first.wall.toFixed(2)} s (${r.first.cpu.toFixed(2)} s of CPU); worst from 10% to ` +
    `90% of the steps ${(100 * r.worst).toFixed(1)}% (${(100 * r.wallWorst).toFixed(1)}% on the wall clock, shown)`
  );
}

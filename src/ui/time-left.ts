// The rate a training page shows, its time-left estimate and the finished run's average, from the worker's progress
// messages: (time, step) while running. The first message of a run (or of a resumed run) only starts the clock, so
// building the job, compiling kernels and taking step 1 count in no rate.
//
// The estimate divides the steps left by the rate over the latest intervals that hold at least two thirds of the
// steps measured so far and at least a second, leaving out the first interval (the worker takes the run's first
// snapshot in it). The first steps (a JIT warming up, GPU pipelines compiled on first use) leave the window as the
// run goes on, a lasting change of speed (another process on the cores) enters it, a short stall weighs as much as
// its share of the window, and the second holds several progress messages, so no single evaluation or snapshot
// decides. Over the whole run's average it gains where warm-up is slow: on the WebGPU trace of
// tests/unit/time-left.test.ts the average is off by 95% at 10% of the steps. The test checks it on traces with
// slow first steps, jitter, evaluations and slowdowns: from 10% to 90% of the steps it is within 20% of the time
// the trace actually has left. A warm-up that lasts a good part of the run is beyond it (the rate keeps rising
// after the window is measured): with steps 2.5 times slower at first, decaying over the first quarter of the run,
// it was up to 76% high at 10% of the steps. On a real run the window at 10% of the steps holds every interval
// after the first, so what it needs is a pace that is steady from there: a new worker's JIT made the first 5% of a
// default five-experts run on the CPU 1.6-2.6 ms of CPU per step against 1.2-2.1 ms for the rest, and the estimate
// after 10% up to 36-44% high; the worker now warms the JIT in the first interval (src/ui/warm-up.ts), and the page
// test (tests/ui/teaching.test.ts) checks the estimate at 10% and 25% of that run against the worker's CPU time
// (0.3-17.5% off in 12 runs at load average 9-13; README, "What the pages say").
// The summary of a finished run uses the whole run's average (every interval counted, the first one too).

/** The window of the estimate: at least this share of the steps measured, and at least this long. */
const WINDOW_SHARE = 2 / 3;
const WINDOW_MS = 1000;

interface Interval {
  ms: number;
  steps: number;
}

export class RateTracker {
  private intervals: Interval[] = [];
  private last: { t: number; step: number } | null = null;
  private ms = 0;
  private steps = 0;

  /** A progress message at time `t` (ms) with `step` steps done, while running. */
  progress(t: number, step: number): void {
    if (this.last && step > this.last.step && t > this.last.t) {
      const i = { ms: t - this.last.t, steps: step - this.last.step };
      this.intervals.push(i);
      this.ms += i.ms;
      this.steps += i.steps;
    }
    this.last = { t, step };
  }

  /** Training stopped (paused, done, failed): the next progress message starts the clock again. */
  stop(): void {
    this.last = null;
  }

  /** Steps per second over the estimate's window (see the top of this file); 0 before it has an interval. */
  get rate(): number {
    const first = this.intervals[0]?.steps ?? 0;
    let ms = 0;
    let steps = 0;
    for (
      let k = this.intervals.length - 1;
      k >= 1 && (steps < WINDOW_SHARE * (this.steps - first) || ms < WINDOW_MS);
      k--
    ) {
      ms += this.intervals[k]!.ms;
      steps += this.intervals[k]!.steps;
    }
    return ms > 0 ? (1000 * steps) / ms : 0;
  }

  /** Seconds until `total` at the current rate, or null while there is no rate yet. */
  secondsLeft(step: number, total: number): number | null {
    const r = this.rate;
    return r > 0 ? Math.max(0, total - step) / r : null;
  }

  /** The whole run's average steps per second (every interval measured); 0 before any. */
  get averageRate(): number {
    return this.ms > 0 ? (1000 * this.steps) / this.ms : 0;
  }

  /** Steps and seconds the averages count (start-up excluded). */
  get measured(): { steps: number; seconds: number } {
    return { steps: this.steps, seconds: this.ms / 1000 };
  }
}

const rateText = (r: number) => (r >= 10 ? String(Math.round(r)) : r.toFixed(1));

/**
 * A finished run in one line: its steps and time, the start-up (build, compile, step 1) and the average rate of
 * the steps after it (RateTracker.averageRate).
 */
export function runSummary(step: number, tracker: RateTracker, startupSeconds: number): string {
  const r = tracker.averageRate;
  if (!r) return `done at step ${step.toLocaleString("en")}`;
  const m = tracker.measured;
  const start =
    startupSeconds > 0 ? ` (${startupSeconds.toFixed(1)} s to build and take the first step)` : "";
  return `done: ${m.steps.toLocaleString("en")} steps in ${m.seconds.toFixed(1)} s, ${rateText(r)} steps/s on average${start}`;
}

/** "about 12 s left", "about 3 min left". */
export function timeLeftText(seconds: number): string {
  return `about ${seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.ceil(seconds)} s`} left`;
}

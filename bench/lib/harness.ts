// The measuring loop of the benchmark page. A group is one op at one shape with several implementations
// ("runners"); the group
//   1. builds every runner (inputs made and, for GPU runners, uploaded: nothing below times an upload),
//   2. runs each once and checks its outputs against the CPU reference (a runner that fails is not timed),
//   3. times them in interleaved trials: repetition r runs every runner once, in an order rotated by r, so
//      machine load that drifts during the group (other processes on these 2 cores) spreads over all of them.
// A GPU trial is performance.now() around enqueue + submit + queue.onSubmittedWorkDone(), with the GPU
// timestamp instrumentation on; a CPU trial is performance.now() around the synchronous call. Outputs are
// freed after the clock stops, and never read back inside a trial, on either side.

import { type Comparison, compare } from "../../src/verify/compare";
import type { GpuTimer } from "./gpu-timer";
import type { BenchResult, BenchSkip, ImplName } from "./types";

export interface Runner {
  gpu: boolean;
  /** Before each trial (tfjs: make this runner's backend the active one). */
  prepare?(): Promise<void>;
  /** Start one computation and return a handle to its outputs. */
  start(): unknown;
  /** GPU runners: submit what `start` queued and wait for the queue to finish it. */
  wait(): Promise<void>;
  /** A CPU runner whose work may finish after `start` returns (the wasm backend's queue): timed up to `wait`. */
  queued?: boolean;
  /** The outputs' values, for the check. */
  read(handle: unknown): Promise<Float32Array[]>;
  free(handle: unknown): void;
  /** After each trial, once the clock has stopped and the outputs are freed (the loaded runner's copies stop). */
  after?(): Promise<void>;
  dispose(): void;
  /** Replaces start/wait/read for the check (training: losses of the first steps from fresh weights). */
  check?(): Promise<Float32Array[]>;
  /** Largest growth of the GPU pool during one call (ours-webgpu). */
  peakBytes?(): Promise<number>;
  /**
   * A runner timed in another process (PyTorch): one trial, resolving to the milliseconds that process measured
   * around its work (the message passing excluded). Replaces start/wait in the trials.
   */
  selfTimed?(): Promise<number>;
}

export interface RunnerSpec {
  impl: ImplName;
  /** e.g. "matmul/register". */
  case: string;
  /** Throws (or rejects) when this implementation cannot run here: the runner is listed as skipped. */
  make(): Runner | Promise<Runner>;
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface Expected {
  values: Float32Array[];
  tol: Tolerance[];
  /** Maps a runner's outputs to what `values` holds (e.g. sampled rows of a large result). */
  pick?: (outs: Float32Array[]) => Float32Array[];
}

export interface Group {
  shape: string;
  /** GFLOP of one call, null where FLOPs say nothing (softmax, training). */
  gflop: number | null;
  /** Characters one call trains on (the language model's step), for tokens per second. */
  tokensPerStep?: number;
  /** Upper bound on timed repetitions, and the wall-clock budget (ms) of one runner's timed trials. */
  maxReps: number;
  minReps: number;
  budgetMs: number;
  /** The CPU reference's outputs; null when no reference exists yet (then nothing is timed). */
  expected(): Expected | null | Promise<Expected | null>;
  runners: RunnerSpec[];
}

export interface GroupOutcome {
  results: BenchResult[];
  skipped: BenchSkip[];
}

/**
 * A runner whose trial takes under CHEAP_MS repeats up to CHEAP_REPS times (at most a third of a second): on a
 * shared VM a sub-millisecond median of 15 trials moved by a third between runs with the machine's drift.
 */
const CHEAP_MS = 5;
const CHEAP_REPS = 61;

const PASSES = ["gpu", "js", "wasm"] as const;
/** Idle time before each pass of a group. */
const SETTLE_MS = 50;

/** The pass a runner's rounds belong to (see runGroup). */
function passOf(impl: ImplName, r: Runner): (typeof PASSES)[number] {
  if (r.gpu) return "gpu";
  return impl === "ours-cpu" || impl === "tfjs-cpu" ? "js" : "wasm";
}

interface Live {
  spec: RunnerSpec;
  runner: Runner;
  reps: number;
  wall: number[];
  /** The round each of `wall`'s trials ran in. */
  rounds: number[];
  gpu: number[];
  gpuComplete: boolean;
  check: { maxAbsErr: number; atol: number; rtol: number };
  peak: number | null;
}

export function stats(xs: number[]): { medianMs: number; minMs: number; maxMs: number } {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return { medianMs: median, minMs: s[0]!, maxMs: s[s.length - 1]! };
}

function checkOutputs(outs: Float32Array[], exp: Expected): { cmp: Comparison; tol: Tolerance } {
  const got = exp.pick ? exp.pick(outs) : outs;
  if (got.length !== exp.values.length)
    throw new Error(`${got.length} outputs, expected ${exp.values.length}`);
  let worst: { cmp: Comparison; tol: Tolerance } | null = null;
  for (const [i, want] of exp.values.entries()) {
    const tol = exp.tol[i] ?? exp.tol[0]!;
    const cmp = compare(got[i]!, want, tol.atol, tol.rtol);
    if (!cmp.pass) return { cmp: { ...cmp, detail: `output ${i}: ${cmp.detail}` }, tol };
    if (!worst || cmp.maxAbsErr > worst.cmp.maxAbsErr) worst = { cmp, tol };
  }
  return worst!;
}

async function once(r: Runner, timer: GpuTimer | null): Promise<{ wall: number; gpu: number | null }> {
  await r.prepare?.();
  if (r.selfTimed) return { wall: await r.selfTimed(), gpu: null };
  if (r.gpu) {
    timer?.begin();
    const t0 = performance.now();
    const h = r.start();
    await r.wait();
    const wall = performance.now() - t0;
    const gpu = timer ? await timer.end() : null;
    r.free(h);
    await r.after?.();
    return { wall, gpu };
  }
  const t0 = performance.now();
  const h = r.start();
  if (r.queued) await r.wait();
  const wall = performance.now() - t0;
  r.free(h);
  await r.after?.();
  return { wall, gpu: null };
}

async function checkRunner(r: Runner): Promise<{ outs: Float32Array[]; ms: number }> {
  const t0 = performance.now();
  if (r.check) {
    await r.prepare?.();
    const outs = await r.check();
    return { outs, ms: performance.now() - t0 };
  }
  await r.prepare?.();
  const h = r.start();
  await r.wait();
  const ms = performance.now() - t0;
  try {
    return { outs: await r.read(h), ms };
  } finally {
    r.free(h);
    await r.after?.();
  }
}

/** Run one group: check every runner, then interleaved timed trials. */
export async function runGroup(
  g: Group,
  timer: GpuTimer | null,
  log: (line: string) => void,
): Promise<GroupOutcome> {
  const skipped: BenchSkip[] = [];
  const skip = (spec: RunnerSpec, reason: string, failed: boolean) => {
    skipped.push({ case: spec.case, shape: g.shape, impl: spec.impl, reason, failed });
    log(`${failed ? "FAILED" : "skipped"}: ${spec.case} ${g.shape} ${spec.impl}: ${reason}`);
  };
  let exp: Expected | null;
  try {
    exp = await g.expected();
  } catch (e) {
    exp = null;
    log(`no CPU reference for ${g.shape}: ${(e as Error).message}`);
  }
  if (!exp) {
    for (const spec of g.runners) skip(spec, "no CPU reference to check it against", false);
    return { results: [], skipped };
  }
  const live: Live[] = [];
  for (const spec of g.runners) {
    let runner: Runner | null = null;
    try {
      runner = await spec.make();
      const { outs, ms } = await checkRunner(runner);
      const { cmp, tol } = checkOutputs(outs, exp);
      if (!cmp.pass) {
        skip(spec, `check failed: ${cmp.detail} (atol ${tol.atol}, rtol ${tol.rtol})`, true);
        runner.dispose();
        continue;
      }
      // The check already compiled pipelines and filled buffer pools; cheap runners warm up a few more times
      // (JIT, caches), and the last warm-up's time sets how many repetitions fit in the budget. A custom check
      // (training: fresh weights, several steps, readbacks) says nothing about one trial: warm up at least once.
      let est = runner.check ? (await once(runner, null)).wall : ms;
      for (let w = 0; w < 3 && est < 1000; w++) est = (await once(runner, null)).wall;
      const cap = est < CHEAP_MS ? Math.max(g.maxReps, CHEAP_REPS) : g.maxReps;
      const reps = Math.max(g.minReps, Math.min(cap, Math.floor(g.budgetMs / Math.max(est, 0.05))));
      const peak = runner.peakBytes ? await runner.peakBytes() : null;
      live.push({
        spec,
        runner,
        reps,
        wall: [],
        rounds: [],
        gpu: [],
        gpuComplete: true,
        check: { maxAbsErr: cmp.maxAbsErr, atol: tol.atol, rtol: tol.rtol },
        peak,
      });
    } catch (e) {
      const err = e as Error;
      skip(spec, `${err.name}: ${err.message}`, false);
      try {
        runner?.dispose();
      } catch {
        // the runner's inputs may already be gone with the failure
      }
    }
  }
  // Three passes, each in interleaved rounds of its own: the GPU runners, then the JavaScript CPU runners, then
  // the WebAssembly ones (and PyTorch's, another process). On a software adapter a GPU trial keeps every core busy
  // (SwiftShader's threads), and a JavaScript runner leaves garbage that V8 collects on a background thread after
  // it: either lands on the second core of whichever trial comes next, which one-thread code hardly notices and
  // code on every core does (seen: ours-wasm at one thread's speed for the rounds the JS runners shared with it,
  // then 1.6-2.0x faster for the rest). Round numbers run on across the passes, so two runners' samples pair up
  // only where they ran in the same round (BenchResult.rounds).
  let round = 0;
  for (const kind of PASSES) {
    const pass = live.filter((l) => passOf(l.spec.impl, l.runner) === kind);
    if (pass.length === 0) continue;
    // The pass before may have left work behind (a GPU process finishing up, a collection): let it end first.
    await new Promise((res) => setTimeout(res, SETTLE_MS));
    const rounds = Math.max(0, ...pass.map((l) => l.reps));
    for (let r = 0; r < rounds; r++, round++) {
      for (let i = 0; i < pass.length; i++) {
        const l = pass[(i + r) % pass.length]!;
        if (l.wall.length >= l.reps) continue;
        const t = await once(l.runner, timer);
        l.wall.push(t.wall);
        l.rounds.push(round);
        if (t.gpu === null) l.gpuComplete = false;
        else l.gpu.push(t.gpu);
      }
    }
  }
  const results: BenchResult[] = live.map((l) => {
    const wall = stats(l.wall);
    const gpu =
      l.runner.gpu && timer && l.gpuComplete && l.gpu.length ? { ...stats(l.gpu), reps: l.gpu.length } : null;
    l.runner.dispose();
    return {
      case: l.spec.case,
      shape: g.shape,
      impl: l.spec.impl,
      ...wall,
      reps: l.wall.length,
      samples: l.wall,
      rounds: l.rounds,
      gflops: g.gflop === null ? null : g.gflop / (wall.medianMs / 1000),
      tokensPerSecond: g.tokensPerStep ? g.tokensPerStep / (wall.medianMs / 1000) : null,
      clock: "wall",
      gpu,
      peakBytes: l.peak,
      check: l.check,
    };
  });
  return { results, skipped };
}

// The training worker: owns its backend (its own GPU device), trains a page's job in chunks of about 100 ms (the
// first chunk of a run, or of a resumed run, is one step, so its loss is on the chart as soon as it is taken), and
// posts progress at most about 10 times a second, snapshots at most once a second, and keeps the run in IndexedDB
// every few seconds, on pause and when done. A failure (non-finite loss, lost device) keeps the last checkpoint and
// can go on from it on the CPU.

import type { Backend } from "../backend/contract";
import { CpuBackend } from "../backend/cpu";
import { createBackend } from "../backend/select";
import { DeviceLostError } from "../gpu/errors";
import {
  type History,
  type JobSpec,
  type LossPoint,
  SAVED_JOB_VERSION,
  type SavedJob,
  type SavedRun,
  type TestPoint,
} from "../io/types";
import { checkShapes } from "../io/weights";
import { restoreCheckpoint, takeCheckpoint } from "../train/checkpoint";
import { TrainingError } from "../train/trainer";
import { autoBackend } from "./auto-backend";
import { createJob } from "./jobs/index";
import type { Job } from "./jobs/job";
import type { FailureKind, FromWorker, SnapshotRequest, ToWorker } from "./protocol";
import { saveRun } from "./store";
import { warmUp } from "./warm-up";

const PROGRESS_MS = 100;
const TEST_MS = 250;
const SNAPSHOT_MS = 1000;
/** Evaluations wait at least this many times their own duration, so they take at most ~1/6 of the time. */
const EVAL_SPACING = 5;
const PERSIST_MS = 5000;
/** History kept for the chart and the saved run; longer runs are thinned to every other point. */
const MAX_POINTS = 4000;

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

let spec: JobSpec | null = null;
/** The stored run this job writes to (src/ui/store.ts). */
let runId = "";
let job: Job | null = null;
let backend: Backend | null = null;
let paused = true;
let looping = false;
let failed = false;
let history: History = { train: [], test: [] };
let snapshotRequest: SnapshotRequest = {};
let snapshotDue = true;
/** An export asked for while training: answered between two chunks, so every parameter is read at one step. */
let exportDue = false;
let deviceLostOnce = false;
/** The JIT is warmed once per built job, after its first step (src/ui/warm-up.ts). */
let warmDue = false;
/** The step a Step request stops at (then the run pauses), or null. */
let stopAt: number | null = null;

const step = () => (job ? Math.min(...job.runs.map((r) => r.trainer.step)) : 0);
const total = () => spec?.settings.steps ?? 0;

function thin<T>(a: T[]): T[] {
  return a.length > MAX_POINTS ? a.filter((_, i) => i % 2 === 0 || i === a.length - 1) : a;
}

async function build(s: JobSpec, restore?: SavedJob, onBackend?: Backend): Promise<void> {
  spec = s;
  failed = false;
  const selection = onBackend
    ? { backend: onBackend, reason: "continuing on the CPU after a failure" }
    : s.settings.backend === "auto"
      ? await autoBackend(s)
      : await createBackend(s.settings.backend);
  backend = selection.backend;
  warmDue = true;
  job = await createJob(s, backend);
  history = { train: [], test: [] };
  if (restore) {
    job.runs.forEach((r, i) => {
      const saved = restore.runs[i];
      if (!saved || saved.name !== r.name) throw new LoadError(`the saved run has no model '${r.name}'`);
      const shapes = r.trainer.model
        .namedParameters()
        .map(([n, v]) => [n, v.shape] as [string, readonly number[]]);
      const mismatch = checkShapes(saved, shapes);
      if (mismatch) throw new LoadError(mismatch);
      const cp = { step: restore.step, params: saved.params, state: saved.state, t: saved.t };
      restoreCheckpoint(cp, r.trainer.model, r.trainer.opt);
      r.trainer.step = Math.min(restore.step, total());
      r.trainer.checkpoint = null;
    });
    history = {
      train: restore.history.train.filter((p) => p.step < restore.step),
      test: restore.history.test.filter((p) => p.step < restore.step),
    };
  }
  post({
    type: "ready",
    info: { ...job.info, backend: backend.name, reason: selection.reason },
    step: step(),
    total: total(),
    history,
  });
}

class LoadError extends Error {
  override name = "LoadError";
}

/**
 * The job's state: fresh from the device, or each run's last checkpoint (after a failure, when the device may be
 * gone). A fresh read also becomes the runs' checkpoint, so a later failure loses at most the steps since then.
 */
async function current(fromCheckpoints = false): Promise<SavedJob> {
  const runs: SavedRun[] = [];
  for (const r of job!.runs) {
    let cp = r.trainer.checkpoint;
    if (!fromCheckpoints || !cp) {
      cp = await takeCheckpoint(r.trainer.step, r.trainer.model, r.trainer.opt);
      r.trainer.checkpoint = cp;
    }
    runs.push({ name: r.name, params: cp.params, state: cp.state, t: cp.t });
  }
  const at = fromCheckpoints ? Math.min(...job!.runs.map((r) => r.trainer.checkpoint?.step ?? 0)) : step();
  return { version: SAVED_JOB_VERSION, id: runId, spec: spec!, step: at, runs, history, savedAt: Date.now() };
}

async function persist(fromCheckpoints = false): Promise<void> {
  try {
    const saved = await current(fromCheckpoints);
    await saveRun(saved);
    post({ type: "persisted", step: saved.step });
  } catch (e) {
    // Persistence is a convenience: a full disk or a private window must not stop training.
    console.warn(`could not keep the run in IndexedDB: ${(e as Error).message}`);
  }
}

async function sendSnapshot(): Promise<void> {
  snapshotDue = false;
  post({ type: "snapshot", step: step(), snapshot: await job!.snapshot(snapshotRequest) });
}

async function loop(): Promise<void> {
  if (looping || !job) return;
  looping = true;
  /** Steps per second of training alone (sizes the chunks) and of the whole loop with evaluations (shown). */
  let trainRate = 0;
  let rate = 0;
  /** One step first: the first loss is posted after step 1 (compiling, warming up), not after a chunk of many. */
  let chunk = 1;
  let firstChunk = true;
  // The first chunk always posts (a worker's clock starts at 0 when it is created: "now - 0" may be under PROGRESS_MS).
  let lastPost = Number.NEGATIVE_INFINITY;
  let nextTest = 0;
  let nextSnap = performance.now() + SNAPSHOT_MS;
  let lastPersist = performance.now();
  let outTrain: LossPoint[] = [];
  let outTest: TestPoint[] = [];
  try {
    post({ type: "state", state: "running", step: step() });
    let iterationStart = performance.now();
    while (!paused && step() < total()) {
      const from = step();
      const target = Math.min(total(), from + chunk, stopAt ?? Infinity);
      const t0 = performance.now();
      const records = new Map<number, number[]>();
      for (const [i, r] of job.runs.entries()) {
        r.trainer.config.steps = target;
        await r.trainer.run({
          onStep: (rec) => {
            const row = records.get(rec.step) ?? new Array<number>(job!.runs.length).fill(Number.NaN);
            row[i] = rec.loss / r.lossDivisor;
            records.set(rec.step, row);
          },
        });
      }
      const points = [...records.entries()]
        .filter(([, v]) => v.every((x) => !Number.isNaN(x)))
        .map(([s, train]) => ({ step: s, train }));
      history.train.push(...points);
      outTrain.push(...points);
      const done = step() - from;
      const dt = performance.now() - t0;
      if (done > 0 && dt > 0 && !firstChunk) {
        // Chunks of about 100 ms of training alone, sized from the steps after the first (which compiles and warms
        // up, so it says little about the rest).
        const r = (1000 * done) / dt;
        trainRate = trainRate === 0 ? r : 0.7 * trainRate + 0.3 * r;
        chunk = Math.max(1, Math.min(500, Math.round(trainRate * 0.1)));
      }
      firstChunk = false;
      if (
        import.meta.env.DEV &&
        spec?.loseDeviceAt !== undefined &&
        !deviceLostOnce &&
        step() >= spec.loseDeviceAt
      ) {
        deviceLostOnce = true;
        const gpu = backend as unknown as { rt?: { device: GPUDevice } };
        gpu.rt?.device.destroy();
      }
      if (stopAt !== null && step() >= stopAt) {
        stopAt = null;
        paused = true;
      }
      const now = performance.now();
      const end = paused || step() >= total();
      if (end || now >= nextTest) {
        const p = { step: step() - 1, test: await job.testLoss() };
        history.test.push(p);
        outTest.push(p);
        nextTest = performance.now() + Math.max(TEST_MS, EVAL_SPACING * (performance.now() - now));
      }
      if (end || now - lastPost >= PROGRESS_MS) {
        lastPost = now;
        history = { train: thin(history.train), test: thin(history.test) };
        post({
          type: "progress",
          step: step(),
          total: total(),
          train: outTrain,
          test: outTest,
          stepsPerSecond: rate,
        });
        outTrain = [];
        outTest = [];
      }
      if (end || snapshotDue || now >= nextSnap) {
        const s0 = performance.now();
        await sendSnapshot();
        nextSnap = performance.now() + Math.max(SNAPSHOT_MS, EVAL_SPACING * (performance.now() - s0));
      }
      if (exportDue) {
        exportDue = false;
        post({ type: "exported", job: await current() });
      }
      if (end || now - lastPersist >= PERSIST_MS) {
        lastPersist = now;
        await persist();
      }
      // The rate shown (and the time left) counts the whole loop, evaluations included.
      const wall = performance.now() - iterationStart;
      iterationStart = performance.now();
      if (done > 0 && wall > 0) {
        const r = (1000 * done) / wall;
        rate = rate === 0 ? r : 0.8 * rate + 0.2 * r;
      }
      // After the first loss and snapshot are posted: in the interval the time left leaves out (time-left.ts).
      if (warmDue && !end) {
        warmDue = false;
        await warmUp(spec!, backend!, snapshotRequest, () => paused);
        // The evaluations' clocks start after it (the first ones were just taken), as does the rate's.
        iterationStart = performance.now();
        nextTest = iterationStart + TEST_MS;
        nextSnap = iterationStart + SNAPSHOT_MS;
        lastPersist = iterationStart;
      }
    }
    post({ type: "state", state: step() >= total() ? "done" : "paused", step: step() });
  } catch (e) {
    await fail(e);
  } finally {
    looping = false;
  }
  if (exportDue && job) {
    exportDue = false;
    post({ type: "exported", job: await current(failed) });
  }
}

async function fail(e: unknown): Promise<void> {
  failed = true;
  paused = true;
  const err = e as Error;
  let kind: FailureKind = "other";
  let at = step();
  if (e instanceof TrainingError) {
    kind = "nonfinite";
    at = e.step;
  } else if (e instanceof DeviceLostError) kind = "device-lost";
  else if (e instanceof LoadError) kind = "load";
  // Keep the last good state (each run's last checkpoint) so a reload resumes from it.
  if (job && kind !== "load" && job.runs.every((r) => r.trainer.checkpoint)) await persist(true);
  post({
    type: "failed",
    kind,
    message: `${err.name}: ${err.message}`,
    step: at,
    canContinueOnCpu: kind !== "load" && job !== null && job.runs.every((r) => r.trainer.checkpoint),
  });
}

async function continueOnCpu(): Promise<void> {
  if (!job || !spec) return;
  const from = await current(true);
  const cpuSpec: JobSpec = { ...spec, settings: { ...spec.settings, backend: "cpu" } };
  from.spec = cpuSpec;
  await build(cpuSpec, from, new CpuBackend());
  paused = false;
  void loop();
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case "start":
      runId = m.runId;
      try {
        await build(m.spec, m.restore);
      } catch (e) {
        await fail(e);
        return;
      }
      if (m.restore || m.paused) {
        await sendSnapshot();
        post({ type: "state", state: step() >= total() ? "done" : "paused", step: step() });
      } else {
        paused = false;
        void loop();
      }
      return;
    case "pause":
      paused = true;
      for (const r of job?.runs ?? []) r.trainer.stop();
      if (!looping && job && !failed) post({ type: "state", state: "paused", step: step() });
      return;
    case "step":
      if (failed || !job || looping || step() >= total()) return;
      stopAt = step() + 1;
      paused = false;
      void loop();
      return;
    case "resume":
      if (failed || !job) return;
      paused = false;
      void loop();
      return;
    case "snapshot":
      snapshotRequest = m.request;
      snapshotDue = true;
      if (!looping && job && !failed) await sendSnapshot();
      return;
    case "export":
      if (!job) return;
      if (looping) exportDue = true;
      else post({ type: "exported", job: await current(failed) });
      return;
    case "continue-cpu":
      try {
        await continueOnCpu();
      } catch (e) {
        await fail(e);
      }
      return;
  }
}

// Messages are handled one at a time, in order: a snapshot never runs inside another handler's await.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(e.data)).catch((err) => fail(err));
};

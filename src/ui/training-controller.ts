// TrainingController: the training loop as seen from a page element (a Lit ReactiveController). It owns the
// worker, turns its messages into state the host renders (run state, progress, loss columns for <wb-loss-chart>,
// the latest snapshot), pauses training while the tab is hidden, and restores a saved run from IndexedDB.
// The host calls start/pause/resume/reset/...; every state change requests a host update.

import type { ReactiveController, ReactiveControllerHost } from "lit";
import { sameRun } from "../io/stored-run";
import type { History, JobInfo, JobKind, JobSpec, SavedJob, TestPoint, TrainSettings } from "../io/types";
import type { SeedPoint } from "./loss-columns";
import type { Columns } from "./plot-base";
import type { FromWorker, SnapshotRequest, ToWorker } from "./protocol";
import { heldByOthers, openLockName, RunLock, trainingLockName } from "./run-locks";
import type { Snapshot } from "./snapshots";
import { deleteRun, deleteStored, loadRuns, newRunId, runKey, runPrefix, type UnreadableRun } from "./store";
import { RateTracker, runSummary } from "./time-left";
import type { PanelFailure, PanelState } from "./wb-trainer-panel";

const MAX_ROWS = 4000;

/** What tests and curious users can read from `window.__wb` on a training page. */
export interface PageProbe {
  state: PanelState;
  step: number;
  total: number;
  points: number;
  firstLoss: number | null;
  lastLoss: number | null;
  failure: PanelFailure | null;
  backend: string;
  /** Why that backend (auto's measured figures, a fallback's cause). */
  reason: string;
  snapshots: number;
  status: string;
  summary: string;
  /** The time-left estimate shown (seconds), null while there is none. */
  secondsLeft: number | null;
  /** The first progress message of the run: its step count and the steps of the losses it carried. */
  firstProgress: { step: number; lossSteps: number[] } | null;
  /** Snapshots recorded for the per-seed loss curves. */
  seedPoints: number;
  persistedStep: number;
}

declare global {
  interface Window {
    __wb?: PageProbe;
  }
}

export class TrainingController implements ReactiveController {
  state: PanelState = "idle";
  step = 0;
  total = 0;
  stepsPerSecond = 0;
  /** Seconds left at the current rate (time-left.ts), null while there is no estimate. */
  secondsLeft: number | null = null;
  /** What is happening now, in words ("building 8 seeds", "compiling kernels: first run only", ""). */
  status = "";
  /** When a run ends: steps, time and the whole run's average rate. */
  summary = "";
  info: JobInfo | null = null;
  spec: JobSpec | null = null;
  failure: PanelFailure | null = null;
  /** Why the last weights file (or saved run) could not be loaded. */
  loadError = "";
  snapshot: Snapshot | null = null;
  /** Steps of the run kept in IndexedDB (survives a reload). */
  persistedStep = 0;
  /** Stored runs of the page's model that failed their check: named on the page, with a delete button. */
  unreadable: UnreadableRun[] = [];
  /** Other tabs of this browser training the page's model now. */
  otherTabsTraining = 0;
  /** The stored run this tab writes (its IndexedDB key is runKey(kind, model, runId)). */
  runId: string | null = null;
  private model: string | null = null;
  private openLock: RunLock | null = null;
  private trainingLock: RunLock | null = null;
  private trainingLockPending = false;
  private watch: ReturnType<typeof setInterval> | undefined;
  /** [steps, train per run..., test per run...] for <wb-loss-chart>; a new outer array on every change. */
  lossData: Columns = [[]];
  /** Every snapshot's per-seed training MSE of each model (regression pages), for the loss chart. */
  seedPoints: SeedPoint[] = [];
  private snapshots = 0;
  private firstProgress: PageProbe["firstProgress"] = null;

  private worker: Worker | null = null;
  private autoPaused = false;
  /** Training time and steps counted between progress messages while running (start-up excluded). */
  private rates = new RateTracker();
  private startedAt = 0;
  private firstProgressAt = 0;
  private exportWaiter: ((j: SavedJob) => void) | null = null;
  private persistWaiter: (() => void) | null = null;
  private runs = 1;

  constructor(
    private readonly host: ReactiveControllerHost,
    readonly kind: JobKind,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener("visibilitychange", this.onVisibility);
    this.watch = setInterval(() => void this.checkOtherTabs(), 1000);
  }

  hostDisconnected(): void {
    document.removeEventListener("visibilitychange", this.onVisibility);
    clearInterval(this.watch);
    this.worker?.terminate();
    this.worker = null;
    this.releaseLocks();
  }

  private releaseLocks(): void {
    this.openLock?.release();
    this.openLock = null;
    this.trainingLock?.release();
    this.trainingLock = null;
  }

  /** How many other tabs hold a training lock on a run of the page's model. */
  private async checkOtherTabs(): Promise<void> {
    if (!this.model) return;
    const own = this.runId ? trainingLockName(runKey(this.kind, this.model, this.runId)) : null;
    const n = (await heldByOthers(trainingLockName(runPrefix(this.kind, this.model)), own)).length;
    if (n !== this.otherTabsTraining) {
      this.otherTabsTraining = n;
      this.host.requestUpdate();
    }
  }

  /** Hold the training lock while starting or running, so other tabs can tell. */
  private async syncTrainingLock(): Promise<void> {
    const training = this.state === "running" || this.state === "starting";
    if (!training) {
      this.trainingLock?.release();
      this.trainingLock = null;
      return;
    }
    if (this.trainingLock || this.trainingLockPending || !this.model || !this.runId) return;
    this.trainingLockPending = true;
    const name = trainingLockName(runKey(this.kind, this.model, this.runId));
    const lock = await RunLock.take(name).catch(() => null);
    this.trainingLockPending = false;
    const still =
      (this.state === "running" || this.state === "starting") && this.runId && name.endsWith(this.runId);
    if (lock && still) this.trainingLock = lock;
    else lock?.release();
  }

  /** Hidden tab: pause, and resume on return only if we were the ones who paused. */
  private onVisibility = () => {
    if (document.hidden && this.state === "running") {
      this.autoPaused = true;
      this.pause();
    } else if (!document.hidden && this.autoPaused) {
      this.autoPaused = false;
      if (this.state === "paused") this.resume();
    }
  };

  private send(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  /**
   * Train from fresh weights (running, or paused before step 1 with `paused`), or from `restore` (then paused at its
   * step). Replaces any current run: a run of this tab's that is replaced is forgotten in IndexedDB too. A stored run
   * restored here is passed with its lock.
   */
  start(spec: JobSpec, restore?: SavedJob, lock?: RunLock, paused = false): void {
    this.worker?.terminate();
    const previous = this.runId && this.model ? runKey(this.kind, this.model, this.runId) : null;
    this.releaseLocks();
    this.model = spec.model;
    this.runId = lock && restore?.id ? restore.id : newRunId();
    if (previous && previous !== runKey(this.kind, spec.model, this.runId)) void deleteStored(previous);
    if (lock) this.openLock = lock;
    else {
      const id = this.runId;
      void RunLock.take(openLockName(runKey(this.kind, spec.model, id))).then((l) => {
        if (this.runId === id) this.openLock = l;
        else l?.release();
      });
    }
    this.worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.onMessage(e.data);
    this.worker.onerror = (e) =>
      this.onFailure({ message: `the worker failed: ${e.message}`, canContinueOnCpu: false });
    this.spec = spec;
    this.state = "starting";
    this.failure = null;
    this.loadError = "";
    this.snapshot = null;
    this.step = restore?.step ?? 0;
    this.total = spec.settings.steps;
    this.stepsPerSecond = 0;
    this.info = null;
    // "Saved at step N" speaks of this run only: nothing until the worker keeps it (restoreSaved sets its step).
    this.persistedStep = 0;
    this.resetRate();
    const K = spec.settings.seeds;
    this.status = restore
      ? `restoring the run at step ${restore.step.toLocaleString("en")}`
      : `building ${K} seed${K === 1 ? "" : "s"} of ${spec.model} (backend: ${spec.settings.backend})`;
    this.setHistory({ train: [], test: [] }, 1);
    this.send({
      type: "start",
      spec,
      runId: this.runId,
      ...(restore ? { restore } : {}),
      ...(paused ? { paused } : {}),
    });
    this.changed();
  }

  pause(): void {
    if (this.state === "running") this.send({ type: "pause" });
  }

  /** One training step, then paused; from idle, `spec` is built first (fresh weights, paused at step 0). */
  stepOnce(spec: JobSpec): void {
    if (this.state === "idle" || this.state === "done" || !this.worker) {
      if (this.state === "done") return;
      this.start(spec, undefined, undefined, true);
    } else if (this.state !== "paused" && this.state !== "starting") return;
    this.send({ type: "step" });
  }

  private resetRate(): void {
    this.rates = new RateTracker();
    this.secondsLeft = null;
    this.firstProgress = null;
    this.startedAt = performance.now();
    this.firstProgressAt = 0;
    this.summary = "";
  }

  /** A progress message: the rates and the time left (time-left.ts). */
  private countProgress(m: Extract<FromWorker, { type: "progress" }>): void {
    const now = performance.now();
    if (!this.firstProgressAt) {
      this.firstProgressAt = now;
      this.firstProgress = { step: m.step, lossSteps: m.train.map((p) => p.step) };
    }
    this.rates.progress(now, m.step);
    // The tracker's rate once it has one; until then the worker's own (which counts its first chunk).
    this.stepsPerSecond = this.rates.rate || m.stepsPerSecond;
    this.secondsLeft = this.rates.secondsLeft(m.step, m.total);
  }

  /** The whole run's average rate (steps/s), once it has one. */
  get averageRate(): number {
    return this.rates.averageRate;
  }

  resume(): void {
    if (this.state === "paused") {
      this.state = "running";
      this.send({ type: "resume" });
      this.changed();
    }
  }

  /** Stop, forget the run (also in IndexedDB) and clear the charts. */
  async reset(): Promise<void> {
    this.worker?.terminate();
    this.worker = null;
    const model = this.spec?.model;
    const id = this.runId;
    this.releaseLocks();
    this.runId = null;
    this.state = "idle";
    this.step = 0;
    this.total = 0;
    this.stepsPerSecond = 0;
    this.secondsLeft = null;
    this.failure = null;
    this.snapshot = null;
    this.info = null;
    this.persistedStep = 0;
    this.status = "";
    this.summary = "";
    this.setHistory({ train: [], test: [] }, 1);
    this.changed();
    if (model && id) await deleteRun(this.kind, model, id);
  }

  /**
   * Resume the newest readable run kept in IndexedDB for this page and model that no other tab has open (with
   * `wanted`, only a run of exactly that spec: sameRun); false when there is none. Records that fail their check are
   * listed in `unreadable` and left alone.
   */
  async restoreSaved(model: string, wanted?: JobSpec): Promise<boolean> {
    this.model = model;
    const { runs, unreadable } = await loadRuns(this.kind, model);
    this.unreadable = unreadable;
    this.host.requestUpdate();
    for (const saved of runs) {
      if (wanted && !sameRun(saved.spec, wanted)) continue;
      const lock = await RunLock.take(openLockName(runKey(this.kind, model, saved.id))).catch(() => null);
      if (!lock) continue;
      if (this.model !== model) {
        lock.release();
        return false;
      }
      this.start(saved.spec, saved, lock);
      this.persistedStep = saved.step;
      return true;
    }
    return false;
  }

  /** Forget an unreadable stored run. */
  async deleteUnreadable(key: string): Promise<void> {
    await deleteStored(key);
    this.unreadable = this.unreadable.filter((u) => u.key !== key);
    this.host.requestUpdate();
  }

  /**
   * Stop the worker without forgetting the run (e.g. when the page switches model): a running run is paused first,
   * which keeps it in IndexedDB, and the worker stops once it says so (or after 3 s).
   */
  async detach(): Promise<void> {
    if (this.worker && this.state === "running") {
      const kept = new Promise<void>((resolve) => {
        this.persistWaiter = resolve;
        setTimeout(resolve, 3000);
      });
      this.send({ type: "pause" });
      await kept;
      this.persistWaiter = null;
    }
    this.worker?.terminate();
    this.worker = null;
    this.releaseLocks();
    this.runId = null;
    this.unreadable = [];
    this.otherTabsTraining = 0;
    this.state = "idle";
    this.spec = null;
    this.snapshot = null;
    this.info = null;
    this.step = 0;
    this.total = 0;
    this.secondsLeft = null;
    this.status = "";
    this.summary = "";
    this.persistedStep = 0;
    this.setHistory({ train: [], test: [] }, 1);
    this.changed();
  }

  requestSnapshot(request: SnapshotRequest): void {
    this.send({ type: "snapshot", request });
  }

  continueOnCpu(): void {
    this.failure = null;
    this.state = "starting";
    this.send({ type: "continue-cpu" });
    this.changed();
  }

  /** Whether a run is built (training, paused, done or failed), so exportRun has weights to give. */
  get hasRun(): boolean {
    return this.worker !== null && this.state !== "starting";
  }

  /** The current weights (and optimizer state) as the worker holds them. */
  exportRun(): Promise<SavedJob> {
    if (!this.worker) return Promise.reject(new Error("nothing is trained yet"));
    return new Promise((resolve) => {
      this.exportWaiter = resolve;
      this.send({ type: "export" });
    });
  }

  private onFailure(f: PanelFailure): void {
    this.failure = f;
    this.status = "";
    this.state = "failed";
    this.changed();
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case "ready":
        this.info = m.info;
        this.step = m.step;
        this.total = m.total;
        this.setHistory(m.history, m.info.runs.length);
        if (this.state === "starting")
          this.status =
            m.info.backend === "webgpu"
              ? `compiling kernels and taking step ${(m.step + 1).toLocaleString("en")}: the first run takes longest`
              : `taking step ${(m.step + 1).toLocaleString("en")} on the ${m.info.backend}`;
        break;
      case "progress":
        this.step = m.step;
        this.total = m.total;
        this.countProgress(m);
        this.status = "";
        this.append(m.train, m.test);
        break;
      case "snapshot": {
        const snap = m.snapshot as Snapshot;
        this.snapshot = snap;
        this.snapshots++;
        const views = snap.kind === "grain" ? [snap.view] : snap.kind === "experts" ? snap.views : [];
        const last = this.seedPoints[this.seedPoints.length - 1];
        if (views.length && m.step > 0 && (!last || last.step < m.step - 1)) {
          this.seedPoints = [
            ...this.seedPoints,
            {
              step: m.step - 1,
              runs: views.map((v) => ({
                shown: v.shown,
                seeds: v.seeds.map((r) => ({ index: r.index, seed: r.seed, train: r.train })),
              })),
            },
          ];
        } else if (views.length && last && last.step === m.step - 1) {
          // Another seed asked for at the same step: the same losses, a new seed shown.
          last.runs.forEach((r, i) => {
            r.shown = views[i]?.shown ?? r.shown;
          });
          this.seedPoints = [...this.seedPoints];
        }
        break;
      }
      case "state":
        this.state = m.state;
        this.step = m.step;
        if (m.state !== "running") {
          this.rates.stop();
          this.secondsLeft = null;
        }
        if (m.state === "done") this.summary = this.endSummary();
        if (m.state === "paused" && this.status.startsWith("restoring")) this.status = "";
        break;
      case "failed":
        if (m.kind === "load") {
          // Weights that do not fit the model: nothing was trained, so go back to idle with the reason.
          this.worker?.terminate();
          this.worker = null;
          this.state = "idle";
          this.loadError = m.message;
          break;
        }
        this.onFailure({ message: m.message, canContinueOnCpu: m.canContinueOnCpu });
        return;
      case "exported":
        this.exportWaiter?.(m.job);
        this.exportWaiter = null;
        return;
      case "persisted":
        this.persistedStep = m.step;
        this.persistWaiter?.();
        break;
    }
    this.changed();
  }

  private endSummary(): string {
    const start = this.firstProgressAt ? (this.firstProgressAt - this.startedAt) / 1000 : 0;
    return runSummary(this.step, this.rates, start);
  }

  // ---- loss columns ----

  private xs: number[] = [];
  private cols: (number | null)[][] = [];

  private setHistory(h: History, runs: number): void {
    this.runs = runs;
    this.seedPoints = [];
    this.xs = [];
    this.cols = Array.from({ length: 2 * runs }, () => []);
    this.append(h.train, h.test);
  }

  private append(train: History["train"], test: TestPoint[]): void {
    for (const p of train) {
      this.xs.push(p.step);
      p.train.forEach((v, i) => {
        this.cols[i]?.push(v);
      });
      for (let i = this.runs; i < 2 * this.runs; i++) this.cols[i]!.push(null);
    }
    for (const p of test) {
      // A held-out loss belongs to the last training step before it was measured.
      let row = this.xs.length - 1;
      while (row >= 0 && this.xs[row]! > p.step) row--;
      if (row < 0 || this.xs[row] !== p.step) continue;
      p.test.forEach((v, i) => {
        this.cols[this.runs + i]![row] = v;
      });
    }
    if (this.xs.length > MAX_ROWS) {
      // Thin to every other row, keeping every row that holds a held-out loss.
      const keep = this.xs.map(
        (_, r) => r % 2 === 0 || this.cols.slice(this.runs).some((c) => c[r] !== null),
      );
      this.xs = this.xs.filter((_, r) => keep[r]);
      this.cols = this.cols.map((c) => c.filter((_, r) => keep[r]));
    }
    this.lossData = [this.xs, ...this.cols];
  }

  private changed(): void {
    void this.syncTrainingLock();
    const train0 = this.cols[0] ?? [];
    if (import.meta.env.DEV)
      window.__wb = {
        state: this.state,
        step: this.step,
        total: this.total,
        points: this.xs.length,
        firstLoss: (train0[0] as number | undefined) ?? null,
        lastLoss: (train0[train0.length - 1] as number | undefined) ?? null,
        failure: this.failure,
        backend: this.info?.backend ?? "",
        reason: this.info?.reason ?? "",
        snapshots: this.snapshots,
        status: this.status,
        summary: this.summary,
        secondsLeft: this.secondsLeft,
        firstProgress: this.firstProgress,
        seedPoints: this.seedPoints.length,
        persistedStep: this.persistedStep,
      };
    this.host.requestUpdate();
  }

  /** Settings of the current run, if any. */
  get settings(): TrainSettings | null {
    return this.spec?.settings ?? null;
  }
}

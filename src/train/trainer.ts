// The training loop (no DOM): forward, backward, optimizer step, with
// - the loss and gradient norm read back asynchronously every `readEvery` steps, so the GPU never waits for the page;
// - a non-finite loss or gradient stopping training with an error that names the step, while the optimizer's
//   on-device guard has already left the parameters at their last finite values;
// - checkpoints every `checkpointEvery` steps, from which training resumes on a new device or on the CPU when the
//   GPU device is lost.

import { Context, type Variable } from "../autograd/variable";
import type { Backend, Tensor } from "../backend/contract";
import { DeviceLostError } from "../gpu/errors";
import type { Module } from "../nn/module";
import { checkOptimizerConfig, Optimizer, type OptimizerConfig } from "../nn/optim";
import { type Schedule, scheduledLr } from "../nn/schedule";
import { type Checkpoint, restoreCheckpoint, takeCheckpoint } from "./checkpoint";

export interface TrainTask<M extends Module> {
  /**
   * Build the model with its seeded initial parameters on `ctx`. A model that must read tensors to be built (the
   * batched many-seeds model stacks K models' weights) returns a promise: create its trainer with `Trainer.create`.
   */
  build(ctx: Context): M | Promise<M>;
  /** The loss of training step `step` (which batch is a function of the step, so a resumed run repeats it). */
  loss(model: M, ctx: Context, step: number): Variable;
}

export interface TrainConfig {
  steps: number;
  optimizer: OptimizerConfig;
  schedule?: Schedule;
  /** Read loss and gradient norm back every this many steps (default 1). */
  readEvery?: number;
  /** Keep a checkpoint every this many steps (default 50): at most this many steps are lost with a device. */
  checkpointEvery?: number;
  /**
   * The step, on the schedule and in the task's batches, of this run's first step (default 0): a run that goes on
   * from weights saved at step k passes k, and its steps take the rates and batches of steps k, k + 1, ...
   */
  firstStep?: number;
}

export interface StepRecord {
  step: number;
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export class TrainingError extends Error {
  override name = "TrainingError";
  constructor(
    message: string,
    readonly step: number,
  ) {
    super(message);
  }
}

export function checkTrainConfig(c: TrainConfig): void {
  const int = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
      throw new TrainingError(`training: ${name} must be an integer >= ${min}, got ${v}`, 0);
    }
  };
  int("steps", c.steps, 0);
  int("readEvery", c.readEvery, 1);
  int("checkpointEvery", c.checkpointEvery, 1);
  int("firstStep", c.firstStep, 0);
  checkOptimizerConfig(c.optimizer);
}

export interface RunHooks {
  onStep?: (r: StepRecord) => void;
  /** Called when the device is lost: return the backend to continue on (a new WebGPU device, or the CPU). */
  recover?: (error: DeviceLostError) => Promise<Backend>;
  onRecover?: (info: { fromStep: number; toStep: number; backend: Backend; reason: string }) => void;
}

export class Trainer<M extends Module> {
  // The context, model and optimizer of the current backend: replaced only when training resumes on a new one.
  private current: { ctx: Context; model: M; opt: Optimizer };
  /** Steps completed. */
  step = 0;
  readonly history: StepRecord[] = [];
  checkpoint: Checkpoint | null = null;
  private stopRequested = false;

  /**
   * A trainer of `task`'s model, built here on a new context; or, with `built`, of the model already built on its
   * context (what `Trainer.create` passes for a task that builds asynchronously).
   */
  constructor(
    backend: Backend,
    readonly task: TrainTask<M>,
    readonly config: TrainConfig,
    built?: { ctx: Context; model: M },
  ) {
    checkTrainConfig(config);
    let ctx: Context;
    let model: M;
    if (built) ({ ctx, model } = built);
    else {
      ctx = new Context(backend);
      const m = task.build(ctx);
      if (m instanceof Promise)
        throw new Error("Trainer: this task builds asynchronously: use Trainer.create");
      model = m;
    }
    this.current = { ctx, model, opt: new Optimizer(model.parameters(), config.optimizer) };
  }

  get ctx(): Context {
    return this.current.ctx;
  }

  get model(): M {
    return this.current.model;
  }

  get opt(): Optimizer {
    return this.current.opt;
  }

  /** Build the task's model (awaiting it if need be) and a trainer of it, on `backend`. */
  static async create<M extends Module>(
    backend: Backend,
    task: TrainTask<M>,
    config: TrainConfig,
  ): Promise<Trainer<M>> {
    checkTrainConfig(config);
    const ctx = new Context(backend);
    const model = await task.build(ctx);
    return new Trainer(backend, task, config, { ctx, model });
  }

  get backend(): Backend {
    return this.ctx.backend;
  }

  /** Ask a running `run` to stop after the current step. */
  stop(): void {
    this.stopRequested = true;
  }

  /** Train until `config.steps` steps are done (or `stop()`); resumable by calling again. */
  async run(hooks: RunHooks = {}): Promise<void> {
    this.stopRequested = false;
    for (;;) {
      try {
        this.checkpoint ??= await takeCheckpoint(this.step, this.model, this.opt);
        await this.loop(hooks);
        return;
      } catch (e) {
        if (!(e instanceof DeviceLostError) || !hooks.recover) throw e;
        await this.resume(await hooks.recover(e), e.message, hooks);
      }
    }
  }

  private async loop(hooks: RunHooks): Promise<void> {
    const { steps, readEvery = 1, checkpointEvery = 50 } = this.config;
    let pending: Promise<StepRecord>[] = [];
    const drain = async () => {
      const records = await Promise.all(pending);
      pending = [];
      for (const r of records) {
        if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
          const what = Number.isFinite(r.loss) ? `gradient norm ${r.gradNorm}` : `loss ${r.loss}`;
          throw new TrainingError(
            `training stopped at step ${r.step}: ${what} is not finite; the parameters keep their last finite values`,
            r.step,
          );
        }
        this.history.push(r);
        hooks.onStep?.(r);
      }
    };
    while (this.step < steps && !this.stopRequested) {
      const s = this.step;
      const at = s + (this.config.firstStep ?? 0);
      const lr = scheduledLr(this.config.optimizer.lr, this.config.schedule ?? { kind: "constant" }, at);
      const loss = this.task.loss(this.model, this.ctx, at);
      loss.backward();
      const sumSq = this.opt.step(lr);
      const read = s % readEvery === 0 || s === steps - 1;
      if (read) {
        const record = this.readRecord(s, loss, sumSq);
        // When an earlier read fails (a lost device), the later ones must not reject unhandled.
        record.catch(() => {});
        pending.push(record);
      } else sumSq.dispose();
      this.model.zeroGrad();
      this.ctx.endStep();
      this.step = s + 1;
      // Let the device run up to two read intervals ahead of the page before waiting for a readback.
      if (read && pending.length >= 2) await drain();
      if (this.step % checkpointEvery === 0)
        this.checkpoint = await takeCheckpoint(this.step, this.model, this.opt);
    }
    await drain();
  }

  private async readRecord(step: number, loss: Variable, sumSq: Tensor): Promise<StepRecord> {
    const be = this.backend;
    // Copy the loss: the step's tape (and the loss with it) is freed before this read completes.
    const copy = be.affine(loss.value, 1, 0);
    try {
      const [l, n] = await Promise.all([be.read(copy), be.read(sumSq)]);
      return { step, loss: l[0]!, gradNorm: Math.sqrt(n[0]!) };
    } finally {
      copy.dispose();
      sumSq.dispose();
    }
  }

  /**
   * Rebuild on `backend` from the last checkpoint: what `run` does on a lost device, and what a caller does that
   * meets one between runs (an evaluation of `model`).
   */
  async resume(backend: Backend, reason: string, hooks: RunHooks): Promise<void> {
    const cp = this.checkpoint;
    if (!cp) throw new TrainingError(`device lost before the first checkpoint: ${reason}`, this.step);
    const fromStep = this.step;
    const ctx = new Context(backend);
    const model = await this.task.build(ctx);
    this.current = { ctx, model, opt: new Optimizer(model.parameters(), this.config.optimizer) };
    restoreCheckpoint(cp, this.model, this.opt);
    this.step = cp.step;
    while (this.history.length && this.history[this.history.length - 1]!.step >= cp.step) this.history.pop();
    hooks.onRecover?.({ fromStep, toStep: cp.step, backend, reason });
  }
}

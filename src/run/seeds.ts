// K seeds of one regression model (a grain stage or an experts model) under one Trainer: what the training worker,
// the command-line trainer and the many-seeds tests all train.
// - A model the many-seeds code can batch (models/batched.ts: line, plane, poly, the ReLU nets, the attention
//   mixtures) trains as one BatchedRegression: one set of dispatches for all K, parameters "w0", "w1", … with the
//   seeds on the leading axis [K, in+1, out].
// - The switch model cannot be batched: its K seeds are a bank of K models, children "0", "1", …, whose loss is the
//   sum of theirs (K times the dispatches).
// Either way the loss is a sum over seeds whose gradient for seed k is seed k's own, so with clipNorm = Infinity the
// seeds train independently; a global-norm clip would couple them and is refused.

import * as op from "../autograd/ops";
import { Context, type Variable } from "../autograd/variable";
import type { Backend } from "../backend/contract";
import type { RegressionData } from "../data/regression";
import { BatchedRegression, withOnes } from "../models/batched";
import { FEATURE_MAPS, featurize, type RegressionModel, regressionBatch } from "../models/regression";
import { SwitchModel } from "../models/switch";
import { Module } from "../nn/module";
import { type TrainConfig, Trainer } from "../train/trainer";

/** Receives each step's per-seed losses: one [K] vector (batched), or K scalars (a bank). */
export type LossCapture = (step: number, perSeed: Variable[]) => void;

export interface SeedTrainerConfig {
  /** One seed's model (its initial weights depend only on the seed). */
  build: (ctx: Context, seed: number) => RegressionModel;
  seeds: readonly number[];
  /** The training split: every step sees all of it. */
  train: RegressionData;
  /** clipNorm must be Infinity (or left out). */
  config: TrainConfig;
  onLosses?: LossCapture;
}

/** K models under one module, children "0", "1", …; the loss is the sum of theirs. */
export class RegressionBank extends Module {
  readonly models: RegressionModel[];
  constructor(ctx: Context, build: SeedTrainerConfig["build"], seeds: readonly number[]) {
    super(ctx);
    this.models = seeds.map((s, k) => this.child(String(k), build(ctx, s)));
  }

  /** Each model's training objective on `d` (the switch's adds a cross-entropy on the grain labels). */
  losses(d: RegressionData): Variable[] {
    return this.models.map((m) => {
      const { x, y, labels } = regressionBatch(this.ctx, m, d);
      return m.loss(x, y, labels);
    });
  }
}

export class SeedTrainer {
  private constructor(
    readonly trainer: Trainer<Module>,
    readonly seeds: readonly number[],
    readonly paramsPerSeed: number,
    /** Gates per row: experts of a mixture, grains of the switch; 0 for the others. */
    readonly gateCount: number,
    /** What the gates are: the mixture's attention weights, or the switch's classifier probabilities. */
    readonly gateKind: "attention" | "classifier" | null,
  ) {}

  static async create(backend: Backend, c: SeedTrainerConfig): Promise<SeedTrainer> {
    const { build, seeds, train, config, onLosses } = c;
    const clip = config.optimizer.clipNorm ?? Infinity;
    if (clip !== Infinity)
      throw new Error(`K seeds: clipNorm must be Infinity (a global norm couples the seeds), got ${clip}`);
    if (seeds.length === 0) throw new Error("K seeds: no seeds");
    const probe = build(new Context(backend), seeds[0]!);
    const paramsPerSeed = probe.parameterCount();
    const plan = probe.plan();
    for (const p of probe.parameters()) p.free();

    if (plan) {
      const trainer = await Trainer.create<Module>(
        backend,
        {
          build: async (ctx) => {
            // Each seed's model is built only to read its initial weights.
            const scratch = new Context(ctx.backend);
            const inits = seeds.map((s) => build(scratch, s));
            const model = await BatchedRegression.fromModels(ctx, inits);
            for (const m of inits) for (const p of m.parameters()) p.free();
            return model;
          },
          loss: (m, _ctx, step) => {
            const { perSeed, total } = (m as BatchedRegression).losses(train);
            onLosses?.(step, [perSeed]);
            return total;
          },
        },
        config,
      );
      const mixture = plan.kind === "mixture";
      return new SeedTrainer(
        trainer,
        seeds,
        paramsPerSeed,
        mixture ? plan.values.outFeatures : 0,
        mixture ? "attention" : null,
      );
    }
    const trainer = await Trainer.create<Module>(
      backend,
      {
        build: (ctx) => new RegressionBank(ctx, build, seeds),
        loss: (m, _ctx, step) => {
          const losses = (m as RegressionBank).losses(train);
          onLosses?.(step, losses);
          return losses.reduce((a, b) => op.add(a, b));
        },
      },
      config,
    );
    const sw = probe instanceof SwitchModel;
    return new SeedTrainer(trainer, seeds, paramsPerSeed, sw ? probe.grains : 0, sw ? "classifier" : null);
  }

  get K(): number {
    return this.seeds.length;
  }

  get ctx(): Context {
    return this.trainer.ctx;
  }

  /** The batched model, or null when the seeds train as a bank. */
  get batched(): BatchedRegression | null {
    return this.trainer.model instanceof BatchedRegression ? this.trainer.model : null;
  }

  /** The bank of K models, or null when the seeds train batched. */
  get bank(): RegressionBank | null {
    return this.trainer.model instanceof RegressionBank ? this.trainer.model : null;
  }

  /** Runs `fn` without a graph, reads what it returns, and frees the step's tensors. */
  private async evalRead(fn: () => Variable[]): Promise<Float32Array[]> {
    try {
      const vs = this.ctx.noGrad(fn);
      return await Promise.all(vs.map((v) => v.read()));
    } finally {
      this.ctx.endStep();
    }
  }

  private batchedInput(b: BatchedRegression, d: RegressionData): Variable {
    const F = FEATURE_MAPS[b.features].names.length;
    return this.ctx.constant(withOnes(featurize(b.features, d), d.n, F), [d.n, F + 1]);
  }

  /** Mean squared error of every seed's predictions on `d` [K]. */
  async perSeedLoss(d: RegressionData): Promise<Float32Array> {
    const b = this.batched;
    if (b) return b.evaluate(d);
    const preds = await this.predict(d);
    return Float32Array.from(preds, (p) => {
      let s = 0;
      for (let i = 0; i < d.n; i++) s += (p[i]! - d.targets[i]!) ** 2;
      return s / Math.max(1, d.n);
    });
  }

  /** Predictions of every seed on `d`: K arrays of n. */
  async predict(d: RegressionData): Promise<Float32Array[]> {
    const b = this.batched;
    if (b) {
      const [all] = await this.evalRead(() => [b.predict(this.batchedInput(b, d))]); // (K, n)
      return Array.from({ length: this.K }, (_, k) => all!.slice(k * d.n, (k + 1) * d.n));
    }
    const bank = this.bank!;
    return this.evalRead(() => bank.models.map((m) => m.predict(regressionBatch(this.ctx, m, d).x)));
  }

  /** Gate weights per row of seed k [n·E]: the mixture's softmax(s), or the switch classifier's p. */
  async gates(d: RegressionData, k: number): Promise<Float32Array | null> {
    if (this.gateCount === 0) return null;
    const b = this.batched;
    if (b) {
      const [all] = await this.evalRead(() => [b.attentionWeights(this.batchedInput(b, d))]); // (K, n, E)
      const E = this.gateCount;
      return all!.slice(k * d.n * E, (k + 1) * d.n * E);
    }
    const m = this.bank!.models[k] as SwitchModel;
    const [p] = await this.evalRead(() => [m.parts(regressionBatch(this.ctx, m, d).x).p]);
    return p!;
  }
}

/** Mean of each row's gate weights w [n, E] over the rows of label `label` in `d` (zeros when it has none). */
export function meanGates(w: Float32Array, E: number, d: RegressionData, label: number): number[] {
  const sum = new Array<number>(E).fill(0);
  let n = 0;
  for (let i = 0; i < d.n; i++) {
    if (d.labels[i] !== label) continue;
    for (let e = 0; e < E; e++) sum[e]! += w[i * E + e]!;
    n++;
  }
  return sum.map((s) => s / Math.max(1, n));
}

/**
 * Per-seed losses of chosen steps, read without stalling the device: `capture` copies the step's losses (its tape
 * is freed before the reads complete) and reads them in the background; `rows()` waits for every read.
 */
export class LossRecorder {
  private readonly perStep: number[][] = [];
  private readonly reads: Promise<void>[] = [];
  private error: unknown = null;

  constructor(
    private readonly backend: Backend,
    /** Which steps to record (default: every one). */
    private readonly when: (step: number) => boolean = () => true,
  ) {}

  readonly capture: LossCapture = (step, vars) => {
    if (!this.when(step)) return;
    const be = this.backend;
    const copies = vars.map((v) => be.affine(v.value, 1, 0));
    this.reads.push(
      Promise.all(copies.map((c) => be.read(c)))
        .then((arrays) => {
          this.perStep[step] = arrays.flatMap((a) => Array.from(a));
        })
        .catch((e) => {
          this.error ??= e;
        })
        .finally(() => {
          for (const c of copies) c.dispose();
        }),
    );
  };

  /** Every recorded step's per-seed losses, indexed by step (unrecorded steps are holes). */
  async rows(): Promise<number[][]> {
    await Promise.all(this.reads);
    if (this.error) throw this.error;
    return this.perStep;
  }
}

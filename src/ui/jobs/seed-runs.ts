// K seeds of one regression model trained at once under the Trainer (checkpoints, non-finite guard), with what the
// pages read from it: per-seed losses, predictions, gate weights (attention or classifier) and equations.
//
// Models the many-seeds code can batch (models/batched.ts: line, plane, poly, the ReLU nets, the attention
// mixtures) train as one BatchedRegression: one set of dispatches for all K. The switch model cannot be batched;
// its K seeds are K models under one module whose loss is the sum of theirs (K times the dispatches).
//
// BatchedRegression is built asynchronously (it reads the K initial models' weights) while TrainTask.build is
// synchronous, so the Trainer gets the prebuilt model and is pointed at the model's own Context, whose tape its
// loop then frees each step. Device-loss recovery is done by the worker (rebuild from the last checkpoint), not by
// the Trainer's recover hook, which would call build() again.

import * as op from "../../autograd/ops";
import { Context, type Variable } from "../../autograd/variable";
import type { Backend } from "../../backend/contract";
import type { RegressionData } from "../../data/regression";
import { BatchedRegression, withOnes } from "../../models/batched";
import { FEATURE_MAPS, featurize, type RegressionModel, regressionBatch } from "../../models/regression";
import { SwitchModel } from "../../models/switch";
import { Module } from "../../nn/module";
import type { OptimizerConfig } from "../../nn/optim";
import type { Schedule } from "../../nn/schedule";
import { Trainer } from "../../train/trainer";
import { chainEquations, layerEquations, linearTerms, mixtureEquations } from "./equations";

export interface SeedRunConfig {
  name: string;
  build: (ctx: Context, seed: number) => RegressionModel;
  seeds: number[];
  train: RegressionData;
  steps: number;
  optimizer: OptimizerConfig;
  schedule?: Schedule;
  /** Display names of the two raw inputs (grain: x, z; experts: x, s). */
  inputNames: [string, string];
}

/** Sums K independent models' losses: the non-batchable models' many-seeds form. */
class SeedBank extends Module {
  readonly models: RegressionModel[];
  constructor(ctx: Context, build: (ctx: Context, seed: number) => RegressionModel, seeds: number[]) {
    super(ctx);
    this.models = seeds.map((s, k) => this.child(String(k), build(ctx, s)));
  }
  loss(d: RegressionData): Variable {
    const losses = this.models.map((m) => {
      const { x, y, labels } = regressionBatch(this.ctx, m, d);
      return m.loss(x, y, labels);
    });
    return losses.reduce((a, b) => op.add(a, b));
  }
}

export class SeedRun {
  private constructor(
    readonly config: SeedRunConfig,
    readonly trainer: Trainer<Module>,
    readonly paramsPerSeed: number,
    /** Gates per row: experts of a mixture, grains of the switch; 0 for the others. */
    readonly gateCount: number,
    /** What the gates are: the mixture's attention weights, or the switch's classifier probabilities. */
    readonly gateKind: "attention" | "classifier" | null,
  ) {}

  get K(): number {
    return this.config.seeds.length;
  }

  get ctx(): Context {
    return this.trainer.ctx;
  }

  static async create(backend: Backend, config: SeedRunConfig): Promise<SeedRun> {
    const { seeds, train, steps, optimizer } = config;
    const cfg = {
      steps,
      optimizer: { ...optimizer, clipNorm: Infinity },
      readEvery: 1,
      checkpointEvery: 100,
    };
    const probe = config.build(new Context(backend), seeds[0]!);
    const paramsPerSeed = probe.parameterCount();
    for (const p of probe.parameters()) p.free();
    const plan = probe.plan();
    if (plan) {
      const ctx = new Context(backend);
      const scratch = new Context(backend);
      const inits = seeds.map((s) => config.build(scratch, s));
      const model = await BatchedRegression.fromModels(ctx, inits);
      for (const m of inits) for (const p of m.parameters()) p.free();
      const trainer = new Trainer<Module>(
        backend,
        { build: () => model, loss: () => model.losses(train).total },
        cfg,
      );
      trainer.ctx = ctx;
      const mixture = plan.kind === "mixture";
      return new SeedRun(
        config,
        trainer,
        paramsPerSeed,
        mixture ? plan.values.outFeatures : 0,
        mixture ? "attention" : null,
      );
    }
    const trainer = new Trainer<Module>(
      backend,
      { build: (ctx) => new SeedBank(ctx, config.build, seeds), loss: (m) => (m as SeedBank).loss(train) },
      cfg,
    );
    const sw = probe instanceof SwitchModel;
    return new SeedRun(config, trainer, paramsPerSeed, sw ? probe.grains : 0, sw ? "classifier" : null);
  }

  private get batched(): BatchedRegression | null {
    return this.trainer.model instanceof BatchedRegression ? this.trainer.model : null;
  }

  private get bank(): SeedBank {
    return this.trainer.model as SeedBank;
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

  /** Mean squared error of every seed on `d` [K]. */
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
    return this.evalRead(() => this.bank.models.map((m) => m.predict(regressionBatch(this.ctx, m, d).x)));
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
    const m = this.bank.models[k] as SwitchModel;
    const [p] = await this.evalRead(() => [m.parts(regressionBatch(this.ctx, m, d).x).p]);
    return p!;
  }

  /** The learned equations of seed k. */
  async equations(k: number): Promise<string[]> {
    const [a, b] = this.config.inputNames;
    const b_ = this.batched;
    if (b_) {
      const mats = await Promise.all(b_.weights.map((w) => w.read()));
      const slices = b_.weights.map((w, i) => {
        const [, I1, O] = w.shape as [number, number, number];
        return { W: mats[i]!.subarray(k * I1 * O, (k + 1) * I1 * O), out: O };
      });
      const names = FEATURE_MAPS[b_.features].names.map((n) => n.replace("x", a).replace("z", b));
      if (b_.kind === "mixture") return mixtureEquations(slices[0]!.W, slices[1]!.W, names, slices[0]!.out);
      return chainEquations(slices, names);
    }
    const m = this.bank.models[k] as SwitchModel;
    const G = m.grains;
    const read = (v: Variable | null) => (v ? v.read() : Promise.resolve(new Float32Array(G)));
    const [cw, cb, sw, gw, gb] = await Promise.all([
      read(m.classifier.weight),
      read(m.classifier.bias),
      read(m.slope.weight),
      read(m.gate.weight),
      read(m.gate.bias),
    ]);
    // The classifier and the gate are stored x·W (W [in, out]); fold their biases in as a last row for layerEquations.
    const fold = (W: Float32Array, bias: Float32Array) => Float32Array.from([...W, ...bias]);
    const pNames = Array.from({ length: G }, (_, j) => `·p${j + 1}`);
    return [
      ...layerEquations(fold(cw!, cb!), [b], G, (j) => `c${j + 1}`),
      `p = softmax(c)`,
      ...Array.from({ length: G }, (_, j) => {
        const gate = Array.from({ length: G }, (_, i) => gw![i * G + j]!);
        return `h${j + 1} = relu(${linearTerms([a, ...pNames], [sw![j]!, ...gate], gb![j]!)})`;
      }),
      `y = ${Array.from({ length: G }, (_, j) => `h${j + 1}`).join(" + ")}`,
    ];
  }
}

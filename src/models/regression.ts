// The small regression models of the grain and five-experts stages. Each reads a row of features computed on the
// CPU from the raw inputs (x, z) — or (x, s) for the experts — and predicts one number per row.
//
//   model              features    network                                   parameters
//   line               x           y = a·x + b                               2
//   plane              x, z        y = a·x + b·z + c                         3
//   poly               x·z, x      y = p·(x·z) + q·x + b                     3
//   relu2 / relu10     x, z        ReLU MLP 2→2→1 / 2→10→1                   9 / 41
//   experts-relu7      x, s        ReLU MLP 2→7→1                            29
//   experts-relu43     x, s        ReLU MLP 2→4→3→1                          31
//   grain-attention    x, z        Σᵢ softmax(S·[x,z,1])ᵢ·(V·[x,z,1])ᵢ, 3     18
//   experts-attention  x, s        the same with 5 experts                   30
//
// The polynomial's product x·z is a precomputed feature (computed with the inputs, before the graph), not a
// product of graph columns: the inputs need no gradient, so the two are the same model, and the feature keeps
// poly a plain linear layer that the many-seeds trainer batches like any other.

import * as op from "../autograd/ops";
import type { Context, Variable } from "../autograd/variable";
import type { RegressionData } from "../data/regression";
import { AttentionMixture } from "../nn/attention";
import { Linear, MLP } from "../nn/layers";
import { Module } from "../nn/module";
import { Rng } from "../util/rng";

/** How a model turns a raw input row (a, b) = (x, z) or (x, s) into its features. */
export type FeatureMap = "x" | "xz" | "poly";

export const FEATURE_MAPS: Record<
  FeatureMap,
  { names: readonly string[]; row: (a: number, b: number) => number[] }
> = {
  x: { names: ["x"], row: (a) => [a] },
  xz: { names: ["x", "z"], row: (a, b) => [a, b] },
  poly: { names: ["x·z", "x"], row: (a, b) => [a * b, a] },
};

/** Features [n, F] of a data set, row-major. */
export function featurize(map: FeatureMap, d: RegressionData): Float32Array {
  const f = FEATURE_MAPS[map];
  const F = f.names.length;
  const out = new Float32Array(d.n * F);
  for (let i = 0; i < d.n; i++) out.set(f.row(d.inputs[2 * i]!, d.inputs[2 * i + 1]!), i * F);
  return out;
}

/** The layers of a model in the form the many-seeds trainer batches (see batched.ts). */
export type LayerPlan =
  | { kind: "chain"; layers: Linear[] } // Linear, ReLU, Linear, ... (no activation after the last)
  | { kind: "mixture"; values: Linear; scores: Linear };

export abstract class RegressionModel extends Module {
  abstract readonly features: FeatureMap;
  /** features [N, F] → predictions [N]. */
  abstract predict(x: Variable): Variable;
  /** The layer plan, or null for a model the many-seeds trainer cannot batch. */
  abstract plan(): LayerPlan | null;

  get featureCount(): number {
    return FEATURE_MAPS[this.features].names.length;
  }

  /** Training loss on a batch: mean squared error. `labels` [N] (group index as f32) is for models that use it. */
  loss(x: Variable, y: Variable, _labels?: Variable): Variable {
    return op.mse(this.predict(x), y);
  }
}

export interface LinearModelConfig {
  /** Which features the plane sees: "x" (line), "xz" (plane), "poly" (x·z, x). */
  features: FeatureMap;
  /** Seed of the initial weights (default 1). */
  seed?: number;
}

/** y = w·features + b: the line, the plane and the polynomial. */
export class LinearModel extends RegressionModel {
  readonly features: FeatureMap;
  readonly linear: Linear;

  constructor(ctx: Context, config: LinearModelConfig) {
    super(ctx);
    this.features = config.features;
    this.linear = this.child("linear", new Linear(ctx, new Rng(config.seed ?? 1), this.featureCount, 1));
  }

  predict(x: Variable): Variable {
    return op.reshape(this.linear.forward(x), [x.shape[0]!]); // [N, 1] → [N]
  }

  plan(): LayerPlan {
    return { kind: "chain", layers: [this.linear] };
  }
}

export interface ReluModelConfig {
  /** Hidden layer widths (relu2: [2]; relu10: [10]; experts-relu7: [7]; experts-relu43: [4, 3]). */
  hidden: readonly number[];
  /** Seed of the initial weights (default 1). */
  seed?: number;
}

/** A ReLU MLP over (x, z) or (x, s). */
export class ReluModel extends RegressionModel {
  readonly features: FeatureMap = "xz";
  readonly mlp: MLP;

  constructor(ctx: Context, config: ReluModelConfig) {
    super(ctx);
    this.mlp = this.child("mlp", new MLP(ctx, new Rng(config.seed ?? 1), [2, ...config.hidden, 1], "relu"));
  }

  predict(x: Variable): Variable {
    return op.reshape(this.mlp.forward(x), [x.shape[0]!]);
  }

  plan(): LayerPlan {
    return { kind: "chain", layers: this.mlp.layers };
  }
}

export interface MixtureModelConfig {
  /** Number of experts: 3 for grain, 5 for the five-experts task. */
  experts: number;
  /** Seed of the initial weights (default 1). */
  seed?: number;
}

/**
 * The seed article's attention layer over the same two inputs: values rᵢ = linear(x, z) are the experts'
 * predictions, scores sᵢ = linear(x, z) pick among them, y = Σᵢ softmax(s)ᵢ·rᵢ. 2·(2·E + E) parameters.
 */
export class MixtureModel extends RegressionModel {
  readonly features: FeatureMap = "xz";
  readonly values: Linear;
  readonly scores: Linear;
  readonly mixture: AttentionMixture;

  constructor(ctx: Context, config: MixtureModelConfig) {
    super(ctx);
    const rng = new Rng(config.seed ?? 1);
    this.values = new Linear(ctx, rng, 2, config.experts);
    this.scores = new Linear(ctx, rng, 2, config.experts);
    this.mixture = this.child("mixture", new AttentionMixture(ctx, this.values, this.scores));
  }

  predict(x: Variable): Variable {
    return this.mixture.forward(x);
  }

  /** Attention weights softmax(s) [N, E]. */
  weights(x: Variable): Variable {
    return this.mixture.forwardWithWeights(x).weights;
  }

  plan(): LayerPlan {
    return { kind: "mixture", values: this.values, scores: this.scores };
  }
}

// ---- running a model on a data set ----

/** The step's constants for a data set: features [N, F], targets [N], labels [N] (f32). Freed by ctx.endStep(). */
export function regressionBatch(
  ctx: Context,
  model: RegressionModel,
  d: RegressionData,
): { x: Variable; y: Variable; labels: Variable } {
  return {
    x: ctx.constant(featurize(model.features, d), [d.n, model.featureCount]),
    y: ctx.constant(d.targets, [d.n]),
    labels: ctx.constant(Float32Array.from(d.labels), [d.n]),
  };
}

/** The training loss of `model` on the whole of `d` (full-batch: these data sets have ~100 rows). */
export function regressionLoss(model: RegressionModel, ctx: Context, d: RegressionData): Variable {
  const { x, y, labels } = regressionBatch(ctx, model, d);
  return model.loss(x, y, labels);
}

/** `out(model, x)` on `d`'s inputs, read without recording a graph; ends the context's step. */
async function readOn<M extends RegressionModel>(
  model: M,
  ctx: Context,
  d: RegressionData,
  out: (model: M, x: Variable) => Variable,
): Promise<Float32Array> {
  try {
    const { x } = regressionBatch(ctx, model, d);
    return await ctx.noGrad(() => out(model, x)).read();
  } finally {
    ctx.endStep();
  }
}

/** Predictions [n] on `d`, without recording a graph. Ends the context's step: call it between training steps. */
export function predictions(model: RegressionModel, ctx: Context, d: RegressionData): Promise<Float32Array> {
  return readOn(model, ctx, d, (m, x) => m.predict(x));
}

/** A mixture model's attention weights [n, E] on `d` (row-major). Ends the step like `predictions`. */
export function mixtureWeights(model: MixtureModel, ctx: Context, d: RegressionData): Promise<Float32Array> {
  return readOn(model, ctx, d, (m, x) => m.weights(x));
}

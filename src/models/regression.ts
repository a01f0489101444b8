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

/** Features and labels of each data set, made once: a full-batch step uploads the same rows every time. */
const BATCH_CACHE = new WeakMap<
  RegressionData,
  { labels: Float32Array; features: Map<FeatureMap, Float32Array> }
>();

/** featurize(map, d) and d's labels as f32, computed on first use and shared afterwards (never modify them). */
function cachedBatch(map: FeatureMap, d: RegressionData): { features: Float32Array; labels: Float32Array } {
  let c = BATCH_CACHE.get(d);
  if (!c) {
    c = { labels: Float32Array.from(d.labels), features: new Map() };
    BATCH_CACHE.set(d, c);
  }
  let features = c.features.get(map);
  if (!features) {
    features = featurize(map, d);
    c.features.set(map, features);
  }
  return { features, labels: c.labels };
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

  /** Whether `loss` reads the labels (else a step does not upload them). */
  readonly usesLabels: boolean = false;

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
  /**
   * The box the inputs come from, [[lo, hi] of the first input, [lo, hi] of the second] (grain: x 1-5, z 0-1;
   * experts: x 1-5, s 0-4). Given, the first layer's weights are scaled to it and every hidden unit's kink passes
   * through a random point of it (reluInit); left out, weights and biases are uniform (Linear's).
   */
  box?: readonly (readonly [number, number])[];
}

/** Weights [in, out] and biases [out] of each layer of an MLP, as Linear draws them from `rng` (weight, then bias). */
function linearDraws(rng: Rng, sizes: readonly number[]): { w: Float64Array; b: Float64Array }[] {
  return sizes.slice(1).map((out, i) => {
    const inF = sizes[i]!;
    const bound = 1 / Math.sqrt(Math.max(1, inF));
    const w = Float64Array.from({ length: inF * out }, () => rng.uniform(-bound, bound));
    const b = Float64Array.from({ length: out }, () => rng.uniform(-bound, bound));
    return { w, b };
  });
}

/**
 * The initial weights a ReLU net gets over an input box: for each layer its weight (null: as Linear drew it) and its
 * bias (null for the output layer: as drawn).
 * - First layer: the weight of input i is drawn from U(−20, 20) / (hiᵢ − loᵢ), so a unit's pre-activation spans up
 *   to ±20 across the box whatever the inputs' scales: a grain's darkness z (0-1) counts as much as its cups x
 *   (1-5), where a common uniform draw lets x dominate every unit. The span is large because Adam moves every
 *   parameter by about the learning rate per step, so a kink at −b/w drifts by lr/|w| per step: with |w| ≈ 0.4 the
 *   kinks leave the data within ~100 steps and the net settles as a plane; with |w| of several units they stay.
 * - Every hidden unit's kink (w·h + b = 0) passes through a random point of the box: a point p is drawn from `box`,
 *   h(p) is what the layers below make of it, and b = −w·h(p). A uniform bias next to inputs of 1-5 leaves about
 *   half the units dead on every row (a 2-unit net then starts as a constant or a plane and stays there); this way
 *   every unit starts active on part of the data and inactive on the rest, so the net can bend where the data is.
 * Draws come from their own stream of the seed; the deeper layers' weights are Linear's.
 */
/** How far (±) a first-layer unit's pre-activation ranges across the input box at initialisation. */
export const FIRST_LAYER_SPAN = 20;

export function reluInit(
  seed: number,
  sizes: readonly number[],
  box: readonly (readonly [number, number])[],
): { weight: Float64Array | null; bias: Float64Array | null }[] {
  if (box.length !== sizes[0]) throw new Error(`reluInit: box has ${box.length} inputs, the net ${sizes[0]}`);
  const layers = linearDraws(new Rng(seed), sizes);
  const rng = new Rng(seed * 7919 + 104_729);
  const H = sizes[1]!;
  const w0 = Float64Array.from({ length: box.length * H }, (_, k) => {
    const [lo, hi] = box[Math.floor(k / H)]!;
    return (rng.uniform(-1, 1) * FIRST_LAYER_SPAN) / Math.max(1e-9, hi - lo);
  });
  layers[0]!.w = w0;
  const out: { weight: Float64Array | null; bias: Float64Array | null }[] = [];
  for (let l = 0; l < layers.length; l++) {
    if (l === layers.length - 1) {
      out.push({ weight: null, bias: null });
      break;
    }
    const { w } = layers[l]!;
    const inF = sizes[l]!;
    const outF = sizes[l + 1]!;
    const b = new Float64Array(outF);
    for (let j = 0; j < outF; j++) {
      let h = box.map(([lo, hi]) => rng.uniform(lo, hi));
      for (let m = 0; m < l; m++) h = relu(affine(h, layers[m]!.w, layers[m]!.b, sizes[m + 1]!));
      let sum = 0;
      for (let i = 0; i < inF; i++) sum += h[i]! * w[i * outF + j]!;
      b[j] = -sum;
    }
    layers[l]!.b = b;
    out.push({ weight: l === 0 ? w0 : null, bias: b });
  }
  return out;
}

function affine(h: readonly number[], w: Float64Array, b: Float64Array, outF: number): number[] {
  return Array.from({ length: outF }, (_, j) => h.reduce((s, v, i) => s + v * w[i * outF + j]!, b[j]!));
}

const relu = (h: number[]) => h.map((v) => Math.max(0, v));

function overwrite(ctx: Context, v: Variable, data: Float64Array): void {
  const t = ctx.backend.tensor(Float32Array.from(data), v.shape);
  ctx.backend.copyInto(v.value, t);
  t.dispose();
}

/** A ReLU MLP over (x, z) or (x, s). */
export class ReluModel extends RegressionModel {
  readonly features: FeatureMap = "xz";
  readonly mlp: MLP;

  constructor(ctx: Context, config: ReluModelConfig) {
    super(ctx);
    const seed = config.seed ?? 1;
    const sizes = [2, ...config.hidden, 1];
    this.mlp = this.child("mlp", new MLP(ctx, new Rng(seed), sizes, "relu"));
    if (config.box) {
      reluInit(seed, sizes, config.box).forEach((init, l) => {
        const layer = this.mlp.layers[l]!;
        if (init.weight) overwrite(ctx, layer.weight, init.weight);
        if (init.bias) overwrite(ctx, layer.bias!, init.bias);
      });
    }
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
  const { features, labels } = cachedBatch(model.features, d);
  return {
    x: ctx.constant(features, [d.n, model.featureCount]),
    y: ctx.constant(d.targets, [d.n]),
    labels: ctx.constant(labels, [d.n]),
  };
}

/** The training loss of `model` on the whole of `d` (full-batch: these data sets have ~100 rows). */
export function regressionLoss(model: RegressionModel, ctx: Context, d: RegressionData): Variable {
  if (model.usesLabels) {
    const { x, y, labels } = regressionBatch(ctx, model, d);
    return model.loss(x, y, labels);
  }
  const x = ctx.constant(cachedBatch(model.features, d).features, [d.n, model.featureCount]);
  return model.loss(x, ctx.constant(d.targets, [d.n]));
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

// Many seeds of one small regression model as one model: every parameter carries a leading K axis (one slice per
// seed), the inputs are shared, and one set of dispatches trains all K.
//
// Each linear layer's bias is folded into its weight: the shared inputs get a constant-1 column, [N, F+1], and a
// layer is W [K, in+1, out] (rows 0..in−1 the weight, row `in` the bias), so the first layer is one batched matmul
// of the rank-2 inputs (broadcast by matmul over K) with W. Hidden activations [K, N, H] get their 1-column from
// h·[I | 0] + [0 … 0 1] (a constant [H, H+1] matrix and a constant [N, H+1] row added by suffix broadcasting).
//
// The loss is the sum over seeds of each seed's mean squared error, Σₖ mean_n (ŷₖₙ − yₙ)², so the gradient of
// slice k is exactly seed k's own gradient: the seeds share dispatches, not arithmetic. Adam is elementwise, so
// with clipNorm = Infinity the seeds train independently (clipping by a global norm over all slices would couple
// them; the optimizer's non-finite guard still skips a step for all K if any seed's gradient is not finite).

import * as op from "../autograd/ops";
import type { Context, Variable } from "../autograd/variable";
import type { RegressionData } from "../data/regression";
import type { Linear } from "../nn/layers";
import { Module } from "../nn/module";
import { FEATURE_MAPS, type FeatureMap, featurize, type LayerPlan, type RegressionModel } from "./regression";

/** [n, F] features → [n, F+1] with a trailing 1 per row. */
export function withOnes(features: Float32Array, n: number, F: number): Float32Array {
  const out = new Float32Array(n * (F + 1));
  for (let i = 0; i < n; i++) {
    out.set(features.subarray(i * F, (i + 1) * F), i * (F + 1));
    out[i * (F + 1) + F] = 1;
  }
  return out;
}

/** Stack K Linear layers' (weight [in, out], bias [out]) into [K, in+1, out]. */
async function stackLinears(layers: readonly Linear[]): Promise<{ shape: number[]; data: Float32Array }> {
  const { inFeatures: I, outFeatures: O } = layers[0]!;
  const block = (I + 1) * O;
  const data = new Float32Array(layers.length * block);
  for (let k = 0; k < layers.length; k++) {
    const l = layers[k]!;
    if (l.inFeatures !== I || l.outFeatures !== O || !l.bias) throw new Error("stackLinears: layers differ");
    data.set(await l.weight.read(), k * block);
    data.set(await l.bias.read(), k * block + I * O);
  }
  return { shape: [layers.length, I + 1, O], data };
}

export class BatchedRegression extends Module {
  /** Chain: one [K, in+1, out] per layer. Mixture: [values, scores], each [K, F+1, E]. */
  readonly weights: Variable[] = [];

  private constructor(
    ctx: Context,
    readonly K: number,
    readonly kind: LayerPlan["kind"],
    readonly features: FeatureMap,
    stacks: { shape: number[]; data: Float32Array }[],
  ) {
    super(ctx);
    stacks.forEach((s, i) => {
      this.weights.push(this.param(`w${i}`, s.shape, (j) => s.data[j]!));
    });
  }

  /** Stack the initial parameters of K separately built models (same architecture, one seed each). */
  static async fromModels(ctx: Context, models: readonly RegressionModel[]): Promise<BatchedRegression> {
    const plans = models.map((m) => {
      const p = m.plan();
      if (!p) throw new Error(`the many-seeds trainer cannot batch ${m.constructor.name}`);
      return p;
    });
    const first = plans[0];
    if (!first) throw new Error("BatchedRegression: no models");
    const groups: Linear[][] =
      first.kind === "chain"
        ? first.layers.map((_, i) =>
            plans.map((p) => (p as Extract<LayerPlan, { kind: "chain" }>).layers[i]!),
          )
        : [0, 1].map((i) =>
            plans.map((p) => {
              const m = p as Extract<LayerPlan, { kind: "mixture" }>;
              return i === 0 ? m.values : m.scores;
            }),
          );
    const stacks = await Promise.all(groups.map(stackLinears));
    return new BatchedRegression(ctx, models.length, first.kind, models[0]!.features, stacks);
  }

  /** Shared inputs [N, F+1] → predictions [K, N]. */
  predict(x: Variable): Variable {
    const N = x.shape[0]!;
    if (this.kind === "mixture") {
      const [wv, ws] = this.weights as [Variable, Variable];
      return op.mixture(x, wv, ws).y; // (K, N)
    }
    let h = x;
    this.weights.forEach((w, i) => {
      if (i > 0) h = this.appendOnes(op.relu(h));
      h = op.matmul(h, w); // (K, N, out)
    });
    return op.reshape(h, [this.K, N]);
  }

  /** Attention weights [K, N, E] of a mixture. */
  attentionWeights(x: Variable): Variable {
    if (this.kind !== "mixture") throw new Error("attentionWeights: not a mixture model");
    const [wv, ws] = this.weights as [Variable, Variable];
    return op.mixture(x, wv, ws).weights;
  }

  /** h [K, N, H] → [K, N, H+1] with a trailing 1 on every row. */
  private appendOnes(h: Variable): Variable {
    const [, N, H] = h.shape as [number, number, number];
    const embed = new Float32Array(H * (H + 1));
    for (let j = 0; j < H; j++) embed[j * (H + 1) + j] = 1;
    const ones = new Float32Array(N * (H + 1));
    for (let n = 0; n < N; n++) ones[n * (H + 1) + H] = 1;
    return op.add(op.matmul(h, this.ctx.constant(embed, [H, H + 1])), this.ctx.constant(ones, [N, H + 1]));
  }

  /** Each seed's mean squared error [K] on the data, and their sum (the training loss, a scalar). */
  losses(d: RegressionData): { perSeed: Variable; total: Variable } {
    const F = FEATURE_MAPS[this.features].names.length;
    const x = this.ctx.constant(withOnes(featurize(this.features, d), d.n, F), [d.n, F + 1]);
    const diff = op.sub(this.predict(x), this.ctx.constant(d.targets, [d.n])); // (K, N) − (N)
    const perSeed = op.mean(op.mul(diff, diff), -1); // (K)
    return { perSeed, total: op.sum(perSeed, 0) };
  }

  /** Per-seed mean squared error on `d`, no graph. Ends the context's step. */
  async evaluate(d: RegressionData): Promise<Float32Array> {
    try {
      return await this.ctx.noGrad(() => this.losses(d).perSeed).read();
    } finally {
      this.ctx.endStep();
    }
  }

  /** Copy seed k's slice into `model` (built with the same architecture), so it can be inspected on its own. */
  async extract(k: number, model: RegressionModel): Promise<void> {
    if (!(Number.isInteger(k) && k >= 0 && k < this.K))
      throw new Error(`extract: seed index ${k} not in [0, ${this.K})`);
    const plan = model.plan();
    if (!plan || plan.kind !== this.kind) throw new Error("extract: the model's architecture differs");
    const layers = plan.kind === "chain" ? plan.layers : [plan.values, plan.scores];
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i]!;
      const [, I1, O] = this.weights[i]!.shape as [number, number, number];
      if (I1 !== l.inFeatures + 1 || O !== l.outFeatures || !l.bias)
        throw new Error("extract: layer shapes differ");
      const all = await this.weights[i]!.read();
      const slice = all.subarray(k * I1 * O, (k + 1) * I1 * O);
      setValues(l.weight, slice.subarray(0, l.inFeatures * O));
      setValues(l.bias, slice.subarray(l.inFeatures * O));
    }
  }
}

/** Overwrite a parameter's values in place (its storage stays: an optimizer may hold the tensor). */
function setValues(v: Variable, data: Float32Array): void {
  const be = v.ctx.backend;
  const t = be.tensor(data, v.shape);
  be.copyInto(v.value, t);
  t.dispose();
}

// Stage 8 of the grain story: a softmax classifier on the darkness z, chained into ReLU-gated linear regressors
// (the "inhibitory switch"). Wiring, for G grains (G = 3):
//
//   p = softmax(z·c + d)                      classifier: c, d ∈ R^G                         2G parameters
//   hₖ = relu(aₖ·x + Σⱼ Wⱼₖ·pⱼ + bₖ)           one regressor per grain: a ∈ R^G, W ∈ R^{G×G},
//                                             b ∈ R^G                                        G² + 2G parameters
//   y = Σₖ hₖ                                 the regressors' outputs are added (no weights)
//
// 3·3 + 4·3 = 21 parameters for three grains. Regressor k plays grain k when the classifier is right: with
// aₖ = ratio and W's off-diagonal entries large and negative, any weight the classifier puts on another grain
// pushes hₖ below zero and the ReLU mutes it; the diagonal can stay 0. That muting by negative ("inhibitory")
// inputs is what the article contrasts with the multiplicative gate of attention.
//
// The classifier can be trained from the grain labels as well as through the water error:
//   loss = mse(y, water) + classWeight · crossEntropy(z·c + d, grain)
// classWeight = 0 trains the whole chain from the water error alone.

import * as op from "../autograd/ops";
import type { Context, Variable } from "../autograd/variable";
import { Linear } from "../nn/layers";
import { Rng } from "../util/rng";
import { type FeatureMap, RegressionModel } from "./regression";

export interface SwitchConfig {
  /** Number of grains / regressors (default 3). */
  grains?: number;
  /** Weight of the classifier's cross-entropy on the grain labels (default 1; 0: water error only). */
  classWeight?: number;
  /** Seed of the initial weights (default 1). */
  seed?: number;
}

export class SwitchModel extends RegressionModel {
  readonly features: FeatureMap = "xz";
  override readonly usesLabels = true;
  /** z [N, 1] → class scores [N, G]. */
  readonly classifier: Linear;
  /** x [N, 1] → aₖ·x [N, G] (no bias: the regressors' bias lives in `gate`). */
  readonly slope: Linear;
  /** p [N, G] → Σⱼ Wⱼₖ pⱼ + bₖ [N, G]. */
  readonly gate: Linear;
  readonly grains: number;
  readonly classWeight: number;

  constructor(ctx: Context, config: SwitchConfig = {}) {
    super(ctx);
    const G = config.grains ?? 3;
    this.grains = G;
    this.classWeight = config.classWeight ?? 1;
    const rng = new Rng(config.seed ?? 1);
    this.classifier = this.child("classifier", new Linear(ctx, rng, 1, G));
    // Positive initial slopes U(0.5, 1.5) (water grows with grain). With the default U(±1), 5 of 6 seeds (Adam 0.05,
    // 3000 steps, data seed 1) ended with one regressor off for every row and white rice fitted by a bent line
    // (held-out MSE ≈ 0.1); with positive slopes 3 of 6 fit all three grains to < 0.005, with classWeight 1 or 0
    // alike (the others blend two regressors for brown or leave one grain to a wrong one).
    this.slope = this.child("slope", new Linear(ctx, rng, 1, G, false));
    const a = ctx.backend.tensor(
      Array.from({ length: G }, () => rng.uniform(0.5, 1.5)),
      [1, G],
    );
    ctx.backend.copyInto(this.slope.weight.value, a);
    a.dispose();
    this.gate = this.child("gate", new Linear(ctx, rng, G, G));
  }

  /** Column j of features [N, 2] as [N, 1], by a product with a constant one-hot [2, 1] (no slicing op exists). */
  private column(x: Variable, j: number): Variable {
    const pick = new Float32Array(2);
    pick[j] = 1;
    return op.matmul(x, this.ctx.constant(pick, [2, 1]));
  }

  /** Class scores [N, G] from z. */
  logits(x: Variable): Variable {
    return this.classifier.forward(this.column(x, 1));
  }

  /** The regressors' outputs hₖ [N, G] and the classifier's probabilities p [N, G]. */
  parts(x: Variable): { h: Variable; p: Variable; logits: Variable } {
    const logits = this.logits(x);
    const p = op.softmax(logits);
    const h = op.relu(op.add(this.slope.forward(this.column(x, 0)), this.gate.forward(p)));
    return { h, p, logits };
  }

  predict(x: Variable): Variable {
    return op.sum(this.parts(x).h, -1);
  }

  override loss(x: Variable, y: Variable, labels?: Variable): Variable {
    const { h, logits } = this.parts(x);
    const water = op.mse(op.sum(h, -1), y);
    if (!labels || this.classWeight === 0) return water;
    return op.add(water, op.scale(op.crossEntropy(logits, labels), this.classWeight));
  }

  plan(): null {
    return null;
  }
}

// The basic layers: Linear, MLP, LayerNorm, Embedding.

import * as op from "../autograd/ops";
import type { Context, Variable } from "../autograd/variable";
import type { Rng } from "../util/rng";
import { Module, onesInit, uniformInit, zerosInit } from "./module";

export class Linear extends Module {
  /** [inFeatures, outFeatures]: x·W, so a batch of rows multiplies without a transpose. */
  readonly weight: Variable;
  readonly bias: Variable | null;

  constructor(
    ctx: Context,
    rng: Rng,
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super(ctx);
    this.weight = this.param("weight", [inFeatures, outFeatures], uniformInit(rng, inFeatures));
    this.bias = bias ? this.param("bias", [outFeatures], uniformInit(rng, inFeatures)) : null;
  }

  /** x [..., in] → [..., out]. */
  forward(x: Variable): Variable {
    return op.matmul(x, this.weight, this.bias ? { bias: this.bias } : {});
  }
}

export type Activation = "relu" | "tanh" | "sigmoid" | "gelu";

export class MLP extends Module {
  readonly layers: Linear[];

  /** sizes = [in, hidden..., out]; the activation follows every layer but the last. */
  constructor(
    ctx: Context,
    rng: Rng,
    readonly sizes: readonly number[],
    readonly activation: Activation = "relu",
  ) {
    super(ctx);
    if (sizes.length < 2)
      throw new Error(`MLP: sizes must list at least input and output, got [${sizes.join(", ")}]`);
    this.layers = sizes.slice(1).map((n, i) => this.child(`${i}`, new Linear(ctx, rng, sizes[i]!, n)));
  }

  forward(x: Variable): Variable {
    let h = x;
    this.layers.forEach((l, i) => {
      h = l.forward(h);
      if (i < this.layers.length - 1) h = op.unary(this.activation, h);
    });
    return h;
  }
}

export class LayerNorm extends Module {
  readonly gamma: Variable;
  readonly beta: Variable;

  constructor(
    ctx: Context,
    readonly features: number,
    readonly eps = 1e-5,
  ) {
    super(ctx);
    this.gamma = this.param("gamma", [features], onesInit);
    this.beta = this.param("beta", [features], zerosInit);
  }

  forward(x: Variable): Variable {
    return op.layerNorm(x, this.gamma, this.beta, this.eps);
  }
}

export class Embedding extends Module {
  /** [vocab, features] */
  readonly table: Variable;

  constructor(
    ctx: Context,
    rng: Rng,
    readonly vocab: number,
    readonly features: number,
    std = 0.1,
  ) {
    super(ctx);
    this.table = this.param("table", [vocab, features], () => rng.normal() * std);
  }

  /** ids [...] (integers stored as f32) → [..., features]. */
  forward(ids: Variable): Variable {
    return op.embedding(this.table, ids);
  }
}

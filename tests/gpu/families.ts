// Small models, one per family the workbench trains (MLP regression, the attention mixture, a transformer), as
// TrainTasks with deterministic data. Used by the training tests to compare backends and watch memory.

import * as op from "../../src/autograd/ops";
import type { Context, Variable } from "../../src/autograd/variable";
import { AttentionMixture, TransformerBlock } from "../../src/nn/attention";
import { Embedding, Linear, MLP } from "../../src/nn/layers";
import { Module } from "../../src/nn/module";
import type { TrainTask } from "../../src/train/trainer";
import { Rng } from "../../src/util/rng";

export type Family = "mlp" | "mixture" | "transformer";
export const FAMILIES: Family[] = ["mlp", "mixture", "transformer"];

/** Regression data (x, z) → y with a slope that depends on z, like the grain problem. */
function regressionData(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const cups = rng.uniform(1, 5);
    const z = rng.int(3) / 2;
    x[2 * i] = cups;
    x[2 * i + 1] = z;
    y[i] = (z === 0 ? 2 : z === 0.5 ? 3 : 1) * cups;
  }
  return { x, y };
}

class Regressor extends Module {
  readonly net: MLP | AttentionMixture;
  constructor(ctx: Context, rng: Rng, kind: "mlp" | "mixture") {
    super(ctx);
    this.net =
      kind === "mlp"
        ? this.child("net", new MLP(ctx, rng, [2, 10, 1]))
        : this.child(
            "net",
            new AttentionMixture(ctx, new Linear(ctx, rng, 2, 3), new Linear(ctx, rng, 2, 3)),
          );
  }
  forward(x: Variable): Variable {
    const y = this.net.forward(x);
    return y.shape.length === 2 ? op.reshape(y, [y.shape[0]!]) : y;
  }
}

class TinyTransformer extends Module {
  readonly tok: Embedding;
  readonly pos: Embedding;
  readonly block: TransformerBlock;
  readonly head: Linear;
  constructor(
    ctx: Context,
    rng: Rng,
    readonly vocab: number,
    readonly T: number,
    width: number,
  ) {
    super(ctx);
    this.tok = this.child("tok", new Embedding(ctx, rng, vocab, width));
    this.pos = this.child("pos", new Embedding(ctx, rng, T, width));
    this.block = this.child("block", new TransformerBlock(ctx, rng, width, 2, 2 * width));
    this.head = this.child("head", new Linear(ctx, rng, width, vocab));
  }
  /** ids [B, T] → logits [B·T, vocab]. */
  forward(ids: Variable, positions: Variable): Variable {
    const [B, T] = ids.shape as [number, number];
    const h = op.add(this.tok.forward(ids), this.pos.forward(positions)); // (B, T, C) + (T, C)
    const logits = this.head.forward(this.block.forward(h)); // (B, T, V)
    return op.reshape(logits, [B * T, this.vocab]);
  }
}

/** A task per family: the same seed gives the same weights and batches on every backend. */
export function familyTask(family: Family, seed = 1, opts: { nanAtStep?: number } = {}): TrainTask<Module> {
  if (family === "transformer") {
    const V = 8;
    const T = 6;
    const B = 4;
    return {
      build: (ctx) => new TinyTransformer(ctx, new Rng(seed), V, T, 16),
      loss: (model, ctx, step) => {
        // Previous-token task: the target at position t is the token at t−1 (position 0 predicts token 0).
        const rng = new Rng(seed * 1000 + step);
        const ids = new Float32Array(B * T);
        const targets = new Float32Array(B * T);
        for (let b = 0; b < B; b++) {
          for (let t = 0; t < T; t++) ids[b * T + t] = rng.int(V);
          for (let t = 0; t < T; t++) targets[b * T + t] = ids[b * T + Math.max(0, t - 1)]!;
        }
        const m = model as TinyTransformer;
        const pos = ctx.constant(
          Array.from({ length: T }, (_, t) => t),
          [T],
        );
        return op.crossEntropy(m.forward(ctx.constant(ids, [B, T]), pos), ctx.constant(targets, [B * T]));
      },
    };
  }
  const data = regressionData(48, seed + 7);
  return {
    build: (ctx) => new Regressor(ctx, new Rng(seed), family),
    loss: (model, ctx, step) => {
      // A poisoned batch (for the non-finite-loss check): NaN inputs at one step.
      const x = step === opts.nanAtStep ? new Float32Array(96).fill(Number.NaN) : data.x;
      const pred = (model as Regressor).forward(ctx.constant(x, [48, 2]));
      return op.mse(pred, ctx.constant(data.y, [48]));
    },
  };
}

// Attention layers: multi-head self-attention, the transformer block, and the seed article's attention layer
// y = Σᵢ softmax(g(v))ᵢ · f(u)ᵢ, where f proposes values ("experts") and g scores them.

import * as op from "../autograd/ops";
import type { Context, Variable } from "../autograd/variable";
import type { Rng } from "../util/rng";
import { LayerNorm, Linear, MLP } from "./layers";
import { Module } from "./module";

export class MultiHeadAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly headSize: number;

  constructor(
    ctx: Context,
    rng: Rng,
    readonly width: number,
    readonly heads: number,
    readonly causal = true,
  ) {
    super(ctx);
    if (width % heads !== 0)
      throw new Error(`MultiHeadAttention: width ${width} is not divisible by heads ${heads}`);
    this.headSize = width / heads;
    this.q = this.child("q", new Linear(ctx, rng, width, width));
    this.k = this.child("k", new Linear(ctx, rng, width, width));
    this.v = this.child("v", new Linear(ctx, rng, width, width));
    this.o = this.child("o", new Linear(ctx, rng, width, width));
  }

  /** x [B, T, C] → [B, T, C]. */
  forward(x: Variable): Variable {
    const [B, T] = x.shape as [number, number, number];
    const nh = this.heads;
    const hs = this.headSize;
    const split = (t: Variable) => op.permute(op.reshape(t, [B, T, nh, hs]), [0, 2, 1, 3]); // (B, nh, T, hs)
    const y = op.attention(split(this.q.forward(x)), split(this.k.forward(x)), split(this.v.forward(x)), {
      causal: this.causal,
    }); // (B, nh, T, hs)
    const merged = op.reshape(op.permute(y, [0, 2, 1, 3]), [B, T, nh * hs]); // (B, T, C)
    return this.o.forward(merged);
  }

  /** Attention weights per head for inspection: softmax(QKᵀ/√hs + mask) as [B, nh, T, T], no graph recorded. */
  weights(x: Variable): Variable {
    return this.ctx.noGrad(() => {
      const [B, T] = x.shape as [number, number, number];
      const nh = this.heads;
      const hs = this.headSize;
      const split = (t: Variable) => op.permute(op.reshape(t, [B, T, nh, hs]), [0, 2, 1, 3]);
      const q = split(this.q.forward(x));
      const k = split(this.k.forward(x));
      const scores = op.scale(op.matmul(q, k, { transB: true }), 1 / Math.sqrt(hs)); // (B, nh, T, T)
      if (!this.causal) return op.softmax(scores);
      const mask = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
      return op.softmax(op.add(scores, this.ctx.constant(mask, [T, T])));
    });
  }
}

/** Post-norm block, as in the original transformer: x = LN(x + MHA(x)); x = LN(x + FFN(x)). */
export class TransformerBlock extends Module {
  readonly attn: MultiHeadAttention;
  readonly ln1: LayerNorm;
  readonly ffn: MLP;
  readonly ln2: LayerNorm;

  constructor(ctx: Context, rng: Rng, width: number, heads: number, hidden: number, causal = true) {
    super(ctx);
    this.attn = this.child("attn", new MultiHeadAttention(ctx, rng, width, heads, causal));
    this.ln1 = this.child("ln1", new LayerNorm(ctx, width));
    this.ffn = this.child("ffn", new MLP(ctx, rng, [width, hidden, width], "relu"));
    this.ln2 = this.child("ln2", new LayerNorm(ctx, width));
  }

  forward(x: Variable): Variable {
    const h = this.ln1.forward(op.add(x, this.attn.forward(x)));
    return this.ln2.forward(op.add(h, this.ffn.forward(h)));
  }
}

/** A network mapping [N, in] → [N, experts]: f (values) and g (scores) of the mixture layer. */
export interface Head {
  forward(x: Variable): Variable;
}

/**
 * The seed article's attention layer: y = Σᵢ softmax(g(v))ᵢ · f(u)ᵢ. With f and g linear in the same inputs this is
 * the grain model (3 experts, 18 parameters) and the five-expert model (30). `weights` exposes softmax(g(v)).
 */
export class AttentionMixture extends Module {
  constructor(
    ctx: Context,
    readonly values: Head & Module,
    readonly scores: Head & Module,
  ) {
    super(ctx);
    this.child("values", values);
    this.child("scores", scores);
  }

  /**
   * u, v [N, in] → y [N]; also returns the attention weights [N, experts]. With linear values and scores over the
   * same rows [N, in] this is one fused op (Backend.mixture; the weights are then for inspection, without a gradient).
   */
  forwardWithWeights(u: Variable, v: Variable = u): { y: Variable; weights: Variable } {
    const [f, g] = [this.values, this.scores];
    if (u === v && u.shape.length === 2 && f instanceof Linear && g instanceof Linear) {
      const biases = { ...(f.bias ? { valuesBias: f.bias } : {}), ...(g.bias ? { scoresBias: g.bias } : {}) };
      return op.mixture(u, f.weight, g.weight, biases);
    }
    const weights = op.softmax(this.scores.forward(v));
    const y = op.sum(op.mul(weights, this.values.forward(u)), -1);
    return { y, weights };
  }

  forward(u: Variable, v: Variable = u): Variable {
    return this.forwardWithWeights(u, v).y;
  }
}

// The GPT-2 / nanoGPT block: pre-norm residual branches,
//   x = x + attn(ln1(x));  x = x + mlp(ln2(x)),
// with causal multi-head attention (the fused attention op) and an MLP of width·mlpRatio with GELU.

import * as op from "../autograd/ops";
import type { Context, Variable } from "../autograd/variable";
import type { Rng } from "../util/rng";
import { MultiHeadAttention } from "./attention";
import { LayerNorm, MLP } from "./layers";
import { Module } from "./module";

export class PreNormBlock extends Module {
  readonly ln1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly ln2: LayerNorm;
  readonly mlp: MLP;

  constructor(ctx: Context, rng: Rng, width: number, heads: number, mlpRatio = 4) {
    super(ctx);
    this.ln1 = this.child("ln1", new LayerNorm(ctx, width));
    this.attn = this.child("attn", new MultiHeadAttention(ctx, rng, width, heads, true));
    this.ln2 = this.child("ln2", new LayerNorm(ctx, width));
    this.mlp = this.child("mlp", new MLP(ctx, rng, [width, mlpRatio * width, width], "gelu"));
  }

  /** x [B, T, C] → [B, T, C]. */
  forward(x: Variable): Variable {
    const h = op.add(x, this.attn.forward(this.ln1.forward(x)));
    return op.add(h, this.mlp.forward(this.ln2.forward(h)));
  }
}

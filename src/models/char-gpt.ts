// A character-level GPT, shaped like nanoGPT's model.py:
//   logits = head(ln_f(blocks(tok_emb(ids) + pos_emb(positions))))
// with `layers` pre-norm blocks (nn/pre-norm-block.ts: LayerNorm → causal multi-head attention → residual;
// LayerNorm → MLP 4× wide with GELU (tanh approximation) → residual), a final LayerNorm and a linear head with no
// bias. By default the head shares the token embedding table (weight tying, as in nanoGPT): logits = h·Eᵀ.
// Initialisation as nanoGPT: weights and embeddings N(0, 0.02), the residual projections (attention output, MLP
// output) N(0, 0.02/√(2·layers)), biases 0, LayerNorm gains 1. No dropout.

import * as op from "../autograd/ops";
import type { Context, Variable } from "../autograd/variable";
import { Embedding, LayerNorm, Linear } from "../nn/layers";
import { Module } from "../nn/module";
import { PreNormBlock } from "../nn/pre-norm-block";
import { Rng } from "../util/rng";

export interface CharGptConfig {
  /** Vocabulary size (characters). */
  vocab: number;
  /** Context length T: the number of learned positions. */
  context: number;
  /** Model width C, split over the heads. */
  width: number;
  heads: number;
  layers: number;
  /** The head reuses the token embedding table (default true). */
  tieWeights: boolean;
  /** Seed of the initial weights. */
  seed: number;
}

export class CharGptConfigError extends Error {
  override name = "CharGptConfigError";
}

export function checkCharGptConfig(c: CharGptConfig): void {
  for (const k of ["vocab", "context", "width", "heads", "layers"] as const) {
    const v = c[k];
    if (!(Number.isInteger(v) && v >= 1))
      throw new CharGptConfigError(`char-gpt: ${k} must be an integer >= 1, got ${v}`);
  }
  if (c.width % c.heads !== 0) {
    throw new CharGptConfigError(`char-gpt: width ${c.width} is not divisible by heads ${c.heads}`);
  }
}

/** Parameters of a model with this configuration, without building it. */
export function charGptParamCount(c: CharGptConfig): number {
  const C = c.width;
  const perBlock = 2 * (2 * C) + 4 * (C * C + C) + (C * 4 * C + 4 * C) + (4 * C * C + C); // 2 LN, q k v o, MLP
  const head = c.tieWeights ? 0 : C * c.vocab;
  return c.vocab * C + c.context * C + c.layers * perBlock + 2 * C + head;
}

export class CharGPT extends Module {
  readonly config: CharGptConfig;
  readonly tokens: Embedding;
  readonly positions: Embedding;
  readonly blocks: PreNormBlock[];
  readonly lnF: LayerNorm;
  /** null when tied to the token embedding. */
  readonly head: Linear | null;

  constructor(ctx: Context, config: CharGptConfig) {
    super(ctx);
    checkCharGptConfig(config);
    this.config = { ...config };
    const c = config;
    const rng = new Rng(c.seed);
    this.tokens = this.child("tokens", new Embedding(ctx, rng, c.vocab, c.width));
    this.positions = this.child("positions", new Embedding(ctx, rng, c.context, c.width));
    this.blocks = Array.from({ length: c.layers }, (_, i) =>
      this.child(`blocks.${i}`, new PreNormBlock(ctx, rng, c.width, c.heads)),
    );
    this.lnF = this.child("lnF", new LayerNorm(ctx, c.width));
    this.head = c.tieWeights ? null : this.child("head", new Linear(ctx, rng, c.width, c.vocab, false));
    this.initWeights(new Rng(c.seed + 1));
  }

  /** nanoGPT's initialisation (see the top of the file), written over the layers' defaults. */
  private initWeights(rng: Rng): void {
    const be = this.ctx.backend;
    const residualStd = 0.02 / Math.sqrt(2 * this.config.layers);
    for (const [name, p] of this.namedParameters()) {
      let init: () => number;
      if (name.endsWith(".gamma")) init = () => 1;
      else if (name.endsWith(".beta") || name.endsWith(".bias")) init = () => 0;
      else if (/\.(attn\.o|mlp\.1)\.weight$/.test(name)) init = () => rng.normal() * residualStd;
      else init = () => rng.normal() * 0.02;
      const data = Float32Array.from({ length: p.size }, init);
      const t = be.tensor(data, p.shape);
      be.copyInto(p.value, t);
      t.dispose();
    }
  }

  /** ids [B, T] (integers as f32), T <= context → the last block's normalised output [B, T, C]. */
  hiddenStates(ids: Variable): Variable {
    const T = ids.shape[1]!;
    if (ids.shape.length !== 2)
      throw new CharGptConfigError(`char-gpt: ids must be [B, T], got [${ids.shape.join(", ")}]`);
    if (T > this.config.context) {
      throw new CharGptConfigError(`char-gpt: input length ${T} exceeds the context ${this.config.context}`);
    }
    const pos = this.ctx.constant(
      Float32Array.from({ length: T }, (_, t) => t),
      [T],
    );
    let x = op.add(this.tokens.forward(ids), this.positions.forward(pos)); // (B, T, C) + (T, C)
    for (const block of this.blocks) x = block.forward(x);
    return this.lnF.forward(x);
  }

  /** ids [B, T] → next-character logits at every position [B, T, V]. */
  forward(ids: Variable): Variable {
    const h = this.hiddenStates(ids);
    return this.head ? this.head.forward(h) : op.matmul(h, this.tokens.table, { transB: true });
  }

  /** Mean cross-entropy (nats per character) of the logits of ids [B, T] against targets [B·T]. */
  loss(ids: Variable, targets: Variable): Variable {
    const logits = this.forward(ids);
    const [B, T, V] = logits.shape as [number, number, number];
    return op.crossEntropy(op.reshape(logits, [B * T, V]), targets);
  }

  /** Attention weights of every block [B, heads, T, T] (query row, key column), without recording a graph. */
  attentionMaps(ids: Variable): Variable[] {
    return this.ctx.noGrad(() => {
      const T = ids.shape[1]!;
      const pos = this.ctx.constant(
        Float32Array.from({ length: T }, (_, t) => t),
        [T],
      );
      let x = op.add(this.tokens.forward(ids), this.positions.forward(pos));
      const maps: Variable[] = [];
      for (const b of this.blocks) {
        maps.push(b.attn.weights(b.ln1.forward(x)));
        x = b.forward(x);
      }
      return maps;
    });
  }
}

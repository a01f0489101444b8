// Differentiable ops: each computes its value with the backend and records how to push a gradient back.
// Shapes follow the op contract (src/backend/contract.ts); names follow the math (B, T, C; M, K, N).

import type { AttentionOptions, BinaryOp, Shape, Tensor, UnaryOp } from "../backend/contract";
import type { Variable } from "./variable";

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** a·b (+ bias), with the transposed forms. Gradients: dA = dC·Bᵀ, dB = Aᵀ·dC (transposes follow). */
export function matmul(
  a: Variable,
  b: Variable,
  opts: { transA?: boolean; transB?: boolean; bias?: Variable } = {},
): Variable {
  const be = a.backend;
  const { transA = false, transB = false, bias } = opts;
  const value = be.matmul(a.value, b.value, { transA, transB, ...(bias ? { bias: bias.value } : {}) });
  const parents = bias ? [a, b, bias] : [a, b];
  return a.ctx.record(
    value,
    parents,
    (g) => {
      if (a.requiresGrad) {
        // C = A·B: dA = dC·Bᵀ; C = Aᵀ·B: dA = B·dCᵀ; with B transposed, swap roles likewise.
        const dA = transA
          ? be.matmul(b.value, g, { transA: transB, transB: true })
          : be.matmul(g, b.value, { transB: !transB });
        a.accumulate(reduceBroadcast(dA, a.shape, a));
      }
      if (b.requiresGrad) {
        const dB = transB
          ? be.matmul(g, a.value, { transA: true, transB: transA })
          : be.matmul(a.value, g, { transA: !transA });
        b.accumulate(reduceBroadcast(dB, b.shape, b));
      }
      if (bias?.requiresGrad) bias.accumulate(be.sumTo(g, bias.shape));
    },
    "matmul",
  );
}

/** A gradient computed per batch entry for an operand that was broadcast (rank 2): sum over the batch. */
function reduceBroadcast(g: Tensor, shape: Shape, v: Variable): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const r = v.backend.sumTo(g, shape);
  g.dispose();
  return r;
}

/** a op b with b broadcast over a's leading axes (b's shape a suffix of a's, or a scalar). */
export function binary(op: BinaryOp, a: Variable, b: Variable): Variable {
  const be = a.backend;
  return a.ctx.record(
    be.binary(op, a.value, b.value),
    [a, b],
    (g) => {
      if (a.requiresGrad) a.accumulate(op === "mul" ? be.binary("mul", g, b.value) : be.affine(g, 1, 0));
      if (b.requiresGrad) {
        let gb: Tensor;
        if (op === "mul") gb = be.binary("mul", g, a.value);
        else if (op === "sub") gb = be.affine(g, -1, 0);
        else gb = be.affine(g, 1, 0);
        b.accumulate(reduceBroadcast(gb, b.shape, b));
      }
    },
    op,
  );
}

export const add = (a: Variable, b: Variable) => binary("add", a, b);
export const sub = (a: Variable, b: Variable) => binary("sub", a, b);
export const mul = (a: Variable, b: Variable) => binary("mul", a, b);

export function unary(op: UnaryOp, x: Variable): Variable {
  const be = x.backend;
  const y = be.unary(op, x.value);
  const out = x.ctx.record(y, [x], (g) => x.accumulate(be.unaryBackward(op, x.value, out.value, g)), op);
  return out;
}

export const relu = (x: Variable) => unary("relu", x);
export const sigmoid = (x: Variable) => unary("sigmoid", x);
export const tanh = (x: Variable) => unary("tanh", x);
export const exp = (x: Variable) => unary("exp", x);
export const neg = (x: Variable) => unary("neg", x);
export const gelu = (x: Variable) => unary("gelu", x);

/** alpha·x + beta. */
export function affine(x: Variable, alpha: number, beta = 0): Variable {
  const be = x.backend;
  return x.ctx.record(
    be.affine(x.value, alpha, beta),
    [x],
    (g) => x.accumulate(be.affine(g, alpha, 0)),
    "affine",
  );
}

export const scale = (x: Variable, alpha: number) => affine(x, alpha, 0);

/** Softmax over the last axis. */
export function softmax(x: Variable): Variable {
  const be = x.backend;
  const out = x.ctx.record(
    be.softmax(x.value),
    [x],
    (g) => x.accumulate(be.softmaxBackward(out.value, g)),
    "softmax",
  );
  return out;
}

/** Sum over one axis (removed from the shape). */
export function sum(x: Variable, axis: number): Variable {
  const be = x.backend;
  const rank = x.shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  return x.ctx.record(be.sum(x.value, axis), [x], (g) => x.accumulate(broadcastAlong(x, g, ax)), "sum");
}

/** Mean over one axis. */
export function mean(x: Variable, axis: number): Variable {
  const rank = x.shape.length;
  const n = x.shape[axis < 0 ? axis + rank : axis]!;
  return scale(sum(x, axis), 1 / n);
}

/**
 * The gradient of a sum over axis `ax`: g (x's shape without that axis) repeated along it. Built from the
 * contract's suffix broadcasting: move the axis to the front, broadcast-add onto zeros, move it back.
 */
function broadcastAlong(x: Variable, g: Tensor, ax: number): Tensor {
  const be = x.backend;
  const rank = x.shape.length;
  // Put the summed axis first: perm maps x's axes to [ax, others...].
  const perm = [ax, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== ax)];
  const frontShape = perm.map((i) => x.shape[i]!);
  const zeros = be.zeros(frontShape);
  const spread = be.binary("add", zeros, g); // g has the shape of the remaining axes: a suffix
  zeros.dispose();
  if (ax === 0) return spread;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const r = be.permute(spread, inverse);
  spread.dispose();
  return r;
}

export function reshape(x: Variable, shape: Shape): Variable {
  const be = x.backend;
  const from = x.shape;
  return x.ctx.record(
    be.reshape(x.value, shape),
    [x],
    (g) => {
      // The gradient must own its storage: copy through affine rather than share g's buffer.
      const r = be.reshape(g, from);
      x.accumulate(be.affine(r, 1, 0));
      r.dispose();
    },
    "reshape",
  );
}

export function permute(x: Variable, perm: readonly number[]): Variable {
  const be = x.backend;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return x.ctx.record(be.permute(x.value, perm), [x], (g) => x.accumulate(be.permute(g, inverse)), "permute");
}

/** LayerNorm over the last axis. */
export function layerNorm(x: Variable, gamma: Variable, beta: Variable, eps = 1e-5): Variable {
  const be = x.backend;
  const { y, mean: mu, rstd } = be.layerNorm(x.value, gamma.value, beta.value, eps);
  return x.ctx.record(
    y,
    [x, gamma, beta],
    (g) => {
      const { dx, dgamma, dbeta } = be.layerNormBackward(x.value, gamma.value, mu, rstd, g);
      x.accumulate(dx);
      gamma.accumulate(dgamma);
      beta.accumulate(dbeta);
    },
    "layerNorm",
    [mu, rstd],
  );
}

/** Rows of `table` [V, C] picked by integer ids [...] → [..., C]. */
export function embedding(table: Variable, ids: Variable): Variable {
  const be = table.backend;
  const vocab = table.shape[0]!;
  return table.ctx.record(
    be.embedding(table.value, ids.value),
    [table, ids],
    (g) => table.accumulate(be.embeddingBackward(ids.value, g, vocab)),
    "embedding",
  );
}

/** Scaled dot-product attention over q [B, H, T, d], k, v [B, H, S, d] (fused forward, saved lse for the backward). */
export function attention(q: Variable, k: Variable, v: Variable, opts: AttentionOptions = {}): Variable {
  const be = q.backend;
  const { out, lse } = be.attention(q.value, k.value, v.value, opts);
  const node = q.ctx.record(
    out,
    [q, k, v],
    (g) => {
      const { dq, dk, dv } = be.attentionBackward(q.value, k.value, v.value, node.value, lse, g, opts);
      q.accumulate(dq);
      k.accumulate(dk);
      v.accumulate(dv);
    },
    "attention",
    [lse],
  );
  return node;
}

/**
 * The mixture layer, fused: y = Σₑ softmax(x·scores + scoresBias)ₑ · (x·values + valuesBias)ₑ per row of x
 * [N, F], values and scores [F, E] or [K, F, E] (see Backend.mixture). The weights softmax(…) [(K,) N, E] come
 * back as a constant of the step, for inspection: gradients flow through y only.
 */
export function mixture(
  x: Variable,
  values: Variable,
  scores: Variable,
  biases: { valuesBias?: Variable; scoresBias?: Variable } = {},
): { y: Variable; weights: Variable } {
  const be = x.backend;
  const { valuesBias: vb, scoresBias: sb } = biases;
  const opts = { ...(vb ? { valuesBias: vb.value } : {}), ...(sb ? { scoresBias: sb.value } : {}) };
  const r = be.mixture(x.value, values.value, scores.value, opts);
  const weights = x.ctx.wrap(r.weights, "mixtureWeights");
  const parents = [x, values, scores, ...(vb ? [vb] : []), ...(sb ? [sb] : [])];
  const y = x.ctx.record(
    r.y,
    parents,
    (g) => {
      const d = be.mixtureBackward(x.value, values.value, scores.value, weights.value, g, opts);
      x.accumulate(d.dx);
      values.accumulate(d.dvalues);
      scores.accumulate(d.dscores);
      if (d.dvaluesBias) vb!.accumulate(d.dvaluesBias);
      if (d.dscoresBias) sb!.accumulate(d.dscoresBias);
    },
    "mixture",
  );
  return { y, weights };
}

/** mean((pred − target)²) → a scalar Variable. */
export function mse(pred: Variable, target: Variable): Variable {
  const be = pred.backend;
  return pred.ctx.record(
    be.mse(pred.value, target.value),
    [pred, target],
    (g) => {
      const d = be.mseBackward(pred.value, target.value, g);
      if (target.requiresGrad) target.accumulate(be.affine(d, -1, 0));
      pred.accumulate(d);
    },
    "mse",
  );
}

/** Softmax cross-entropy of logits [N, C] against integer targets [N], averaged over rows → scalar. */
export function crossEntropy(logits: Variable, targets: Variable): Variable {
  const be = logits.backend;
  const { loss, probs } = be.crossEntropy(logits.value, targets.value);
  return logits.ctx.record(
    loss,
    [logits, targets],
    (g) => logits.accumulate(be.crossEntropyBackward(probs, targets.value, g)),
    "crossEntropy",
    [probs],
  );
}

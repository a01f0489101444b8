// The op contract: the short list of operations a backend implements. Everything above this layer (autograd,
// layers, models, training) calls only these, so every model runs on either backend unchanged.
//
// Tensors are handles to storage owned by their backend (a Float32Array on the CPU, a GPUBuffer on WebGPU);
// data stays where it is between ops and is copied to the CPU only by `read`.
//
// ## Numeric range
// The CPU backend is the reference: it reads and stores f32 but computes in float64. The f32 kernels of every
// other backend and variant must match it within each verification case's stated tolerance
// (|got − ref| <= atol + rtol·|ref|) whenever the op's inputs and the intermediates it defines stay finite in
// f32 (magnitudes below 3.4e38): for matmul each product a·b and each partial sum; for softmax scale·x; for
// attention the scaled scores scale·q·k and the products with v; for cross-entropy the logits. Outside that
// range the f32 result may be ±Infinity or NaN where the reference is finite (matmul of [1e30, 1e30] and
// [1e30, −1e30] is 0 in float64 and NaN in f32; scores near 1e40 overflow). Layer norm is robust beyond it: it
// scales each row by its largest magnitude, so rows up to the f32 limit normalise as in float64.
// Subnormals (magnitudes below 2^-126): f32 kernels may flush them to 0, in inputs and results; the
// verification accepts 0 for a subnormal reference value.
//
// ## Non-finite input
// One behaviour per op, the same on every backend and variant, checked by the verification cases in
// src/kernels/<op>/edge-cases.ts (matmul, softmax, attention, attention-backward, layernorm, cross-entropy,
// mixture):
// - matmul, elementwise ops, sums, mse: IEEE arithmetic (a NaN or Infinity propagates as its products and sums
//   dictate; 0·Infinity is NaN).
// - softmax: see `softmax` and `softmaxBackward`; attention: see `AttentionResult` and `attentionBackward`.
//   Positions a mask hides contribute nothing to any output, whatever they hold: weights are selected, never
//   multiplied in as 0.
// - layerNorm: a row holding NaN or ±Infinity gives non-finite y, mean and rstd for that row (which of NaN or
//   ±Infinity is not specified); other rows are unaffected.
// - crossEntropy: a row with a NaN or +Infinity logit (and a target in [0, C)) makes the loss non-finite; a
//   -Infinity logit is a probability 0 (a loss of +Infinity when it is the target); rows are independent in probs.
// - mixture: the scores' softmax as softmax's; an expert of weight exactly 0 adds nothing to y or to any gradient,
//   whatever its value holds (see kernels/mixture/shape.ts).
// - optimizer steps: a non-finite global norm leaves parameters and state untouched (see `ClipArgs`).

import type { AttentionOptions } from "../kernels/attention/shape";
import type { BinaryOp, UnaryOp } from "../kernels/elementwise/shape";
import type { MatmulArgsOf } from "../kernels/matmul/shape";
import type { MixtureBiases, MixtureGradsOf } from "../kernels/mixture/shape";
import type { AdamParams, ClipOf, SgdParams } from "../kernels/optim/shape";
import type { SoftmaxOptions } from "../kernels/softmax/shape";
import type { Shape } from "../kernels/validate";

// Option types live with their op (src/kernels/<op>/shape.ts); they are re-exported here for the layers above.
export type { AdamParams, AttentionOptions, BinaryOp, SgdParams, Shape, SoftmaxOptions, UnaryOp };
export type BackendName = "cpu" | "webgpu" | "wasm";

export interface Tensor {
  readonly shape: Shape;
  /** Number of elements. */
  readonly size: number;
  readonly backend: BackendName;
  /** Return the storage to the backend (GPU buffers go back to the pool). Using a disposed tensor throws. */
  dispose(): void;
  readonly disposed: boolean;
}

export type MatmulArgs = MatmulArgsOf<Tensor>;

/**
 * Non-finite input: a key hidden from query i (by the causal mask, by a score of -Infinity, or by a weight that
 * is exactly 0) adds nothing to row i, whatever its k and v rows hold. A visible key whose score is NaN or
 * +Infinity makes row i's out and lse NaN. NaN or ±Infinity in a visible value row reaches out by IEEE
 * arithmetic. Other rows are never affected.
 */
export interface AttentionResult {
  /** [B, H, T, d] */
  out: Tensor;
  /** [B, H, T]: log Σⱼ exp(sᵢⱼ) per query row (natural log, after scale and mask); -Infinity for a fully masked row. */
  lse: Tensor;
}

export interface LayerNormResult {
  /** Same shape as x. */
  y: Tensor;
  /** [rows]: mean and 1/sqrt(var + eps) of each row (rows = size / last dim), saved for the backward. */
  mean: Tensor;
  rstd: Tensor;
}

export interface LayerNormGrads {
  dx: Tensor;
  /** [C] each: summed over rows. */
  dgamma: Tensor;
  dbeta: Tensor;
}

export interface AttentionGrads {
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
}

/** The optional biases of `mixture` and `mixtureBackward`: valuesBias and scoresBias, [E] or [K, E]. */
export type MixtureOptions = MixtureBiases<Tensor>;

/** Gradients of `mixture`: dx [N, F], dvalues and dscores, and the biases' where they were given. */
export type MixtureGrads = MixtureGradsOf<Tensor>;

/** Clipping by global norm and the non-finite guard of the optimizer steps (see kernels/optim/shape.ts). */
export type ClipArgs = ClipOf<Tensor>;

/** Counts an op's use of the CPU on a WebGPU backend (a shape beyond a kernel's limits), by op name. */
export type FallbackCounts = Record<string, number>;

export interface Backend {
  readonly name: BackendName;
  /** Human-readable: the adapter for WebGPU, the configuration for the CPU, the threads for wasm. */
  readonly description: string;

  tensor(data: Float32Array | Float64Array | readonly number[], shape: Shape): Tensor;
  zeros(shape: Shape): Tensor;
  /** Copy a tensor's values to the CPU. On WebGPU this is the synchronisation point that surfaces kernel errors. */
  read(t: Tensor): Promise<Float32Array>;

  /** a·b with optional transposes and bias; see kernels/matmul/shape.ts for the shapes. */
  matmul(a: Tensor, b: Tensor, args?: MatmulArgs): Tensor;
  /**
   * Softmax over the last axis. -Infinity entries are excluded (weight 0); rows of all -Infinity give all zeros.
   * A row holding a NaN or +Infinity gives NaN in every entry.
   */
  softmax(x: Tensor): Tensor;
  /**
   * softmax(scale·x) over the last axis with an optional causal mask (kernels/softmax/shape.ts), and each row's
   * log Σⱼ exp(scale·xⱼ) over the kept entries, -Infinity when none: the unfused attention's softmax.
   */
  softmaxLse(x: Tensor, opts?: SoftmaxOptions): { y: Tensor; lse: Tensor };
  /**
   * dx = y ⊙ (dy − Σ(dy ⊙ y)) per row, from the softmax output y. Entries with y = 0 (excluded, masked or
   * underflowed) take no part: they are left out of the sum and get dx = 0, whatever dy holds there.
   */
  softmaxBackward(y: Tensor, dy: Tensor): Tensor;
  /** Scaled dot-product attention; q [B, H, T, d], k and v [B, H, S, d]. */
  attention(q: Tensor, k: Tensor, v: Tensor, opts?: AttentionOptions): AttentionResult;

  // ---- shape and elementwise (training) --------------------------------------------------------------------

  /** The same values with another shape of equal size; shares storage with x (no copy). */
  reshape(x: Tensor, shape: Shape): Tensor;
  /** Reorder axes (rank <= 4): out.shape[i] = x.shape[perm[i]]. A copy. */
  permute(x: Tensor, perm: readonly number[]): Tensor;
  unary(op: UnaryOp, x: Tensor): Tensor;
  /** Gradient of a unary op: relu and gelu use x, sigmoid/tanh/exp use y = op(x), neg uses neither. */
  unaryBackward(op: UnaryOp, x: Tensor, y: Tensor, dy: Tensor): Tensor;
  /**
   * a op b with broadcasting of b over a's leading axes: b.shape must be a suffix of a.shape (same shape,
   * a bias [C] against [..., C], or a scalar with shape [] or [1]). Output has a's shape.
   */
  binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor;
  /** alpha·x + beta, elementwise. */
  affine(x: Tensor, alpha: number, beta: number): Tensor;
  /** Sum over the leading axes so the result has `shape`, a suffix of x.shape (the backward of broadcasting). */
  sumTo(x: Tensor, shape: Shape): Tensor;
  /** Sum over one axis (negative counts from the end); the axis is removed from the shape. */
  sum(x: Tensor, axis: number): Tensor;

  // ---- layers and losses --------------------------------------------------------------------------------------

  /** LayerNorm over the last axis with gamma, beta of shape [C]. */
  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult;
  layerNormBackward(x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor, dy: Tensor): LayerNormGrads;
  /**
   * table [V, C], ids [...] holding integer values stored as f32 → [..., C]. An id that is not an integer in
   * [0, V) gives a row of zeros on every backend (a CPU backend built with `checkIndices` throws instead).
   */
  embedding(table: Tensor, ids: Tensor): Tensor;
  /** dtable [V, C]: dy [..., C] scatter-added at ids (deterministic: no float atomics); bad ids add nothing. */
  embeddingBackward(ids: Tensor, dy: Tensor, vocab: number): Tensor;
  /**
   * Mean over rows of −log softmax(logits)[target]; logits [N, C], targets [N] (f32 integers) → loss [] and
   * probs [N, C]. A target outside [0, C) adds 0 to the loss (and no one-hot to the backward's gradient).
   */
  crossEntropy(logits: Tensor, targets: Tensor): { loss: Tensor; probs: Tensor };
  /** dlogits = (probs − onehot(targets)) · dloss / N, with dloss a [] tensor. */
  crossEntropyBackward(probs: Tensor, targets: Tensor, dloss: Tensor): Tensor;
  /** mean((pred − target)²) → []. */
  mse(pred: Tensor, target: Tensor): Tensor;
  /** dpred = 2·(pred − target)·dloss / n, with dloss a [] tensor. */
  mseBackward(pred: Tensor, target: Tensor, dloss: Tensor): Tensor;
  /**
   * Gradients of `attention` from its saved lse and output. A (query, key) pair that the forward hid adds
   * nothing, whatever q, k, v and dout hold there; a fully masked row (lse -Infinity) gets dq = 0 and adds
   * nothing; a row whose lse is NaN gets a NaN dq and makes the dk, dv rows of the keys it sees NaN.
   */
  attentionBackward(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    out: Tensor,
    lse: Tensor,
    dout: Tensor,
    opts?: AttentionOptions,
  ): AttentionGrads;

  /**
   * The seed article's attention layer over linear experts, fused: y = Σₑ softmax(x·scores + scoresBias)ₑ ·
   * (x·values + valuesBias)ₑ per row of x [N, F], with values and scores [F, E] (or [K, F, E]: K models on the
   * same rows). Returns y [N] (or [K, N]) and the softmax weights [N, E] (or [K, N, E]), saved for the backward.
   * See kernels/mixture/shape.ts for the rules on non-finite input.
   */
  mixture(x: Tensor, values: Tensor, scores: Tensor, opts?: MixtureOptions): { y: Tensor; weights: Tensor };
  /** Gradients of `mixture` from its saved weights and dy of y's shape. */
  mixtureBackward(
    x: Tensor,
    values: Tensor,
    scores: Tensor,
    weights: Tensor,
    dy: Tensor,
    opts?: MixtureOptions,
  ): MixtureGrads;

  // ---- optimizers (in place) ---------------------------------------------------------------------------------

  /** Σ x² over every element of every tensor → [1]. */
  sumSquares(xs: readonly Tensor[]): Tensor;
  /** p −= lr·(m = momentum·m + g + wd·p) for each parameter; updates params and momenta in place. */
  sgdStep(
    params: readonly Tensor[],
    grads: readonly Tensor[],
    momenta: readonly Tensor[],
    hp: SgdParams,
    clip?: ClipArgs,
  ): void;
  /** Adam/AdamW with bias correction; updates params, m and v in place. */
  adamStep(
    params: readonly Tensor[],
    grads: readonly Tensor[],
    m: readonly Tensor[],
    v: readonly Tensor[],
    hp: AdamParams,
    clip?: ClipArgs,
  ): void;
  /** Overwrite dst's values with src's (same size). */
  copyInto(dst: Tensor, src: Tensor): void;

  readonly fallbacks: FallbackCounts;
}

/** The ops a backend's table implements: every method of the contract but storage (tensor, zeros, read, reshape, copyInto). */
export type OpName = Exclude<
  keyof Backend,
  "name" | "description" | "fallbacks" | "tensor" | "zeros" | "read" | "reshape" | "copyInto"
>;

/**
 * Each op's argument names, in order, for error messages ("matmul: argument 'b' ..."). An options object's
 * tensors are named by their key ("bias"), or "name.key" when the name is not "opts" ("clip.sumSq").
 */
export const OP_ARGS: Record<OpName, readonly string[]> = {
  matmul: ["a", "b", "opts"],
  softmax: ["x"],
  softmaxLse: ["x", "opts"],
  softmaxBackward: ["y", "dy"],
  attention: ["q", "k", "v", "opts"],
  permute: ["x", "perm"],
  unary: ["op", "x"],
  unaryBackward: ["op", "x", "y", "dy"],
  binary: ["op", "a", "b"],
  affine: ["x", "alpha", "beta"],
  sumTo: ["x", "shape"],
  sum: ["x", "axis"],
  layerNorm: ["x", "gamma", "beta", "eps"],
  layerNormBackward: ["x", "gamma", "mean", "rstd", "dy"],
  embedding: ["table", "ids"],
  embeddingBackward: ["ids", "dy", "vocab"],
  crossEntropy: ["logits", "targets"],
  crossEntropyBackward: ["probs", "targets", "dloss"],
  mse: ["pred", "target"],
  mseBackward: ["pred", "target", "dloss"],
  attentionBackward: ["q", "k", "v", "out", "lse", "dout", "opts"],
  mixture: ["x", "values", "scores", "opts"],
  mixtureBackward: ["x", "values", "scores", "weights", "dy", "opts"],
  sumSquares: ["xs"],
  sgdStep: ["params", "grads", "momenta", "hp", "clip"],
  adamStep: ["params", "grads", "m", "v", "hp", "clip"],
};

// The op contract: the short list of operations a backend implements. Everything above this layer (autograd,
// layers, models, training) calls only these, so every model runs on either backend unchanged.
//
// Tensors are handles to storage owned by their backend (a Float32Array on the CPU, a GPUBuffer on WebGPU);
// data stays where it is between ops and is copied to the CPU only by `read`.

import type { AttentionOptions } from "../kernels/attention/shape";
import type { BinaryOp, UnaryOp } from "../kernels/elementwise/shape";
import type { MatmulArgsOf } from "../kernels/matmul/shape";
import type { AdamParams, ClipOf, SgdParams } from "../kernels/optim/shape";
import type { SoftmaxOptions } from "../kernels/softmax/shape";
import type { Shape } from "../kernels/validate";

// Option types live with their op (src/kernels/<op>/shape.ts); they are re-exported here for the layers above.
export type { AdamParams, AttentionOptions, BinaryOp, SgdParams, Shape, SoftmaxOptions, UnaryOp };
export type BackendName = "cpu" | "webgpu";

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

/** Clipping by global norm and the non-finite guard of the optimizer steps (see kernels/optim/shape.ts). */
export type ClipArgs = ClipOf<Tensor>;

/** Counts an op's use of the CPU on a WebGPU backend (a shape beyond a kernel's limits), by op name. */
export type FallbackCounts = Record<string, number>;

export interface Backend {
  readonly name: BackendName;
  /** Human-readable: the adapter for WebGPU, the configuration for the CPU. */
  readonly description: string;

  tensor(data: Float32Array | Float64Array | readonly number[], shape: Shape): Tensor;
  zeros(shape: Shape): Tensor;
  /** Copy a tensor's values to the CPU. On WebGPU this is the synchronisation point that surfaces kernel errors. */
  read(t: Tensor): Promise<Float32Array>;

  /** a·b with optional transposes and bias; see kernels/matmul/shape.ts for the shapes. */
  matmul(a: Tensor, b: Tensor, args?: MatmulArgs): Tensor;
  /** Softmax over the last axis. Rows of all -Infinity give all zeros. */
  softmax(x: Tensor): Tensor;
  /**
   * softmax(scale·x) over the last axis with an optional causal mask (kernels/softmax/shape.ts), and each row's
   * log Σⱼ exp(scale·xⱼ) over the kept entries, -Infinity when none: the unfused attention's softmax.
   */
  softmaxLse(x: Tensor, opts?: SoftmaxOptions): { y: Tensor; lse: Tensor };
  /** dx = y ⊙ (dy − Σ(dy ⊙ y)) per row, from the softmax output y. */
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
  /** Gradients of `attention` from its saved lse and output. */
  attentionBackward(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    out: Tensor,
    lse: Tensor,
    dout: Tensor,
    opts?: AttentionOptions,
  ): AttentionGrads;

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
  sumSquares: ["xs"],
  sgdStep: ["params", "grads", "momenta", "hp", "clip"],
  adamStep: ["params", "grads", "m", "v", "hp", "clip"],
};

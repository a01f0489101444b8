// The op contract: the short list of operations a backend implements. Everything above this layer (autograd,
// layers, models, training) calls only these, so every model runs on either backend unchanged.
//
// Tensors are handles to storage owned by their backend (a Float32Array on the CPU, a GPUBuffer on WebGPU);
// data stays where it is between ops and is copied to the CPU only by `read`.

import type { MatmulOptions } from "../kernels/matmul-shape";
import type { Shape } from "../kernels/validate";

export type { Shape };
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

export interface MatmulArgs extends MatmulOptions {
  /** [N], added to every output row. */
  bias?: Tensor;
}

export interface AttentionOptions {
  /** Query i sees keys j <= i + (S - T) (aligned at the end, so T = S gives the usual lower triangle). */
  causal?: boolean;
  /** Multiplies Q·Kᵀ; defaults to 1/sqrt(d). */
  scale?: number;
}

export interface AttentionResult {
  /** [B, H, T, d] */
  out: Tensor;
  /** [B, H, T]: log Σⱼ exp(sᵢⱼ) per query row (natural log, after scale and mask); -Infinity for a fully masked row. */
  lse: Tensor;
}

/** Counts an op's use of the CPU on a WebGPU backend (a shape beyond a kernel's limits), by op name. */
export type FallbackCounts = Record<string, number>;

export interface Backend {
  readonly name: BackendName;
  /** Human-readable: the adapter for WebGPU, "JavaScript (float64 accumulation)" for the CPU. */
  readonly description: string;

  tensor(data: Float32Array | readonly number[], shape: Shape): Tensor;
  zeros(shape: Shape): Tensor;
  /** Copy a tensor's values to the CPU. On WebGPU this is the synchronisation point that surfaces kernel errors. */
  read(t: Tensor): Promise<Float32Array>;

  /** a·b with optional transposes and bias; see kernels/matmul-shape.ts for the shapes. */
  matmul(a: Tensor, b: Tensor, args?: MatmulArgs): Tensor;
  /** Softmax over the last axis. Rows of all -Infinity give all zeros. */
  softmax(x: Tensor): Tensor;
  /** dx = y ⊙ (dy − Σ(dy ⊙ y)) per row, from the softmax output y. */
  softmaxBackward(y: Tensor, dy: Tensor): Tensor;
  /** Scaled dot-product attention; q [B, H, T, d], k and v [B, H, S, d]. */
  attention(q: Tensor, k: Tensor, v: Tensor, opts?: AttentionOptions): AttentionResult;

  readonly fallbacks: FallbackCounts;
}

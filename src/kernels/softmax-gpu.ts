// WebGPU dispatch of softmax over the last axis and its backward. (Variants: see SOFTMAX_VARIANTS.)
// STUB: to be implemented.

import type { GpuRuntime } from "../gpu/runtime";

export type SoftmaxVariant = "row" | "workgroup";

export interface SoftmaxGpuOptions {
  /** Multiply the logits by this before the softmax (default 1). */
  scale?: number;
  /**
   * Causal mask for attention scores laid out as [blocks, T, S] with S = cols: row r is query i = r mod T and
   * keeps columns j <= i + (S - T); the others count as -Infinity. Absent: no mask.
   */
  causalT?: number;
  /** When given, also write log Σⱼ exp(scale·xⱼ) of each row here (`rows` floats; -Infinity for an all-masked row). */
  lse?: GPUBuffer;
}

export function softmaxGpu(
  _rt: GpuRuntime,
  _variant: SoftmaxVariant,
  _x: GPUBuffer,
  _out: GPUBuffer,
  _rows: number,
  _cols: number,
  _opts: SoftmaxGpuOptions = {},
): void {
  throw new Error("softmax: not implemented yet");
}

/** dx = y ⊙ (dy − Σ(dy ⊙ y)) per row. */
export function softmaxBackwardGpu(
  _rt: GpuRuntime,
  _variant: SoftmaxVariant,
  _y: GPUBuffer,
  _dy: GPUBuffer,
  _dx: GPUBuffer,
  _rows: number,
  _cols: number,
): void {
  throw new Error("softmaxBackward: not implemented yet");
}

// WebGPU dispatch of the optimizer steps (SGD with momentum, Adam/AdamW), the global gradient norm and
// clipping with its non-finite guard. STUB: to be implemented.

import type { AdamParams, SgdParams } from "../contract";
import type { GpuTensor } from "../gpu-tensor";
import type { WebGPUBackend } from "../webgpu";

const todo = (op: string): never => {
  throw new Error(`${op}: not implemented yet`);
};

export interface GpuClip {
  sumSq: GpuTensor;
  maxNorm: number;
}

export function sumSquares(_be: WebGPUBackend, _xs: readonly GpuTensor[]): GpuTensor {
  return todo("sumSquares");
}
export function sgdStep(
  _be: WebGPUBackend,

  _params: readonly GpuTensor[],
  _grads: readonly GpuTensor[],
  _momenta: readonly GpuTensor[],
  _hp: SgdParams,
  _clip?: GpuClip,
): void {
  todo("sgdStep");
}
export function adamStep(
  _be: WebGPUBackend,

  _params: readonly GpuTensor[],
  _grads: readonly GpuTensor[],
  _m: readonly GpuTensor[],
  _v: readonly GpuTensor[],
  _hp: AdamParams,
  _clip?: GpuClip,
): void {
  todo("adamStep");
}

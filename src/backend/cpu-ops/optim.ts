// CPU reference of the optimizer steps (SGD with momentum, Adam/AdamW), the global gradient norm and
// clipping with its non-finite guard. STUB: to be implemented.

import type { AdamParams, SgdParams } from "../contract";
import type { CpuTensor } from "../cpu-tensor";

const todo = (op: string): never => {
  throw new Error(`${op}: not implemented yet`);
};

export interface CpuClip {
  sumSq: CpuTensor;
  maxNorm: number;
}

export function sumSquares(_xs: readonly CpuTensor[]): CpuTensor {
  return todo("sumSquares");
}
export function sgdStep(
  _params: readonly CpuTensor[],
  _grads: readonly CpuTensor[],
  _momenta: readonly CpuTensor[],
  _hp: SgdParams,
  _clip?: CpuClip,
): void {
  todo("sgdStep");
}
export function adamStep(
  _params: readonly CpuTensor[],
  _grads: readonly CpuTensor[],
  _m: readonly CpuTensor[],
  _v: readonly CpuTensor[],
  _hp: AdamParams,
  _clip?: CpuClip,
): void {
  todo("adamStep");
}

// WebGPU dispatch of the shape and elementwise ops: permute, unary (+ backward), binary with suffix
// broadcasting, affine, sumTo, sum over an axis. STUB: to be implemented.

import type { BinaryOp, UnaryOp } from "../contract";
import type { GpuTensor } from "../gpu-tensor";
import type { WebGPUBackend } from "../webgpu";

const todo = (op: string): never => {
  throw new Error(`${op}: not implemented yet`);
};

export function permute(_be: WebGPUBackend, _x: GpuTensor, _perm: readonly number[]): GpuTensor {
  return todo("permute");
}
export function unary(_be: WebGPUBackend, _op: UnaryOp, _x: GpuTensor): GpuTensor {
  return todo("unary");
}
export function unaryBackward(
  _be: WebGPUBackend,
  _op: UnaryOp,
  _x: GpuTensor,
  _y: GpuTensor,
  _dy: GpuTensor,
): GpuTensor {
  return todo("unaryBackward");
}
export function binary(_be: WebGPUBackend, _op: BinaryOp, _a: GpuTensor, _b: GpuTensor): GpuTensor {
  return todo("binary");
}
export function affine(_be: WebGPUBackend, _x: GpuTensor, _alpha: number, _beta: number): GpuTensor {
  return todo("affine");
}
export function sumTo(_be: WebGPUBackend, _x: GpuTensor, _shape: readonly number[]): GpuTensor {
  return todo("sumTo");
}
export function sum(_be: WebGPUBackend, _x: GpuTensor, _axis: number): GpuTensor {
  return todo("sum");
}

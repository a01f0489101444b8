// CPU reference of the shape and elementwise ops: permute, unary (+ backward), binary with suffix
// broadcasting, affine, sumTo, sum over an axis. STUB: to be implemented.

import type { BinaryOp, UnaryOp } from "../contract";
import type { CpuTensor } from "../cpu-tensor";

const todo = (op: string): never => {
  throw new Error(`${op}: not implemented yet`);
};

export function permute(_x: CpuTensor, _perm: readonly number[]): CpuTensor {
  return todo("permute");
}
export function unary(_op: UnaryOp, _x: CpuTensor): CpuTensor {
  return todo("unary");
}
export function unaryBackward(_op: UnaryOp, _x: CpuTensor, _y: CpuTensor, _dy: CpuTensor): CpuTensor {
  return todo("unaryBackward");
}
export function binary(_op: BinaryOp, _a: CpuTensor, _b: CpuTensor): CpuTensor {
  return todo("binary");
}
export function affine(_x: CpuTensor, _alpha: number, _beta: number): CpuTensor {
  return todo("affine");
}
export function sumTo(_x: CpuTensor, _shape: readonly number[]): CpuTensor {
  return todo("sumTo");
}
export function sum(_x: CpuTensor, _axis: number): CpuTensor {
  return todo("sum");
}

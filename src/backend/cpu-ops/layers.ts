// CPU reference of layer norm, embedding, and the losses (softmax cross-entropy, mean squared error).
// STUB: to be implemented.

import type { CpuTensor } from "../cpu-tensor";

const todo = (op: string): never => {
  throw new Error(`${op}: not implemented yet`);
};

export function layerNorm(
  _x: CpuTensor,
  _gamma: CpuTensor,
  _beta: CpuTensor,
  _eps: number,
): { y: CpuTensor; mean: CpuTensor; rstd: CpuTensor } {
  return todo("layerNorm");
}
export function layerNormBackward(
  _x: CpuTensor,
  _gamma: CpuTensor,
  _mean: CpuTensor,
  _rstd: CpuTensor,
  _dy: CpuTensor,
): { dx: CpuTensor; dgamma: CpuTensor; dbeta: CpuTensor } {
  return todo("layerNormBackward");
}
export function embedding(_table: CpuTensor, _ids: CpuTensor): CpuTensor {
  return todo("embedding");
}
export function embeddingBackward(_ids: CpuTensor, _dy: CpuTensor, _vocab: number): CpuTensor {
  return todo("embeddingBackward");
}
export function crossEntropy(_logits: CpuTensor, _targets: CpuTensor): { loss: CpuTensor; probs: CpuTensor } {
  return todo("crossEntropy");
}
export function crossEntropyBackward(_probs: CpuTensor, _targets: CpuTensor, _dloss: CpuTensor): CpuTensor {
  return todo("crossEntropyBackward");
}
export function mse(_pred: CpuTensor, _target: CpuTensor): CpuTensor {
  return todo("mse");
}
export function mseBackward(_pred: CpuTensor, _target: CpuTensor, _dloss: CpuTensor): CpuTensor {
  return todo("mseBackward");
}

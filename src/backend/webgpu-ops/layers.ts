// WebGPU dispatch of layer norm, embedding, and the losses (softmax cross-entropy, mean squared error).
// STUB: to be implemented.

import type { GpuTensor } from "../gpu-tensor";
import type { WebGPUBackend } from "../webgpu";

const todo = (op: string): never => {
  throw new Error(`${op}: not implemented yet`);
};

export function layerNorm(
  _be: WebGPUBackend,

  _x: GpuTensor,
  _gamma: GpuTensor,
  _beta: GpuTensor,
  _eps: number,
): { y: GpuTensor; mean: GpuTensor; rstd: GpuTensor } {
  return todo("layerNorm");
}
export function layerNormBackward(
  _be: WebGPUBackend,

  _x: GpuTensor,
  _gamma: GpuTensor,
  _mean: GpuTensor,
  _rstd: GpuTensor,
  _dy: GpuTensor,
): { dx: GpuTensor; dgamma: GpuTensor; dbeta: GpuTensor } {
  return todo("layerNormBackward");
}
export function embedding(_be: WebGPUBackend, _table: GpuTensor, _ids: GpuTensor): GpuTensor {
  return todo("embedding");
}
export function embeddingBackward(
  _be: WebGPUBackend,
  _ids: GpuTensor,
  _dy: GpuTensor,
  _vocab: number,
): GpuTensor {
  return todo("embeddingBackward");
}
export function crossEntropy(
  _be: WebGPUBackend,
  _logits: GpuTensor,
  _targets: GpuTensor,
): { loss: GpuTensor; probs: GpuTensor } {
  return todo("crossEntropy");
}
export function crossEntropyBackward(
  _be: WebGPUBackend,
  _probs: GpuTensor,
  _targets: GpuTensor,
  _dloss: GpuTensor,
): GpuTensor {
  return todo("crossEntropyBackward");
}
export function mse(_be: WebGPUBackend, _pred: GpuTensor, _target: GpuTensor): GpuTensor {
  return todo("mse");
}
export function mseBackward(
  _be: WebGPUBackend,
  _pred: GpuTensor,
  _target: GpuTensor,
  _dloss: GpuTensor,
): GpuTensor {
  return todo("mseBackward");
}

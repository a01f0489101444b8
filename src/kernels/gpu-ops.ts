// The WebGPU dispatch of every op, by op module (src/kernels/<op>/gpu.ts, named as in OP_MODULE of
// src/backend/table.ts): the modules the WebGPU backend's table is built from.

export * as attention from "./attention/gpu";
export * as attentionBackward from "./attention-backward/gpu";
export * as crossEntropy from "./cross-entropy/gpu";
export * as elementwise from "./elementwise/gpu";
export * as embedding from "./embedding/gpu";
export * as layerNorm from "./layernorm/gpu";
export * as matmul from "./matmul/gpu";
export * as mixture from "./mixture/gpu";
export * as mse from "./mse/gpu";
export * as optim from "./optim/gpu";
export * as softmax from "./softmax/gpu";

// The CPU reference of every op, by op module (src/kernels/<op>/reference.ts, named as in OP_MODULE of
// src/backend/table.ts): the modules the CPU backend's table is built from.

export * as attention from "./attention/reference";
export * as attentionBackward from "./attention-backward/reference";
export * as crossEntropy from "./cross-entropy/reference";
export * as elementwise from "./elementwise/reference";
export * as embedding from "./embedding/reference";
export * as layerNorm from "./layernorm/reference";
export * as matmul from "./matmul/reference";
export * as mixture from "./mixture/reference";
export * as mse from "./mse/reference";
export * as optim from "./optim/reference";
export * as softmax from "./softmax/reference";

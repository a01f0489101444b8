// WebGPU scaled dot-product attention: a fused kernel (online softmax over key blocks, no T×S matrix in
// global memory) and the unfused path (matmul, softmax, matmul) kept as a comparison and a second oracle.
// STUB: to be implemented.

export type AttentionVariant = "fused" | "unfused";

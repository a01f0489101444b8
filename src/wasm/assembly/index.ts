// Entry of the kernel module: every export the host layer (src/wasm/*.ts) calls. Pointers are byte addresses
// into the (imported) linear memory; the host owns every allocation, so the module has no heap of its own.

export { attentionBackwardDkv, attentionBackwardDq, attentionDelta, attentionForward, attentionScratchFloats } from "./attention";
export { affine, binary, permute4, sumAxis, sumSquares, unary, unaryBackward } from "./elementwise";
export {
  matmulCols,
  matmulColsScratchFloats,
  matmulPackB,
  matmulPackedSize,
  matmulRows,
  matmulScratchFloats,
  matmulSplitK,
  matmulSplitKChunks,
  matmulSplitKScratchFloats,
  matmulSumPartials,
} from "./matmul";
export { adamUpdate, sgdUpdate } from "./optim";
export {
  crossEntropy,
  crossEntropyBackward,
  embedding,
  embeddingBackward,
  firstBadIndex,
  layerNorm,
  layerNormBackward,
  mseBackward,
  softmax,
  softmaxBackward,
  softmaxScaled,
  sumSquaredError,
} from "./rows";
export { mixtureBackward, mixtureForward } from "./mixture";

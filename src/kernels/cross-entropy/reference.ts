// CPU reference of softmax cross-entropy and its backward: the spec the WGSL kernels are checked against. Sums
// accumulate in float64. Targets are f32 integers; a target outside [0, C) adds 0 to the loss and no one-hot to
// the gradient, as on the GPU. A CPU backend built with `checkIndices` throws on one instead.

import { alloc, allocFrom, type CpuOpContext, type Host, host } from "../float-array";
import { checkIndices, validIndex } from "../validate";
import { crossEntropyBackwardDims, crossEntropyDims } from "./shape";

/**
 * probs = softmax(logits) per row (max subtracted first); loss = mean over rows of (m − x_t) + log Σ exp(x − m),
 * which is −log probs[t] without forming log of a possibly underflowed probability.
 */
export function crossEntropy(k: CpuOpContext, logits: Host, targets: Host): { loss: Host; probs: Host } {
  const { N, C } = crossEntropyDims(logits.shape, targets.shape);
  if (k.checkIndices) checkIndices("crossEntropy", "targets", targets.data, C);
  const X = logits.data;
  const probs = alloc(X, N * C);
  let total = 0;
  for (let r = 0; r < N; r++) {
    const o = r * C;
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, X[o + j]!);
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(X[o + j]! - m);
    for (let j = 0; j < C; j++) probs[o + j] = Math.exp(X[o + j]! - m) / s;
    const t = targets.data[r]!;
    if (validIndex(t, C)) total += m - X[o + t]! + Math.log(s);
  }
  return { loss: host([], allocFrom(X, [total / N])), probs: host([N, C], probs) };
}

/** dlogits = (probs − onehot(targets))·dloss/N. */
export function crossEntropyBackward(k: CpuOpContext, probs: Host, targets: Host, dloss: Host): Host {
  const { N, C } = crossEntropyBackwardDims(probs.shape, targets.shape, dloss.shape);
  if (k.checkIndices) checkIndices("crossEntropyBackward", "targets", targets.data, C);
  const scale = dloss.data[0]! / N;
  const P = probs.data;
  const d = alloc(P, N * C);
  for (let r = 0; r < N; r++) {
    const t = targets.data[r]!;
    for (let j = 0; j < C; j++) d[r * C + j] = (P[r * C + j]! - (j === t ? 1 : 0)) * scale;
  }
  return host([N, C], d);
}

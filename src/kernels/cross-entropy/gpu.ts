// WebGPU dispatch of softmax cross-entropy: probs and per-row losses (one invocation per row), then their mean
// (one invocation); the backward is one invocation per element. A target outside [0, C) adds 0 to the loss and
// no one-hot to the gradient, as in the reference.

import ceBackward from "../../../shaders/cross-entropy-backward.wgsl?raw";
import ceForward from "../../../shaders/cross-entropy-forward.wgsl?raw";
import ceLoss from "../../../shaders/cross-entropy-loss.wgsl?raw";
import { type GpuArray, type GpuOpContext, grid, output, withScratch } from "../launch";
import { crossEntropyBackwardDims, crossEntropyDims } from "./shape";

export function crossEntropy<T extends GpuArray>(
  k: GpuOpContext<T>,
  logits: T,
  targets: T,
): { loss: T; probs: T } {
  const { N, C } = crossEntropyDims(logits.shape, targets.shape);
  const [probs, loss] = k.outputs("crossEntropy", [[N, C], []], (probs, loss) =>
    withScratch(k.rt, N * 4, "crossEntropy:rowLoss", (rowLoss) => {
      k.rt.dispatch(
        { name: "cross-entropy-forward", code: ceForward },
        {},
        [logits.buffer, targets.buffer, probs.buffer, rowLoss],
        [N, C],
        grid(k.rt, N, 64, k.launch),
      );
      k.rt.dispatch({ name: "cross-entropy-loss", code: ceLoss }, {}, [rowLoss, loss.buffer], [N], [1]);
    }),
  );
  return { loss, probs };
}

export function crossEntropyBackward<T extends GpuArray>(
  k: GpuOpContext<T>,
  probs: T,
  targets: T,
  dloss: T,
): T {
  const { N, C } = crossEntropyBackwardDims(probs.shape, targets.shape, dloss.shape);
  return output(k, "crossEntropyBackward", [N, C], (dlogits) =>
    k.rt.dispatch(
      { name: "cross-entropy-backward", code: ceBackward },
      {},
      [probs.buffer, targets.buffer, dloss.buffer, dlogits.buffer],
      [N, C],
      grid(k.rt, N * C, 64, k.launch),
    ),
  );
}

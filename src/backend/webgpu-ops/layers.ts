// WebGPU dispatch of layer norm, embedding, and the losses (softmax cross-entropy, mean squared error).
// Shapes are checked by the same functions as the CPU reference before anything is dispatched. Every kernel is
// barrier-free (one invocation per row, element or column), which suits SwiftShader and is adequate on GPUs
// for the sizes these layers see.
//
// Id and target *values* cannot be checked here without a readback: an embedding id that is not an integer in
// [0, V) gives a row of zeros (and is ignored by the backward); a cross-entropy target outside [0, C) adds 0 to
// the loss and no one-hot to the gradient. The CPU backend throws on both.

import ceBackward from "../../../shaders/cross-entropy-backward.wgsl?raw";
import ceForward from "../../../shaders/cross-entropy-forward.wgsl?raw";
import ceLoss from "../../../shaders/cross-entropy-loss.wgsl?raw";
import embBackward from "../../../shaders/embedding-backward.wgsl?raw";
import embForward from "../../../shaders/embedding-forward.wgsl?raw";
import lnBackwardDx from "../../../shaders/layernorm-backward-dx.wgsl?raw";
import lnBackwardParams from "../../../shaders/layernorm-backward-params.wgsl?raw";
import lnForward from "../../../shaders/layernorm-forward.wgsl?raw";
import mseBackwardCode from "../../../shaders/mse-backward.wgsl?raw";
import mseMean from "../../../shaders/mse-mean.wgsl?raw";
import msePartial from "../../../shaders/mse-partial.wgsl?raw";
import {
  crossEntropyBackwardDims,
  crossEntropyDims,
  embeddingBackwardDims,
  embeddingDims,
  layerNormBackwardDims,
  layerNormDims,
  mseDims,
} from "../cpu-ops/layers";
import type { GpuTensor } from "../gpu-tensor";
import type { WebGPUBackend } from "../webgpu";

/** Invocations per workgroup of every 1-D kernel here. */
const WG = 64;

/** Elements summed by one invocation of mse-partial.wgsl (its CHUNK override). */
export const MSE_CHUNK = 256;

/** Workgroups for `n` invocations, spread over x and y since one grid dimension stops at 65535 on most GPUs. */
function grid(be: WebGPUBackend, n: number): [number, number] {
  const groups = Math.ceil(n / WG);
  const max = be.rt.limits.maxComputeWorkgroupsPerDimension;
  return groups <= max ? [groups, 1] : [max, Math.ceil(groups / max)];
}

/** Run `dispatch`, disposing `outs` if it throws (so a refused shape leaks no pooled buffer). */
function guarded<T>(outs: GpuTensor[], dispatch: () => T): T {
  try {
    return dispatch();
  } catch (e) {
    for (const t of outs) t.dispose();
    throw e;
  }
}

/** A pooled scratch buffer for `floats` values, returned to the pool after `use` has queued its dispatches. */
function withScratch(be: WebGPUBackend, floats: number, label: string, use: (buf: GPUBuffer) => void): void {
  const buf = be.rt.pool.acquire(floats * 4, label);
  try {
    use(buf);
  } finally {
    // Safe at once: later users of the buffer are queued after the dispatches that read it.
    be.rt.pool.release(buf);
  }
}

export function layerNorm(
  be: WebGPUBackend,
  x: GpuTensor,
  gamma: GpuTensor,
  beta: GpuTensor,
  eps: number,
): { y: GpuTensor; mean: GpuTensor; rstd: GpuTensor } {
  const op = "layerNorm";
  const { rows, C } = layerNormDims(x.shape, gamma.shape, beta.shape, eps);
  const y = be.output(op, [...x.shape]);
  const mean = be.output(op, [rows]);
  const rstd = be.output(op, [rows]);
  guarded([y, mean, rstd], () =>
    be.rt.dispatch(
      { name: "layernorm-forward", code: lnForward },
      {},
      [x.buffer, gamma.buffer, beta.buffer, y.buffer, mean.buffer, rstd.buffer],
      [rows, C, { f32: eps }],
      grid(be, rows),
    ),
  );
  return { y, mean, rstd };
}

/** Two kernels: dx row by row, then dgamma and dbeta column by column (each within 8 storage bindings). */
export function layerNormBackward(
  be: WebGPUBackend,
  x: GpuTensor,
  gamma: GpuTensor,
  mean: GpuTensor,
  rstd: GpuTensor,
  dy: GpuTensor,
): { dx: GpuTensor; dgamma: GpuTensor; dbeta: GpuTensor } {
  const op = "layerNormBackward";
  const { rows, C } = layerNormBackwardDims(x.shape, gamma.shape, mean.shape, rstd.shape, dy.shape);
  const dx = be.output(op, [...x.shape]);
  const dgamma = be.output(op, [C]);
  const dbeta = be.output(op, [C]);
  guarded([dx, dgamma, dbeta], () => {
    be.rt.dispatch(
      { name: "layernorm-backward-dx", code: lnBackwardDx },
      {},
      [x.buffer, gamma.buffer, mean.buffer, rstd.buffer, dy.buffer, dx.buffer],
      [rows, C],
      grid(be, rows),
    );
    be.rt.dispatch(
      { name: "layernorm-backward-params", code: lnBackwardParams },
      {},
      [x.buffer, mean.buffer, rstd.buffer, dy.buffer, dgamma.buffer, dbeta.buffer],
      [rows, C],
      [Math.ceil(C / WG)],
    );
  });
  return { dx, dgamma, dbeta };
}

export function embedding(be: WebGPUBackend, table: GpuTensor, ids: GpuTensor): GpuTensor {
  const { V, C, n, out: shape } = embeddingDims(table.shape, ids.shape);
  const out = be.output("embedding", shape);
  guarded([out], () =>
    be.rt.dispatch(
      { name: "embedding-forward", code: embForward },
      {},
      [table.buffer, ids.buffer, out.buffer],
      [n, C, V],
      grid(be, n * C),
    ),
  );
  return out;
}

/** One invocation per (row, channel) of dtable, each scanning all n ids: O(V·C·n) work, deterministic. */
export function embeddingBackward(
  be: WebGPUBackend,
  ids: GpuTensor,
  dy: GpuTensor,
  vocab: number,
): GpuTensor {
  const { V, C, n, out: shape } = embeddingBackwardDims(ids.shape, dy.shape, vocab);
  const dtable = be.output("embeddingBackward", shape);
  guarded([dtable], () =>
    be.rt.dispatch(
      { name: "embedding-backward", code: embBackward },
      {},
      [ids.buffer, dy.buffer, dtable.buffer],
      [n, C, V],
      grid(be, V * C),
    ),
  );
  return dtable;
}

/** Two passes: probs and per-row losses (one invocation per row), then their mean (one invocation). */
export function crossEntropy(
  be: WebGPUBackend,
  logits: GpuTensor,
  targets: GpuTensor,
): { loss: GpuTensor; probs: GpuTensor } {
  const op = "crossEntropy";
  const { N, C } = crossEntropyDims(logits.shape, targets.shape);
  const probs = be.output(op, [N, C]);
  const loss = be.output(op, []);
  guarded([probs, loss], () =>
    withScratch(be, N, "crossEntropy:rowLoss", (rowLoss) => {
      be.rt.dispatch(
        { name: "cross-entropy-forward", code: ceForward },
        {},
        [logits.buffer, targets.buffer, probs.buffer, rowLoss],
        [N, C],
        grid(be, N),
      );
      be.rt.dispatch({ name: "cross-entropy-loss", code: ceLoss }, {}, [rowLoss, loss.buffer], [N], [1]);
    }),
  );
  return { loss, probs };
}

export function crossEntropyBackward(
  be: WebGPUBackend,
  probs: GpuTensor,
  targets: GpuTensor,
  dloss: GpuTensor,
): GpuTensor {
  const { N, C } = crossEntropyBackwardDims(probs.shape, targets.shape, dloss.shape);
  const dlogits = be.output("crossEntropyBackward", [N, C]);
  guarded([dlogits], () =>
    be.rt.dispatch(
      { name: "cross-entropy-backward", code: ceBackward },
      {},
      [probs.buffer, targets.buffer, dloss.buffer, dlogits.buffer],
      [N, C],
      grid(be, N * C),
    ),
  );
  return dlogits;
}

/** Two passes: ceil(n / MSE_CHUNK) partial sums, then their total / n in one invocation. */
export function mse(be: WebGPUBackend, pred: GpuTensor, target: GpuTensor): GpuTensor {
  const n = mseDims("mse", pred.shape, target.shape);
  const P = Math.ceil(n / MSE_CHUNK);
  const loss = be.output("mse", []);
  guarded([loss], () =>
    withScratch(be, P, "mse:partial", (partial) => {
      be.rt.dispatch(
        { name: "mse-partial", code: msePartial },
        { CHUNK: MSE_CHUNK },
        [pred.buffer, target.buffer, partial],
        [n, P],
        grid(be, P),
      );
      be.rt.dispatch({ name: "mse-mean", code: mseMean }, {}, [partial, loss.buffer], [n, P], [1]);
    }),
  );
  return loss;
}

export function mseBackward(
  be: WebGPUBackend,
  pred: GpuTensor,
  target: GpuTensor,
  dloss: GpuTensor,
): GpuTensor {
  const n = mseDims("mseBackward", pred.shape, target.shape, dloss.shape);
  const dpred = be.output("mseBackward", [...pred.shape]);
  guarded([dpred], () =>
    be.rt.dispatch(
      { name: "mse-backward", code: mseBackwardCode },
      {},
      [pred.buffer, target.buffer, dloss.buffer, dpred.buffer],
      [n],
      grid(be, n),
    ),
  );
  return dpred;
}

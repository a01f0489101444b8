// WebGPU dispatch of the embedding lookup (one invocation per output element) and its backward (one invocation
// per (row, channel) of dtable, each scanning all n ids: O(V·C·n) work, deterministic, no float atomics). An id
// that is not an integer in [0, V) gives a row of zeros and is ignored by the backward, as in the reference.

import embBackward from "../../../shaders/embedding-backward.wgsl?raw";
import embForward from "../../../shaders/embedding-forward.wgsl?raw";
import { type GpuArray, type GpuOpContext, grid, output } from "../launch";
import { embeddingBackwardDims, embeddingDims } from "./shape";

export function embedding<T extends GpuArray>(k: GpuOpContext<T>, table: T, ids: T): T {
  const { V, C, n, out } = embeddingDims(table.shape, ids.shape);
  return output(k, "embedding", out, (y) =>
    k.rt.dispatch(
      { name: "embedding-forward", code: embForward },
      {},
      [table.buffer, ids.buffer, y.buffer],
      [n, C, V],
      grid(k.rt, n * C, 64, k.launch),
    ),
  );
}

export function embeddingBackward<T extends GpuArray>(k: GpuOpContext<T>, ids: T, dy: T, vocab: number): T {
  const { V, C, n, out } = embeddingBackwardDims(ids.shape, dy.shape, vocab);
  return output(k, "embeddingBackward", out, (dtable) =>
    k.rt.dispatch(
      { name: "embedding-backward", code: embBackward },
      {},
      [ids.buffer, dy.buffer, dtable.buffer],
      [n, C, V],
      grid(k.rt, V * C, 64, k.launch),
    ),
  );
}

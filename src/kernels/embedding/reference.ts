// CPU reference of the embedding lookup and its backward: the spec the WGSL kernels are checked against. Sums
// accumulate in float64. Ids are f32 integers; an id that is not an integer in [0, V) gives a row of zeros and is
// ignored by the backward, as on the GPU (which cannot check values without a readback). A CPU backend built
// with `checkIndices` throws on one instead, naming the value and its index.

import { alloc, allocFrom, type CpuOpContext, type Host, host } from "../float-array";
import { checkIndices, validIndex } from "../validate";
import { embeddingBackwardDims, embeddingDims } from "./shape";

/** out[..., :] = table[ids[...], :]; an id outside [0, V) gives a row of zeros (or throws when checked). */
export function embedding(k: CpuOpContext, table: Host, ids: Host): Host {
  const { V, C, n, out } = embeddingDims(table.shape, ids.shape);
  if (k.checkIndices) checkIndices("embedding", "ids", ids.data, V);
  const T = table.data;
  const y = alloc(T, n * C);
  for (let i = 0; i < n; i++) {
    const id = ids.data[i]!;
    if (validIndex(id, V)) y.set(T.subarray(id * C, id * C + C), i * C);
  }
  return host(out, y);
}

/**
 * dtable[v, :] = Σ dy[i, :] over every i with ids[i] = v (repeated ids add up); rows never used stay 0, and an
 * id outside [0, V) adds nothing (or throws when checked).
 */
export function embeddingBackward(k: CpuOpContext, ids: Host, dy: Host, vocab: number): Host {
  const { V, C, n, out } = embeddingBackwardDims(ids.shape, dy.shape, vocab);
  if (k.checkIndices) checkIndices("embeddingBackward", "ids", ids.data, V);
  const acc = new Float64Array(V * C);
  const DY = dy.data;
  for (let i = 0; i < n; i++) {
    if (!validIndex(ids.data[i]!, V)) continue;
    const o = ids.data[i]! * C;
    for (let c = 0; c < C; c++) acc[o + c]! += DY[i * C + c]!;
  }
  return host(out, allocFrom(DY, acc));
}

// Shape rules of the embedding lookup: table [V, C], ids [...] (f32 integers) → [..., C]; the backward takes
// ids, dy [..., C] and the vocabulary size and gives dtable [V, C].

import { fmt, type Shape, ShapeError, sameShape, sizeOf } from "../validate";

export interface EmbeddingDims {
  V: number;
  C: number;
  /** Number of ids. */
  n: number;
  /** [...ids.shape, C] */
  out: number[];
}

export function embeddingDims(table: Shape, ids: Shape): EmbeddingDims {
  if (table.length !== 2) throw new ShapeError("embedding", "table", "must have shape [V, C]", fmt(table));
  const [V, C] = table as [number, number];
  return { V, C, n: sizeOf(ids), out: [...ids, C] };
}

export function embeddingBackwardDims(ids: Shape, dy: Shape, vocab: number): EmbeddingDims {
  const op = "embeddingBackward";
  if (!Number.isInteger(vocab) || vocab < 1) {
    throw new ShapeError(op, "vocab", "must be a positive integer", String(vocab));
  }
  const C = dy[dy.length - 1];
  if (C === undefined || !sameShape(dy.slice(0, -1), ids)) {
    throw new ShapeError(
      op,
      "dy",
      `must have shape [${[...ids, "C"].join(", ")}] (ids ${fmt(ids)})`,
      fmt(dy),
    );
  }
  return { V: vocab, C, n: sizeOf(ids), out: [vocab, C] };
}

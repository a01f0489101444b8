// Shape rules of the mean squared error: pred and target of one shape (>= 1 element) → loss []; the backward
// also takes a one-element dloss.

import { checkScalar, fmt, type Shape, ShapeError, sameShape, sizeOf } from "../validate";

/** Element count of pred (>= 1: the mean of nothing is undefined); target must match pred. */
export function mseDims(op: string, pred: Shape, target: Shape, dloss?: Shape): number {
  const n = sizeOf(pred);
  if (n < 1) throw new ShapeError(op, "pred", "must have at least one element", fmt(pred));
  if (!sameShape(target, pred))
    throw new ShapeError(op, "target", `must have pred's shape ${fmt(pred)}`, fmt(target));
  if (dloss) checkScalar(op, "dloss", dloss);
  return n;
}

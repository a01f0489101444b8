// Shape rules of softmax cross-entropy: logits [N, C] (N, C >= 1), targets [N] (f32 class indices) → loss []
// and probs [N, C]; the backward takes probs, targets and a one-element dloss.

import { checkScalar, fmt, type Shape, ShapeError, sameShape } from "../validate";

export interface ClassDims {
  /** Rows (samples) and classes. */
  N: number;
  C: number;
}

function classDims(op: string, arg: string, logits: Shape, targets: Shape): ClassDims {
  if (logits.length !== 2 || logits[0]! < 1 || logits[1]! < 1) {
    throw new ShapeError(op, arg, "must have shape [N, C] with N, C >= 1", fmt(logits));
  }
  const [N, C] = logits as [number, number];
  if (!sameShape(targets, [N])) {
    throw new ShapeError(op, "targets", `must have shape [${N}] (one class per row of ${arg})`, fmt(targets));
  }
  return { N, C };
}

export function crossEntropyDims(logits: Shape, targets: Shape): ClassDims {
  return classDims("crossEntropy", "logits", logits, targets);
}

export function crossEntropyBackwardDims(probs: Shape, targets: Shape, dloss: Shape): ClassDims {
  const d = classDims("crossEntropyBackward", "probs", probs, targets);
  checkScalar("crossEntropyBackward", "dloss", dloss);
  return d;
}

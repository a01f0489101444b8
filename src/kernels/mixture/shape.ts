// Shape rules of the mixture layer y = Σₑ softmax(x·Wₛ + bₛ)ₑ · (x·Wᵥ + bᵥ)ₑ (the seed article's attention over
// linear experts), fused: shared by the CPU reference, the WGSL and wasm kernels and the backends.
//
//   x:            [N, F]         the rows, shared by every model of a batch
//   values, scores: [F, E] or [K, F, E]   the experts' value and score weights (K models stacked: many seeds)
//   valuesBias, scoresBias (optional): [E] or [K, E]
//   y:            [N] or [K, N]
//   weights:      [N, E] or [K, N, E]   softmax of the scores, saved for the backward
//   backward:     dy of y's shape → dx [N, F] (summed over K), dvalues, dscores (their weights' shapes), and the
//                 biases' gradients when the biases were given
//
// Non-finite input: the scores' softmax follows `softmax` (an expert with score -Infinity has weight 0; a row
// whose scores hold NaN or +Infinity has NaN weights). An expert whose weight is exactly 0 adds nothing to y or to
// any gradient, whatever its value holds (selected, never multiplied in as 0). Otherwise IEEE arithmetic.

import { fmt, type Shape, ShapeError, sameShape } from "../validate";

export interface MixtureDims {
  /** Models stacked (1 when the weights have rank 2). */
  K: number;
  /** True when the weights carry the K axis (the outputs then do too). */
  stacked: boolean;
  N: number;
  F: number;
  E: number;
  /** y's shape. */
  y: Shape;
  /** The weights' shape. */
  weights: Shape;
}

/** The biases an op call gives (tensors or their shapes). */
export interface MixtureBiases<T> {
  valuesBias?: T;
  scoresBias?: T;
}

/** The backward's results (T: a tensor type). */
export interface MixtureGradsOf<T> {
  dx: T;
  dvalues: T;
  dscores: T;
  /** Given when valuesBias was. */
  dvaluesBias?: T;
  /** Given when scoresBias was. */
  dscoresBias?: T;
}

/** The shapes of the biases given (for the dims checks). */
export function biasShapes<T extends { readonly shape: Shape }>(b: MixtureBiases<T>): MixtureBiases<Shape> {
  return {
    ...(b.valuesBias ? { valuesBias: b.valuesBias.shape } : {}),
    ...(b.scoresBias ? { scoresBias: b.scoresBias.shape } : {}),
  };
}

function checkInt(op: string, arg: string, shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError(op, arg, "must have non-negative integer sizes", String(shape));
}

export function mixtureDims(
  op: string,
  x: Shape,
  values: Shape,
  scores: Shape,
  biases: MixtureBiases<Shape> = {},
): MixtureDims {
  for (const [arg, s] of [
    ["x", x],
    ["values", values],
    ["scores", scores],
  ] as const)
    checkInt(op, arg, s);
  if (x.length !== 2) throw new ShapeError(op, "x", "must have shape [N, F]", fmt(x));
  const [N, F] = x as [number, number];
  if (values.length !== 2 && values.length !== 3)
    throw new ShapeError(op, "values", "must have shape [F, E] or [K, F, E]", fmt(values));
  const stacked = values.length === 3;
  const K = stacked ? values[0]! : 1;
  const E = values[values.length - 1]!;
  if (values[values.length - 2] !== F)
    throw new ShapeError(op, "values", `must have ${F} rows (x's columns)`, fmt(values));
  if (E < 1) throw new ShapeError(op, "values", "must have at least one expert (column)", fmt(values));
  if (!sameShape(scores, values))
    throw new ShapeError(op, "scores", `must have values' shape ${fmt(values)}`, fmt(scores));
  const biasShape = stacked ? [K, E] : [E];
  for (const arg of ["valuesBias", "scoresBias"] as const) {
    const b = biases[arg];
    if (b === undefined) continue;
    checkInt(op, arg, b);
    if (!sameShape(b, biasShape)) throw new ShapeError(op, arg, `must have shape ${fmt(biasShape)}`, fmt(b));
  }
  return {
    K,
    stacked,
    N,
    F,
    E,
    y: stacked ? [K, N] : [N],
    weights: stacked ? [K, N, E] : [N, E],
  };
}

/** The backward's dims: the forward's, with `weights` and `dy` checked against them. */
export function mixtureBackwardDims(
  x: Shape,
  values: Shape,
  scores: Shape,
  weights: Shape,
  dy: Shape,
  biases: MixtureBiases<Shape> = {},
): MixtureDims {
  const d = mixtureDims("mixtureBackward", x, values, scores, biases);
  checkInt("mixtureBackward", "weights", weights);
  checkInt("mixtureBackward", "dy", dy);
  if (!sameShape(weights, d.weights))
    throw new ShapeError("mixtureBackward", "weights", `must have shape ${fmt(d.weights)}`, fmt(weights));
  if (!sameShape(dy, d.y))
    throw new ShapeError("mixtureBackward", "dy", `must have shape ${fmt(d.y)}`, fmt(dy));
  return d;
}

/** `mixtureBackwardDims` of the arrays themselves: their shapes and those of the biases given. */
export function mixtureBackwardDimsOf<T extends { readonly shape: Shape }>(
  x: T,
  values: T,
  scores: T,
  weights: T,
  dy: T,
  opts: MixtureBiases<T>,
): ReturnType<typeof mixtureBackwardDims> {
  return mixtureBackwardDims(x.shape, values.shape, scores.shape, weights.shape, dy.shape, biasShapes(opts));
}

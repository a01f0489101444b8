// Shape rules of layer norm over the last axis, shared by the CPU reference and the WGSL kernels.
//
//   x: [..., C] seen as rows × C;  gamma, beta: [C];  y: x's shape;  mean, rstd: [rows] (saved for the backward)
//   backward: mean and rstd as [rows] or x's leading dimensions, dy of x's shape → dx, dgamma [C], dbeta [C]

import { checkNumber, fmt, type RowDims, rowDims, type Shape, ShapeError, sameShape } from "../validate";

function checkVector(op: string, arg: string, shape: Shape, C: number, of: string): void {
  if (shape.length !== 1 || shape[0] !== C) {
    throw new ShapeError(op, arg, `must have shape [${C}] (the last dimension of ${of})`, fmt(shape));
  }
}

/** Per-row statistics: shape [rows], or x's leading dimensions. */
function checkRowStats(op: string, arg: string, shape: Shape, x: Shape, rows: number): void {
  if (!sameShape(shape, [rows]) && !sameShape(shape, x.slice(0, -1))) {
    throw new ShapeError(op, arg, `must have shape [${rows}] (one value per row of x ${fmt(x)})`, fmt(shape));
  }
}

export function layerNormDims(x: Shape, gamma: Shape, beta: Shape, eps: number): RowDims {
  const d = rowDims("layerNorm", "x", x);
  checkVector("layerNorm", "gamma", gamma, d.C, "x");
  checkVector("layerNorm", "beta", beta, d.C, "x");
  checkNumber("layerNorm", "eps", eps, true);
  return d;
}

export function layerNormBackwardDims(x: Shape, gamma: Shape, mean: Shape, rstd: Shape, dy: Shape): RowDims {
  const op = "layerNormBackward";
  const d = rowDims(op, "x", x);
  checkVector(op, "gamma", gamma, d.C, "x");
  checkRowStats(op, "mean", mean, x, d.rows);
  checkRowStats(op, "rstd", rstd, x, d.rows);
  if (!sameShape(dy, x)) throw new ShapeError(op, "dy", `must have x's shape ${fmt(x)}`, fmt(dy));
  return d;
}

// Shape rules, options and variant names of softmax over the last axis, shared by the CPU reference, the WGSL
// kernels and the backends.
//
//   x:  [...lead, cols]  (rank >= 1), seen as rows = prod(lead) rows of `cols` values
//   y:  same shape as x
//   backward: y and dy of the same shape, dx of that shape
//
// Input values: finite numbers or -Infinity (an excluded entry). A row whose kept entries hold a NaN or +Infinity
// (after scaling) gives NaN in every kept entry and in its lse, on every backend and variant; masked entries
// stay 0.

import { checkNumber, checkSameShape, checkShape, type Shape, ShapeError, sizeOf } from "../validate";

/** row: one invocation per row, barrier-free; workgroup: one workgroup per row, reductions in workgroup memory. */
export const SOFTMAX_VARIANTS = ["row", "workgroup"] as const;
export type SoftmaxVariant = (typeof SOFTMAX_VARIANTS)[number];

export interface SoftmaxDims {
  rows: number;
  cols: number;
}

/** Options of `softmaxLse` (the unfused attention's softmax: scaled, causally masked scores). */
export interface SoftmaxOptions {
  /** Multiply the logits by this before the softmax (default 1). Must be finite; scale·x must stay finite in f32. */
  scale?: number;
  /**
   * Causal mask for attention scores laid out as [blocks, T, S] with S = cols and T = causalT: row r is query
   * i = r mod T and keeps columns j <= i + (S - T); the others count as -Infinity. rows must be a multiple of T.
   */
  causalT?: number;
}

export function softmaxDims(op: string, arg: string, shape: Shape): SoftmaxDims {
  checkShape(op, arg, shape, 1);
  const cols = shape[shape.length - 1]!;
  return { rows: cols === 0 ? sizeOf(shape.slice(0, -1)) : sizeOf(shape) / cols, cols };
}

export function softmaxBackwardDims(y: Shape, dy: Shape): SoftmaxDims {
  const d = softmaxDims("softmaxBackward", "y", y);
  checkShape("softmaxBackward", "dy", dy);
  checkSameShape("softmaxBackward", "dy", dy, y);
  return d;
}

/** Throws a ShapeError naming `op` when an option is out of range for rows x cols. */
export function checkSoftmaxOptions(op: string, rows: number, opts: SoftmaxOptions): void {
  if (opts.scale !== undefined) checkNumber(op, "scale", opts.scale);
  const T = opts.causalT;
  if (T === undefined) return;
  if (!Number.isInteger(T) || T <= 0)
    throw new ShapeError(op, "causalT", "must be a positive integer", String(T));
  if (rows % T !== 0)
    throw new ShapeError(op, "causalT", `must divide the number of rows (${rows})`, String(T));
}

/** Number of leading columns row r keeps: all of them without a mask, j <= i + (S - T) with one. */
export function keptColumns(r: number, cols: number, causalT: number | undefined): number {
  if (causalT === undefined) return cols;
  const i = r % causalT;
  // j <= i + cols - T  <=>  j < i + cols + 1 - T; clamp to [0, cols].
  return Math.max(0, Math.min(cols, i + cols + 1 - causalT));
}

// Op names, argument checks and index arithmetic shared by the CPU reference and the WebGPU dispatch of the
// shape, elementwise and reduction ops (permute, unary, unaryBackward, binary, affine, sumTo, sum).

import { checkNumber, checkSameShape, fmt, type Shape, ShapeError, sizeOf } from "../validate";

/** gelu is the tanh approximation, x·σ(2·√(2/π)·(x + 0.044715x³)) = ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export type UnaryOp = "relu" | "sigmoid" | "tanh" | "exp" | "neg" | "gelu";
export type BinaryOp = "add" | "sub" | "mul";

/** Op codes of the `OP` override in elementwise-unary*.wgsl; the order is the shaders' switch. */
export const UNARY_CODES: Record<UnaryOp, number> = { relu: 0, sigmoid: 1, tanh: 2, exp: 3, neg: 4, gelu: 5 };
/** Op codes of the `OP` override in elementwise-binary.wgsl. */
export const BINARY_CODES: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2 };

export const PERMUTE_MAX_RANK = 4;

export function checkUnaryOp(op: UnaryOp): void {
  if (!Object.hasOwn(UNARY_CODES, op)) {
    throw new ShapeError("unary", "op", `must be one of ${Object.keys(UNARY_CODES).join(", ")}`, String(op));
  }
}

export function checkBinaryOp(op: BinaryOp): void {
  if (!Object.hasOwn(BINARY_CODES, op)) {
    throw new ShapeError(
      "binary",
      "op",
      `must be one of ${Object.keys(BINARY_CODES).join(", ")}`,
      String(op),
    );
  }
}

/**
 * The backward reads x for relu and gelu, y for sigmoid/tanh/exp and neither for neg; only the tensors it reads must
 * match dy's shape (a caller may pass anything for the others).
 */
export function checkUnaryBackward(op: UnaryOp, x: Shape, y: Shape, dy: Shape): void {
  checkUnaryOp(op);
  const name = `${op}Backward`;
  if (op === "relu" || op === "gelu") checkSameShape(name, "x", x, dy);
  else if (op !== "neg") checkSameShape(name, "y", y, dy);
}

function isSuffix(suffix: Shape, of: Shape): boolean {
  if (suffix.length > of.length) return false;
  const off = of.length - suffix.length;
  return suffix.every((d, i) => d === of[off + i]);
}

/** b's shape is a suffix of a's, or a scalar ([] or [1]); returns b's size (the broadcast period). */
export function checkBinary(op: BinaryOp, a: Shape, b: Shape): number {
  checkBinaryOp(op);
  const scalar = b.length === 0 || (b.length === 1 && b[0] === 1);
  if (!scalar && !isSuffix(b, a)) {
    throw new ShapeError(
      op,
      "b",
      `must have a suffix of a's shape ${fmt(a)} or be a scalar ([] or [1])`,
      `shape ${fmt(b)}`,
    );
  }
  return sizeOf(b);
}

export function checkAffine(alpha: number, beta: number): void {
  checkNumber("affine", "alpha", alpha);
  checkNumber("affine", "beta", beta);
}

export interface PermuteDims {
  out: number[];
  /** Padded to rank 4 (leading size-1 axes): output sizes, and per output axis the input stride it walks. */
  outDims4: [number, number, number, number];
  inStrides4: [number, number, number, number];
}

/** perm is a permutation of 0..rank-1 and rank <= 4; out.shape[i] = x.shape[perm[i]]. */
export function permuteDims(x: Shape, perm: readonly number[]): PermuteDims {
  const rank = x.length;
  if (rank > PERMUTE_MAX_RANK) {
    throw new ShapeError("permute", "x", `must have rank <= ${PERMUTE_MAX_RANK}`, `shape ${fmt(x)}`);
  }
  const seen = new Set(perm);
  const valid =
    Array.isArray(perm) &&
    perm.length === rank &&
    seen.size === rank &&
    perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank);
  if (!valid) {
    throw new ShapeError(
      "permute",
      "perm",
      `must be a permutation of 0..${rank - 1} (x is ${fmt(x)})`,
      fmt(perm),
    );
  }
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * x[i + 1]!;
  const out = perm.map((p) => x[p]!);
  const pad = PERMUTE_MAX_RANK - rank;
  const outDims4: [number, number, number, number] = [1, 1, 1, 1];
  const inStrides4: [number, number, number, number] = [0, 0, 0, 0];
  perm.forEach((p, i) => {
    outDims4[pad + i] = x[p]!;
    inStrides4[pad + i] = strides[p]!;
  });
  return { out, outDims4, inStrides4 };
}

/** x viewed as [outer, len, inner], summed over the middle axis to `out` (outer·inner elements). */
export interface ReduceDims {
  outer: number;
  len: number;
  inner: number;
  out: number[];
}

/**
 * sumTo: `shape` is a suffix of x's shape and every leading axis is summed (outer = 1). [1] is also accepted
 * for any x, as the total: it undoes binary's broadcast of a [1] scalar, as [] undoes that of a [] one.
 */
export function sumToDims(x: Shape, shape: Shape): ReduceDims {
  const scalar1 = Array.isArray(shape) && shape.length === 1 && shape[0] === 1;
  if (!Array.isArray(shape) || !(isSuffix(shape, x) || scalar1)) {
    throw new ShapeError(
      "sumTo",
      "shape",
      `must be a suffix of x's shape ${fmt(x)} (or [1] for the total)`,
      Array.isArray(shape) ? fmt(shape) : String(shape),
    );
  }
  const lead = isSuffix(shape, x) ? x.slice(0, x.length - shape.length) : x;
  return { outer: 1, len: sizeOf(lead), inner: sizeOf(shape), out: [...shape] };
}

/** sum: axis in [-rank, rank) (negative counts from the end); the axis is removed from the shape. */
export function sumDims(x: Shape, axis: number): ReduceDims {
  const rank = x.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(
      "sum",
      "axis",
      `must be an integer in [${-rank}, ${rank}) for x of shape ${fmt(x)}`,
      String(axis),
    );
  }
  const a = axis < 0 ? axis + rank : axis;
  return {
    outer: sizeOf(x.slice(0, a)),
    len: x[a]!,
    inner: sizeOf(x.slice(a + 1)),
    out: [...x.slice(0, a), ...x.slice(a + 1)],
  };
}

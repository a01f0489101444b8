// Argument checks shared by both backends, run before anything is dispatched. Each error names the op, the
// argument and what was expected, so a wrong shape never reaches a kernel as an out-of-bounds read.

export type Shape = readonly number[];

export class ShapeError extends Error {
  override name = "ShapeError";
  constructor(
    readonly op: string,
    readonly arg: string,
    expected: string,
    got: string,
  ) {
    super(`${op}: argument '${arg}' ${expected}, got ${got}`);
  }
}

export function fmt(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Every dimension a non-negative integer; at least `minRank` dimensions. */
export function checkShape(op: string, arg: string, shape: Shape, minRank = 0): void {
  if (!Array.isArray(shape))
    throw new ShapeError(op, arg, "must have a shape (an array of sizes)", String(shape));
  if (shape.length < minRank) throw new ShapeError(op, arg, `must have rank >= ${minRank}`, fmt(shape));
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, arg, "must have non-negative integer sizes", fmt(shape));
    }
  }
}

export function checkData(op: string, arg: string, data: ArrayLike<number>, shape: Shape): void {
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array) && !Array.isArray(data)) {
    throw new ShapeError(
      op,
      arg,
      "must be float data (a Float32Array, Float64Array or number[])",
      Object.prototype.toString.call(data),
    );
  }
  if (data.length !== sizeOf(shape)) {
    throw new ShapeError(
      op,
      arg,
      `must hold ${sizeOf(shape)} values for shape ${fmt(shape)}`,
      `${data.length} values`,
    );
  }
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkSameShape(op: string, arg: string, shape: Shape, expected: Shape): void {
  if (!sameShape(shape, expected))
    throw new ShapeError(op, arg, `must have shape ${fmt(expected)}`, fmt(shape));
}

/** A finite number, optionally strictly positive. */
export function checkNumber(op: string, arg: string, value: number, positive = false): void {
  if (typeof value !== "number" || !Number.isFinite(value) || (positive && value <= 0)) {
    throw new ShapeError(
      op,
      arg,
      positive ? "must be a finite positive number" : "must be a finite number",
      String(value),
    );
  }
}

/** x viewed as rows × C, C = the last dimension (>= 1). */
export interface RowDims {
  rows: number;
  C: number;
}

export function rowDims(op: string, arg: string, x: Shape): RowDims {
  const C = x[x.length - 1];
  if (C === undefined || C < 1) {
    throw new ShapeError(op, arg, "must have rank >= 1 and a last dimension >= 1", fmt(x));
  }
  return { rows: sizeOf(x) / C, C };
}

/** A one-element tensor ([] or [1]) holding the upstream gradient of a scalar loss. */
export function checkScalar(op: string, arg: string, shape: Shape): void {
  if (sizeOf(shape) !== 1)
    throw new ShapeError(op, arg, "must be a one-element tensor ([] or [1])", fmt(shape));
}

/** Whether v is an integer in [0, limit): a valid embedding id or class target. */
export function validIndex(v: number, limit: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < limit;
}

/** Every value an integer in [0, limit); throws naming the first bad value and its index. */
export function checkIndices(op: string, arg: string, values: ArrayLike<number>, limit: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!validIndex(v, limit)) {
      throw new ShapeError(op, arg, `must hold integers in [0, ${limit})`, `${v} at index ${i}`);
    }
  }
}

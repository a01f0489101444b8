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

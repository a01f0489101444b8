// CPU references work on float32 arrays, or float64 ones for gradient checks; outputs take their inputs' precision.

export type FloatArray = Float32Array | Float64Array;

/** `n` zeros with the precision of `like`. */
export function alloc(like: FloatArray, n: number): FloatArray {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/** A copy of `values` with the precision of `like`. */
export function allocFrom(like: FloatArray, values: ArrayLike<number>): FloatArray {
  return like instanceof Float64Array ? Float64Array.from(values) : Float32Array.from(values);
}

// CPU references work on float32 arrays, or float64 ones for gradient checks; outputs take their inputs' precision.

import type { Shape } from "./validate";
import type { CpuVariants } from "./variants";

export type FloatArray = Float32Array | Float64Array;

/** Values on the host with their shape: what every CPU reference takes and returns (a CPU tensor is one). */
export interface Host {
  readonly shape: Shape;
  readonly data: FloatArray;
}

export function host(shape: Shape, data: FloatArray): Host {
  return { shape: [...shape], data };
}

/** True when every value of every array is finite (no NaN, no ±Infinity); with `allow`, that value passes too. */
export function allFinite(arrays: readonly FloatArray[], allow?: number): boolean {
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      if (!Number.isFinite(x) && x !== allow) return false;
    }
  }
  return true;
}

/** `n` zeros with the precision of `like`. */
export function alloc(like: FloatArray, n: number): FloatArray {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/** A copy of `values` with the precision of `like`. */
export function allocFrom(like: FloatArray, values: ArrayLike<number>): FloatArray {
  return like instanceof Float64Array ? Float64Array.from(values) : Float32Array.from(values);
}

/** What a backend gives an op's CPU entry: the variants in force, and whether to refuse out-of-range indices. */
export interface CpuOpContext {
  readonly variants: CpuVariants;
  /** Debug mode: throw on an embedding id or class target outside [0, limit) instead of giving zeros. */
  readonly checkIndices: boolean;
}

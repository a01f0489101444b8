// A verification case: inputs made from a seed, an op applied on a backend forced to one variant (and launch
// options), outputs compared with the CPU reference configuration. Cases are plain data + functions with no
// WebGPU imports, so Node-side tools can list them; every op's folder holds its own (cases.ts).

import type { Backend, BackendName, Tensor } from "../backend/contract";
import { Rng } from "../util/rng";
import type { Launch } from "./launch";
import { type CpuVariants, type GpuVariants, VARIANTS } from "./variants";

export interface Input {
  data: Float32Array;
  shape: number[];
}

export interface VerifyCase {
  /** `${kernel}/${variant}/${name}`, unique among one backend's cases. */
  id: string;
  /** The backend whose variant this case checks. */
  backend: BackendName;
  kernel: string;
  variant: string;
  name: string;
  /** Human-readable shape, e.g. "B=2 M=7 K=13 N=5 transB". */
  shape: string;
  atol: number;
  rtol: number;
  /** The variant(s) the backend under test is forced to for this case. */
  force: Partial<GpuVariants> | Partial<CpuVariants>;
  /** Launch options for the backend under test (the reference ignores them). */
  launch?: Launch;
  inputs(): Record<string, Input>;
  /** Apply the op; return the outputs to compare, in a fixed order. */
  apply(backend: Backend, inputs: Record<string, Tensor>): Tensor[];
  /**
   * What is compared of output `index`, applied alike to the reference's values and the backend's (default: the
   * values as they are). For a rule that fixes less than every value: "non-finite" without saying which.
   */
  view?(values: Float32Array, index: number): Float32Array;
}

export function input(shape: number[], seed: number, lo = -1, hi = 1): Input {
  const rng = new Rng(seed);
  let n = 1;
  for (const d of shape) n *= d;
  return { data: rng.fill(n, lo, hi), shape };
}

export function makeCase(c: Omit<VerifyCase, "id" | "backend"> & { backend?: BackendName }): VerifyCase {
  return { ...c, backend: c.backend ?? "webgpu", id: `${c.kernel}/${c.variant}/${c.name}` };
}

/** The variants of `op` to verify on `backend`: all of them, but the CPU's reference (what the others are checked against). */
export function variantsToCheck<O extends keyof typeof VARIANTS.webgpu>(
  backend: BackendName,
  op: O,
): readonly string[] {
  const lists: Record<string, readonly string[]> = VARIANTS[backend];
  return (lists[op] ?? []).filter((v) => !(backend === "cpu" && v === "reference"));
}

/** The outputs at `keep`, the others disposed: a case compares one group of outputs under one tolerance. */
export function pickOutputs(all: Tensor[], keep: number[]): Tensor[] {
  all.forEach((t, i) => {
    if (!keep.includes(i)) t.dispose();
  });
  return keep.map((i) => all[i]!);
}

/** The fallback count of `be` for keys starting with `prefix`. */
export function fallbackCount(be: Backend, prefix: string): number {
  return Object.entries(be.fallbacks)
    .filter(([key]) => key.startsWith(prefix))
    .reduce((n, [, count]) => n + count, 0);
}

/**
 * Every non-finite value as NaN, finite ones untouched: as a case's view, a non-finite reference value then asks
 * for a non-finite value of any kind (NaN, +Infinity or -Infinity), and a finite one for the same within tolerance.
 */
export function nonFiniteAsNaN(values: Float32Array): Float32Array {
  return values.map((v) => (Number.isFinite(v) ? v : Number.NaN));
}

/** n integers in [0, limit) as f32; `hot` (if given) is written at every third position to force repeats. */
export function ints(shape: number[], limit: number, seed: number, hot?: number): Input {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = hot !== undefined && i % 3 === 0 ? hot : rng.int(limit);
  return { data, shape };
}

/** Indices for a limit of 5: out of range, fractional and non-finite values among valid ones. */
export const BAD_INDICES = Float32Array.from([
  2,
  -1,
  5,
  1.5,
  Number.NaN,
  Infinity,
  -Infinity,
  4,
  0,
  1e10,
  -0,
]);

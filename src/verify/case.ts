// A verification case: inputs made from a seed, an op applied on a backend, outputs compared with the CPU
// reference. Cases are plain data + functions with no WebGPU imports, so Node-side tools can list them.

import type { Backend, Tensor } from "../backend/contract";
import type { KernelVariants } from "../backend/webgpu";
import { Rng } from "../util/rng";

export interface Input {
  data: Float32Array;
  shape: number[];
}

export interface VerifyCase {
  /** `${kernel}/${variant}/${name}`, unique. */
  id: string;
  kernel: string;
  variant: string;
  name: string;
  /** Human-readable shape, e.g. "B=2 M=7 K=13 N=5 transB". */
  shape: string;
  atol: number;
  rtol: number;
  /** The variant(s) the WebGPU backend is forced to for this case. */
  force: Partial<KernelVariants>;
  inputs(): Record<string, Input>;
  /** Apply the op; return the outputs to compare, in a fixed order. */
  apply(backend: Backend, inputs: Record<string, Tensor>): Tensor[];
}

export function input(shape: number[], seed: number, lo = -1, hi = 1): Input {
  const rng = new Rng(seed);
  let n = 1;
  for (const d of shape) n *= d;
  return { data: rng.fill(n, lo, hi), shape };
}

export function makeCase(c: Omit<VerifyCase, "id">): VerifyCase {
  return { ...c, id: `${c.kernel}/${c.variant}/${c.name}` };
}

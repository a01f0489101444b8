// CPU reference of the optimizer ops: the global sum of squares, SGD with momentum and Adam/AdamW, both with
// optional clipping by global norm and a non-finite guard. Arithmetic in float64, state stored as f32.
//
// The argument checks (`checkOptimLists`, `checkSgdParams`, `checkAdamParams`, `checkClip`) are shared with the
// WebGPU dispatch in ../webgpu-ops/optim.ts, so both backends refuse the same arguments with the same messages,
// before anything is modified or dispatched.
//
// Clipping: g ← g · min(1, maxNorm / (sqrt(sumSq) + 1e-6)), with sumSq = Σ g² over every gradient (from
// `sumSquares`). When sumSq is NaN or ±Infinity the step is skipped: params and state keep their exact bits.
// The guard needs clip args (without them there is no norm to test); maxNorm = Infinity gives the guard alone.

import { type Shape, ShapeError } from "../../kernels/validate";
import type { AdamParams, SgdParams } from "../contract";
import { allocFrom, CpuTensor } from "../cpu-tensor";

export interface CpuClip {
  sumSq: CpuTensor;
  maxNorm: number;
}

/** Added to the norm before dividing, so an all-zero gradient gives a scale of 1 instead of 0/0. */
export const CLIP_EPS = 1e-6;

// ---- argument checks (shared with the WebGPU backend) ------------------------------------------------------

interface Sized {
  readonly shape: Shape;
  readonly size: number;
}

function reject(op: string, name: string, expected: string, value: unknown): never {
  throw new ShapeError(op, name, expected, String(value));
}

const isNum = (x: unknown): x is number => typeof x === "number" && !Number.isNaN(x);

/** 0 <= x < 1 (momentum, betas). */
function checkUnit(op: string, name: string, x: number): void {
  if (!isNum(x) || x < 0 || x >= 1) reject(op, name, "must be a number in [0, 1)", x);
}

/** Finite and >= 0 (learning rate, weight decay). NaN and negative values are refused. */
function checkNonNegative(op: string, name: string, x: number): void {
  if (!isNum(x) || !Number.isFinite(x) || x < 0) reject(op, name, "must be a finite number >= 0", x);
}

export function checkSgdParams(op: string, hp: SgdParams): void {
  checkNonNegative(op, "lr", hp.lr);
  checkUnit(op, "momentum", hp.momentum);
  checkNonNegative(op, "weightDecay", hp.weightDecay);
}

export function checkAdamParams(op: string, hp: AdamParams): void {
  checkNonNegative(op, "lr", hp.lr);
  checkUnit(op, "beta1", hp.beta1);
  checkUnit(op, "beta2", hp.beta2);
  if (!isNum(hp.eps) || !Number.isFinite(hp.eps) || hp.eps <= 0)
    reject(op, "eps", "must be a finite number > 0", hp.eps);
  checkNonNegative(op, "weightDecay", hp.weightDecay);
  if (!Number.isSafeInteger(hp.step) || hp.step < 1) reject(op, "step", "must be an integer >= 1", hp.step);
}

/** maxNorm > 0 (Infinity allowed: guard only); sumSq holds one value. */
export function checkClip(op: string, clip: { sumSq: Sized; maxNorm: number } | undefined): void {
  if (!clip) return;
  if (!isNum(clip.maxNorm) || clip.maxNorm <= 0)
    reject(op, "clip.maxNorm", "must be a number > 0 (Infinity: no scaling)", clip.maxNorm);
  if (clip.sumSq.size !== 1)
    reject(op, "clip.sumSq", "must hold exactly 1 value", `${clip.sumSq.size} values`);
}

/**
 * Lists of equal length, each entry the same size as its parameter, and no tensor the step writes (a param or
 * its state) sharing storage with another tensor of the same index (`storage` gives the array or buffer).
 */
export function checkOptimLists<T extends Sized>(
  op: string,
  params: readonly T[],
  others: Record<string, readonly T[]>,
  storage: (t: T) => unknown,
  sumSq?: T,
): void {
  for (const [name, list] of Object.entries(others)) {
    if (list.length !== params.length)
      reject(op, name, `must list one tensor per parameter (${params.length})`, `${list.length} tensors`);
  }
  params.forEach((p, i) => {
    const entries: [string, T][] = [[`params[${i}]`, p]];
    for (const [name, list] of Object.entries(others)) {
      const t = list[i]!;
      if (t.size !== p.size)
        reject(op, `${name}[${i}]`, `must have ${p.size} elements like params[${i}]`, `${t.size} elements`);
      entries.push([`${name}[${i}]`, t]);
    }
    if (sumSq) entries.push(["clip.sumSq", sumSq]);
    // Only the written tensors (params, state) may not alias anything; two read-only inputs may.
    const written = new Set(["params", ...Object.keys(others).filter((n) => n !== "grads")]);
    entries.forEach(([a, ta], ia) => {
      entries.forEach(([b, tb], ib) => {
        if (ib <= ia || storage(ta) !== storage(tb)) return;
        if (!written.has(a.replace(/\[.*$/, "")) && !written.has(b.replace(/\[.*$/, ""))) return;
        reject(op, b, `must not share storage with ${a} (the step writes one of them)`, "the same storage");
      });
    });
  });
}

// ---- reference ---------------------------------------------------------------------------------------------

export function sumSquares(xs: readonly CpuTensor[]): CpuTensor {
  let acc = 0;
  for (const x of xs) for (const v of x.data) acc += v * v;
  return new CpuTensor([1], xs[0] ? allocFrom(xs[0].data, [acc]) : Float32Array.of(acc));
}

/** The clip scale, 1 without clip args, or null when sumSq is not finite (skip the step). */
function clipScale(clip: CpuClip | undefined): number | null {
  if (!clip) return 1;
  const s = clip.sumSq.data[0]!;
  if (!Number.isFinite(s)) return null;
  if (clip.maxNorm === Infinity) return 1;
  return Math.min(1, clip.maxNorm / (Math.sqrt(s) + CLIP_EPS));
}

export function sgdStep(
  params: readonly CpuTensor[],
  grads: readonly CpuTensor[],
  momenta: readonly CpuTensor[],
  hp: SgdParams,
  clip?: CpuClip,
): void {
  const op = "sgdStep";
  checkSgdParams(op, hp);
  checkClip(op, clip);
  checkOptimLists(op, params, { grads, momenta }, (t) => t.data, clip?.sumSq);
  const scale = clipScale(clip);
  if (scale === null) return;
  const { lr, momentum, weightDecay: wd } = hp;
  params.forEach((pt, i) => {
    const p = pt.data;
    const g = grads[i]!.data;
    const m = momenta[i]!.data;
    for (let j = 0; j < p.length; j++) {
      const mj = momentum * m[j]! + g[j]! * scale + wd * p[j]!;
      m[j] = mj;
      p[j] = p[j]! - lr * mj;
    }
  });
}

export function adamStep(
  params: readonly CpuTensor[],
  grads: readonly CpuTensor[],
  m: readonly CpuTensor[],
  v: readonly CpuTensor[],
  hp: AdamParams,
  clip?: CpuClip,
): void {
  const op = "adamStep";
  checkAdamParams(op, hp);
  checkClip(op, clip);
  checkOptimLists(op, params, { grads, m, v }, (t) => t.data, clip?.sumSq);
  const scale = clipScale(clip);
  if (scale === null) return;
  const { lr, beta1, beta2, eps, weightDecay: wd, step } = hp;
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  params.forEach((pt, i) => {
    const p = pt.data;
    const g = grads[i]!.data;
    const M = m[i]!.data;
    const V = v[i]!.data;
    for (let j = 0; j < p.length; j++) {
      const gj = g[j]! * scale;
      const mj = beta1 * M[j]! + (1 - beta1) * gj;
      const vj = beta2 * V[j]! + (1 - beta2) * gj * gj;
      M[j] = mj;
      V[j] = vj;
      // Decoupled decay (AdamW) uses the parameter before this step's update.
      p[j] = p[j]! - lr * (mj / bc1 / (Math.sqrt(vj / bc2) + eps) + wd * p[j]!);
    }
  });
}

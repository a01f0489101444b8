// Hyperparameters, clip arguments and argument checks of the optimizer ops (sumSquares, sgdStep, adamStep),
// shared by the CPU reference and the WebGPU dispatch, so both backends refuse the same arguments with the same
// messages, before anything is modified or dispatched.

import { type Shape, ShapeError, sizeOf } from "../validate";

export interface SgdParams {
  lr: number;
  /** 0 for plain SGD. */
  momentum: number;
  /** L2 penalty added to the gradient (coupled), 0 for none. */
  weightDecay: number;
}

export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (AdamW): p -= lr·wd·p. 0 gives Adam. */
  weightDecay: number;
  /** 1-based step number, for bias correction. */
  step: number;
}

/**
 * Gradient clipping for the optimizer steps, evaluated on the device without a readback: the step reads `sumSq`
 * (a [1] tensor holding Σ g² over every gradient, from `sumSquares`), scales each gradient by
 * min(1, maxNorm / (sqrt(sumSq) + CLIP_EPS)), and leaves parameters and state untouched when sumSq is not
 * finite. The guard needs clip args (without them there is no norm to test); maxNorm = Infinity gives the guard
 * alone.
 */
export interface ClipOf<T> {
  sumSq: T;
  /** Infinity: no clipping, only the non-finite guard. */
  maxNorm: number;
}

/** Added to the norm before dividing, so an all-zero gradient gives a scale of 1 instead of 0/0. */
export const CLIP_EPS = 1e-6;

interface Sized {
  readonly shape: Shape;
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
  if (sizeOf(clip.sumSq.shape) !== 1)
    reject(op, "clip.sumSq", "must hold exactly 1 value", `${sizeOf(clip.sumSq.shape)} values`);
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
  // Only the written tensors (params, state) may not alias anything; two read-only inputs (grads, clip.sumSq)
  // may. Names are made only for an error.
  const names = ["params", ...Object.keys(others)];
  const lists = [params, ...Object.values(others)];
  const written = names.map((n) => n !== "grads");
  if (sumSq) written.push(false);
  const name = (j: number, i: number) => (j < lists.length ? `${names[j]}[${i}]` : "clip.sumSq");
  const at: unknown[] = new Array(written.length);
  params.forEach((p, i) => {
    const np = sizeOf(p.shape);
    for (let j = 1; j < lists.length; j++) {
      const n = sizeOf(lists[j]![i]!.shape);
      if (n !== np) reject(op, name(j, i), `must have ${np} elements like params[${i}]`, `${n} elements`);
    }
    for (let j = 0; j < lists.length; j++) at[j] = storage(lists[j]![i]!);
    if (sumSq) at[lists.length] = storage(sumSq);
    for (let b = 1; b < at.length; b++)
      for (let a = 0; a < b; a++) {
        if (at[a] !== at[b] || !(written[a] || written[b])) continue;
        reject(
          op,
          name(b, i),
          `must not share storage with ${name(a, i)} (the step writes one of them)`,
          "the same storage",
        );
      }
  });
}

/** Every check of an SGD step, made before anything changes (`storage` as for checkOptimLists). */
export function checkSgdStep<T extends Sized>(
  params: readonly T[],
  lists: { grads: readonly T[]; momenta: readonly T[] },
  hp: SgdParams,
  clip: { sumSq: T; maxNorm: number } | undefined,
  storage: (t: T) => unknown,
): void {
  checkSgdParams("sgdStep", hp);
  checkClip("sgdStep", clip);
  checkOptimLists("sgdStep", params, lists, storage, clip?.sumSq);
}

/** Every check of an Adam step, made before anything changes (`storage` as for checkOptimLists). */
export function checkAdamStep<T extends Sized>(
  params: readonly T[],
  lists: { grads: readonly T[]; m: readonly T[]; v: readonly T[] },
  hp: AdamParams,
  clip: { sumSq: T; maxNorm: number } | undefined,
  storage: (t: T) => unknown,
): void {
  checkAdamParams("adamStep", hp);
  checkClip("adamStep", clip);
  checkOptimLists("adamStep", params, lists, storage, clip?.sumSq);
}

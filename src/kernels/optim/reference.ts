// CPU reference of the optimizer ops: the global sum of squares, SGD with momentum and Adam/AdamW, both with
// optional clipping by global norm and the non-finite guard (see ClipOf in shape.ts). Arithmetic in float64,
// state stored with the parameters' precision. The steps update params and state in place.

import { allocFrom, type Host, host } from "../float-array";
import { type AdamParams, CLIP_EPS, type ClipOf, checkAdamStep, checkSgdStep, type SgdParams } from "./shape";

export function sumSquares(_k: unknown, xs: readonly Host[]): Host {
  let acc = 0;
  for (const x of xs) for (const v of x.data) acc += v * v;
  return host([1], xs[0] ? allocFrom(xs[0].data, [acc]) : Float32Array.of(acc));
}

/** The clip scale, 1 without clip args, or null when sumSq is not finite (skip the step). */
function clipScale(clip: ClipOf<Host> | undefined): number | null {
  if (!clip) return 1;
  const s = clip.sumSq.data[0]!;
  if (!Number.isFinite(s)) return null;
  if (clip.maxNorm === Infinity) return 1;
  return Math.min(1, clip.maxNorm / (Math.sqrt(s) + CLIP_EPS));
}

export function sgdStep(
  _k: unknown,
  params: readonly Host[],
  grads: readonly Host[],
  momenta: readonly Host[],
  hp: SgdParams,
  clip?: ClipOf<Host>,
): void {
  checkSgdStep(params, { grads, momenta }, hp, clip, (t) => t.data);
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
  _k: unknown,
  params: readonly Host[],
  grads: readonly Host[],
  m: readonly Host[],
  v: readonly Host[],
  hp: AdamParams,
  clip?: ClipOf<Host>,
): void {
  checkAdamStep(params, { grads, m, v }, hp, clip, (t) => t.data);
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

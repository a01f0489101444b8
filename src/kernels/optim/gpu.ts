// WebGPU dispatch of the optimizer ops: the global sum of squares, SGD with momentum and Adam/AdamW with
// clipping by global norm and the non-finite guard, all on the device (the clip scale is computed inside the
// step kernels from the [1] sumSq buffer; nothing is read back).
//
// Dispatches: sumSquares = one per tensor + one final pass; a step = one per parameter tensor, each reading
// g, p and the state once and writing p and the state once. Arguments are checked by the checks of shape.ts
// before the first dispatch, so a refused call changes nothing on either backend.

import adamWgsl from "../../../shaders/adam.wgsl?raw";
import sgdWgsl from "../../../shaders/sgd.wgsl?raw";
import sumSquaresWgsl from "../../../shaders/sum-squares.wgsl?raw";
import type { KernelSource } from "../../gpu/pipelines";
import type { Param } from "../../gpu/runtime";
import { type GpuArray, type GpuOpContext, grid, output, withScratch } from "../launch";
import { type AdamParams, type ClipOf, checkAdamStep, checkSgdStep, type SgdParams } from "./shape";

const SUM_SQUARES: KernelSource = { name: "sum-squares", code: sumSquaresWgsl };
const SGD: KernelSource = { name: "sgd", code: sgdWgsl };
const ADAM: KernelSource = { name: "adam", code: adamWgsl };

/** Invocations per workgroup of sum-squares.wgsl; the partial-sum buffer holds a multiple of this. */
const SUM_WG = 64;
/** At most this many partial sums: the final pass adds them one by one in a single invocation. */
const MAX_SLOTS = 4096;

/**
 * Σ x² over every tensor → [1]. Each tensor is summed by `slots` invocations into a shared partial-sum buffer
 * (invocation s owns partial[s] across all dispatches), then one invocation adds the partial sums. Slots grow
 * with the largest tensor (about 64 elements per invocation) up to MAX_SLOTS.
 */
export function sumSquares<T extends GpuArray>(k: GpuOpContext<T>, xs: readonly T[]): T {
  const rt = k.rt;
  return output(k, "sumSquares", [1], (out) => {
    if (xs.length === 0) return rt.write(out.buffer, new Float32Array(1));
    const largest = Math.max(...xs.map((x) => x.size));
    const slots = SUM_WG * Math.min(MAX_SLOTS / SUM_WG, Math.max(1, Math.ceil(largest / (SUM_WG * SUM_WG))));
    withScratch(rt, slots * 4, "sumSquares:partial", (partial) => {
      xs.forEach((x, i) => {
        // A size-0 tensor still binds a (pooled, >= 4-byte) buffer; its loop runs no iterations.
        const params = [x.size, slots, i === 0 ? 0 : 1];
        rt.dispatch(SUM_SQUARES, { SQUARE: true }, [x.buffer, partial], params, [slots / SUM_WG]);
      });
      rt.dispatch(SUM_SQUARES, { SQUARE: false }, [partial, out.buffer], [slots, 1, 0], [1]);
    });
  });
}

/** Invocations per workgroup of sgd.wgsl and adam.wgsl. */
const STEP_WG = 256;

/** The step kernels' grid over n elements, and the row stride the shaders flatten gid.x + gid.y·rowStride by. */
function stepGrid<T extends GpuArray>(
  k: GpuOpContext<T>,
  n: number,
): { groups: [number, number]; rowStride: number } {
  const groups = grid(k.rt, n, STEP_WG, k.launch);
  return { groups, rowStride: groups[0] * STEP_WG };
}

/**
 * One dispatch of a step kernel per non-empty parameter: bindings g, sumSq, p and its state; fields the size,
 * the row stride, then the step's own. Without clip args the sumSq slot is bound to the gradient (both
 * read-only) and never read.
 */
function dispatchSteps<T extends GpuArray>(
  k: GpuOpContext<T>,
  kernel: KernelSource,
  constants: { GUARD: boolean; SCALE: boolean },
  params: readonly T[],
  grads: readonly T[],
  state: readonly (readonly T[])[],
  fields: readonly Param[],
  clip: ClipOf<T> | undefined,
): void {
  params.forEach((p, i) => {
    if (p.size === 0) return;
    const g = grads[i]!.buffer;
    const { groups, rowStride } = stepGrid(k, p.size);
    const bufs = [g, clip?.sumSq.buffer ?? g, p.buffer, ...state.map((list) => list[i]!.buffer)];
    k.rt.dispatch(kernel, constants, bufs, [p.size, rowStride, ...fields], groups);
  });
}

/**
 * A finite sumSq (an f32 <= 3.4e38) has a norm below 1.85e19, so any maxNorm at or above this gives a scale of
 * exactly 1: such a maxNorm, Infinity included, turns scaling off instead of reaching the shader.
 */
const NO_SCALING_NORM = 2e19;

/**
 * Clip specialisation and params. Infinity cannot be relied on inside a shader (WGSL lets implementations
 * assume finite floats), so maxNorm = Infinity keeps the guard but turns scaling off (SCALE = false), with 0
 * passed as a placeholder.
 */
function clipSetup(clip: ClipOf<GpuArray> | undefined): {
  constants: { GUARD: boolean; SCALE: boolean };
  maxNorm: number;
} {
  if (!clip) return { constants: { GUARD: false, SCALE: false }, maxNorm: 0 };
  const scale = clip.maxNorm < NO_SCALING_NORM;
  return { constants: { GUARD: true, SCALE: scale }, maxNorm: scale ? clip.maxNorm : 0 };
}

export function sgdStep<T extends GpuArray>(
  k: GpuOpContext<T>,
  params: readonly T[],
  grads: readonly T[],
  momenta: readonly T[],
  hp: SgdParams,
  clip?: ClipOf<T>,
): void {
  checkSgdStep(params, { grads, momenta }, hp, clip, (t) => t.buffer);
  const { constants, maxNorm } = clipSetup(clip);
  const fields: Param[] = [{ f32: hp.lr }, { f32: hp.momentum }, { f32: hp.weightDecay }, { f32: maxNorm }];
  dispatchSteps(k, SGD, constants, params, grads, [momenta], fields, clip);
}

export function adamStep<T extends GpuArray>(
  k: GpuOpContext<T>,
  params: readonly T[],
  grads: readonly T[],
  m: readonly T[],
  v: readonly T[],
  hp: AdamParams,
  clip?: ClipOf<T>,
): void {
  checkAdamStep(params, { grads, m, v }, hp, clip, (t) => t.buffer);
  const { constants, maxNorm } = clipSetup(clip);
  const { lr, beta1, beta2, eps, weightDecay, step } = hp;
  const fields: Param[] = [
    { f32: lr },
    { f32: beta1 },
    { f32: beta2 },
    { f32: 1 - beta1 },
    { f32: 1 - beta2 },
    { f32: 1 - beta1 ** step },
    { f32: 1 - beta2 ** step },
    { f32: eps },
    { f32: weightDecay },
    { f32: maxNorm },
  ];
  dispatchSteps(k, ADAM, constants, params, grads, [m, v], fields, clip);
}

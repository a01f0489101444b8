// WebGPU dispatch of softmax over the last axis and its backward. Two variants share bindings and params:
//   row        one invocation per row, barrier-free (the fast one on SwiftShader, and for short rows)
//   workgroup  one workgroup per row, reductions in workgroup memory (long rows on real GPUs)
// Forward bindings: x, y, lse (a dummy when absent), params (rows, cols, causalT, scale).
// Backward bindings: y, dy, dx, params (rows, cols).

import backwardRow from "../../../shaders/softmax-backward-row.wgsl?raw";
import backwardWorkgroup from "../../../shaders/softmax-backward-workgroup.wgsl?raw";
import row from "../../../shaders/softmax-row.wgsl?raw";
import workgroup from "../../../shaders/softmax-workgroup.wgsl?raw";
import type { GpuRuntime } from "../../gpu/runtime";
import { type GpuArray, type GpuOpContext, grid, type Launch, output } from "../launch";
import {
  checkSoftmaxOptions,
  type SoftmaxOptions,
  type SoftmaxVariant,
  softmaxBackwardDims,
  softmaxDims,
} from "./shape";

interface VariantSpec {
  forward: string;
  backward: string;
  /** Rows covered by one workgroup. */
  rowsPerWorkgroup: number;
  constants: Record<string, number>;
}

export const SOFTMAX_SPECS: Record<SoftmaxVariant, VariantSpec> = {
  // 64 rows per workgroup of 64 invocations.
  row: { forward: row, backward: backwardRow, rowsPerWorkgroup: 64, constants: {} },
  // 128 invocations per row: enough to hide latency on long rows, half the 256 limit.
  workgroup: { forward: workgroup, backward: backwardWorkgroup, rowsPerWorkgroup: 1, constants: { WG: 128 } },
};

export interface SoftmaxGpuOptions extends SoftmaxOptions {
  /** When given, also write log Σⱼ exp(scale·xⱼ) of each row here (`rows` floats; -Infinity for an all-masked row). */
  lse?: GPUBuffer;
}

/**
 * Rows per workgroup for the row variant: 64 when there are many rows, fewer when there are few, so that at
 * least ~16 workgroups exist and a software adapter (one workgroup per thread) keeps every core busy: 64 rows of
 * 1024 ran as a single workgroup before, on one core. The workgroup variant always takes one row per workgroup.
 */
function shapeFor(
  spec: VariantSpec,
  rows: number,
): { perWorkgroup: number; constants: Record<string, number> } {
  if (spec.rowsPerWorkgroup === 1) return { perWorkgroup: 1, constants: spec.constants };
  let wg = spec.rowsPerWorkgroup;
  while (wg > 4 && rows < wg * 16) wg /= 2;
  return { perWorkgroup: wg, constants: { ...spec.constants, WG: wg } };
}

/** y = softmax(scale·x) per row of x (rows x cols); masked and -Infinity entries give 0. */
export function softmaxGpu(
  rt: GpuRuntime,
  variant: SoftmaxVariant,
  x: GPUBuffer,
  out: GPUBuffer,
  rows: number,
  cols: number,
  opts: SoftmaxGpuOptions = {},
  launch: Launch = {},
): void {
  checkSoftmaxOptions("softmax", rows, opts);
  const spec = SOFTMAX_SPECS[variant];
  const shape = shapeFor(spec, rows);
  // Every declared binding must be bound: a 4-byte pooled buffer stands in for an absent lse.
  const lse = opts.lse ?? rt.pool.acquire(4, "softmax:no-lse");
  try {
    rt.dispatch(
      { name: `softmax-${variant}`, code: spec.forward },
      { ...shape.constants, CAUSAL: opts.causalT !== undefined, HAS_LSE: opts.lse !== undefined },
      [x, out, lse],
      [rows, cols, opts.causalT ?? 1, { f32: opts.scale ?? 1 }],
      grid(rt, rows, shape.perWorkgroup, launch),
    );
  } finally {
    // Safe to reuse at once: later users of the buffer are queued after this dispatch.
    if (!opts.lse) rt.pool.release(lse);
  }
}

/** dx = y ⊙ (dy − Σ(dy ⊙ y)) per row. */
export function softmaxBackwardGpu(
  rt: GpuRuntime,
  variant: SoftmaxVariant,
  y: GPUBuffer,
  dy: GPUBuffer,
  dx: GPUBuffer,
  rows: number,
  cols: number,
  launch: Launch = {},
): void {
  const spec = SOFTMAX_SPECS[variant];
  const shape = shapeFor(spec, rows);
  rt.dispatch(
    { name: `softmax-backward-${variant}`, code: spec.backward },
    shape.constants,
    [y, dy, dx],
    [rows, cols],
    grid(rt, rows, shape.perWorkgroup, launch),
  );
}

// ---- the op's GPU entries --------------------------------------------------------------------------------

export function softmax<T extends GpuArray>(k: GpuOpContext<T>, x: T): T {
  const { rows, cols } = softmaxDims("softmax", "x", x.shape);
  return output(k, "softmax", x.shape, (y) =>
    softmaxGpu(k.rt, k.variants.softmax, x.buffer, y.buffer, rows, cols, {}, k.launch),
  );
}

export function softmaxLse<T extends GpuArray>(
  k: GpuOpContext<T>,
  x: T,
  opts: SoftmaxOptions = {},
): { y: T; lse: T } {
  const { rows, cols } = softmaxDims("softmaxLse", "x", x.shape);
  checkSoftmaxOptions("softmaxLse", rows, opts);
  const [y, lse] = k.outputs("softmaxLse", [x.shape, x.shape.slice(0, -1)], (y, lse) =>
    softmaxGpu(
      k.rt,
      k.variants.softmax,
      x.buffer,
      y.buffer,
      rows,
      cols,
      { ...opts, lse: lse.buffer },
      k.launch,
    ),
  );
  return { y, lse };
}

export function softmaxBackward<T extends GpuArray>(k: GpuOpContext<T>, y: T, dy: T): T {
  const { rows, cols } = softmaxBackwardDims(y.shape, dy.shape);
  return output(k, "softmaxBackward", y.shape, (dx) =>
    softmaxBackwardGpu(k.rt, k.variants.softmax, y.buffer, dy.buffer, dx.buffer, rows, cols, k.launch),
  );
}

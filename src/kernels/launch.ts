// What every GPU dispatcher shares: the launch options verification may set, the one grid helper, pooled scratch
// buffers, the vec4 size check, and the context an op's GPU entry receives from a backend (the runtime, the
// variants in force, output allocation with the "dispose outputs if the dispatch throws" guard, and fallback
// counting). No WGSL here, and no backend class: a backend implements `GpuOpContext`.

import { KernelError } from "../gpu/errors";
import type { GpuRuntime } from "../gpu/runtime";
import { type Shape, ShapeError } from "./validate";
import type { GpuVariants } from "./variants";

/** How kernels are launched; results must not depend on it (verification checks that they do not). */
export interface Launch {
  /**
   * Cap on workgroups along x (default: the device's maxComputeWorkgroupsPerDimension); the grid continues along
   * y. Verification sets it low to exercise the two-dimensional grid without 65536 workgroups.
   */
  maxGridX?: number;
}

/**
 * Workgroups of `wg` invocations covering `invocations`, spread over x and y because one grid dimension stops at
 * maxComputeWorkgroupsPerDimension (65535 on most devices). The shaders flatten gid.x + gid.y·nwg.x·wg.
 */
export function grid(rt: GpuRuntime, invocations: number, wg = 64, launch: Launch = {}): [number, number] {
  const max = rt.limits.maxComputeWorkgroupsPerDimension;
  const cap = launch.maxGridX ?? max;
  if (!Number.isInteger(cap) || cap < 1)
    throw new ShapeError("launch", "maxGridX", "must be a positive integer", String(cap));
  const groups = Math.ceil(invocations / wg);
  const x = Math.min(max, cap);
  return groups <= x ? [groups, 1] : [x, Math.ceil(groups / x)];
}

/** A pooled scratch buffer of `bytes`, returned to the pool once `use` has queued the dispatches that use it. */
export function withScratch<R>(rt: GpuRuntime, bytes: number, label: string, use: (buf: GPUBuffer) => R): R {
  const buf = rt.pool.acquire(Math.max(4, bytes), label);
  try {
    return use(buf);
  } finally {
    // Safe at once: later users of the buffer are queued after the dispatches that read it.
    rt.pool.release(buf);
  }
}

/**
 * A vec4 kernel reads and writes whole vec4s, so the last one may run past its last element: each buffer must hold
 * ceil(elems/4) vec4s. Pooled buffers always do (power-of-two sizes >= 256 bytes); a foreign buffer might not.
 */
export function checkVec4(kernel: string, buffers: readonly GPUBuffer[], elems: readonly number[]): void {
  buffers.forEach((b, i) => {
    const need = Math.max(16, Math.ceil(elems[i]! / 4) * 16);
    if (b.size < need)
      throw new KernelError(kernel, `buffer '${b.label}' holds ${b.size} bytes, needs ${need}`);
  });
}

/** A tensor as GPU entries see it: a shape and a storage buffer. */
export interface GpuArray {
  readonly shape: Shape;
  readonly size: number;
  readonly buffer: GPUBuffer;
}

/** What a backend gives an op's GPU entry (`T` is the backend's tensor type). */
export interface GpuOpContext<T extends GpuArray> {
  readonly rt: GpuRuntime;
  readonly variants: GpuVariants;
  readonly launch: Launch;
  /** Allocate outputs, run `fill` on them, dispose them all if it throws (a refused dispatch leaks nothing). */
  outputs<N extends Shape[]>(
    op: string,
    shapes: [...N],
    fill: (...outs: { [K in keyof N]: T }) => void,
  ): {
    [K in keyof N]: T;
  };
  /** Count a request served by another path than the one asked for. */
  fallback(key: string): void;
}

/** One output: `outputs` for the common case. */
export function output<T extends GpuArray>(
  k: GpuOpContext<T>,
  op: string,
  shape: Shape,
  fill: (out: T) => void,
): T {
  return k.outputs(op, [shape], fill)[0];
}

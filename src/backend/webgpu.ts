// The WebGPU backend: WGSL kernels behind the op contract, as a table from op name to the op's GPU entry
// (src/kernels/<op>/gpu.ts). Shapes are checked by the same code as the CPU reference before anything is
// dispatched; kernel variants are chosen per adapter and can be forced; launch options are for verification.

import type { AdapterSummary } from "../gpu/device";
import { GpuRuntime } from "../gpu/runtime";
import * as gpuOps from "../kernels/gpu-ops";
import type { GpuOpContext, Launch } from "../kernels/launch";
import { type Shape, ShapeError, sizeOf } from "../kernels/validate";
import type { GpuVariants } from "../kernels/variants";
import type { Backend } from "./contract";
import { GpuTensor } from "./gpu-tensor";
import { type Storage, TableBackend, tableOf } from "./table";

export type KernelVariants = GpuVariants;
type Ctx = GpuOpContext<GpuTensor>;

export const WEBGPU_OPS = tableOf<Ctx, GpuTensor>(gpuOps);

/**
 * The default variant of each op for an adapter. The rule follows measurements on both kinds of adapter:
 * workgroup barriers cost 4-30x on SwiftShader (a CPU emulating a GPU) and are what makes kernels fast on real
 * GPUs, so software adapters get the barrier-free variants. Override per op with `forceVariants`.
 */
export function defaultVariants(info: AdapterSummary): KernelVariants {
  // matmul: "register" (8x8 per invocation, no workgroup memory) on software adapters, "workgroup" (64x64
  // tiles staged through workgroup memory) elsewhere; "naive" stays available as the oracle.
  // softmax: one invocation per row on software adapters (11-32x faster there than a barrier-synchronised
  // reduction); a 128-wide workgroup per row elsewhere, where rows of attention scores are long enough to need it.
  const sw = info.software;
  return { matmul: sw ? "register" : "workgroup", softmax: sw ? "row" : "workgroup", attention: "fused" };
}

/** Pooled GPU buffers; reshapes share the buffer, reads are the synchronisation point that surfaces errors. */
function storage(rt: GpuRuntime): Storage<GpuTensor> {
  return {
    name: "webgpu",
    is: (t): t is GpuTensor => t instanceof GpuTensor,
    make: (data, shape) =>
      new GpuTensor(
        rt,
        shape,
        rt.upload(data instanceof Float32Array ? data : Float32Array.from(data), "tensor"),
      ),
    read: (t) => rt.read(t.buffer, t.size),
    view: (t, shape) => t.view(shape),
    copy: (dst, src) => {
      if (dst.size > 0) rt.copy(src.buffer, dst.buffer, dst.size * 4);
    },
    wrap: (x) => x,
  };
}

export class WebGPUBackend extends TableBackend<GpuTensor, Ctx> implements Backend, Ctx {
  variants: KernelVariants;
  /** How kernels are launched (verification sets a low grid cap); results do not depend on it. */
  launch: Launch = {};

  constructor(
    readonly rt: GpuRuntime,
    forceVariants: Partial<KernelVariants> = {},
  ) {
    super(storage(rt), WEBGPU_OPS);
    this.variants = { ...defaultVariants(rt.ctx.info), ...forceVariants };
  }

  static async create(forceVariants: Partial<KernelVariants> = {}): Promise<WebGPUBackend> {
    return new WebGPUBackend(await GpuRuntime.create(), forceVariants);
  }

  get description(): string {
    const i = this.rt.ctx.info;
    return [i.vendor, i.architecture, i.description].filter(Boolean).join(" / ") || "unknown adapter";
  }

  protected context(): Ctx {
    return this;
  }

  /** Fresh pooled outputs (each refused, naming the limit, past the largest storage binding), disposed if `fill` throws. */
  outputs<N extends Shape[]>(
    op: string,
    shapes: [...N],
    fill: (...outs: { [K in keyof N]: GpuTensor }) => void,
  ) {
    const max = this.rt.limits.maxStorageBufferBindingSize;
    for (const shape of shapes) {
      const bytes = sizeOf(shape) * 4;
      if (bytes > max)
        throw new ShapeError(
          op,
          "output",
          `must fit maxStorageBufferBindingSize (${max} bytes)`,
          `${bytes} bytes`,
        );
    }
    const outs = shapes.map((s) => new GpuTensor(this.rt, [...s], this.rt.pool.acquire(sizeOf(s) * 4, op)));
    const typed = outs as { [K in keyof N]: GpuTensor };
    try {
      fill(...typed);
    } catch (e) {
      for (const t of outs) t.dispose(); // a refused dispatch must not keep the outputs' buffers out of the pool
      throw e;
    }
    return typed;
  }

  fallback(key: string): void {
    this.countFallback(key);
  }
}

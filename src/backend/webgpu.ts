// The WebGPU backend: WGSL kernels behind the op contract. Shapes are checked by the same code as the CPU
// reference before anything is dispatched; kernel variants are chosen per adapter and can be forced.

import type { AdapterSummary } from "../gpu/device";
import { GpuRuntime } from "../gpu/runtime";
import type { AttentionVariant } from "../kernels/attention-gpu";
import { type MatmulVariant, matmulGpu } from "../kernels/matmul-gpu";
import { matmulDims } from "../kernels/matmul-shape";
import type { SoftmaxVariant } from "../kernels/softmax-gpu";
import { checkData, checkShape, type Shape, ShapeError, sizeOf } from "../kernels/validate";
import type {
  AttentionOptions,
  AttentionResult,
  Backend,
  FallbackCounts,
  MatmulArgs,
  Tensor,
} from "./contract";

export interface KernelVariants {
  matmul: MatmulVariant;
  /** Used by softmax and its backward, and by the unfused attention path. */
  softmax: SoftmaxVariant;
  attention: AttentionVariant;
}

/**
 * The default variant of each op for an adapter. The rule follows measurements on both kinds of adapter:
 * workgroup barriers cost 4-30x on SwiftShader (a CPU emulating a GPU) and are what makes kernels fast on real
 * GPUs, so software adapters get the barrier-free variants. Override per op with `forceVariants`.
 */
export function defaultVariants(_info: AdapterSummary): KernelVariants {
  return { matmul: "naive", softmax: "row", attention: "fused" };
}

export class GpuTensor implements Tensor {
  readonly backend = "webgpu" as const;
  readonly size: number;
  private _buffer: GPUBuffer | null;

  constructor(
    private readonly rt: GpuRuntime,
    readonly shape: Shape,
    buffer: GPUBuffer,
  ) {
    this.size = sizeOf(shape);
    this._buffer = buffer;
  }

  get buffer(): GPUBuffer {
    if (!this._buffer) throw new Error(`tensor of shape [${this.shape.join(", ")}] was used after dispose()`);
    return this._buffer;
  }

  get disposed(): boolean {
    return this._buffer === null;
  }

  dispose(): void {
    if (this._buffer) this.rt.pool.release(this._buffer);
    this._buffer = null;
  }
}

export class WebGPUBackend implements Backend {
  readonly name = "webgpu" as const;
  readonly fallbacks: FallbackCounts = {};
  variants: KernelVariants;

  constructor(
    readonly rt: GpuRuntime,
    forceVariants: Partial<KernelVariants> = {},
  ) {
    this.variants = { ...defaultVariants(rt.ctx.info), ...forceVariants };
  }

  static async create(forceVariants: Partial<KernelVariants> = {}): Promise<WebGPUBackend> {
    return new WebGPUBackend(await GpuRuntime.create(), forceVariants);
  }

  get description(): string {
    const i = this.rt.ctx.info;
    return [i.vendor, i.architecture, i.description].filter(Boolean).join(" / ") || "unknown adapter";
  }

  private own(op: string, arg: string, t: Tensor): GpuTensor {
    if (!(t instanceof GpuTensor))
      throw new ShapeError(op, arg, "must be a tensor of the webgpu backend", `a ${t.backend} tensor`);
    return t;
  }

  private output(op: string, shape: Shape): GpuTensor {
    const bytes = sizeOf(shape) * 4;
    const max = this.rt.limits.maxStorageBufferBindingSize;
    if (bytes > max) {
      throw new ShapeError(
        op,
        "output",
        `must fit maxStorageBufferBindingSize (${max} bytes)`,
        `${bytes} bytes`,
      );
    }
    return new GpuTensor(this.rt, shape, this.rt.pool.acquire(bytes, op));
  }

  tensor(data: Float32Array | readonly number[], shape: Shape): Tensor {
    checkShape("tensor", "shape", shape);
    checkData("tensor", "data", data as ArrayLike<number>, shape);
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    return new GpuTensor(this.rt, [...shape], this.rt.upload(f32, "tensor"));
  }

  zeros(shape: Shape): Tensor {
    checkShape("zeros", "shape", shape);
    return this.tensor(new Float32Array(sizeOf(shape)), shape);
  }

  read(t: Tensor): Promise<Float32Array> {
    const g = this.own("read", "t", t);
    return this.rt.read(g.buffer, g.size);
  }

  matmul(a: Tensor, b: Tensor, args: MatmulArgs = {}): Tensor {
    const A = this.own("matmul", "a", a);
    const B = this.own("matmul", "b", b);
    const bias = args.bias ? this.own("matmul", "bias", args.bias) : null;
    const d = matmulDims(A.shape, B.shape, args, bias?.shape);
    const out = this.output("matmul", d.out);
    matmulGpu(this.rt, this.variants.matmul, A.buffer, B.buffer, d, args, bias?.buffer ?? null, out.buffer);
    return out;
  }

  softmax(_x: Tensor): Tensor {
    throw new Error("softmax: not implemented yet");
  }

  softmaxBackward(_y: Tensor, _dy: Tensor): Tensor {
    throw new Error("softmaxBackward: not implemented yet");
  }

  attention(_q: Tensor, _k: Tensor, _v: Tensor, _opts?: AttentionOptions): AttentionResult {
    throw new Error("attention: not implemented yet");
  }
}

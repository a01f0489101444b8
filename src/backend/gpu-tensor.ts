// A tensor whose values live in a pooled GPUBuffer. Reshapes share the buffer: it returns to the pool when
// the last tensor using it is disposed.

import type { GpuRuntime } from "../gpu/runtime";
import { type Shape, sizeOf } from "../kernels/validate";
import type { Tensor } from "./contract";

interface Storage {
  buffer: GPUBuffer;
  refs: number;
}

export class GpuTensor implements Tensor {
  readonly backend = "webgpu" as const;
  readonly size: number;
  private storage: Storage | null;

  constructor(
    readonly rt: GpuRuntime,
    readonly shape: Shape,
    buffer: GPUBuffer | Storage,
  ) {
    this.size = sizeOf(shape);
    if ("refs" in buffer) {
      buffer.refs++;
      this.storage = buffer;
    } else {
      this.storage = { buffer, refs: 1 };
    }
  }

  get buffer(): GPUBuffer {
    if (!this.storage) throw new Error(`tensor of shape [${this.shape.join(", ")}] was used after dispose()`);
    return this.storage.buffer;
  }

  get disposed(): boolean {
    return this.storage === null;
  }

  /** A tensor of another shape over the same buffer. */
  view(shape: Shape): GpuTensor {
    if (!this.storage) throw new Error("reshape of a disposed tensor");
    return new GpuTensor(this.rt, shape, this.storage);
  }

  dispose(): void {
    const s = this.storage;
    if (!s) return;
    this.storage = null;
    if (--s.refs === 0) this.rt.pool.release(s.buffer);
  }
}

// A tensor whose values live in a Float32Array. Reshapes share the array.

import { type Shape, ShapeError, sizeOf } from "../kernels/validate";
import type { Tensor } from "./contract";

export class CpuTensor implements Tensor {
  readonly backend = "cpu" as const;
  readonly size: number;
  private _data: Float32Array | null;

  constructor(
    readonly shape: Shape,
    data: Float32Array,
  ) {
    this.size = sizeOf(shape);
    this._data = data;
  }

  get data(): Float32Array {
    if (!this._data) throw new Error(`tensor of shape [${this.shape.join(", ")}] was used after dispose()`);
    return this._data;
  }

  get disposed(): boolean {
    return this._data === null;
  }

  dispose(): void {
    this._data = null;
  }
}

export function asCpu(op: string, arg: string, t: Tensor): CpuTensor {
  if (!(t instanceof CpuTensor)) {
    throw new ShapeError(op, arg, "must be a tensor of the cpu backend", `a ${t.backend} tensor`);
  }
  return t;
}

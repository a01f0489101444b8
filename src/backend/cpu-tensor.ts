// A tensor whose values live in a Float32Array (or a Float64Array on a float64 CPU backend, used for gradient
// checks). Ops allocate their outputs with the precision of their inputs (`alloc`). Reshapes share the array.

import type { FloatArray } from "../kernels/float-array";
import { type Shape, ShapeError, sizeOf } from "../kernels/validate";
import type { Tensor } from "./contract";

export { alloc, allocFrom, type FloatArray } from "../kernels/float-array";

export class CpuTensor implements Tensor {
  readonly backend = "cpu" as const;
  readonly size: number;
  private _data: FloatArray | null;

  constructor(
    readonly shape: Shape,
    data: FloatArray,
  ) {
    this.size = sizeOf(shape);
    this._data = data;
  }

  get data(): FloatArray {
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

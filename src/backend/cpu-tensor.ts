// A tensor whose values live in a Float32Array (or a Float64Array on a float64 CPU backend, used for gradient
// checks). It is a `Host` (shape + data), so the CPU references take it as it is; their outputs take the precision of
// their inputs (`alloc`). Reshapes share the array.

import type { FloatArray } from "../kernels/float-array";
import { type Shape, sizeOf } from "../kernels/validate";
import type { Tensor } from "./contract";

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

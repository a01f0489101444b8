// The CPU backend: the reference implementation of every op. Plain TypeScript, float64 accumulation.

import { matmulCpu } from "../kernels/matmul-cpu";
import { matmulDims } from "../kernels/matmul-shape";
import { checkData, checkShape, type Shape, ShapeError, sizeOf } from "../kernels/validate";
import type { AttentionOptions, AttentionResult, Backend, MatmulArgs, Tensor } from "./contract";

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
  if (!(t instanceof CpuTensor))
    throw new ShapeError(op, arg, "must be a tensor of the cpu backend", `a ${t.backend} tensor`);
  return t;
}

export class CpuBackend implements Backend {
  readonly name = "cpu" as const;
  readonly description = "JavaScript (float64 accumulation)";
  readonly fallbacks = {};

  tensor(data: Float32Array | readonly number[], shape: Shape): Tensor {
    checkShape("tensor", "shape", shape);
    checkData("tensor", "data", data as ArrayLike<number>, shape);
    return new CpuTensor([...shape], Float32Array.from(data));
  }

  zeros(shape: Shape): Tensor {
    checkShape("zeros", "shape", shape);
    return new CpuTensor([...shape], new Float32Array(sizeOf(shape)));
  }

  async read(t: Tensor): Promise<Float32Array> {
    return asCpu("read", "t", t).data.slice();
  }

  matmul(a: Tensor, b: Tensor, args: MatmulArgs = {}): Tensor {
    const A = asCpu("matmul", "a", a);
    const B = asCpu("matmul", "b", b);
    const bias = args.bias ? asCpu("matmul", "bias", args.bias) : undefined;
    const d = matmulDims(A.shape, B.shape, args, bias?.shape);
    return new CpuTensor(d.out, matmulCpu(A.data, B.data, d, args, bias?.data));
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

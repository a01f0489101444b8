// Our CPU backend with its matmul swapped for the fast i-k-j variant (src/kernels/matmul-cpu-fast.ts): run
// beside the real backend in the training benchmark, labelled as a variant, to show what that swap would buy a
// training step. The targets are judged on the real backend only.

import type { MatmulArgs, Tensor } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import { asCpu, CpuTensor } from "../../src/backend/cpu-tensor";
import { matmulCpuFast } from "../../src/kernels/matmul-cpu-fast";
import { matmulDims } from "../../src/kernels/matmul-shape";

export class CpuBackendIkj4 extends CpuBackend {
  override matmul(a: Tensor, b: Tensor, args: MatmulArgs = {}): Tensor {
    const A = asCpu("matmul", "a", a);
    const B = asCpu("matmul", "b", b);
    const bias = args.bias ? asCpu("matmul", "bias", args.bias) : undefined;
    const d = matmulDims(A.shape, B.shape, args, bias?.shape);
    return new CpuTensor(d.out, matmulCpuFast(A.data, B.data, d, args, bias?.data));
  }
}

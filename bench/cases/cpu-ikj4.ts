// Our CPU backend with the fast i-k-j matmul variant (src/kernels/matmul/fast.ts), the CPU backend's default: run
// beside the reference configuration in the training benchmark, labelled as a variant, to show what the swap buys
// a training step.

import { CpuBackend } from "../../src/backend/cpu";

export class CpuBackendIkj4 extends CpuBackend {
  constructor() {
    super({ variants: { matmul: "ikj4" } });
  }
}

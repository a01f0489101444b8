// matmul at the edges, every variant of every backend: batches at and past the grid's per-dimension limit
// (65,535), where on WebGPU the batch no longer fits the grid's z and each workgroup loops over several
// entries, on small matrices so the cases stay cheap on a software adapter; and products at the edge of the f32
// range (see "Numeric range" in backend/contract.ts).

import type { BackendName } from "../../backend/contract";
import { type Input, input, makeCase, type VerifyCase, variantsToCheck } from "../case";

/**
 * Batches either side of 65,535 workgroups along z, and one just past MATMUL_WORKGROUP_BUDGET (2048) where the
 * looping starts. The WebGPU workgroup variant, whose two barriers per batch entry cost ~0.7 ms on SwiftShader,
 * runs the budget case and the largest batch only (~50 s); the others run all.
 */
function batches(variant: string): number[] {
  return variant === "workgroup" ? [2100, 70000] : [2100, 65535, 65536, 70000];
}

function values(shape: number[], data: number[]): Input {
  return { data: Float32Array.from(data), shape };
}

export function matmulEdgeCases(backend: BackendName = "webgpu"): VerifyCase[] {
  const out: VerifyCase[] = [];
  for (const variant of variantsToCheck(backend, "matmul")) {
    const force = { matmul: variant } as VerifyCase["force"];
    for (const batch of batches(variant)) {
      out.push(
        makeCase({
          backend,
          kernel: "matmul",
          variant,
          name: `edge batch ${batch} 2x3x2`,
          shape: `B=${batch} M=2 K=3 N=2`,
          // Three products of values in [-1, 1], summed in f32.
          atol: 4e-7,
          rtol: 1e-6,
          force,
          inputs: () => ({ a: input([batch, 2, 3], 700 + batch), b: input([batch, 3, 2], 800 + batch) }),
          apply: (be, t) => [be.matmul(t.a!, t.b!)],
        }),
      );
    }
    // One batch past the limit with a shared right operand and a bias (stride 0 along the batch).
    if (variant !== "workgroup")
      out.push(
        makeCase({
          backend,
          kernel: "matmul",
          variant,
          name: "edge batch 65537 shared-b transB 2x3x2 +bias",
          shape: "B=65537 M=2 K=3 N=2 transB bias shared b",
          atol: 6e-7,
          rtol: 1e-6,
          force,
          inputs: () => ({ a: input([65537, 2, 3], 901), b: input([2, 3], 902), bias: input([2], 903) }),
          apply: (be, t) => [be.matmul(t.a!, t.b!, { transB: true, bias: t.bias! })],
        }),
      );
    // Products near the f32 limit: 1e19·1e19 = 1e38 is finite in f32, and so are the sums below; every
    // intermediate stays under 3.4e38, the range inside which a kernel must match the float64 reference.
    out.push(
      makeCase({
        backend,
        kernel: "matmul",
        variant,
        name: "edge range 1e38 products",
        shape: "B=1 M=2 K=2 N=2",
        atol: 0,
        rtol: 1e-6,
        force,
        inputs: () => ({
          a: values([2, 2], [1e19, 1e19, -1e19, 1e18]),
          b: values([2, 2], [1e19, -1e19, 1e18, 2e19]),
        }),
        apply: (be, t) => [be.matmul(t.a!, t.b!)],
      }),
    );
  }
  return out;
}

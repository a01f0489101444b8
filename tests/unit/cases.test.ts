// The verification case list of src/kernels/index.ts: ids are unique on each backend (the GPU test looks results
// up by id), and every op's edge cases are in the list, on each variant the backend has for the op.

import { describe, expect, test } from "vitest";
import type { BackendName } from "../../src/backend/contract";
import { attentionEdgeCases } from "../../src/kernels/attention/edge-cases";
import { attentionBackwardEdgeCases } from "../../src/kernels/attention-backward/edge-cases";
import { type VerifyCase, variantsToCheck } from "../../src/kernels/case";
import { crossEntropyEdgeCases } from "../../src/kernels/cross-entropy/edge-cases";
import { allCases } from "../../src/kernels/index";
import { layerNormEdgeCases } from "../../src/kernels/layernorm/edge-cases";
import { matmulEdgeCases } from "../../src/kernels/matmul/edge-cases";
import { softmaxEdgeCases } from "../../src/kernels/softmax/edge-cases";

const BY_VARIANT: [string, "matmul" | "softmax" | "attention", (b: BackendName) => VerifyCase[]][] = [
  ["matmul", "matmul", matmulEdgeCases],
  ["softmax", "softmax", softmaxEdgeCases],
  ["attention", "attention", attentionEdgeCases],
  ["attention-backward", "attention", attentionBackwardEdgeCases],
];

describe("verification cases", () => {
  for (const backend of ["webgpu", "cpu"] as const) {
    const ids = allCases(backend).map((c) => c.id);

    test(`${backend}: ids are unique`, () => {
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids).size).toBe(ids.length);
    });

    test(`${backend}: every op's edge cases are listed, on each of the op's variants`, () => {
      for (const [folder, op, edges] of BY_VARIANT) {
        const cases = edges(backend);
        expect(new Set(cases.map((c) => c.variant)), folder).toEqual(new Set(variantsToCheck(backend, op)));
        for (const c of cases) expect(ids, folder).toContain(c.id);
      }
    });
  }

  test("webgpu: the single-variant ops' edge cases are listed", () => {
    const ids = new Set(allCases("webgpu").map((c) => c.id));
    const single = [...layerNormEdgeCases(), ...crossEntropyEdgeCases()];
    expect(single.length).toBeGreaterThan(0);
    for (const c of single) expect(ids.has(c.id), c.id).toBe(true);
  });
});

// The CPU backend's variants other than the reference (today the ikj4 matmul and the rows4 attention, the default) through the same
// verification cases as the WebGPU variants, against the reference configuration, with the cases' tolerances.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import { allCases } from "../../src/kernels/index";
import { verifyCase } from "../../src/verify/run";

const cases = allCases("cpu");

describe("CPU variants against the CPU reference", () => {
  test("every CPU variant but the reference has cases, and the default backend runs one of them", () => {
    expect(new Set(cases.map((c) => `${c.kernel}/${c.variant}`))).toEqual(
      new Set(["matmul/ikj4", "attention/rows4", "attentionBackward/rows4"]),
    );
    expect(new CpuBackend().variants).toEqual({ matmul: "ikj4", attention: "rows4" });
    expect(CpuBackend.reference().variants).toEqual({ matmul: "reference", attention: "reference" });
  });

  const under = new CpuBackend();
  for (const c of cases) {
    test(c.id, async () => {
      const r = await verifyCase(c, under);
      expect(r.pass, `${c.id} (${c.shape}): ${r.detail}; maxAbsErr ${r.maxAbsErr}`).toBe(true);
    });
  }
});

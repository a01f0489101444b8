// The verification comparison: tolerance, exact non-finite matches, the subnormal-flush rule, and a case's view
// of its outputs (applied to both sides before comparing).

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import { makeCase, nonFiniteAsNaN, type VerifyCase } from "../../src/kernels/case";
import { compare, F32_MIN_NORMAL } from "../../src/verify/compare";
import { verifyCase } from "../../src/verify/run";

const f = (xs: number[]) => Float32Array.from(xs);

describe("compare", () => {
  test("within atol + rtol·|ref| passes, past it fails", () => {
    expect(compare(f([1.0001]), f([1]), 0, 2e-4).pass).toBe(true);
    expect(compare(f([1.001]), f([1]), 0, 2e-4).pass).toBe(false);
  });

  test("NaN and infinities must match exactly", () => {
    expect(compare(f([Number.NaN, -Infinity]), f([Number.NaN, -Infinity]), 0, 0).pass).toBe(true);
    expect(compare(f([0]), f([Number.NaN]), 1, 1).pass).toBe(false);
    expect(compare(f([Number.NaN]), f([0]), 1, 1).pass).toBe(false);
    expect(compare(f([Infinity]), f([-Infinity]), 1, 1).pass).toBe(false);
  });

  test("a subnormal reference is matched by a flushed 0, and only by 0 or the tolerance", () => {
    const sub = F32_MIN_NORMAL / 8;
    expect(compare(f([0]), f([sub]), 0, 1e-6).pass).toBe(true);
    expect(compare(f([-0]), f([-sub]), 0, 1e-6).pass).toBe(true);
    // A wrong non-zero value near it still fails at atol 0.
    expect(compare(f([sub * 4]), f([sub]), 0, 1e-6).pass).toBe(false);
    // A normal reference is not flushable.
    expect(compare(f([0]), f([F32_MIN_NORMAL * 2]), 0, 1e-6).pass).toBe(false);
  });
});

describe("a case's view", () => {
  // The reference configuration's output is `ref`; the backend under test (the default CPU) returns `got`.
  function viewCase(ref: number[], got: number[]): VerifyCase {
    return makeCase({
      backend: "cpu",
      kernel: "probe",
      variant: "ikj4",
      name: "view",
      shape: `[${ref.length}]`,
      atol: 1e-6,
      rtol: 0,
      force: {},
      inputs: () => ({}),
      apply: (be) => [be.tensor(be === reference ? ref : got, [ref.length])],
      view: nonFiniteAsNaN,
    });
  }
  const reference = CpuBackend.reference();
  const under = new CpuBackend();

  test("nonFiniteAsNaN: any non-finite value matches any other, a finite one still needs the tolerance", async () => {
    const pass = viewCase([Number.NaN, Infinity, -Infinity, 1], [Infinity, Number.NaN, Infinity, 1]);
    expect((await verifyCase(pass, under, reference)).pass).toBe(true);
    for (const got of [
      [0, Infinity, -Infinity, 1],
      [Number.NaN, Infinity, -Infinity, 1.01],
      [Number.NaN, Infinity, -Infinity, Infinity],
    ]) {
      const r = await verifyCase(viewCase([Number.NaN, Infinity, -Infinity, 1], got), under, reference);
      expect(r.pass, `got ${got}`).toBe(false);
    }
  });
});

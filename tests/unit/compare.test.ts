// The verification comparison: tolerance, exact non-finite matches, and the subnormal-flush rule.

import { describe, expect, test } from "vitest";
import { compare, F32_MIN_NORMAL } from "../../src/verify/compare";

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

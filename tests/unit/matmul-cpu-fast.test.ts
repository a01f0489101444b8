// The fast CPU matmul (4 rows × 4 steps of K per pass) against the clear reference, on shapes that hit every
// remainder path (M and K not multiples of 4), transposes, batches, a broadcast operand and a bias.

import { describe, expect, test } from "vitest";
import { matmulCpuFast } from "../../src/kernels/matmul/fast";
import { matmulCpu } from "../../src/kernels/matmul/reference";
import { type MatmulOptions, matmulDims } from "../../src/kernels/matmul/shape";
import { Rng } from "../../src/util/rng";

interface Spec {
  batch: number; // 0: rank-2 operands
  M: number;
  K: number;
  N: number;
  transA?: boolean;
  transB?: boolean;
  bias?: boolean;
  sharedB?: boolean;
  sharedA?: boolean;
}

const SPECS: Spec[] = [
  { batch: 0, M: 1, K: 1, N: 1 },
  { batch: 0, M: 4, K: 4, N: 4 },
  { batch: 0, M: 7, K: 13, N: 5 },
  { batch: 0, M: 9, K: 6, N: 3, bias: true },
  { batch: 0, M: 64, K: 64, N: 64 },
  { batch: 0, M: 33, K: 517, N: 7 },
  { batch: 3, M: 17, K: 9, N: 23 },
  { batch: 2, M: 31, K: 12, N: 10, sharedB: true, bias: true },
  { batch: 2, M: 6, K: 11, N: 8, sharedA: true },
  { batch: 0, M: 19, K: 21, N: 6, transA: true },
  { batch: 2, M: 9, K: 70, N: 33, transB: true },
  { batch: 2, M: 10, K: 17, N: 35, transA: true, transB: true, bias: true },
  { batch: 3, M: 8, K: 33, N: 36, transA: true, transB: true, sharedB: true },
];

function name(s: Spec): string {
  const flags = ["transA", "transB", "bias", "sharedA", "sharedB"].filter((f) => s[f as keyof Spec]);
  return [`B=${s.batch} M=${s.M} K=${s.K} N=${s.N}`, ...flags].join(" ");
}

describe("matmulCpuFast against the reference", () => {
  for (const [i, s] of SPECS.entries()) {
    test(name(s), () => {
      const rng = new Rng(100 + i);
      const lead = s.batch ? [s.batch] : [];
      const aShape = [...(s.sharedA ? [] : lead), ...(s.transA ? [s.K, s.M] : [s.M, s.K])];
      const bShape = [...(s.sharedB ? [] : lead), ...(s.transB ? [s.N, s.K] : [s.K, s.N])];
      const size = (sh: number[]) => sh.reduce((x, y) => x * y, 1);
      const a = rng.fill(size(aShape));
      const b = rng.fill(size(bShape));
      const bias = s.bias ? rng.fill(s.N) : undefined;
      const opts: MatmulOptions = { transA: !!s.transA, transB: !!s.transB };
      const d = matmulDims(aShape, bShape, opts, bias ? [s.N] : undefined);
      const want = matmulCpu(a, b, d, opts, bias);
      const got = matmulCpuFast(a, b, d, opts, bias);
      expect(got.length).toBe(want.length);
      expect(got).toBeInstanceOf(Float32Array);
      // Both sum in float64 and round once to f32; only the order of the float64 sum differs, by far less
      // than an f32 ulp, so the two may differ by one f32 rounding step: 2^-23 relative. The atol covers
      // sums that cancel to ~0, where the float64 difference (K·2^-53 of terms <= 1) is all there is.
      for (let j = 0; j < want.length; j++) {
        const tol = 1e-12 + 2 ** -23 * Math.abs(want[j]!);
        expect(Math.abs(got[j]! - want[j]!), `element ${j}: ${got[j]} vs ${want[j]}`).toBeLessThanOrEqual(
          tol,
        );
      }
    });
  }

  test("float64 inputs give a float64 result (gradient checks)", () => {
    const d = matmulDims([2, 3], [3, 2]);
    const got = matmulCpuFast(
      Float64Array.from([1, 2, 3, 4, 5, 6]),
      Float64Array.from([1, 0, 0, 1, 1, 1]),
      d,
      {},
    );
    expect(got).toBeInstanceOf(Float64Array);
    expect([...got]).toEqual([4, 5, 10, 11]);
  });
});

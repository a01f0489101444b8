// matmul on small matrices worked by hand: the plain product, each transposed form, a batch, a shared right
// operand, a bias, and the shape errors, on the CPU backend's reference and its default (ikj4) variant.

import { describe, expect, test } from "vitest";
import type { Backend } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";

// A = [[1, 2, 3], [4, 5, 6]] (2×3), B = [[7, 8], [9, 10], [11, 12]] (3×2):
// A·B = [[1·7 + 2·9 + 3·11, 1·8 + 2·10 + 3·12], [4·7 + 5·9 + 6·11, 4·8 + 5·10 + 6·12]] = [[58, 64], [139, 154]].
const A = [1, 2, 3, 4, 5, 6];
const B = [7, 8, 9, 10, 11, 12];
const AB = [58, 64, 139, 154];
// Aᵀ stored (3×2): [[1, 4], [2, 5], [3, 6]]; Bᵀ stored (2×3): [[7, 9, 11], [8, 10, 12]].
const At = [1, 4, 2, 5, 3, 6];
const Bt = [7, 9, 11, 8, 10, 12];

for (const [label, be] of [
  ["reference", CpuBackend.reference()],
  ["ikj4", new CpuBackend()],
] as [string, Backend][]) {
  describe(`matmul worked by hand (${label})`, () => {
    const mm = async (a: number[], as: number[], b: number[], bs: number[], args = {}) => {
      const c = be.matmul(be.tensor(a, as), be.tensor(b, bs), args);
      return { shape: c.shape, values: Array.from(await be.read(c)) };
    };

    test("A·B", async () => {
      expect(await mm(A, [2, 3], B, [3, 2])).toEqual({ shape: [2, 2], values: AB });
    });

    test("transposed A, transposed B, both", async () => {
      expect((await mm(At, [3, 2], B, [3, 2], { transA: true })).values).toEqual(AB);
      expect((await mm(A, [2, 3], Bt, [2, 3], { transB: true })).values).toEqual(AB);
      expect((await mm(At, [3, 2], Bt, [2, 3], { transA: true, transB: true })).values).toEqual(AB);
    });

    test("B·A is 3×3: [[39, 54, 69], [49, 68, 87], [59, 82, 105]]", async () => {
      // Row 0 of B·A: 7·[1, 2, 3] + 8·[4, 5, 6] = [39, 54, 69]; row 1: 9·… + 10·… ; row 2: 11·… + 12·….
      expect(await mm(B, [3, 2], A, [2, 3])).toEqual({
        shape: [3, 3],
        values: [39, 54, 69, 49, 68, 87, 59, 82, 105],
      });
    });

    test("a batch of two, and a right operand shared by the batch", async () => {
      // Batch 1 is A scaled by 2 against B, so its product is 2·AB; I (2×2) against itself gives I.
      const a2 = [...A, ...A.map((x) => 2 * x)];
      const b2 = [...B, ...B];
      expect(await mm(a2, [2, 2, 3], b2, [2, 3, 2])).toEqual({
        shape: [2, 2, 2],
        values: [...AB, ...AB.map((x) => 2 * x)],
      });
      expect(await mm(a2, [2, 2, 3], B, [3, 2])).toEqual({
        shape: [2, 2, 2],
        values: [...AB, ...AB.map((x) => 2 * x)],
      });
    });

    test("a bias [N] is added to every row", async () => {
      const bias = be.tensor([0.5, -1], [2]);
      const c = be.matmul(be.tensor(A, [2, 3]), be.tensor(B, [3, 2]), { bias });
      expect(Array.from(await be.read(c))).toEqual([58.5, 63, 139.5, 153]);
    });

    test("shape errors name the argument", () => {
      const a = be.tensor(A, [2, 3]);
      expect(() => be.matmul(a, be.tensor(A, [2, 3]))).toThrow(
        "matmul: argument 'b' must have its first matrix dimension equal to a's last (3) with a [2, 3], got [2, 3]",
      );
      expect(() => be.matmul(a, be.tensor(B, [3, 2]), { transA: true })).toThrow(
        "matmul: argument 'b' must have its first matrix dimension equal to a's first (2)",
      );
      expect(() => be.matmul(be.tensor([1, 2, 3], [3]), be.tensor(B, [3, 2]))).toThrow(
        "matmul: argument 'a' must have rank >= 2",
      );
      expect(() => be.matmul(be.zeros([2, 2, 3]), be.zeros([3, 3, 2]))).toThrow(
        "matmul: argument 'b' must have batch dimensions [2] (as a) or none",
      );
      expect(() => be.matmul(a, be.tensor(B, [3, 2]), { bias: be.zeros([3]) })).toThrow(
        "matmul: argument 'bias' must have shape [2], got [3]",
      );
      expect(() => be.matmul(a, be.tensor(B, [3, 2]), { bias: be.zeros([1, 2]) })).toThrow(
        "matmul: argument 'bias' must have shape [2], got [1, 2]",
      );
    });
  });
}

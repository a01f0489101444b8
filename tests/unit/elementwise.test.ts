// The CPU reference of permute, unary (+ backward), binary, affine, sumTo and sum: hand-computed values,
// argument errors, each unary backward against central finite differences (float64), and the identity that
// makes sumTo the backward of broadcasting.

import { describe, expect, test } from "vitest";
import type { Tensor, UnaryOp } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import { unaryFn } from "../../src/kernels/elementwise/reference";
import { ShapeError } from "../../src/kernels/validate";
import { Rng } from "../../src/util/rng";

const be = new CpuBackend();
const t = (data: number[], shape: number[]): Tensor => be.tensor(data, shape);
const values = async (x: Tensor): Promise<number[]> => Array.from(await be.read(x));
function closeTo(got: number[], want: number[], digits: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, digits);
}
const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("permute", () => {
  test("transposes a matrix", async () => {
    const y = be.permute(t([1, 2, 3, 4, 5, 6], [2, 3]), [1, 0]);
    expect(y.shape).toEqual([3, 2]);
    expect(await values(y)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  test("splits heads: [B, T, H, d] -> [B, H, T, d], and back", async () => {
    const [B, T, H, D] = [2, 3, 4, 5];
    const x = t(iota(B * T * H * D), [B, T, H, D]);
    const y = be.permute(x, [0, 2, 1, 3]);
    expect(y.shape).toEqual([B, H, T, D]);
    const v = await values(y);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < T; i++)
          for (let d = 0; d < D; d++)
            expect(v[((b * H + h) * T + i) * D + d]).toBe(((b * T + i) * H + h) * D + d);
    expect(await values(be.permute(y, [0, 2, 1, 3]))).toEqual(iota(B * T * H * D));
  });

  test("rank 0 and rank 1 copy", async () => {
    expect(await values(be.permute(t([7], []), []))).toEqual([7]);
    expect(await values(be.permute(t([1, 2], [2]), [0]))).toEqual([1, 2]);
  });

  test("rejects a perm that is not a permutation, and rank > 4", () => {
    const x = t(iota(6), [2, 3]);
    expect(() => be.permute(x, [0, 0])).toThrow(/permute: argument 'perm' must be a permutation of 0\.\.1/);
    expect(() => be.permute(x, [0])).toThrow(ShapeError);
    expect(() => be.permute(x, [0, 2])).toThrow(ShapeError);
    expect(() => be.permute(t([1], [1, 1, 1, 1, 1]), [0, 1, 2, 3, 4])).toThrow(/rank <= 4/);
  });
});

describe("unary", () => {
  test("hand-computed values", async () => {
    const x = t([-2, 0, 0.5, 3], [4]);
    expect(await values(be.unary("relu", x))).toEqual([0, 0, 0.5, 3]);
    expect(await values(be.unary("neg", x))).toEqual([2, -0, -0.5, -3]);
    closeTo(await values(be.unary("exp", x)), [Math.exp(-2), 1, Math.exp(0.5), Math.exp(3)], 5);
    const sig = [1 / (1 + Math.E ** 2), 0.5, 1 / (1 + Math.exp(-0.5)), 1 / (1 + Math.exp(-3))];
    closeTo(await values(be.unary("sigmoid", x)), sig, 7);
    closeTo(await values(be.unary("tanh", x)), [Math.tanh(-2), 0, Math.tanh(0.5), Math.tanh(3)], 7);
  });

  test("gelu is the tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³)))", async () => {
    const xs = [-6, -3, -1, -0.5, 0, 0.5, 1, 3, 6];
    const direct = xs.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
    // 1 + tanh(u) cancels for x < 0 in the direct form above: compare with a float64-level absolute tolerance.
    const got = await values(be.unary("gelu", t(xs, [xs.length])));
    got.forEach((g, i) => {
      expect(Math.abs(g - direct[i]!), `gelu(${xs[i]})`).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(g)));
    });
    // Saturation: gelu(x) = x for large x, 0 (not NaN) for very negative x, even where x³ overflows f32.
    const big = await values(be.unary("gelu", t([-1e30, -100, 100, 1e30], [4])));
    expect(big.map((v) => v + 0)).toEqual([0, 0, 100, 1e30].map(Math.fround));
  });

  test("sigmoid and tanh saturate without NaN", async () => {
    const x = t([-1000, -100, 100, 1000], [4]);
    const s = await values(be.unary("sigmoid", x));
    expect(s[0]).toBe(0);
    expect(s[1]).toBeGreaterThan(0); // 3.7e-44, kept as an f32 denormal
    expect(s.slice(2)).toEqual([1, 1]);
    expect(await values(be.unary("tanh", x))).toEqual([-1, -1, 1, 1]);
  });

  test("rejects an unknown op", () => {
    expect(() => be.unary("swish" as UnaryOp, t([1], [1]))).toThrow(/unary: argument 'op'/);
  });
});

describe("unaryBackward", () => {
  const OPS: UnaryOp[] = ["relu", "sigmoid", "tanh", "exp", "neg", "gelu"];

  // d/dx Σ dy·f(x) by central differences in float64 at the (f32) x, against the f32 backward fed with
  // y = f32(f(x)). x in [-4, 4] keeps 1 − y well resolved in f32 (y = sigmoid(4) still has 1 − y = 0.018),
  // relu's inputs stay 0.01 away from its kink. The f32 inputs and output bound the agreement to ~1e-6.
  for (const op of OPS) {
    test(`${op} matches central finite differences`, async () => {
      const rng = new Rng(77);
      const n = 257;
      const xs = Array.from({ length: n }, () => {
        const v = rng.uniform(-4, 4);
        return Math.abs(v) < 0.01 ? 0.5 : v;
      });
      const x = t(xs, [n]);
      const xf = await be.read(x);
      const dy = t(Array.from(rng.fill(n)), [n]);
      const dyf = await be.read(dy);
      const y = be.unary(op, x);
      const dx = await be.read(be.unaryBackward(op, x, y, dy));
      const f = unaryFn(op);
      const h = 1e-5;
      for (let i = 0; i < n; i++) {
        const fd = (dyf[i]! * (f(xf[i]! + h) - f(xf[i]! - h))) / (2 * h);
        expect(Math.abs(dx[i]! - fd), `${op} at x = ${xf[i]}`).toBeLessThanOrEqual(
          2e-6 + 2e-5 * Math.abs(fd),
        );
      }
    });
  }

  test("relu's gradient at exactly 0 is 0", async () => {
    const x = t([0, -0, 1e-30, -1e-30], [4]);
    const dx = await values(be.unaryBackward("relu", x, be.unary("relu", x), t([5, 5, 5, 5], [4])));
    expect(dx).toEqual([0, 0, 5, 0]);
  });

  test("checks the shapes it reads, naming the op and argument", () => {
    const a = t([1, 2, 3], [3]);
    const b = t([1, 2], [2]);
    expect(() => be.unaryBackward("relu", b, a, a)).toThrow(
      /reluBackward: argument 'x' must have shape \[3\]/,
    );
    expect(() => be.unaryBackward("tanh", a, b, a)).toThrow(/tanhBackward: argument 'y'/);
    // neg reads neither x nor y.
    expect(() => be.unaryBackward("neg", b, b, a)).not.toThrow();
  });
});

describe("binary", () => {
  test("same shape, [C] bias, [T, C] and scalars", async () => {
    const a = t(iota(6), [2, 3]);
    expect(await values(be.binary("add", a, t([10, 20, 30, 40, 50, 60], [2, 3])))).toEqual([
      10, 21, 32, 43, 54, 65,
    ]);
    expect(await values(be.binary("add", a, t([100, 200, 300], [3])))).toEqual([
      100, 201, 302, 103, 204, 305,
    ]);
    expect(await values(be.binary("sub", a, t([1], [1])))).toEqual([-1, 0, 1, 2, 3, 4]);
    expect(await values(be.binary("mul", a, t([2], [])))).toEqual([0, 2, 4, 6, 8, 10]);
    const a3 = t(iota(8), [2, 2, 2]);
    expect(await values(be.binary("mul", a3, t([1, -1, 2, -2], [2, 2])))).toEqual([
      0, -1, 4, -6, 4, -5, 12, -14,
    ]);
  });

  test("rejects b that is not a suffix of a's shape or a scalar", () => {
    const a = t(iota(6), [2, 3]);
    expect(() => be.binary("add", a, t([1, 2], [2]))).toThrow(
      /add: argument 'b' must have a suffix of a's shape \[2, 3\]/,
    );
    expect(() => be.binary("mul", a, t([1, 2, 3], [1, 3]))).toThrow(ShapeError);
    expect(() => be.binary("sub", t([1], [1]), a)).toThrow(ShapeError);
  });
});

describe("affine", () => {
  test("alpha·x + beta", async () => {
    expect(await values(be.affine(t([1, 2, -3], [3]), 2, 1))).toEqual([3, 5, -5]);
  });
  test("rejects non-finite alpha or beta", () => {
    const x = t([1], [1]);
    expect(() => be.affine(x, Number.NaN, 0)).toThrow(/affine: argument 'alpha' must be a finite number/);
    expect(() => be.affine(x, 1, Infinity)).toThrow(/affine: argument 'beta'/);
  });
});

describe("sumTo and sum", () => {
  const x = t(iota(24), [2, 3, 4]); // x[b, i, j] = 12b + 4i + j

  test("sumTo sums the leading axes", async () => {
    expect(await values(be.sumTo(x, [4]))).toEqual([60, 66, 72, 78]);
    expect(await values(be.sumTo(x, [3, 4]))).toEqual([12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34]);
    expect(await values(be.sumTo(x, [2, 3, 4]))).toEqual(iota(24));
    expect(await values(be.sumTo(x, []))).toEqual([276]);
    expect(await values(be.sumTo(x, [1]))).toEqual([276]);
    expect(be.sumTo(x, [1]).shape).toEqual([1]);
  });

  test("sum over the first, middle and last axis", async () => {
    expect(await values(be.sum(x, 0))).toEqual([12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34]);
    expect(await values(be.sum(x, 1))).toEqual([12, 15, 18, 21, 48, 51, 54, 57]);
    expect(await values(be.sum(x, -1))).toEqual([6, 22, 38, 54, 70, 86]);
    expect(be.sum(x, -2).shape).toEqual([2, 4]);
    expect(be.sum(t([5], [1]), 0).shape).toEqual([]);
  });

  test("empty axes give zeros", async () => {
    expect(await values(be.sumTo(be.zeros([0, 3]), [3]))).toEqual([0, 0, 0]);
    expect(await values(be.sum(be.zeros([2, 0]), 1))).toEqual([0, 0]);
  });

  test("rejects a non-suffix shape and an out-of-range axis", () => {
    expect(() => be.sumTo(x, [3])).toThrow(
      /sumTo: argument 'shape' must be a suffix of x's shape \[2, 3, 4\]/,
    );
    expect(() => be.sumTo(x, [2, 3])).toThrow(ShapeError);
    expect(() => be.sum(x, 3)).toThrow(/sum: argument 'axis' must be an integer in \[-3, 3\)/);
    expect(() => be.sum(x, -4)).toThrow(ShapeError);
    expect(() => be.sum(x, 0.5)).toThrow(ShapeError);
  });
});

describe("broadcasting backward", () => {
  // out = a op b with b broadcast: each element of b feeds `count` outputs, so summing a ones-like output
  // gradient down to b's shape gives count everywhere.
  const cases: { a: number[]; b: number[]; count: number }[] = [
    { a: [3, 5, 7], b: [7], count: 15 },
    { a: [3, 5, 7], b: [5, 7], count: 3 },
    { a: [3, 5, 7], b: [], count: 105 },
    { a: [3, 5, 7], b: [1], count: 105 },
    { a: [3, 5, 7], b: [3, 5, 7], count: 1 },
  ];
  for (const c of cases) {
    test(`[${c.a.join(", ")}] with b [${c.b.join(", ")}]: sumTo(ones) = ${c.count}`, async () => {
      const a = be.zeros(c.a);
      const b = be.zeros(c.b);
      const out = be.binary("add", a, b);
      const ones = be.affine(be.zeros(out.shape), 0, 1);
      const db = be.sumTo(ones, b.shape);
      expect(db.shape).toEqual(c.b);
      expect(new Set(await values(db))).toEqual(new Set([c.count]));
    });
  }
});

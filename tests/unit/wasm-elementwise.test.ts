// The wasm elementwise kernels against the float64 CPU reference: unary ops (relu, sigmoid, tanh, exp, neg)
// and their backward, gelu (tanh approximation) against its formula and a central difference, binary ops with
// suffix broadcasting (same shape, a bias row, a scalar), affine, the sum over an axis (inner = 1 and > 1),
// and the rank-4 permute; sizes 1, 7, 33, 65 (every SIMD tail), large values and NaN; tanh and exp also on
// every engine over |x| up to 100 (exp's overflow and underflow), ±Infinity, ±0 and NaN.
//
// Tolerances: sigmoid, tanh, exp and gelu run in f32 SIMD and are held to the op cases' bounds
// (src/kernels/elementwise/cases.ts, derived there), as the WebGPU kernels are; the backward of tanh and exp
// (from y) is evaluated in f64 and rounded once, within the same cases' bounds; relu and neg are exact; f32
// SIMD arithmetic (binary, affine) atol 1e-6·|scale|, sums over L terms atol 1e-6·L.

import { describe, expect, test } from "vitest";
import { BACKWARD_TOL, FORWARD_TOL } from "../../src/kernels/elementwise/cases";
import { permuteDims } from "../../src/kernels/elementwise/shape";
import {
  UNARY,
  type WasmUnaryOp,
  wasmAffine,
  wasmBinary,
  wasmPermute4,
  wasmSumAxis,
  wasmUnary,
  wasmUnaryBackward,
} from "../../src/wasm";
import { download, expectClose, output, ref, refData, uniform, upload, useEngines } from "./wasm-helpers";

const list = useEngines();

const ONE_ROUNDING = 2 ** -24;

function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

describe("wasm unary", () => {
  for (const op of ["relu", "sigmoid", "tanh", "exp", "neg"] as const) {
    for (const n of [1, 7, 65]) {
      test(`${op} and its backward, n ${n}, values ±30 with 0 and NaN`, () => {
        const x = uniform(n, n + op.length, -30, 30);
        x[0] = 0;
        if (n > 2) x[2] = Number.NaN;
        const y = refData(ref.unary(op, ref.tensor(x, [n])));
        const yF = Float32Array.from(y);
        const dy = uniform(n, 5);
        const dx = refData(
          ref.unaryBackward(op, ref.tensor(x, [n]), ref.tensor(yF, [n]), ref.tensor(dy, [n])),
        );
        const { ctx } = list[0]!;
        const out = output(ctx, n);
        wasmUnary(ctx, op, upload(ctx, x), out, n);
        const f32 = op === "sigmoid" || op === "tanh" || op === "exp";
        const fw = f32 ? FORWARD_TOL[op] : { atol: 1e-30, rtol: ONE_ROUNDING };
        expectClose(download(ctx, out), y, fw.atol, fw.rtol, `${op} y`);
        const g = output(ctx, n);
        wasmUnaryBackward(ctx, op, upload(ctx, x), upload(ctx, yF), upload(ctx, dy), g, n);
        const bw = f32 ? BACKWARD_TOL[op] : { atol: 1e-30, rtol: 4 * ONE_ROUNDING };
        expectClose(download(ctx, g), dx, bw.atol, bw.rtol, `${op} dx`);
      });
    }
  }

  // exp(x) overflows f32 for x > 88.72 and is subnormal below −87.34: the reference is rounded to f32, so an
  // overflow must be +Infinity exactly; NaN must stay NaN, −Infinity give 0 and ±Infinity give ±1 for tanh.
  const SPECIAL = [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0,
    -0,
    100,
    -100,
    88.7,
    88.75,
    89.5,
    -87.5,
    -95,
    -104,
    15,
    -15,
    9.5,
    -9.5,
    1e-3,
    -1e-6,
    0.5,
  ];
  for (const op of ["tanh", "exp"] as const) {
    for (const n of [1, 3, 5, 7, 33, 65, 1031]) {
      test(`${op}, n ${n} (tail ${n % 4}), values ±100 with ±Infinity, ±0 and NaN, on every engine`, () => {
        const x = uniform(n, 7 * n + op.length, -100, 100);
        // The special values rotate with n through the vector body, and NaN, ±Infinity and ±0 through the scalar
        // tail (the last n % 4 values).
        for (let i = 0; i < Math.min(n, SPECIAL.length); i++) x[i] = SPECIAL[(i + n) % SPECIAL.length]!;
        for (let k = 0; k < n % 4; k++) x[n - 1 - k] = SPECIAL[(k + n) % 5]!;
        const y = Float32Array.from(refData(ref.unary(op, ref.tensor(x, [n]))));
        if (op === "exp") expect(y.some((v) => v === Number.POSITIVE_INFINITY) || n < 5).toBe(true);
        const tol = FORWARD_TOL[op];
        for (const { name, ctx } of list) {
          const out = output(ctx, n);
          wasmUnary(ctx, op, upload(ctx, x), out, n);
          const got = download(ctx, out);
          expectClose(got, y, tol.atol, tol.rtol, `${op} y (${name})`);
          for (let i = 0; i < n; i++) {
            if (x[i] === Number.NEGATIVE_INFINITY)
              expect(got[i], `${op}(−Infinity) (${name})`).toBe(op === "exp" ? 0 : -1);
            if (x[i] === Number.POSITIVE_INFINITY)
              expect(got[i], `${op}(Infinity) (${name})`).toBe(op === "exp" ? Number.POSITIVE_INFINITY : 1);
            if (Number.isNaN(x[i])) expect(got[i], `${op}(NaN) (${name})`).toBeNaN();
          }
        }
      });
    }
  }

  test("gelu (tanh approximation) matches its formula, and its backward a central difference", () => {
    const n = 33;
    const x = uniform(n, 3, -6, 6);
    const { ctx } = list[0]!;
    const y = output(ctx, n);
    wasmUnary(ctx, "gelu", upload(ctx, x), y, n);
    expectClose(download(ctx, y), Array.from(x, gelu), FORWARD_TOL.gelu.atol, FORWARD_TOL.gelu.rtol, "gelu");
    const dy = uniform(n, 4);
    const dx = output(ctx, n);
    wasmUnaryBackward(ctx, "gelu", upload(ctx, x), y, upload(ctx, dy), dx, n);
    const h = 1e-5;
    const numeric = Array.from(x, (v, i) => (dy[i]! * (gelu(v + h) - gelu(v - h))) / (2 * h));
    expectClose(download(ctx, dx), numeric, 1e-6, 1e-5, "gelu dx");
  });

  test("an unknown op is refused, listing the known ones", () => {
    const { ctx } = list[0]!;
    const b = output(ctx, 1);
    expect(() => wasmUnary(ctx, "cube" as WasmUnaryOp, b, b, 1)).toThrow(
      `unary: op must be one of ${Object.keys(UNARY).join(", ")}, got cube`,
    );
  });
});

describe("wasm binary, affine, sum, permute", () => {
  const SHAPES: [number[], number[]][] = [
    [[7], [7]],
    [[3, 33], [33]],
    [
      [5, 2, 7],
      [2, 7],
    ],
    [[65], []],
    [[4, 9], [1]],
  ];
  for (const op of ["add", "sub", "mul"] as const) {
    for (const [aShape, bShape] of SHAPES) {
      test(`${op} [${aShape}] with [${bShape}]`, () => {
        const n = aShape.reduce((p, x) => p * x, 1);
        const m = bShape.reduce((p, x) => p * x, 1);
        const a = uniform(n, n, -1e3, 1e3);
        const b = uniform(m, m + 1, -1e3, 1e3);
        const want = refData(ref.binary(op, ref.tensor(a, aShape), ref.tensor(b, bShape)));
        const { ctx } = list[0]!;
        const out = output(ctx, n);
        wasmBinary(ctx, op, upload(ctx, a), upload(ctx, b), out, n, m);
        expectClose(download(ctx, out), want, 0, ONE_ROUNDING, op);
      });
    }
  }

  test("binary refuses a period that does not divide the size", () => {
    const { ctx } = list[0]!;
    const b = output(ctx, 8);
    expect(() => wasmBinary(ctx, "add", b, b, b, 7, 3)).toThrow("add: period must divide n (7), got 3");
  });

  test("affine on 1, 7 and 65 values", () => {
    for (const n of [1, 7, 65]) {
      const x = uniform(n, n, -100, 100);
      const want = refData(ref.affine(ref.tensor(x, [n]), -2.5, 0.75));
      const { ctx } = list[0]!;
      const y = output(ctx, n);
      wasmAffine(ctx, upload(ctx, x), y, n, -2.5, 0.75);
      expectClose(download(ctx, y), want, 1e-5, 1e-6, `affine n ${n}`);
    }
  });

  const SUMS: [number[], number][] = [
    [[7], 0],
    [[3, 65], 1],
    [[3, 65], 0],
    [[2, 33, 5], 1],
    [[4, 3, 2, 7], 2],
    [[100, 9], 0],
  ];
  for (const [shape, axis] of SUMS) {
    test(`sum over axis ${axis} of [${shape}]`, () => {
      const n = shape.reduce((p, x) => p * x, 1);
      const x = uniform(n, n + axis);
      const want = refData(ref.sum(ref.tensor(x, shape), axis));
      const outer = shape.slice(0, axis).reduce((p, v) => p * v, 1);
      const len = shape[axis]!;
      const inner = shape.slice(axis + 1).reduce((p, v) => p * v, 1);
      const { ctx } = list[0]!;
      const out = output(ctx, outer * inner);
      wasmSumAxis(ctx, upload(ctx, x), out, outer, len, inner);
      expectClose(download(ctx, out), want, 1e-6 * len, 1e-6, "sum");
    });
  }

  const PERMS: [number[], number[]][] = [
    [
      [2, 3, 5, 7],
      [0, 2, 1, 3],
    ],
    [
      [2, 3, 5, 7],
      [3, 2, 1, 0],
    ],
    [
      [5, 7],
      [1, 0],
    ],
    [
      [3, 4, 6],
      [2, 0, 1],
    ],
  ];
  for (const [shape, perm] of PERMS) {
    test(`permute [${shape}] by [${perm}]`, () => {
      const n = shape.reduce((p, x) => p * x, 1);
      const x = uniform(n, n);
      const want = refData(ref.permute(ref.tensor(x, shape), perm));
      const d = permuteDims(shape, perm);
      const { ctx } = list[0]!;
      const y = output(ctx, n);
      wasmPermute4(ctx, upload(ctx, x), y, d.outDims4, d.inStrides4);
      expectClose(download(ctx, y), want, 0, 0, "permute");
    });
  }
});

// The wasm matmul (4×8 SIMD register blocks, packed B, K and N tiling) against the float64 CPU reference on
// shapes that hit every remainder: sizes 1, 7, 33, 65 (not multiples of the 4-row, 8-column block or the
// 256-step K tile), every transposed form, batches with a shared or batched operand, the fused bias, K = 0,
// and large values; with 1 thread and with the 2-thread pool splitting rows (or, on the column path for one
// product with K <= 256 and M <= 256, columns; on the split-K path for one product with a long K, K chunks).
//
// Tolerance: f32 products summed in f32 over K terms of |a·b| <= s²: atol = 4·K·2⁻²⁴·s² + 1e-6, rtol = 1e-5.

import { describe, expect, test } from "vitest";
import { matmulDims } from "../../src/kernels/matmul/shape";
import { wasmMatmul } from "../../src/wasm";
import { download, expectClose, output, ref, refData, uniform, upload, useEngines } from "./wasm-helpers";

interface Spec {
  batch: number; // 0: rank-2 operands
  M: number;
  K: number;
  N: number;
  transA?: boolean;
  transB?: boolean;
  bias?: boolean;
  sharedA?: boolean;
  sharedB?: boolean;
  /** Values in [−scale, scale). */
  scale?: number;
}

const SPECS: Spec[] = [
  { batch: 0, M: 1, K: 1, N: 1 },
  { batch: 0, M: 7, K: 7, N: 7, bias: true },
  { batch: 0, M: 33, K: 65, N: 33 },
  { batch: 0, M: 65, K: 33, N: 65, transA: true },
  { batch: 0, M: 65, K: 300, N: 17, transB: true, bias: true },
  { batch: 0, M: 37, K: 513, N: 270, transA: true, transB: true },
  { batch: 0, M: 1, K: 129, N: 65, bias: true },
  { batch: 0, M: 5, K: 0, N: 9, bias: true },
  { batch: 3, M: 17, K: 9, N: 23 },
  { batch: 2, M: 31, K: 12, N: 10, sharedB: true, bias: true },
  { batch: 2, M: 6, K: 11, N: 8, sharedA: true, transB: true },
  { batch: 2, M: 10, K: 17, N: 35, transA: true, transB: true, bias: true },
  { batch: 0, M: 9, K: 40, N: 12, scale: 1e4 },
  // The column path (one product, K <= 256, M <= 256): N over several 64-column groups, every layout.
  { batch: 0, M: 13, K: 64, N: 200, transB: true, bias: true },
  { batch: 0, M: 256, K: 256, N: 129, transA: true },
  { batch: 0, M: 3, K: 31, N: 70, transA: true, transB: true },
  // The split-K path (one product, K > 256 and K >= 8·max(M, N)): a last chunk of one K, leftover rows and
  // columns, every layout, large values.
  { batch: 0, M: 6, K: 1025, N: 13, transA: true, bias: true },
  { batch: 0, M: 64, K: 2050, N: 64, transB: true },
  { batch: 0, M: 9, K: 600, N: 20, transA: true, transB: true, scale: 1e4 },
];

function label(s: Spec): string {
  const flags = ["transA", "transB", "bias", "sharedA", "sharedB"].filter((f) => s[f as keyof Spec]);
  return [`batch ${s.batch} M ${s.M} K ${s.K} N ${s.N}`, ...flags, s.scale ? `values ±${s.scale}` : ""].join(
    " ",
  );
}

const list = useEngines();

describe("wasm matmul", () => {
  for (const spec of SPECS) {
    test(label(spec), async () => {
      const { batch, M, K, N } = spec;
      const sc = spec.scale ?? 1;
      const aMat = spec.transA ? [K, M] : [M, K];
      const bMat = spec.transB ? [N, K] : [K, N];
      const aShape = batch && !spec.sharedA ? [batch, ...aMat] : aMat;
      const bShape = batch && !spec.sharedB ? [batch, ...bMat] : bMat;
      const aData = uniform(
        aShape.reduce((p, x) => p * x, 1),
        1 + M,
        -sc,
        sc,
      );
      const bData = uniform(
        bShape.reduce((p, x) => p * x, 1),
        2 + N,
        -sc,
        sc,
      );
      const biasData = spec.bias ? uniform(N, 3, -sc, sc) : undefined;
      const opts = { transA: spec.transA, transB: spec.transB };
      const d = matmulDims(aShape, bShape, opts, biasData ? [N] : undefined);
      const want = refData(
        ref.matmul(ref.tensor(aData, aShape), ref.tensor(bData, bShape), {
          ...opts,
          bias: biasData ? ref.tensor(biasData, [N]) : undefined,
        }),
      );
      const atol = 4 * Math.max(K, 1) * 2 ** -24 * sc * sc + 1e-6;
      for (const { name, ctx } of list) {
        const a = upload(ctx, aData);
        const b = upload(ctx, bData);
        const bias = biasData ? upload(ctx, biasData) : undefined;
        const c = output(ctx, d.batch * M * N);
        await wasmMatmul(ctx, a, b, c, { ...d, ...opts }, bias);
        expectClose(download(ctx, c), want, atol, 1e-5, name);
      }
    });
  }

  // The split changes which thread computes a row, a column block or a K chunk, not the sums (the split-K path
  // adds its partials in chunk order): by rows, then split over K.
  for (const [M, K, N] of [
    [67, 301, 45],
    [30, 1100, 20],
  ] as const) {
    test(`1 and 2 threads agree bit for bit at ${M}x${K}x${N}`, async () => {
      const aData = uniform(M * K, 11);
      const bData = uniform(K * N, 12);
      const results = [];
      for (const { ctx } of list) {
        const c = output(ctx, M * N);
        await wasmMatmul(ctx, upload(ctx, aData), upload(ctx, bData), c, {
          batch: 1,
          M,
          K,
          N,
          strideA: 0,
          strideB: 0,
        });
        results.push(download(ctx, c));
      }
      expect(results[1]).toEqual(results[0]);
    });
  }

  test("buffers too small are refused, naming the argument", () => {
    const { ctx } = list[0]!;
    const a = upload(ctx, uniform(6, 1));
    const b = upload(ctx, uniform(6, 2));
    const c = output(ctx, 3);
    expect(() => wasmMatmul(ctx, a, b, c, { batch: 1, M: 2, K: 3, N: 2, strideA: 0, strideB: 0 })).toThrow(
      /matmul: c must hold 4 values, has 3/,
    );
  });
});

// The wasm row kernels against the float64 CPU reference: softmax (SIMD exp) and its backward, layer norm
// forward and backward, embedding and its scatter-add, softmax cross-entropy and mean squared error with
// their backwards, on odd row lengths (1, 7, 33, 65, 1000), rows of −Infinity, large logits and ids/targets out
// of range; the row-split ops with 1 thread and the 2-thread pool.
//
// Tolerances: softmax/probabilities atol 1e-6, rtol 1e-5 (the vector exp is within ~2 ulp); layer norm
// atol 2e-5, rtol 1e-4 (f32 two-pass statistics); summed gradients over R rows atol 1e-5·R; losses rtol 1e-5.

import { describe, expect, test } from "vitest";
import {
  wasmCheckIndices,
  wasmCrossEntropy,
  wasmCrossEntropyBackward,
  wasmEmbedding,
  wasmEmbeddingBackward,
  wasmLayerNorm,
  wasmLayerNormBackward,
  wasmMse,
  wasmMseBackward,
  wasmSoftmax,
  wasmSoftmaxBackward,
} from "../../src/wasm";
import { download, expectClose, output, ref, refData, uniform, upload, useEngines } from "./wasm-helpers";

const list = useEngines();

const ROWS: [number, number][] = [
  [1, 1],
  [3, 7],
  [5, 33],
  [9, 65],
  [4, 1000],
];

describe("wasm softmax", () => {
  for (const [rows, cols] of ROWS) {
    test(`${rows} × ${cols}, a row of −Infinity, logits ±80`, async () => {
      const x = uniform(rows * cols, rows + cols, -80, 80);
      // Row 0 all −Infinity (→ zeros); in row 1, every other entry −Infinity.
      if (rows > 1) {
        x.fill(Number.NEGATIVE_INFINITY, 0, cols);
        for (let j = 0; j < cols; j += 2) x[cols + j] = Number.NEGATIVE_INFINITY;
      }
      const want = refData(ref.softmax(ref.tensor(x, [rows, cols])));
      const dy = uniform(rows * cols, 7 + cols);
      const yF = Float32Array.from(want);
      const wantDx = refData(ref.softmaxBackward(ref.tensor(yF, [rows, cols]), ref.tensor(dy, [rows, cols])));
      for (const { name, ctx } of list) {
        const y = output(ctx, rows * cols);
        await wasmSoftmax(ctx, upload(ctx, x), y, rows, cols);
        expectClose(download(ctx, y), want, 1e-6, 1e-5, `${name} y`);
        const dx = output(ctx, rows * cols);
        await wasmSoftmaxBackward(ctx, upload(ctx, yF), upload(ctx, dy), dx, rows, cols);
        expectClose(download(ctx, dx), wantDx, 1e-6, 1e-5, `${name} dx`);
      }
    });
  }
});

describe("wasm softmax, NaN among −Infinity", () => {
  // The row max may pass over a NaN; a row of −Infinity and one NaN must still be all NaN (the contract's rule for
  // a row holding NaN), and a row of −Infinity alone all zeros. 3, 19 and 40 columns: the scalar tail, and the
  // 4-wide and 16-wide loops with a tail.
  for (const cols of [3, 19, 40]) {
    test(`${cols} columns`, async () => {
      const x = new Float32Array(3 * cols).fill(Number.NEGATIVE_INFINITY);
      x[cols + 1] = Number.NaN;
      x[2 * cols + cols - 1] = Number.NaN;
      const want = refData(ref.softmax(ref.tensor(x, [3, cols])));
      expect(want.slice(0, cols).every((v) => v === 0)).toBe(true);
      expect(want.slice(cols).every(Number.isNaN)).toBe(true);
      for (const { name, ctx } of list) {
        const y = output(ctx, 3 * cols);
        await wasmSoftmax(ctx, upload(ctx, x), y, 3, cols);
        expect([...download(ctx, y)].map(String), name).toEqual([...want].map(String));
      }
    });
  }
});

describe("wasm softmax backward, masked entries", () => {
  test("an entry with y = 0 gets dx = 0 and adds nothing to the sum, whatever dy holds there", async () => {
    const cols = 11;
    const y = Float32Array.from({ length: 2 * cols }, (_, j) => (j % 3 === 0 ? 0 : 1 / 7));
    const dy = uniform(2 * cols, 5);
    for (let j = 0; j < 2 * cols; j += 3) dy[j] = j % 2 ? Number.NaN : Number.POSITIVE_INFINITY;
    // The spec on the same y with dy = 0 where y = 0: those entries must not matter.
    const clean = Float32Array.from(dy, (v, j) => (y[j] === 0 ? 0 : v));
    const want = refData(ref.softmaxBackward(ref.tensor(y, [2, cols]), ref.tensor(clean, [2, cols])));
    for (const { name, ctx } of list) {
      const dx = output(ctx, 2 * cols);
      await wasmSoftmaxBackward(ctx, upload(ctx, y), upload(ctx, dy), dx, 2, cols);
      expectClose(download(ctx, dx), want, 1e-7, 1e-6, `${name} dx`);
    }
  });
});

describe("wasm layer norm", () => {
  test("rows of ±1e20 and ±1e37 (whose squares overflow f32) normalise as in float64", async () => {
    const C = 6;
    const x = Float32Array.from([1e20, -1e20, 3e19, -2e20, 5e19, 1e20, 1e37, -1e37, 2e37, -3e36, 0, 1e36]);
    const gamma = Float32Array.from({ length: C }, (_, j) => 0.5 + j / 10);
    const beta = Float32Array.from({ length: C }, (_, j) => j / 10 - 0.2);
    const r = ref.layerNorm(ref.tensor(x, [2, C]), ref.tensor(gamma, [C]), ref.tensor(beta, [C]), 1e-5);
    for (const { name, ctx } of list) {
      const [y, mean, rstd] = [output(ctx, 2 * C), output(ctx, 2), output(ctx, 2)];
      await wasmLayerNorm(
        ctx,
        upload(ctx, x),
        upload(ctx, gamma),
        upload(ctx, beta),
        y,
        mean,
        rstd,
        2,
        C,
        1e-5,
      );
      expectClose(download(ctx, y), refData(r.y), 1e-5, 1e-5, `${name} y`);
      expectClose(download(ctx, rstd), refData(r.rstd), 0, 1e-5, `${name} rstd`);
    }
  });

  for (const [rows, C] of ROWS) {
    test(`${rows} × ${C}, mean 50 ≫ std`, async () => {
      const x = uniform(rows * C, rows * C, 49, 51);
      const gamma = uniform(C, 3, 0.5, 1.5);
      const beta = uniform(C, 4);
      const eps = 1e-5;
      const r = ref.layerNorm(ref.tensor(x, [rows, C]), ref.tensor(gamma, [C]), ref.tensor(beta, [C]), eps);
      const meanF = Float32Array.from(refData(r.mean));
      const rstdF = Float32Array.from(refData(r.rstd));
      const dy = uniform(rows * C, 9);
      const g = ref.layerNormBackward(
        ref.tensor(x, [rows, C]),
        ref.tensor(gamma, [C]),
        ref.tensor(meanF, [rows]),
        ref.tensor(rstdF, [rows]),
        ref.tensor(dy, [rows, C]),
      );
      for (const { name, ctx } of list) {
        const y = output(ctx, rows * C);
        const mean = output(ctx, rows);
        const rstd = output(ctx, rows);
        await wasmLayerNorm(
          ctx,
          upload(ctx, x),
          upload(ctx, gamma),
          upload(ctx, beta),
          y,
          mean,
          rstd,
          rows,
          C,
          eps,
        );
        expectClose(download(ctx, y), refData(r.y), 2e-4, 1e-4, `${name} y`);
        expectClose(download(ctx, mean), refData(r.mean), 1e-5, 1e-6, `${name} mean`);
        expectClose(download(ctx, rstd), refData(r.rstd), 1e-5, 1e-4, `${name} rstd`);
        const [dx, dgamma, dbeta] = [output(ctx, rows * C), output(ctx, C), output(ctx, C)];
        wasmLayerNormBackward(
          ctx,
          upload(ctx, x),
          upload(ctx, gamma),
          upload(ctx, meanF),
          upload(ctx, rstdF),
          upload(ctx, dy),
          dx,
          dgamma,
          dbeta,
          rows,
          C,
        );
        expectClose(download(ctx, dx), refData(g.dx), 2e-3, 1e-3, `${name} dx`);
        expectClose(download(ctx, dgamma), refData(g.dgamma), 1e-4 * rows, 1e-4, `${name} dgamma`);
        expectClose(download(ctx, dbeta), refData(g.dbeta), 1e-5 * rows, 1e-5, `${name} dbeta`);
      }
    });
  }
});

describe("wasm embedding", () => {
  test("lookup and scatter-add with repeated ids, C = 7 and 33", () => {
    for (const C of [7, 33]) {
      const V = 11;
      const ids = Float32Array.from([3, 0, 10, 3, 3, 7, 0]);
      const table = uniform(V * C, C);
      const dy = uniform(ids.length * C, C + 1);
      const want = refData(ref.embedding(ref.tensor(table, [V, C]), ref.tensor(ids, [ids.length])));
      const wantD = refData(
        ref.embeddingBackward(ref.tensor(ids, [ids.length]), ref.tensor(dy, [ids.length, C]), V),
      );
      const { ctx } = list[0]!;
      const out = output(ctx, ids.length * C);
      wasmEmbedding(ctx, upload(ctx, table), upload(ctx, ids), out, V, C, ids.length);
      expectClose(download(ctx, out), want, 0, 0, "out");
      const dt = output(ctx, V * C);
      wasmEmbeddingBackward(ctx, upload(ctx, ids), upload(ctx, dy), dt, V, C, ids.length);
      expectClose(download(ctx, dt), wantD, 1e-6, 1e-6, "dtable");
    }
  });

  test("ids out of range or not integers give rows of zeros and add nothing (the contract)", () => {
    const { ctx } = list[0]!;
    const V = 4;
    const C = 3;
    const tableData = uniform(V * C, 1);
    const ids = Float32Array.from([4, 1, -1, 1.5, Number.NaN, Infinity, 3, -0]);
    const n = ids.length;
    const out = output(ctx, n * C);
    wasmEmbedding(ctx, upload(ctx, tableData), upload(ctx, ids), out, V, C, n);
    const want = refData(ref.embedding(ref.tensor(tableData, [V, C]), ref.tensor(ids, [n])));
    expectClose(download(ctx, out), want, 0, 0, "out");
    const dy = uniform(n * C, 2);
    const dt = output(ctx, V * C);
    wasmEmbeddingBackward(ctx, upload(ctx, ids), upload(ctx, dy), dt, V, C, n);
    const wantD = refData(ref.embeddingBackward(ref.tensor(ids, [n]), ref.tensor(dy, [n, C]), V));
    expectClose(download(ctx, dt), wantD, 1e-6, 1e-6, "dtable");
    // Rows 0, 2, 3, 4, 5 are zeros; row 1 is table row 1.
    expect(Array.from(download(ctx, out).subarray(0, C))).toEqual([0, 0, 0]);
  });

  test("the debug check names the bad value and its index", () => {
    const { ctx } = list[0]!;
    for (const [bad, at] of [
      [4, 1],
      [-1, 2],
      [1.5, 0],
      [Number.NaN, 2],
    ] as const) {
      const ids = Float32Array.from([0, 1, 2]);
      ids[at] = bad;
      expect(() => wasmCheckIndices(ctx, "embedding", "ids", upload(ctx, ids), 3, 4)).toThrow(
        new RegExp(`embedding: ids must hold integers in \\[0, 4\\), got ${bad} at index ${at}`),
      );
    }
  });
});

describe("wasm losses", () => {
  for (const [N, C] of [
    [1, 1],
    [5, 7],
    [9, 33],
    [3, 1000],
  ] as const) {
    test(`cross-entropy ${N} × ${C}, logits ±50`, () => {
      const logits = uniform(N * C, N + C, -50, 50);
      const targets = Float32Array.from({ length: N }, (_, i) => (i * 7) % C);
      const r = ref.crossEntropy(ref.tensor(logits, [N, C]), ref.tensor(targets, [N]));
      const probsF = Float32Array.from(refData(r.probs));
      const dloss = Float32Array.of(0.75);
      const wantD = refData(
        ref.crossEntropyBackward(ref.tensor(probsF, [N, C]), ref.tensor(targets, [N]), ref.tensor(dloss, [])),
      );
      const { ctx } = list[0]!;
      const probs = output(ctx, N * C);
      const loss = output(ctx, 1);
      wasmCrossEntropy(ctx, upload(ctx, logits), upload(ctx, targets), probs, loss, N, C);
      expectClose(download(ctx, probs), refData(r.probs), 1e-6, 1e-5, "probs");
      expectClose(download(ctx, loss), refData(r.loss), 1e-5, 1e-5, "loss");
      const d = output(ctx, N * C);
      wasmCrossEntropyBackward(ctx, upload(ctx, probsF), upload(ctx, targets), upload(ctx, dloss), d, N, C);
      expectClose(download(ctx, d), wantD, 1e-7, 1e-6, "dlogits");
    });
  }

  test("cross-entropy: a target out of range adds 0 to the loss and no one-hot", () => {
    const { ctx } = list[0]!;
    const N = 4;
    const C = 3;
    const logits = uniform(N * C, 1, -3, 3);
    const targets = Float32Array.from([0, 3, -1, 2.5]);
    const r = ref.crossEntropy(ref.tensor(logits, [N, C]), ref.tensor(targets, [N]));
    const probs = output(ctx, N * C);
    const loss = output(ctx, 1);
    wasmCrossEntropy(ctx, upload(ctx, logits), upload(ctx, targets), probs, loss, N, C);
    expectClose(download(ctx, loss), refData(r.loss), 1e-6, 1e-6, "loss");
    const dloss = Float32Array.of(1);
    const d = output(ctx, N * C);
    const probsF = Float32Array.from(refData(r.probs));
    wasmCrossEntropyBackward(ctx, upload(ctx, probsF), upload(ctx, targets), upload(ctx, dloss), d, N, C);
    const wantD = refData(
      ref.crossEntropyBackward(ref.tensor(probsF, [N, C]), ref.tensor(targets, [N]), ref.tensor(dloss, [])),
    );
    expectClose(download(ctx, d), wantD, 1e-7, 1e-6, "dlogits");
  });

  for (const n of [1, 7, 1001]) {
    test(`mse over ${n} values`, () => {
      const pred = uniform(n, n, -100, 100);
      const target = uniform(n, n + 1, -100, 100);
      const dloss = Float32Array.of(1.5);
      const want = refData(ref.mse(ref.tensor(pred, [n]), ref.tensor(target, [n])));
      const wantD = refData(
        ref.mseBackward(ref.tensor(pred, [n]), ref.tensor(target, [n]), ref.tensor(dloss, [])),
      );
      const { ctx } = list[0]!;
      const loss = output(ctx, 1);
      wasmMse(ctx, upload(ctx, pred), upload(ctx, target), loss, n);
      expectClose(download(ctx, loss), want, 0, 1e-6, "loss");
      const d = output(ctx, n);
      wasmMseBackward(ctx, upload(ctx, pred), upload(ctx, target), upload(ctx, dloss), d, n);
      expectClose(download(ctx, d), wantD, 1e-5, 1e-6, "dpred");
    });
  }
});

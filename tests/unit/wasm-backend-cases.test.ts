// Every op folder's verification cases (src/kernels/<op>/cases.ts) on the wasm backend against the float64 CPU
// reference, with the cases' own tolerances: on one thread, and on two threads with the pool used for every
// size (cut-over 0), so every pooled path is split across the worker and the main thread; each on the module
// built with relaxed SIMD (the default where the engine has it; vite.config.ts turns it on in Node 20) and on
// the plain SIMD build.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { WasmBackend } from "../../src/backend/wasm";
import { allCases } from "../../src/kernels/index";
import { verifyCase } from "../../src/verify/run";

const cases = allCases("wasm");

describe("wasm backend: the cases of every op", () => {
  test("every op folder has cases on wasm", () => {
    const kernels = new Set(cases.map((c) => c.kernel));
    for (const k of [
      "matmul",
      "softmax",
      "attention",
      "attentionBackward",
      "layerNorm",
      "embedding",
      "crossEntropy",
      "mse",
      "elementwise",
      "layerNormBackward",
      "embeddingBackward",
      "crossEntropyBackward",
      "mseBackward",
      "mixture",
      "mixtureBackward",
      "optim-adam",
      "optim-sgd",
      "optim-sum-squares",
    ]) {
      expect(
        [...kernels].some((x) => x.toLowerCase().startsWith(k.toLowerCase())),
        k,
      ).toBe(true);
    }
  });
});

for (const relaxedSimd of [true, false]) {
  for (const threads of [1, 2]) {
    const simd = relaxedSimd ? "relaxed SIMD" : "plain SIMD";
    describe(`wasm backend, ${threads} thread${threads === 1 ? "" : "s"}, ${simd}`, () => {
      let be: WasmBackend;
      beforeAll(async () => {
        be = await WasmBackend.create({ threads, cutover: { flops: 0, rowElements: 0 }, relaxedSimd });
        expect(be.threads, be.description).toBe(threads);
        expect(be.engine.relaxed, simd).toBe(relaxedSimd);
      });
      afterAll(() => be.dispose());

      test("all cases pass", async () => {
        const failed: string[] = [];
        for (const c of cases) {
          const r = await verifyCase(c, be);
          if (!r.pass) failed.push(`${c.id} (${c.shape}): ${r.detail}; maxAbsErr ${r.maxAbsErr}`);
        }
        expect(failed).toEqual([]);
      }, 120_000);
    });
  }
}

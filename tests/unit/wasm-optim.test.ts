// The wasm optimizer updates against the float64 CPU reference: SGD (plain, momentum, weight decay) and
// Adam/AdamW over several steps on parameter lists of odd sizes (1, 7, 33), with global-norm clipping from
// the sum of squares, and the non-finite guard (a NaN or Infinity sum leaves every bit untouched).
//
// Tolerances: f32 arithmetic per element over 5 steps: atol 1e-6, rtol 1e-5; the sum of squares (f64
// accumulation) rtol 1e-6.

import { describe, expect, test } from "vitest";
import type { Tensor } from "../../src/backend/contract";
import { type WasmBuffer, wasmAdamStep, wasmSgdStep, wasmSumSquares } from "../../src/wasm";
import { download, expectClose, output, ref, refData, uniform, upload, useEngines } from "./wasm-helpers";

const list = useEngines();

const SIZES = [1, 7, 33];

function lists(seed: number) {
  return {
    p: SIZES.map((n, i) => uniform(n, seed + i)),
    g: SIZES.map((n, i) => uniform(n, seed + 10 + i, -3, 3)),
  };
}

describe("wasm optimizers", () => {
  test("sum of squares over a list", () => {
    const xs = SIZES.map((n, i) => uniform(n, i, -10, 10));
    const want = refData(ref.sumSquares(xs.map((x) => ref.tensor(x, [x.length]))));
    const { ctx } = list[0]!;
    const out = output(ctx, 1);
    wasmSumSquares(
      ctx,
      xs.map((x) => upload(ctx, x)),
      out,
    );
    expectClose(download(ctx, out), want, 0, 1e-6, "sumSq");
  });

  for (const clip of [undefined, 0.5, Infinity]) {
    for (const [momentum, weightDecay] of [
      [0, 0],
      [0.9, 0.01],
    ] as const) {
      test(`SGD momentum ${momentum} wd ${weightDecay}, clip ${clip ?? "none"}, 5 steps`, () => {
        const { p, g } = lists(1);
        const hp = { lr: 0.1, momentum, weightDecay };
        const rp = p.map((x) => ref.tensor(x, [x.length]));
        const rm = p.map((x) => ref.zeros([x.length]));
        const rg = g.map((x) => ref.tensor(x, [x.length]));
        const { ctx } = list[0]!;
        const wp = p.map((x) => upload(ctx, x));
        const wm = p.map((x) => upload(ctx, new Float32Array(x.length)));
        const wg = g.map((x) => upload(ctx, x));
        for (let step = 0; step < 5; step++) {
          const rs = ref.sumSquares(rg);
          ref.sgdStep(rp, rg, rm, hp, clip === undefined ? undefined : { sumSq: rs, maxNorm: clip });
          const ws = output(ctx, 1);
          wasmSumSquares(ctx, wg, ws);
          const applied = wasmSgdStep(
            ctx,
            wp,
            wg,
            wm,
            hp,
            clip === undefined ? undefined : { sumSq: ws, maxNorm: clip },
          );
          expect(applied).toBe(true);
        }
        compareLists(ctx, wp, rp, "params");
        compareLists(ctx, wm, rm, "momenta");
      });
    }
  }

  for (const clip of [undefined, 1.0]) {
    for (const weightDecay of [0, 0.1]) {
      test(`Adam${weightDecay ? "W" : ""} clip ${clip ?? "none"}, 5 steps`, () => {
        const { p, g } = lists(2);
        const rp = p.map((x) => ref.tensor(x, [x.length]));
        const rm = p.map((x) => ref.zeros([x.length]));
        const rv = p.map((x) => ref.zeros([x.length]));
        const rg = g.map((x) => ref.tensor(x, [x.length]));
        const { ctx } = list[0]!;
        const wp = p.map((x) => upload(ctx, x));
        const wm = p.map((x) => upload(ctx, new Float32Array(x.length)));
        const wv = p.map((x) => upload(ctx, new Float32Array(x.length)));
        const wg = g.map((x) => upload(ctx, x));
        for (let step = 1; step <= 5; step++) {
          const hp = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, step };
          const rs = ref.sumSquares(rg);
          ref.adamStep(rp, rg, rm, rv, hp, clip === undefined ? undefined : { sumSq: rs, maxNorm: clip });
          const ws = output(ctx, 1);
          wasmSumSquares(ctx, wg, ws);
          wasmAdamStep(
            ctx,
            wp,
            wg,
            wm,
            wv,
            hp,
            clip === undefined ? undefined : { sumSq: ws, maxNorm: clip },
          );
        }
        compareLists(ctx, wp, rp, "params");
        compareLists(ctx, wm, rm, "m");
        compareLists(ctx, wv, rv, "v");
      });
    }
  }

  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    test(`a sum of squares of ${bad} skips the step and leaves every bit`, () => {
      const { p, g } = lists(3);
      const { ctx } = list[0]!;
      const wp = p.map((x) => upload(ctx, x));
      const wm = p.map((x) => upload(ctx, uniform(x.length, 9)));
      const wv = p.map((x) => upload(ctx, uniform(x.length, 10, 0, 1)));
      const wg = g.map((x) => upload(ctx, x));
      const before = [...wp, ...wm, ...wv].map((b) => download(ctx, b));
      const sumSq = upload(ctx, [bad]);
      const hp = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 3 };
      expect(wasmAdamStep(ctx, wp, wg, wm, wv, hp, { sumSq, maxNorm: Infinity })).toBe(false);
      expect(
        wasmSgdStep(ctx, wp, wg, wm, { lr: 0.1, momentum: 0.9, weightDecay: 0 }, { sumSq, maxNorm: 1 }),
      ).toBe(false);
      expect([...wp, ...wm, ...wv].map((b) => download(ctx, b))).toEqual(before);
    });
  }
});

function compareLists(ctx: (typeof list)[number]["ctx"], got: WasmBuffer[], want: Tensor[], what: string) {
  got.forEach((b, i) => {
    expectClose(download(ctx, b), refData(want[i]!), 1e-6, 1e-5, `${what}[${i}]`);
  });
}

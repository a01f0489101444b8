// The CPU reference of softmax and its backward against values worked out independently of it, its invariants,
// its handling of extreme and excluded entries, and the argument checks of the CPU backend's ops.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import { softmaxCases } from "../../src/kernels/softmax/cases";
import { softmaxBackwardCpu, softmaxCpu } from "../../src/kernels/softmax/reference";
import { keptColumns } from "../../src/kernels/softmax/shape";
import { ShapeError } from "../../src/kernels/validate";
import { Rng } from "../../src/util/rng";

const f32 = (xs: number[]) => Float32Array.from(xs);

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (!Number.isFinite(w)) expect(got[i], `element ${i}`).toBe(w);
    else expect(Math.abs(got[i]! - w), `element ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol);
  }
}

/** Softmax of one row in float64, written directly from the definition (no max subtraction: small inputs only). */
function naiveSoftmax(x: number[]): number[] {
  const e = x.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe("softmaxCpu", () => {
  test("matches values computed by hand", () => {
    // e^0.61 = 1.8404, e^0.89 = 2.4351, e^0.77 = 2.1598; sum 6.4353.
    const y = softmaxCpu(f32([0.61, 0.89, 0.77]), 1, 3);
    expect([...y].map((v) => Number(v.toFixed(3)))).toEqual([0.286, 0.378, 0.336]);
    // e^0 : e^ln2 : e^ln3 = 1 : 2 : 3, so y = [1/6, 2/6, 3/6] and lse = ln 6.
    const lse = new Float32Array(1);
    expectClose(softmaxCpu(f32([0, Math.LN2, Math.log(3)]), 1, 3, { lse }), [1 / 6, 2 / 6, 3 / 6], 1e-7);
    expectClose(lse, [Math.log(6)], 1e-6);
  });

  test("scale multiplies the logits before the softmax", () => {
    const lse = new Float32Array(1);
    // scale 2 on [0, ln2 / 2] gives logits [0, ln 2]: y = [1/3, 2/3], lse = ln 3.
    expectClose(softmaxCpu(f32([0, Math.LN2 / 2]), 1, 2, { scale: 2, lse }), [1 / 3, 2 / 3], 1e-7);
    expectClose(lse, [Math.log(3)], 1e-6);
  });

  test("rows sum to 1 and agree with a float64 softmax written from the definition", () => {
    const rng = new Rng(11);
    const rows = 9;
    const cols = 23;
    const x = rng.fill(rows * cols, -3, 3);
    const y = softmaxCpu(x, rows, cols);
    for (let r = 0; r < rows; r++) {
      const row = [...y.subarray(r * cols, (r + 1) * cols)];
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
      expectClose(row, naiveSoftmax([...x.subarray(r * cols, (r + 1) * cols)]), 1e-7);
    }
  });

  test("is invariant to adding a constant to a row; lse moves by the constant", () => {
    const rng = new Rng(12);
    // Multiples of 1/256 in [-1, 1]: x + 37.5 is then exact in f32, so only the softmax itself is compared.
    const x = rng.fill(40, -1, 1).map((v) => Math.round(v * 256) / 256);
    const shifted = x.map((v) => v + 37.5);
    const lse0 = new Float32Array(4);
    const lse1 = new Float32Array(4);
    expectClose(softmaxCpu(shifted, 4, 10, { lse: lse1 }), softmaxCpu(x, 4, 10, { lse: lse0 }), 1e-7);
    expectClose(
      lse1,
      [...lse0].map((v) => v + 37.5),
      1e-5,
    );
  });

  test("±1e4 logits give no overflow or NaN", () => {
    const lse = new Float32Array(4);
    const y = softmaxCpu(f32([1e4, 1e4, 1e4, -1e4, -1e4, -1e4, -1e4, 1e4]), 4, 2, { lse });
    expect(y.every(Number.isFinite)).toBe(true);
    expectClose(y, [0.5, 0.5, 1, 0, 0.5, 0.5, 0, 1], 0);
    expectClose(lse, [1e4 + Math.LN2, 1e4, -1e4 + Math.LN2, 1e4], 1e-3);
  });

  test("-Infinity entries are excluded; an all -Infinity row gives zeros and lse -Infinity", () => {
    const lse = new Float32Array(2);
    const y = softmaxCpu(f32([-Infinity, 0, 0, -Infinity, -Infinity, -Infinity]), 2, 3, { lse });
    expectClose(y, [0, 0.5, 0.5, 0, 0, 0], 0);
    expect(lse[0]).toBeCloseTo(Math.LN2, 6);
    expect(lse[1]).toBe(-Infinity);
    // -Infinity is dropped whatever the scale (scale·-Infinity would be NaN at scale 0).
    expectClose(softmaxCpu(f32([-Infinity, 1, 2]), 1, 3, { scale: 0 }), [0, 0.5, 0.5], 0);
  });

  test("the causal mask keeps j <= i + (S - T); fully masked rows give zeros and lse -Infinity", () => {
    // T = 3 queries, S = 2 keys: i = 0 sees nothing, i = 1 sees key 0, i = 2 sees both.
    const lse = new Float32Array(3);
    const y = softmaxCpu(f32([5, 6, 1, 9, 0, Math.LN2]), 3, 2, { causalT: 3, lse });
    expectClose(y, [0, 0, 1, 0, 1 / 3, 2 / 3], 1e-7);
    expectClose(lse, [-Infinity, 1, Math.log(3)], 1e-6);
    // T = 2, S = 3, two blocks: i = 0 sees keys 0..1, i = 1 sees all three.
    expect([0, 1, 2, 3].map((r) => keptColumns(r, 3, 2))).toEqual([2, 3, 2, 3]);
    expect(keptColumns(5, 7, undefined)).toBe(7);
  });

  test("rejects options that do not fit the rows", () => {
    expect(() => softmaxCpu(new Float32Array(6), 3, 2, { causalT: 2 })).toThrow(
      /softmax: argument 'causalT'/,
    );
    expect(() => softmaxCpu(new Float32Array(6), 3, 2, { causalT: 0 })).toThrow(ShapeError);
    expect(() => softmaxCpu(new Float32Array(6), 3, 2, { scale: Number.NaN })).toThrow(/argument 'scale'/);
  });
});

describe("softmaxBackwardCpu", () => {
  /** Central finite differences of L(x) = Σ w·softmax(x) for one row, in float64 end to end. */
  function numericGrad(x: number[], w: number[], h = 1e-5): number[] {
    const loss = (v: number[]) => naiveSoftmax(v).reduce((a, p, j) => a + w[j]! * p, 0);
    return x.map((_, j) => {
      const up = x.slice();
      const down = x.slice();
      up[j]! += h;
      down[j]! -= h;
      return (loss(up) - loss(down)) / (2 * h);
    });
  }

  test("matches central finite differences of Σ w·softmax(x)", () => {
    const rng = new Rng(21);
    for (const cols of [1, 2, 7, 31]) {
      const x = [...rng.fill(cols, -2, 2)];
      const w = [...rng.fill(cols, -1, 1)];
      const y = softmaxCpu(f32(x), 1, cols);
      // dL/dx from the backward with dy = w; y is f32, so the agreement is to ~1e-7, FD error is ~1e-10.
      const dx = softmaxBackwardCpu(y, f32(w), 1, cols);
      expectClose(dx, numericGrad(x, w), 1e-6);
    }
  });

  test("works row by row and gives zeros for a fully masked row", () => {
    const y = f32([0.25, 0.75, 0, 0]);
    const dy = f32([1, 3, 5, 7]);
    // Row 0: Σ dy·y = 2.5, dx = [0.25·(1 − 2.5), 0.75·(3 − 2.5)]; row 1: y = 0 gives dx = 0.
    expectClose(softmaxBackwardCpu(y, dy, 2, 2), [-0.375, 0.375, 0, 0], 1e-7);
  });
});

describe("softmax ops on the CPU backend", () => {
  const be = new CpuBackend();

  test("softmax runs over the last axis and keeps the shape", async () => {
    const x = be.tensor([0, Math.LN2, Math.log(3), 1, 1, 1], [2, 1, 3]);
    const y = be.softmax(x);
    expect(y.shape).toEqual([2, 1, 3]);
    expectClose(await be.read(y), [1 / 6, 2 / 6, 3 / 6, 1 / 3, 1 / 3, 1 / 3], 1e-7);
    expect((await be.read(be.softmax(be.zeros([0, 4])))).length).toBe(0);
    expect((await be.read(be.softmax(be.zeros([3, 0])))).length).toBe(0);
  });

  test("shape errors name the op and the argument", () => {
    expect(() => be.softmax(be.tensor([1], []))).toThrow(/softmax: argument 'x' must have rank >= 1/);
    const y = be.zeros([2, 3]);
    expect(() => be.softmaxBackward(y, be.zeros([3, 2]))).toThrow(
      /softmaxBackward: argument 'dy' must have shape \[2, 3\], got \[3, 2\]/,
    );
    expect(() => be.softmaxBackward(be.tensor([1], []), be.tensor([1], []))).toThrow(
      /softmaxBackward: argument 'y'/,
    );
  });

  test("softmaxLse returns y and lse of shape [...lead]", async () => {
    const r = be.softmaxLse(be.tensor([0, Math.LN2, 0, 0], [1, 2, 2]), { causalT: 2 });
    expect(r.lse.shape).toEqual([1, 2]);
    expectClose(await be.read(r.y), [1, 0, 0.5, 0.5], 1e-7);
    expectClose(await be.read(r.lse), [0, Math.LN2], 1e-6);
  });
});

describe("softmax verification cases", () => {
  const cases = softmaxCases();

  test("ids are unique and cover both variants", () => {
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    expect(new Set(cases.map((c) => c.variant))).toEqual(new Set(["row", "workgroup"]));
  });

  test("every case runs on the CPU backend; inputs hold the -Infinity and ±1e4 values they claim", async () => {
    const be = new CpuBackend();
    for (const c of cases.filter((c) => c.variant === "row")) {
      const inputs = c.inputs();
      const t = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, be.tensor(v.data, v.shape)]));
      for (const out of c.apply(be, t)) {
        const v = await be.read(out);
        expect(
          v.every((e) => Number.isFinite(e) || e === -Infinity),
          c.id,
        ).toBe(true);
      }
      const x = inputs.x?.data;
      if (c.name.includes("-Infinity")) expect(x?.includes(-Infinity), c.id).toBe(true);
      if (c.name.includes("1e4"))
        expect(
          x?.some((e) => Math.abs(e) > 9000),
          c.id,
        ).toBe(true);
    }
  });
});

// The optimizer ops on the CPU reference: Adam's bias-corrected first step, SGD with momentum on a quadratic,
// clipping by global norm, the non-finite guard, and the refusal of bad hyperparameters and lists.

import { describe, expect, test } from "vitest";
import type { AdamParams, SgdParams, Tensor } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";

const be = new CpuBackend();
const ADAM: AdamParams = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 };
const SGD: SgdParams = { lr: 0.1, momentum: 0.9, weightDecay: 0 };

const t = (xs: number[]): Tensor => be.tensor(xs, [xs.length]);
const zeros = (n: number): Tensor => be.zeros([n]);
const values = async (x: Tensor): Promise<number[]> => [...(await be.read(x))];
/** Bit patterns, so NaN, -0 and the last ulp all count. */
const bits = async (x: Tensor): Promise<number[]> => [...new Uint32Array((await be.read(x)).buffer)];
const norm = (xs: number[]): number => Math.sqrt(xs.reduce((a, x) => a + x * x, 0));

describe("sumSquares", () => {
  test("adds the squares of every element of every tensor in float64", async () => {
    const [s] = await values(be.sumSquares([t([1, -2]), t([3]), zeros(0), t([0.5, 0.5, 0.5, 0.5])]));
    expect(s).toBe(15);
    expect(await values(be.sumSquares([]))).toEqual([0]);
  });

  test("a NaN or Infinity anywhere makes the sum non-finite", async () => {
    expect(await values(be.sumSquares([t([1]), t([2, NaN])]))).toEqual([NaN]);
    expect(await values(be.sumSquares([t([-Infinity]), t([2])]))).toEqual([Infinity]);
  });
});

describe("adamStep", () => {
  test("the first step moves each parameter by lr·sign(g), whatever the gradient's size", async () => {
    const g = [1e-3, -0.2, 5, -300, 7e4];
    const p0 = [0.5, -1, 2, 0, 3];
    const p = t(p0);
    const m = zeros(5);
    const v = zeros(5);
    be.adamStep([p], [t(g)], [m], [v], ADAM);
    const after = await values(p);
    after.forEach((x, i) => {
      // m̂ = g and v̂ = g² after bias correction: the move is lr·g/(|g| + eps), lr within eps/|g| ≤ 1e-5.
      expect(Math.abs(x - (p0[i]! - ADAM.lr * Math.sign(g[i]!)))).toBeLessThan(1e-6);
    });
    expect(await values(m)).toEqual(g.map((x) => Math.fround((1 - 0.9) * Math.fround(x))));
  });

  test("decoupled weight decay shrinks the parameter by lr·wd·p, independently of the gradient", async () => {
    const p = t([2]);
    be.adamStep([p], [t([1])], [zeros(1)], [zeros(1)], { ...ADAM, weightDecay: 0.5 });
    // 2 − 0.01·(1/(1 + 1e-8) + 0.5·2)
    expect((await values(p))[0]).toBeCloseTo(2 - 0.01 * 2, 6);
  });
});

describe("sgdStep", () => {
  test("with momentum it converges on a quadratic", async () => {
    // f(p) = ½ Σ aᵢ (pᵢ − cᵢ)², gradient aᵢ (pᵢ − cᵢ); curvatures 0.5..4 with lr 0.1, momentum 0.9.
    const a = [0.5, 1, 2, 4];
    const c = [1, -2, 0.25, 3];
    const p = t([0, 0, 0, 0]);
    const m = zeros(4);
    for (let k = 0; k < 300; k++) {
      const pv = await values(p);
      const g = t(pv.map((x, i) => a[i]! * (x - c[i]!)));
      be.sgdStep([p], [g], [m], SGD);
    }
    for (const [i, x] of (await values(p)).entries()) expect(Math.abs(x - c[i]!)).toBeLessThan(1e-4);
  });

  test("momentum 0 is plain SGD, and weight decay adds wd·p to the gradient", async () => {
    const p = t([1, -2]);
    be.sgdStep([p], [t([0.5, 0.5])], [zeros(2)], { lr: 0.1, momentum: 0, weightDecay: 0.1 });
    expect(await values(p)).toEqual([1 - 0.1 * (0.5 + 0.1), -2 - 0.1 * (0.5 - 0.2)].map(Math.fround));
  });
});

describe("clipping by global norm", () => {
  test("gradients whose norm exceeds maxNorm are scaled to exactly maxNorm", async () => {
    // lr 1, no momentum or decay: the move of the parameters is the clipped gradient itself.
    const g = [[3, -4], [12], [0, 1, -2]]; // norm sqrt(174) ≈ 13.2
    const grads = g.map(t);
    const params = g.map((x) => zeros(x.length));
    const momenta = g.map((x) => zeros(x.length));
    const sumSq = be.sumSquares(grads);
    be.sgdStep(params, grads, momenta, { lr: 1, momentum: 0, weightDecay: 0 }, { sumSq, maxNorm: 2 });
    const moved = (await Promise.all(params.map(values))).flat();
    expect(norm(moved)).toBeCloseTo(2, 5);
    // The direction is kept: every element is scaled by the same factor.
    const flat = g.flat();
    for (const [i, x] of moved.entries()) expect(x).toBeCloseTo((-flat[i]! * 2) / Math.sqrt(174), 6);
  });

  test("gradients within maxNorm, or maxNorm = Infinity, are not scaled", async () => {
    for (const maxNorm of [10, Infinity]) {
      const g = t([3, -4]);
      const p = zeros(2);
      be.sgdStep(
        [p],
        [g],
        [zeros(2)],
        { lr: 1, momentum: 0, weightDecay: 0 },
        { sumSq: be.sumSquares([g]), maxNorm },
      );
      expect(await values(p)).toEqual([-3, 4]);
    }
  });

  test("Adam's clipped step matches an unclipped step on the pre-scaled gradient", async () => {
    const g = [30, -40];
    const scale = 5 / (50 + 1e-6);
    const clipped = t([0.1, 0.2]);
    const ref = t([0.1, 0.2]);
    const mA = zeros(2);
    const mB = zeros(2);
    const vA = zeros(2);
    const vB = zeros(2);
    const hp = { ...ADAM, step: 3 };
    be.adamStep([clipped], [t(g)], [mA], [vA], hp, { sumSq: be.sumSquares([t(g)]), maxNorm: 5 });
    be.adamStep([ref], [t(g.map((x) => x * scale))], [mB], [vB], hp);
    for (const [a, b] of [
      [clipped, ref],
      [mA, mB],
      [vA, vB],
    ] as const) {
      const [x, y] = [await values(a), await values(b)];
      for (const [i, xi] of x.entries()) expect(xi).toBeCloseTo(y[i]!, 6);
    }
  });
});

describe("the non-finite guard (needs clip args)", () => {
  const cases: [string, number, number][] = [
    ["NaN", NaN, 1],
    ["Infinity", Infinity, 1],
    ["-Infinity with maxNorm Infinity", -Infinity, Infinity],
  ];
  for (const [what, bad, maxNorm] of cases) {
    test(`a ${what} gradient leaves params and state bit-identical`, async () => {
      const p = [t([0.25, -1.5, 3]), t([7])];
      const g = [t([0.1, bad, 0.3]), t([2])];
      const m = [t([0.1, 0.2, -0.3]), t([-0.5])];
      const v = [t([0.01, 0.02, 0.03]), t([0.04])];
      const before = await Promise.all([...p, ...m, ...v].map(bits));
      const sumSq = be.sumSquares(g);
      be.adamStep(p, g, m, v, { ...ADAM, step: 4 }, { sumSq, maxNorm });
      be.sgdStep(p, g, m, SGD, { sumSq, maxNorm });
      expect(await Promise.all([...p, ...m, ...v].map(bits))).toEqual(before);
    });
  }

  test("without clip args there is no norm to test: a NaN gradient reaches the parameter", async () => {
    const p = t([1, 2]);
    be.sgdStep([p], [t([NaN, 0])], [zeros(2)], SGD);
    expect(await values(p)).toEqual([NaN, 2]);
  });
});

describe("argument checks", () => {
  const p = () => [t([1, 2])];
  const s = () => [zeros(2)];
  const badAdam: [keyof AdamParams, number][] = [
    ["lr", NaN],
    ["lr", -0.1],
    ["lr", Infinity],
    ["beta1", 1],
    ["beta1", -0.1],
    ["beta2", 1],
    ["beta2", NaN],
    ["eps", 0],
    ["eps", -1e-8],
    ["weightDecay", -1],
    ["weightDecay", NaN],
    ["step", 0],
    ["step", 1.5],
  ];
  for (const [name, value] of badAdam) {
    test(`adamStep refuses ${name} = ${value}`, () => {
      expect(() => be.adamStep(p(), s(), s(), s(), { ...ADAM, [name]: value })).toThrow(`'${name}'`);
    });
  }

  const badSgd: [keyof SgdParams, number][] = [
    ["lr", NaN],
    ["lr", -1],
    ["momentum", 1],
    ["momentum", -0.5],
    ["momentum", NaN],
    ["weightDecay", -0.01],
  ];
  for (const [name, value] of badSgd) {
    test(`sgdStep refuses ${name} = ${value}`, () => {
      expect(() => be.sgdStep(p(), s(), s(), { ...SGD, [name]: value })).toThrow(`'${name}'`);
    });
  }

  test("maxNorm must be > 0 and sumSq a single value", () => {
    for (const maxNorm of [0, -1, NaN]) {
      expect(() => be.sgdStep(p(), s(), s(), SGD, { sumSq: t([1]), maxNorm })).toThrow("'clip.maxNorm'");
    }
    expect(() => be.sgdStep(p(), s(), s(), SGD, { sumSq: t([1, 2]), maxNorm: 1 })).toThrow("'clip.sumSq'");
  });

  test("lists of unequal length and mismatched sizes are refused before anything changes", async () => {
    expect(() => be.sgdStep(p(), [], s(), SGD)).toThrow("'grads'");
    expect(() => be.adamStep(p(), s(), s(), [], ADAM)).toThrow("'v'");
    const params = [t([1, 2]), t([3])];
    expect(() => be.sgdStep(params, [t([1, 1]), t([1, 1])], [zeros(2), zeros(1)], SGD)).toThrow("'grads[1]'");
    expect(await values(params[0]!)).toEqual([1, 2]);
  });

  test("a parameter sharing storage with its own state is refused", () => {
    const x = t([1, 2]);
    expect(() => be.sgdStep([x], s(), [be.reshape(x, [1, 2])], SGD)).toThrow("'momenta[0]'");
    expect(() => be.sgdStep([x], [be.reshape(x, [2])], s(), SGD)).toThrow(
      "'grads[0]' must not share storage with params[0]",
    );
    const m = zeros(2);
    expect(() => be.adamStep([t([1, 2])], s(), [m], [m], ADAM)).toThrow(
      "'v[0]' must not share storage with m[0]",
    );
    // Two read-only inputs may share: the clip's sum of squares held in a gradient's storage.
    const g = t([0.5]);
    const q = t([1]);
    be.sgdStep([q], [g], [zeros(1)], SGD, { sumSq: be.reshape(g, [1]), maxNorm: 10 });
  });
});

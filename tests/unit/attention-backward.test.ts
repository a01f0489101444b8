// The CPU reference of the attention backward against central finite differences of a float64 forward, its
// handling of fully masked rows, its precision-following outputs, and its argument checks.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import { attentionCpu } from "../../src/kernels/attention/reference";
import { type AttentionDims, attentionDims } from "../../src/kernels/attention/shape";
import { attentionBackwardCases } from "../../src/kernels/attention-backward/cases";
import { attentionBackwardCpu } from "../../src/kernels/attention-backward/reference";
import { ShapeError } from "../../src/kernels/validate";
import { Rng } from "../../src/util/rng";

interface Problem {
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  /** Weights of the scalar loss L = Σ w ⊙ out, so dL/dout = w. */
  w: Float64Array;
  dims: AttentionDims;
}

function problem(B: number, H: number, T: number, S: number, d: number, opts = {}, seed = 1): Problem {
  const rng = new Rng(seed);
  const fill = (n: number) => Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
  const dims = attentionDims([B, H, T, d], [B, H, S, d], [B, H, S, d], opts);
  return {
    q: fill(B * H * T * d),
    k: fill(B * H * S * d),
    v: fill(B * H * S * d),
    w: fill(B * H * T * d),
    dims,
  };
}

function loss(p: Problem): number {
  const { out } = attentionCpu(p.q, p.k, p.v, p.dims);
  let L = 0;
  for (let i = 0; i < out.length; i++) L += p.w[i]! * out[i]!;
  return L;
}

/** dL/dx for every element of x (one of p.q, p.k, p.v) by central differences, in float64. */
function numeric(p: Problem, x: Float64Array, h = 1e-5): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    x[i] = x0 + h;
    const up = loss(p);
    x[i] = x0 - h;
    const down = loss(p);
    x[i] = x0;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

function analytic(p: Problem) {
  const { out, lse } = attentionCpu(p.q, p.k, p.v, p.dims);
  return attentionBackwardCpu(p.q, p.k, p.v, out, lse, p.w, p.dims);
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    expect(Math.abs(got[i]! - want[i]!), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThan(tol);
  }
}

describe("attention backward CPU reference against finite differences", () => {
  // Central differences with h = 1e-5 on an O(1) smooth function: truncation ~h²·|f'''| ≈ 1e-10, rounding
  // ~eps·|L|/h ≈ 1e-11; 1e-8 leaves room and still catches any wrong term (they are O(0.01) or more).
  const TOL = 1e-8;
  const shapes: [string, number, number, number, number, number, object][] = [
    ["T = S", 1, 2, 4, 4, 3, {}],
    ["causal T = S", 1, 2, 5, 5, 3, { causal: true }],
    ["T < S, scale 0.7", 2, 1, 3, 6, 4, { scale: 0.7 }],
    ["causal T < S", 1, 1, 3, 6, 2, { causal: true }],
    ["causal T > S (rows 0, 1 fully masked)", 1, 2, 6, 4, 3, { causal: true }],
  ];
  for (const [name, B, H, T, S, d, opts] of shapes) {
    test(name, () => {
      const p = problem(B, H, T, S, d, opts, B * 100 + T * 10 + S);
      const g = analytic(p);
      expect(g.dq).toBeInstanceOf(Float64Array);
      expectClose(g.dq, numeric(p, p.q), TOL, "dq");
      expectClose(g.dk, numeric(p, p.k), TOL, "dk");
      expectClose(g.dv, numeric(p, p.v), TOL, "dv");
    });
  }
});

describe("fully masked rows", () => {
  // causal, T = 6 > S = 4: rows 0 and 1 see no key (i + S − T < 0).
  const p = problem(1, 1, 6, 4, 3, { causal: true }, 5);
  const masked = 2 * 3; // elements of rows 0 and 1

  test("have lse -Infinity and a zero dq row", () => {
    const { out, lse } = attentionCpu(p.q, p.k, p.v, p.dims);
    expect([lse[0], lse[1]]).toEqual([-Infinity, -Infinity]);
    const g = attentionBackwardCpu(p.q, p.k, p.v, out, lse, p.w, p.dims);
    expect(Array.from(g.dq.subarray(0, masked))).toEqual(new Array(masked).fill(0));
    for (const x of [...g.dq, ...g.dk, ...g.dv]) expect(Number.isFinite(x)).toBe(true);
  });

  test("their dout changes nothing", () => {
    const before = analytic(p);
    for (let i = 0; i < masked; i++) p.w[i] = 1e3 * (i + 1);
    const after = analytic(p);
    expect(after.dq).toEqual(before.dq);
    expect(after.dk).toEqual(before.dk);
    expect(after.dv).toEqual(before.dv);
  });
});

describe("the CPU backend", () => {
  test("follows its precision: float64 on the gradient-check backend, float32 otherwise", async () => {
    for (const [precision, type] of [
      ["f64", Float64Array],
      ["f32", Float32Array],
    ] as const) {
      const be = new CpuBackend({ precision });
      const rng = new Rng(3);
      const [q, k, v, dy] = [0, 1, 2, 3].map(() => be.tensor(rng.fill(2 * 3 * 2), [1, 2, 3, 2]));
      const { out, lse } = be.attention(q!, k!, v!, { causal: true });
      const g = be.attentionBackward(q!, k!, v!, out, lse, dy!, { causal: true });
      for (const t of [out, lse, g.dq, g.dk, g.dv]) {
        expect((t as unknown as { data: unknown }).data).toBeInstanceOf(type);
      }
      expect(g.dq.shape).toEqual([1, 2, 3, 2]);
      expect(g.dk.shape).toEqual([1, 2, 3, 2]);
    }
  });

  test("refuses out, lse or dout of the wrong shape", () => {
    const be = new CpuBackend();
    const q = be.zeros([1, 1, 3, 2]);
    const kv = be.zeros([1, 1, 4, 2]);
    const { out, lse } = be.attention(q, kv, kv);
    expect(() => be.attentionBackward(q, kv, kv, out, lse, be.zeros([1, 1, 4, 2]))).toThrow(ShapeError);
    expect(() => be.attentionBackward(q, kv, kv, out, be.zeros([1, 1, 4]), out)).toThrow(ShapeError);
    expect(() => be.attentionBackward(q, kv, kv, kv, lse, out)).toThrow(ShapeError);
    expect(() => be.attentionBackward(q, kv, kv, out, lse, out)).not.toThrow();
  });
});

describe("verification cases", () => {
  test("the large-score cases reach scores of about ±30", () => {
    for (const c of attentionBackwardCases().filter((x) => x.name.includes("large scores"))) {
      const { q, k } = c.inputs();
      const [B, H, T, d] = q!.shape as [number, number, number, number];
      const S = k!.shape[2]!;
      let max = 0;
      for (let bh = 0; bh < B * H; bh++)
        for (let i = 0; i < T; i++)
          for (let j = 0; j < S; j++) {
            let s = 0;
            for (let x = 0; x < d; x++) s += q!.data[(bh * T + i) * d + x]! * k!.data[(bh * S + j) * d + x]!;
            max = Math.max(max, Math.abs(s));
          }
      expect(max).toBeGreaterThan(20);
      expect(max).toBeLessThan(60);
    }
  });

  test("the T > S case has fully masked rows in its saved lse", () => {
    const c = attentionBackwardCases().find((x) => x.name.startsWith("causal T>S"))!;
    const lse = c.inputs().lse!.data;
    expect(Array.from(lse).filter((x) => x === -Infinity).length).toBe(2 * 6);
  });
});

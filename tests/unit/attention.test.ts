// The CPU reference of attention against values worked out independently of it, its masking conventions, and
// its argument checks.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import { attentionCases } from "../../src/kernels/attention/cases";
import { attentionCpu } from "../../src/kernels/attention/reference";
import { attentionDims } from "../../src/kernels/attention/shape";
import { ShapeError } from "../../src/kernels/validate";
import { Rng } from "../../src/util/rng";

const be = new CpuBackend();

/** Attention on the CPU backend, returning plain arrays. */
async function run(
  q: number[],
  k: number[],
  v: number[],
  shapes: { q: number[]; kv: number[] },
  opts: { causal?: boolean; scale?: number } = {},
): Promise<{ out: number[]; lse: number[] }> {
  const r = be.attention(be.tensor(q, shapes.q), be.tensor(k, shapes.kv), be.tensor(v, shapes.kv), opts);
  expect(r.out.shape).toEqual(shapes.q);
  expect(r.lse.shape).toEqual(shapes.q.slice(0, 3));
  return { out: [...(await be.read(r.out))], lse: [...(await be.read(r.lse))] };
}

function expectClose(got: number[], want: number[], tol = 1e-6): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    expect(Math.abs(got[i]! - want[i]!), `element ${i}: ${got[i]} vs ${want[i]}`).toBeLessThan(tol);
  }
}

describe("attention CPU reference", () => {
  // q = k = I (2x2), v = [[1, 2], [3, 4]], scale 1: row 0 scores [1, 0], row 1 scores [0, 1].
  const I2 = [1, 0, 0, 1];
  const V2 = [1, 2, 3, 4];
  const shapes2 = { q: [1, 1, 2, 2], kv: [1, 1, 2, 2] };
  const e = Math.E;

  test("hand-worked 2x2", async () => {
    const { out, lse } = await run(I2, I2, V2, shapes2, { scale: 1 });
    // Row 0 weights [e, 1] / (e + 1), row 1 weights [1, e] / (e + 1).
    const out0 = [(e * 1 + 3) / (e + 1), (e * 2 + 4) / (e + 1)];
    const out1 = [(1 + e * 3) / (e + 1), (2 + e * 4) / (e + 1)];
    expectClose(out, [...out0, ...out1]);
    expectClose(lse, [Math.log(e + 1), Math.log(1 + e)]);
  });

  test("hand-worked 2x2, causal: row 0 sees only key 0", async () => {
    const { out, lse } = await run(I2, I2, V2, shapes2, { scale: 1, causal: true });
    expectClose(out, [1, 2, (1 + e * 3) / (e + 1), (2 + e * 4) / (e + 1)]);
    expectClose(lse, [1, Math.log(1 + e)]);
  });

  test("Q = K = V three-token example, scale 1", async () => {
    // Embeddings of "The", "cat", "sat"; the query "sat" scores [0.61, 0.89, 0.77] against the three keys.
    const X = [0.2, 0.8, 0.1, 0.9, 0.3, 0.7, 0.4, 0.6, 0.5];
    const shape = { q: [1, 1, 3, 3], kv: [1, 1, 3, 3] };
    const { out, lse } = await run(X, X, X, shape, { scale: 1 });
    const scores = [0.61, 0.89, 0.77];
    const z = scores.reduce((a, s) => a + Math.exp(s), 0);
    const w = scores.map((s) => Math.exp(s) / z);
    // The correctly rounded weights (a commonly printed [0.26, 0.39, 0.35] is off).
    expectClose(w, [0.286, 0.378, 0.336], 1e-3);
    const want = [0, 1, 2].map((c) => w[0]! * X[c]! + w[1]! * X[3 + c]! + w[2]! * X[6 + c]!);
    expectClose(out.slice(6), want);
    expect(lse[2]!).toBeCloseTo(Math.log(z), 6);
  });

  test("the default scale is 1/sqrt(d)", async () => {
    const rng = new Rng(7);
    const [q, k, v] = [rng.fill(2 * 5), rng.fill(3 * 5), rng.fill(3 * 5)];
    const shapes = { q: [1, 1, 2, 5], kv: [1, 1, 3, 5] };
    const a = await run([...q], [...k], [...v], shapes);
    const b = await run([...q], [...k], [...v], shapes, { scale: 1 / Math.sqrt(5) });
    expect(a).toEqual(b);
  });

  test("causal row 0 is v0 and its lse is its one score", async () => {
    const rng = new Rng(11);
    const d = 4;
    const [q, k, v] = [rng.fill(5 * d), rng.fill(5 * d), rng.fill(5 * d)];
    const { out, lse } = await run(
      [...q],
      [...k],
      [...v],
      { q: [1, 1, 5, d], kv: [1, 1, 5, d] },
      { causal: true },
    );
    expectClose(out.slice(0, d), [...v.slice(0, d)]);
    const s00 = [0, 1, 2, 3].reduce((a, c) => a + q[c]! * k[c]!, 0) / Math.sqrt(d);
    expect(lse[0]!).toBeCloseTo(s00, 6);
  });

  test("causal with T > S: rows seeing no key give out 0 and lse -Infinity", async () => {
    const rng = new Rng(3);
    const [T, S, d] = [5, 2, 3];
    const [q, k, v] = [rng.fill(T * d), rng.fill(S * d), rng.fill(S * d)];
    const { out, lse } = await run(
      [...q],
      [...k],
      [...v],
      { q: [1, 1, T, d], kv: [1, 1, S, d] },
      { causal: true },
    );
    // Query i sees keys j <= i + (S - T) = i - 3: rows 0..2 none, row 3 only key 0, row 4 both.
    expect(out.slice(0, 3 * d)).toEqual(new Array(3 * d).fill(0));
    expect(lse.slice(0, 3)).toEqual([-Infinity, -Infinity, -Infinity]);
    expectClose(out.slice(3 * d, 4 * d), [...v.slice(0, d)]);
    expect(Number.isFinite(lse[4]!)).toBe(true);
  });

  test("causal with T < S: the last query row sees every key", async () => {
    const rng = new Rng(5);
    const [T, S, d] = [2, 6, 3];
    const [q, k, v] = [rng.fill(T * d), rng.fill(S * d), rng.fill(S * d)];
    const shapes = { q: [1, 1, T, d], kv: [1, 1, S, d] };
    const causal = await run([...q], [...k], [...v], shapes, { causal: true });
    const full = await run([...q], [...k], [...v], shapes);
    expectClose(causal.out.slice(d), full.out.slice(d));
    expect(causal.lse[1]).toBeCloseTo(full.lse[1]!, 6);
    expect(causal.lse[0]!).toBeLessThan(full.lse[0]!); // row 0 misses the last key
  });

  test("large scores do not overflow", async () => {
    // Scores 1000 and 999: weights [1, e⁻¹] / (1 + e⁻¹), lse = 1000 + log(1 + e⁻¹).
    const { out, lse } = await run(
      [1000],
      [1, 0.999],
      [2, -2],
      { q: [1, 1, 1, 1], kv: [1, 1, 2, 1] },
      { scale: 1 },
    );
    const w0 = 1 / (1 + Math.exp(-1));
    expect(out[0]!).toBeCloseTo(2 * w0 - 2 * (1 - w0), 3);
    expect(lse[0]!).toBeCloseTo(1000 + Math.log(1 + Math.exp(-1)), 2);
  });

  test("batches and heads are independent", async () => {
    const rng = new Rng(9);
    const [B, H, T, S, d] = [2, 3, 3, 4, 2];
    const [q, k, v] = [rng.fill(B * H * T * d), rng.fill(B * H * S * d), rng.fill(B * H * S * d)];
    const all = attentionCpu(
      q,
      k,
      v,
      attentionDims([B, H, T, d], [B, H, S, d], [B, H, S, d], { causal: true }),
    );
    const one = attentionDims([1, 1, T, d], [1, 1, S, d], [1, 1, S, d], { causal: true });
    for (let bh = 0; bh < B * H; bh++) {
      const part = attentionCpu(
        q.slice(bh * T * d, (bh + 1) * T * d),
        k.slice(bh * S * d, (bh + 1) * S * d),
        v.slice(bh * S * d, (bh + 1) * S * d),
        one,
      );
      expect(all.out.slice(bh * T * d, (bh + 1) * T * d)).toEqual(part.out);
      expect(all.lse.slice(bh * T, (bh + 1) * T)).toEqual(part.lse);
    }
  });

  test("the large-scores verification case reaches scores of about ±50", () => {
    const c = attentionCases().find((x) => x.name === "large scores d=16 scale=1")!;
    const { q, k } = c.inputs();
    const [, H, T, d] = q!.shape as [number, number, number, number];
    const S = k!.shape[2]!;
    let max = 0;
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++)
        for (let j = 0; j < S; j++) {
          let s = 0;
          for (let x = 0; x < d; x++) s += q!.data[(h * T + i) * d + x]! * k!.data[(h * S + j) * d + x]!;
          max = Math.max(max, Math.abs(s));
        }
    expect(max).toBeGreaterThan(40);
  });
});

describe("attention CPU reference: non-finite input and scale", () => {
  const e = Math.E;
  const I2 = [1, 0, 0, 1];

  test("a hidden value row holding NaN or Infinity leaves the rows that cannot see it untouched", async () => {
    // Causal T = S = 2: row 0 sees key 0 only, so v1 = [NaN, Infinity] reaches row 1 alone.
    const { out, lse } = await run(
      I2,
      I2,
      [1, 2, Number.NaN, Infinity],
      { q: [1, 1, 2, 2], kv: [1, 1, 2, 2] },
      {
        scale: 1,
        causal: true,
      },
    );
    expect(out.slice(0, 2)).toEqual([1, 2]);
    expect(Number.isNaN(out[2]!)).toBe(true);
    expect(out[3]).toBe(Infinity);
    expectClose(lse, [1, Math.log(1 + e)]);
  });

  test("a visible NaN or +Infinity score makes the row's out and lse NaN; other rows are untouched", async () => {
    // Key 1 = [NaN, 0]: row 0 (q0 = [1, 0]) and row 1 (q1 = [0, 1]) both see it (no mask), so both get NaN.
    // With k1 = [1e300 as f32 = Infinity, 0]: row 0's score is +Infinity (NaN row), row 1's is 0·Inf = NaN.
    for (const bad of [Number.NaN, Infinity]) {
      const { out, lse } = await run(I2, [1, 0, bad, 0], [1, 2, 3, 4], { q: [1, 1, 2, 2], kv: [1, 1, 2, 2] });
      expect(out.every(Number.isNaN)).toBe(true);
      expect(lse.every(Number.isNaN)).toBe(true);
    }
  });

  test("a -Infinity score is a weight 0, whatever the value row holds", async () => {
    // q = [1, 0]; k0 = [1, 0], k1 = [-Infinity, 0]: score 1 and -Infinity; v1 is NaN and adds nothing.
    const { out, lse } = await run(
      [1, 0],
      [1, 0, -Infinity, 0],
      [1, 2, Number.NaN, Number.NaN],
      {
        q: [1, 1, 1, 2],
        kv: [1, 1, 2, 2],
      },
      { scale: 1 },
    );
    expect(out).toEqual([1, 2]);
    expect(lse).toEqual([1]);
  });

  test("every visible score -Infinity gives the empty row: out 0, lse -Infinity", async () => {
    const { out, lse } = await run(
      [-Infinity],
      [1, 2],
      [5, 6],
      { q: [1, 1, 1, 1], kv: [1, 1, 2, 1] },
      {
        scale: 1,
      },
    );
    expect(out).toEqual([0]);
    expect(lse).toEqual([-Infinity]);
  });

  test("a negative scale is the positive one on negated queries", async () => {
    const q = [0.3, -0.8, 0.5, 0.1];
    const k = [0.2, 0.9, -0.4, 0.6, 0.7, -0.1];
    const v = [1, 2, 3, 4, 5, 6];
    const shapes = { q: [1, 1, 2, 2], kv: [1, 1, 3, 2] };
    const neg = await run(q, k, v, shapes, { scale: -1.5 });
    const pos = await run(
      q.map((x) => -x),
      k,
      v,
      shapes,
      { scale: 1.5 },
    );
    expectClose(neg.out, pos.out);
    expectClose(neg.lse, pos.lse);
    // Scale 0: uniform weights, out the mean of v, lse log S.
    const zero = await run(q, k, v, shapes, { scale: 0 });
    expectClose(zero.out, [3, 4, 3, 4]);
    expectClose(zero.lse, [Math.log(3), Math.log(3)]);
  });
});

describe("attention argument checks", () => {
  const t = (shape: number[]) => be.zeros(shape);
  const q = t([1, 2, 3, 4]);
  const kv = t([1, 2, 5, 4]);

  test.each([
    ["q", () => be.attention(t([2, 3, 4]), kv, kv)],
    ["k", () => be.attention(q, t([1, 2, 5]), kv)],
    ["k", () => be.attention(q, t([1, 2, 5, 3]), t([1, 2, 5, 3]))],
    ["k", () => be.attention(q, t([2, 2, 5, 4]), t([2, 2, 5, 4]))],
    ["k", () => be.attention(q, t([1, 1, 5, 4]), t([1, 1, 5, 4]))],
    ["v", () => be.attention(q, kv, t([1, 2, 6, 4]))],
    ["v", () => be.attention(q, kv, t([1, 2, 5, 4, 1]))],
    ["scale", () => be.attention(q, kv, kv, { scale: -Infinity })],
    ["scale", () => be.attention(q, kv, kv, { scale: Number.NaN })],
    ["scale", () => be.attention(q, kv, kv, { scale: Infinity })],
  ])("a bad '%s' is named", (arg, f) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as ShapeError).arg).toBe(arg);
    expect((err as Error).message).toMatch(new RegExp(`^attention: argument '${arg}'`));
  });
});

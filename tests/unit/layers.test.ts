// CPU reference of the layer and loss ops: normalisation properties, every backward against central finite
// differences of a float64 forward, the log C loss of uniform logits, and the argument checks.

import { describe, expect, test } from "vitest";
import type { Tensor } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import { Rng } from "../../src/util/rng";

const be = new CpuBackend();
/** The debug mode that refuses out-of-range ids and targets (the default gives zeros, like every backend). */
const checked = new CpuBackend({ checkIndices: true });
const read = (t: Tensor) => be.read(t);

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  return new Rng(seed).fill(n, lo, hi);
}

function ints(n: number, limit: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.int(limit));
}

/** Central differences of f at x (float64), one coordinate at a time. */
function numericGrad(f: (x: Float64Array) => number, x0: ArrayLike<number>, h = 1e-5): Float64Array {
  const x = Float64Array.from(x0);
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    x[i] = v + h;
    const up = f(x);
    x[i] = v - h;
    const down = f(x);
    x[i] = v;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (err > atol + rtol * Math.abs(want[i]!)) {
      throw new Error(`element ${i}: got ${got[i]} want ${want[i]} (|err| ${err})`);
    }
  }
}

// ---- float64 forwards: the functions the finite differences differentiate --------------------------------

function layerNorm64(
  x: ArrayLike<number>,
  g: ArrayLike<number>,
  b: ArrayLike<number>,
  C: number,
  eps: number,
) {
  const y = new Float64Array(x.length);
  for (let o = 0; o < x.length; o += C) {
    let s = 0;
    for (let j = 0; j < C; j++) s += x[o + j]!;
    const mu = s / C;
    let q = 0;
    for (let j = 0; j < C; j++) q += (x[o + j]! - mu) ** 2;
    const rs = 1 / Math.sqrt(q / C + eps);
    for (let j = 0; j < C; j++) y[o + j] = (x[o + j]! - mu) * rs * g[j]! + b[j]!;
  }
  return y;
}

function crossEntropy64(x: ArrayLike<number>, t: ArrayLike<number>, C: number): number {
  const N = x.length / C;
  let total = 0;
  for (let r = 0; r < N; r++) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, x[r * C + j]!);
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(x[r * C + j]! - m);
    total += m + Math.log(s) - x[r * C + t[r]!]!;
  }
  return total / N;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

describe("layerNorm", () => {
  test("each row of y has mean 0 and variance 1 (gamma 1, beta 0)", async () => {
    const rows = 6;
    const C = 33;
    const x = be.tensor(rand(rows * C, 1, -3, 5), [rows, C]);
    const { y } = be.layerNorm(x, be.tensor(new Array(C).fill(1), [C]), be.zeros([C]), 1e-10);
    const Y = await read(y);
    for (let r = 0; r < rows; r++) {
      const row = Y.subarray(r * C, (r + 1) * C);
      const mean = row.reduce((a, v) => a + v, 0) / C;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / C;
      expect(Math.abs(mean)).toBeLessThan(1e-6);
      expect(Math.abs(variance - 1)).toBeLessThan(1e-5);
    }
  });

  test("x = 1000 + noise: mean and rstd as from float64, y as for the noise alone", async () => {
    const C = 33;
    const noise = rand(C, 2, -0.05, 0.05);
    const x = noise.map((v) => 1000 + v);
    const ones = be.tensor(new Array(C).fill(1), [C]);
    const r = be.layerNorm(be.tensor(x, [1, C]), ones, be.zeros([C]), 1e-5);
    const want = layerNorm64(x, new Array(C).fill(1), new Array(C).fill(0), C, 1e-5);
    expectClose(await read(r.y), want, 1e-5, 1e-5);
    expect((await read(r.rstd))[0]).toBeGreaterThan(20);
  });

  test("a row holding NaN or ±Infinity: non-finite y, mean and rstd there; the other rows as alone", async () => {
    const C = 4;
    const rows = [
      [0.5, -1, 2, 0.25],
      [1, Number.NaN, 0, 2],
      [Infinity, 1, 2, 3],
      [1, 2, 3, -Infinity],
      [-0.5, 0.75, 1, -2],
    ];
    const gamma = be.tensor([1, 0.5, 1.5, 2], [C]);
    const beta = be.tensor([0.1, -0.2, 0, 0.3], [C]);
    const r = be.layerNorm(be.tensor(rows.flat(), [rows.length, C]), gamma, beta, 1e-5);
    const [y, mean, rstd] = [await read(r.y), await read(r.mean), await read(r.rstd)];
    for (const bad of [1, 2, 3]) {
      expect(Array.from(y.subarray(bad * C, (bad + 1) * C)).some(Number.isFinite)).toBe(false);
      expect(Number.isFinite(mean[bad]!) || Number.isFinite(rstd[bad]!)).toBe(false);
    }
    for (const good of [0, 4]) {
      const alone = be.layerNorm(be.tensor(rows[good]!, [1, C]), gamma, beta, 1e-5);
      expect(Array.from(y.subarray(good * C, (good + 1) * C))).toEqual(Array.from(await read(alone.y)));
      expect([mean[good], rstd[good]]).toEqual([(await read(alone.mean))[0], (await read(alone.rstd))[0]]);
    }
  });

  test("C = 1 gives y = beta", async () => {
    const r = be.layerNorm(be.tensor([5, -2, 7], [3, 1]), be.tensor([2], [1]), be.tensor([0.25], [1]), 1e-5);
    expect(Array.from(await read(r.y))).toEqual([0.25, 0.25, 0.25]);
  });

  test("backward dx, dgamma, dbeta match central differences", async () => {
    const rows = 4;
    const C = 7;
    const eps = 1e-5;
    const x = rand(rows * C, 3);
    const g = rand(C, 4, 0.5, 1.5);
    const b = rand(C, 5);
    const dy = rand(rows * C, 6);
    const X = be.tensor(x, [rows, C]);
    const G = be.tensor(g, [C]);
    const f = be.layerNorm(X, G, be.tensor(b, [C]), eps);
    expectClose(await read(f.y), layerNorm64(x, g, b, C, eps), 1e-6, 1e-6);
    const grads = be.layerNormBackward(X, G, f.mean, f.rstd, be.tensor(dy, [rows, C]));
    const L = (xx: ArrayLike<number>, gg: ArrayLike<number>, bb: ArrayLike<number>) =>
      dot(dy, layerNorm64(xx, gg, bb, C, eps));
    // The backward reads the forward's f32 mean and rstd: ~1e-7 relative, far inside these bounds.
    expectClose(
      await read(grads.dx),
      numericGrad((v) => L(v, g, b), x),
      1e-5,
      1e-5,
    );
    expectClose(
      await read(grads.dgamma),
      numericGrad((v) => L(x, v, b), g),
      1e-5,
      1e-5,
    );
    expectClose(
      await read(grads.dbeta),
      numericGrad((v) => L(x, g, v), b),
      1e-5,
      1e-5,
    );
  });

  test("argument checks name the op and the argument", () => {
    const x = be.zeros([2, 3]);
    expect(() => be.layerNorm(x, be.zeros([4]), be.zeros([3]), 1e-5)).toThrow(
      "layerNorm: argument 'gamma' must have shape [3]",
    );
    expect(() => be.layerNorm(x, be.zeros([3]), be.zeros([3, 1]), 1e-5)).toThrow("argument 'beta'");
    expect(() => be.layerNorm(x, be.zeros([3]), be.zeros([3]), 0)).toThrow("argument 'eps'");
    expect(() => be.layerNorm(x, be.zeros([3]), be.zeros([3]), Number.NaN)).toThrow("argument 'eps'");
    expect(() => be.layerNormBackward(x, be.zeros([3]), be.zeros([3]), be.zeros([2]), x)).toThrow(
      "layerNormBackward: argument 'mean' must have shape [2]",
    );
  });
});

describe("embedding", () => {
  test("forward gathers rows; backward sums repeated ids and matches central differences", async () => {
    const V = 5;
    const C = 3;
    const ids = Float32Array.from([4, 1, 4, 0, 4, 2]);
    const table = rand(V * C, 7);
    const out = await read(be.embedding(be.tensor(table, [V, C]), be.tensor(ids, [2, 3])));
    expect(Array.from(out.subarray(0, C))).toEqual(Array.from(table.subarray(4 * C, 5 * C)));
    const dy = rand(ids.length * C, 8);
    const dtable = await read(be.embeddingBackward(be.tensor(ids, [2, 3]), be.tensor(dy, [2, 3, C]), V));
    const L = (t: ArrayLike<number>) => {
      let s = 0;
      ids.forEach((id, i) => {
        for (let c = 0; c < C; c++) s += dy[i * C + c]! * t[id * C + c]!;
      });
      return s;
    };
    expectClose(dtable, numericGrad(L, table), 1e-6, 1e-6);
    // Row 3 is never used; row 4 is used three times.
    expect(Array.from(dtable.subarray(3 * C, 4 * C))).toEqual([0, 0, 0]);
    expect(dtable[4 * C]).toBeCloseTo(dy[0]! + dy[2 * C]! + dy[4 * C]!, 6);
  });

  test("with checkIndices, a bad id throws naming its value and index", () => {
    const be = checked;
    const table = be.zeros([4, 2]);
    expect(() => be.embedding(table, be.tensor([1, 4, 0], [3]))).toThrow(
      "embedding: argument 'ids' must hold integers in [0, 4), got 4 at index 1",
    );
    expect(() => be.embedding(table, be.tensor([0, 0, 1.5], [3]))).toThrow("got 1.5 at index 2");
    expect(() => be.embeddingBackward(be.tensor([-1], [1]), be.zeros([1, 2]), 4)).toThrow(
      "got -1 at index 0",
    );
    expect(() => be.embeddingBackward(be.tensor([0], [1]), be.zeros([2, 2]), 4)).toThrow("argument 'dy'");
    expect(() => be.embeddingBackward(be.tensor([0], [1]), be.zeros([1, 2]), 0)).toThrow("argument 'vocab'");
  });

  test("an id outside [0, V) gives a row of zeros and adds nothing to dtable", async () => {
    const table = be.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    const ids = be.tensor([2, -1, 3, 0.5, Number.NaN, 0], [6]);
    expect(Array.from(await read(be.embedding(table, ids)))).toEqual([5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
    const dy = be.tensor([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6], [6, 2]);
    expect(Array.from(await read(be.embeddingBackward(ids, dy, 3)))).toEqual([6, 6, 0, 0, 1, 1]);
  });
});

describe("crossEntropy", () => {
  test("uniform logits give loss log C and probs 1/C", async () => {
    for (const C of [1, 7, 33]) {
      const r = be.crossEntropy(be.tensor(new Array(3 * C).fill(2.5), [3, C]), be.tensor([0, C - 1, 0], [3]));
      expect((await read(r.loss))[0]).toBeCloseTo(Math.log(C), 6);
      expect(r.loss.shape).toEqual([]);
      for (const p of await read(r.probs)) expect(p).toBeCloseTo(1 / C, 7);
    }
  });

  test("logits of ±50 stay finite: loss ≈ 100 when the target has the smallest logit", async () => {
    const r = be.crossEntropy(be.tensor([50, -50], [1, 2]), be.tensor([1], [1]));
    expect((await read(r.loss))[0]).toBeCloseTo(100, 4);
  });

  test("backward matches central differences of the float64 loss", async () => {
    const N = 5;
    const C = 7;
    const x = rand(N * C, 9, -4, 4);
    const t = ints(N, C, 10);
    const dloss = 1.7;
    const f = be.crossEntropy(be.tensor(x, [N, C]), be.tensor(t, [N]));
    expect((await read(f.loss))[0]).toBeCloseTo(crossEntropy64(x, t, C), 6);
    const d = be.crossEntropyBackward(f.probs, be.tensor(t, [N]), be.tensor([dloss], []));
    const want = numericGrad((v) => dloss * crossEntropy64(v, t, C), x);
    expectClose(await read(d), want, 1e-6, 1e-5);
  });

  test("NaN or +Infinity logits make the loss non-finite; -Infinity logits are probabilities 0", async () => {
    const loss = async (logits: number[][], targets: number[]) =>
      (
        await read(
          be.crossEntropy(be.tensor(logits.flat(), [logits.length, 3]), be.tensor(targets, [logits.length]))
            .loss,
        )
      )[0]!;
    const ok = [0.5, -1, 2];
    expect(Number.isFinite(await loss([ok, [1, Number.NaN, 0]], [0, 0]))).toBe(false);
    expect(Number.isFinite(await loss([ok, [1, Infinity, 0]], [0, 2]))).toBe(false);
    expect(await loss([ok, [1, -Infinity, 0]], [0, 1])).toBe(Infinity);
    const r = be.crossEntropy(
      be.tensor([...ok, 1, -Infinity, 0, Number.NaN, 1, 2], [3, 3]),
      be.tensor([0, 0, 1], [3]),
    );
    const probs = await read(r.probs);
    expect(probs[4]).toBe(0);
    // Rows are independent: row 0 as alone, whatever row 2 holds.
    const alone = await read(be.crossEntropy(be.tensor(ok, [1, 3]), be.tensor([0], [1])).probs);
    expect(Array.from(probs.subarray(0, 3))).toEqual(Array.from(alone));
  });

  test("a target outside [0, C) adds 0 to the loss and no one-hot (with checkIndices: throws)", async () => {
    // Row 0: logits [0, 0] and target 0 give ln 2; row 1's target 2 is out of range: mean (ln 2 + 0) / 2.
    const logits = be.tensor([0, 0, 1, 3], [2, 2]);
    const r = be.crossEntropy(logits, be.tensor([0, 2], [2]));
    expect((await read(r.loss))[0]).toBeCloseTo(Math.LN2 / 2, 7);
    // dlogits = (probs − onehot)·dloss/N with dloss 1, N 2: row 1 is probs/2 alone.
    const d = await read(be.crossEntropyBackward(r.probs, be.tensor([0, 2], [2]), be.tensor([1], [])));
    const p1 = 1 / (1 + Math.exp(2));
    expectClose(d, [-0.25, 0.25, p1 / 2, (1 - p1) / 2], 1e-7, 1e-6);
    expect(() => checked.crossEntropy(checked.zeros([2, 3]), checked.tensor([0, 3], [2]))).toThrow(
      "got 3 at index 1",
    );
  });

  test("argument checks", () => {
    const logits = be.zeros([2, 3]);
    expect(() => be.crossEntropy(logits, be.zeros([3]))).toThrow("argument 'targets' must have shape [2]");
    expect(() => be.crossEntropy(be.zeros([6]), be.zeros([6]))).toThrow("argument 'logits'");
    expect(() => be.crossEntropyBackward(logits, be.zeros([2]), be.zeros([2]))).toThrow("argument 'dloss'");
  });
});

describe("mse", () => {
  test("forward is the mean square; backward matches central differences", async () => {
    const shape = [3, 11];
    const p = rand(33, 11);
    const q = rand(33, 12);
    const mse64 = (v: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < v.length; i++) s += (v[i]! - q[i]!) ** 2;
      return s / v.length;
    };
    const loss = be.mse(be.tensor(p, shape), be.tensor(q, shape));
    expect(loss.shape).toEqual([]);
    expect((await read(loss))[0]).toBeCloseTo(mse64(p), 6);
    const d = be.mseBackward(be.tensor(p, shape), be.tensor(q, shape), be.tensor([0.3], [1]));
    expectClose(
      await read(d),
      numericGrad((v) => 0.3 * mse64(v), p),
      1e-7,
      1e-5,
    );
  });

  test("argument checks", () => {
    expect(() => be.mse(be.zeros([3]), be.zeros([1, 3]))).toThrow(
      "mse: argument 'target' must have pred's shape [3]",
    );
    expect(() => be.mse(be.zeros([0]), be.zeros([0]))).toThrow("argument 'pred'");
    expect(() => be.mseBackward(be.zeros([3]), be.zeros([3]), be.zeros([2]))).toThrow("argument 'dloss'");
  });
});

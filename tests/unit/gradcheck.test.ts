// Every differentiable op and layer against central finite differences, on the float64 CPU backend.
// |analytic − numeric| <= 1e-6 + 1e-5·|numeric| (h = 1e-6: truncation error ~h², rounding ~1e-16/h ≈ 1e-10).

import { describe, expect, test } from "vitest";
import { type GradInput, gradCheck, gradCheckVars, weightedSum } from "../../src/autograd/gradcheck";
import * as op from "../../src/autograd/ops";
import { Context, type Variable } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { AttentionMixture, MultiHeadAttention, TransformerBlock } from "../../src/nn/attention";
import { Embedding, LayerNorm, Linear, MLP } from "../../src/nn/layers";
import { Rng } from "../../src/util/rng";

const be = CpuBackend.reference("f64");

function rand(shape: number[], seed: number, lo = -1, hi = 1): GradInput {
  const n = shape.reduce((a, b) => a * b, 1);
  const rng = new Rng(seed);
  return { shape, data: Array.from({ length: n }, () => rng.uniform(lo, hi)) };
}

/** Values kept away from relu's kink at 0, where the derivative is undefined and differences straddle it. */
function awayFromZero(shape: number[], seed: number): GradInput {
  const r = rand(shape, seed);
  return { shape, data: Array.from(r.data, (v) => (v >= 0 ? v + 0.1 : v - 0.1)) };
}

function check(inputs: GradInput[], f: (v: Variable[]) => Variable, tol = {}) {
  const r = gradCheck(be, inputs, f, tol);
  expect(r.count).toBeGreaterThan(0);
  expect(r.pass, `${r.detail}; maxAbsErr ${r.maxAbsErr}`).toBe(true);
  return r;
}

describe("ops", () => {
  test("matmul, every transposed form, batched, shared b, bias", () => {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const a = rand(transA ? [2, 4, 3] : [2, 3, 4], 1);
      const b = rand(transB ? [5, 4] : [4, 5], 2);
      check([a, b, rand([5], 3)], ([A, B, bias]) =>
        weightedSum(op.matmul(A!, B!, { transA, transB, bias: bias! })),
      );
    }
    check([rand([3, 4], 4), rand([2, 4, 2], 5)], ([A, B]) => weightedSum(op.matmul(A!, B!)));
  });

  test("add, sub, mul with broadcasting of a bias and a scalar", () => {
    for (const o of ["add", "sub", "mul"] as const) {
      check([rand([2, 3, 4], 1), rand([4], 2)], ([a, b]) => weightedSum(op.binary(o, a!, b!)));
      check([rand([3, 4], 3), rand([1], 4)], ([a, b]) => weightedSum(op.binary(o, a!, b!)));
      check([rand([3, 4], 5), rand([3, 4], 6)], ([a, b]) => weightedSum(op.binary(o, a!, b!)));
    }
  });

  test("relu, sigmoid, tanh, exp, neg, gelu, affine", () => {
    check([awayFromZero([3, 5], 1)], ([x]) => weightedSum(op.relu(x!)));
    for (const f of [op.sigmoid, op.tanh, op.exp, op.neg, op.gelu])
      check([rand([3, 5], 2, -2, 2)], ([x]) => weightedSum(f(x!)));
    check([rand([7], 3)], ([x]) => weightedSum(op.affine(x!, -2.5, 0.3)));
  });

  test("softmax (with large logits)", () => {
    check([rand([4, 6], 1, -3, 3)], ([x]) => weightedSum(op.softmax(x!)));
    check([rand([2, 5], 2, 40, 50)], ([x]) => weightedSum(op.softmax(x!)));
  });

  test("sum and mean over each axis", () => {
    for (const axis of [0, 1, 2, -1]) {
      check([rand([2, 3, 4], axis + 10)], ([x]) => weightedSum(op.sum(x!, axis)));
      check([rand([2, 3, 4], axis + 20)], ([x]) => weightedSum(op.mean(x!, axis)));
    }
  });

  test("the fused mixture layer: with biases, K stacked models without, an expert whose weight is 0", () => {
    check(
      [rand([6, 2], 1), rand([2, 3], 2, -2, 2), rand([2, 3], 3, -2, 2), rand([3], 4), rand([3], 5)],
      (v) => {
        const [x, wv, ws, bv, bs] = v as [Variable, Variable, Variable, Variable, Variable];
        return weightedSum(op.mixture(x, wv, ws, { valuesBias: bv, scoresBias: bs }).y);
      },
    );
    check([rand([5, 3], 6), rand([2, 3, 4], 7, -2, 2), rand([2, 3, 4], 8, -2, 2)], ([x, wv, ws]) =>
      weightedSum(op.mixture(x!, wv!, ws!).y),
    );
    // Expert 1's score bias is -Infinity: weight 0 everywhere, so its value weights get no gradient.
    const bs = { shape: [3], data: [0.2, -Infinity, -0.4], constant: true };
    check([rand([4, 2], 9), rand([2, 3], 10), rand([2, 3], 11), rand([3], 12), bs], (v) => {
      const [x, wv, ws, bv, b] = v as [Variable, Variable, Variable, Variable, Variable];
      return weightedSum(op.mixture(x, wv, ws, { valuesBias: bv, scoresBias: b }).y);
    });
  });

  test("the fused mixture layer equals its unfused ops (softmax of a matmul, weighted sum)", async () => {
    const ctx = new Context(be);
    const c = (g: GradInput) => ctx.constant(Array.from(g.data), g.shape);
    const [x, wv, ws, bv, bs] = [
      rand([7, 2], 1),
      rand([2, 5], 2),
      rand([2, 5], 3),
      rand([5], 4),
      rand([5], 5),
    ].map(c) as [Variable, Variable, Variable, Variable, Variable];
    const fused = op.mixture(x, wv, ws, { valuesBias: bv, scoresBias: bs });
    const weights = op.softmax(op.matmul(x, ws, { bias: bs }));
    const y = op.sum(op.mul(weights, op.matmul(x, wv, { bias: bv })), -1);
    const [fy, fw, uy, uw] = await Promise.all([fused.y, fused.weights, y, weights].map((t) => t.read()));
    for (const [got, want] of [
      [fy!, uy!],
      [fw!, uw!],
    ] as const) {
      expect(got.length).toBe(want.length);
      for (const [i, g] of got.entries())
        expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(1e-12 + 1e-12 * Math.abs(want[i]!));
    }
    ctx.endStep();
  });

  test("reshape and permute (the multi-head split)", () => {
    check([rand([2, 3, 4], 1)], ([x]) => weightedSum(op.reshape(x!, [6, 4])));
    check([rand([2, 3, 2, 2], 2)], ([x]) => weightedSum(op.permute(x!, [0, 2, 1, 3])));
  });

  test("layer norm", () => {
    check([rand([3, 5], 1, -2, 2), rand([5], 2, 0.5, 1.5), rand([5], 3)], ([x, g, b]) =>
      weightedSum(op.layerNorm(x!, g!, b!)),
    );
  });

  test("embedding (repeated ids accumulate)", () => {
    const ids: GradInput = { shape: [2, 3], data: [1, 0, 1, 3, 1, 2], constant: true };
    check([rand([4, 3], 1), ids], ([table, i]) => weightedSum(op.embedding(table!, i!)));
  });

  test("mean squared error and softmax cross-entropy", () => {
    check([rand([6], 1), rand([6], 2)], ([p, t]) => op.mse(p!, t!));
    const targets: GradInput = { shape: [4], data: [0, 2, 1, 2], constant: true };
    check([rand([4, 3], 3, -5, 5), targets], ([logits, t]) => op.crossEntropy(logits!, t!));
  });

  test("scaled dot-product attention, causal and not, T != S", () => {
    for (const causal of [false, true]) {
      check([rand([1, 2, 3, 4], 1), rand([1, 2, 3, 4], 2), rand([1, 2, 3, 4], 3)], ([q, k, v]) =>
        weightedSum(op.attention(q!, k!, v!, { causal })),
      );
    }
    check([rand([2, 1, 2, 3], 4), rand([2, 1, 5, 3], 5), rand([2, 1, 5, 3], 6)], ([q, k, v]) =>
      weightedSum(op.attention(q!, k!, v!, { causal: true, scale: 0.7 })),
    );
  });
});

/** A layer's gradients with respect to its input and every parameter. */
function checkLayer(
  build: (ctx: Context, rng: Rng) => { params: Variable[]; forward: (x: Variable) => Variable },
  x: GradInput,
) {
  const ctx = new Context(be);
  const layer = build(ctx, new Rng(3));
  const input = ctx.param(Array.from(x.data), x.shape, "x");
  const r = gradCheckVars(ctx, [input, ...layer.params], () => weightedSum(layer.forward(input)));
  expect(r.pass, `${r.detail}; maxAbsErr ${r.maxAbsErr}`).toBe(true);
  expect(r.count).toBe(x.data.length + layer.params.reduce((s, p) => s + p.size, 0));
}

const wrap = <M extends { parameters(): Variable[] }>(m: M, forward: (x: Variable) => Variable) => ({
  params: m.parameters(),
  forward,
});

describe("layers", () => {
  test("Linear and MLP (tanh, and relu away from its kink)", () => {
    checkLayer(
      (ctx, rng) => {
        const l = new Linear(ctx, rng, 3, 4);
        return wrap(l, (x) => l.forward(x));
      },
      rand([2, 5, 3], 1),
    );
    checkLayer(
      (ctx, rng) => {
        const m = new MLP(ctx, rng, [3, 5, 2], "tanh");
        return wrap(m, (x) => m.forward(x));
      },
      rand([4, 3], 2),
    );
    checkLayer(
      (ctx, rng) => {
        const m = new MLP(ctx, rng, [2, 4, 1], "relu");
        return wrap(m, (x) => m.forward(x));
      },
      awayFromZero([3, 2], 3),
    );
  });

  test("LayerNorm and Embedding", () => {
    checkLayer(
      (ctx) => {
        const ln = new LayerNorm(ctx, 5);
        return wrap(ln, (x) => ln.forward(x));
      },
      rand([3, 5], 4, -2, 2),
    );
    const ctx = new Context(be);
    const emb = new Embedding(ctx, new Rng(5), 6, 3);
    const ids = ctx.constant([5, 0, 5, 2], [2, 2], true);
    const r = gradCheckVars(ctx, emb.parameters(), () => weightedSum(emb.forward(ids)));
    expect(r.pass, r.detail).toBe(true);
  });

  test("multi-head self-attention (causal) and the transformer block", () => {
    checkLayer(
      (ctx, rng) => {
        const mha = new MultiHeadAttention(ctx, rng, 4, 2, true);
        return wrap(mha, (x) => mha.forward(x));
      },
      rand([2, 3, 4], 6),
    );
    checkLayer(
      (ctx, rng) => {
        const block = new TransformerBlock(ctx, rng, 4, 2, 6, true);
        return wrap(block, (x) => block.forward(x));
      },
      rand([1, 3, 4], 7),
    );
  });

  test("the attention mixture y = Σ softmax(g(v))ᵢ · f(u)ᵢ", () => {
    checkLayer(
      (ctx, rng) => {
        const mix = new AttentionMixture(ctx, new Linear(ctx, rng, 2, 3), new Linear(ctx, rng, 2, 3));
        return wrap(mix, (x) => mix.forward(x));
      },
      rand([5, 2], 8),
    );
  });
});

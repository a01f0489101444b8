// The op table of the wasm backend: each entry checks its arguments with the op's own shape rules
// (src/kernels/<op>/shape.ts, the same code the CPU reference and the WebGPU dispatch run), allocates its outputs
// in the engine's memory and queues the engine's kernel (src/wasm/ops.ts) on the backend. Empty outputs queue
// nothing; the few degenerate shapes the kernels do not take (no keys, zero columns) are filled here with the
// values the contract defines.

import { attentionDims } from "../kernels/attention/shape";
import { attentionBackwardDims } from "../kernels/attention-backward/shape";
import { crossEntropyBackwardDims, crossEntropyDims } from "../kernels/cross-entropy/shape";
import {
  checkAffine,
  checkBinary,
  checkUnaryBackward,
  checkUnaryOp,
  permuteDims,
  sumDims,
  sumToDims,
} from "../kernels/elementwise/shape";
import { embeddingBackwardDims, embeddingDims } from "../kernels/embedding/shape";
import { layerNormBackwardDims, layerNormDims } from "../kernels/layernorm/shape";
import { matmulDims } from "../kernels/matmul/shape";
import { biasShapes, mixtureBackwardDimsOf, mixtureDims } from "../kernels/mixture/shape";
import { mseDims } from "../kernels/mse/shape";
import { type ClipOf, checkAdamStep, checkSgdStep } from "../kernels/optim/shape";
import { checkSoftmaxOptions, softmaxBackwardDims, softmaxDims } from "../kernels/softmax/shape";
import type { Shape } from "../kernels/validate";
import type { VARIANTS } from "../kernels/variants";
import {
  attentionBackwardJob,
  attentionJob,
  type Job,
  layerNormJob,
  matmulJob,
  softmaxBackwardJob,
  softmaxJob,
  softmaxLseJob,
  type WasmBuffer,
  type WasmClip,
  type WasmContext,
  type WasmMixtureInputs,
  wasmAdamStep,
  wasmAffine,
  wasmBinary,
  wasmCrossEntropy,
  wasmCrossEntropyBackward,
  wasmEmbedding,
  wasmEmbeddingBackward,
  wasmLayerNormBackward,
  wasmMixture,
  wasmMixtureBackward,
  wasmMse,
  wasmMseBackward,
  wasmPermute4,
  wasmSgdStep,
  wasmSumAxis,
  wasmSumSquares,
  wasmUnary,
  wasmUnaryBackward,
} from "../wasm";
import type { OpTable } from "./table";
import type { WasmTensor } from "./wasm-tensor";

type Choice<L> = { -readonly [K in keyof L]: L[K] extends readonly (infer V)[] ? V : never };
/** The one variant of each op on this backend (named so verification can force it like the others). */
export type WasmVariants = Choice<typeof VARIANTS.wasm>;

/** What an entry of the table receives from the backend. */
export interface WasmOpContext {
  readonly engine: WasmContext;
  /** Fresh outputs (values undefined until the op's job writes them), all disposed if `fill` throws. */
  outputs<N extends Shape[]>(
    op: string,
    shapes: [...N],
    fill: (...outs: { [K in keyof N]: WasmTensor }) => void,
  ): { [K in keyof N]: WasmTensor };
  /** Run `job` after every job queued before it (at once when nothing is queued). */
  run(job: Job): void;
}

// Every job receives buffers taken when the op is called (a tensor may be disposed before its job runs; its block
// stays allocated until then, see WasmBackend.releaseBlock).

/** A job that fills buffers with a value (the defined results of the degenerate shapes). */
function fill(k: WasmOpContext, value: number, ...bufs: WasmBuffer[]): void {
  k.run(() => {
    for (const b of bufs) k.engine.arena.view(b).fill(value);
  });
}

function clipOf(clip: ClipOf<WasmTensor> | undefined): WasmClip | undefined {
  return clip ? { sumSq: clip.sumSq.buf, maxNorm: clip.maxNorm } : undefined;
}

const ptrOf = (t: WasmTensor): number => t.ptr;

/** The mixture layer's input buffers, taken at the call. */
function mixtureBuffers(
  x: WasmTensor,
  values: WasmTensor,
  scores: WasmTensor,
  opts: { valuesBias?: WasmTensor | undefined; scoresBias?: WasmTensor | undefined },
): WasmMixtureInputs {
  return {
    x: x.buf,
    values: values.buf,
    scores: scores.buf,
    ...(opts.valuesBias ? { valuesBias: opts.valuesBias.buf } : {}),
    ...(opts.scoresBias ? { scoresBias: opts.scoresBias.buf } : {}),
  };
}

export const WASM_OPS: OpTable<WasmOpContext, WasmTensor> = {
  matmul(k, a, b, args = {}) {
    const d = matmulDims(a.shape, b.shape, args, args.bias?.shape);
    const { batch, M, K, N, strideA, strideB } = d;
    return k.outputs("matmul", [d.out], (c) => {
      if (batch * M * N === 0) return;
      const s = { batch, M, K, N, strideA, strideB, transA: !!args.transA, transB: !!args.transB };
      k.run(matmulJob(k.engine, a.buf, b.buf, c.buf, s, args.bias?.buf));
    })[0];
  },

  softmax(k, x) {
    const { rows, cols } = softmaxDims("softmax", "x", x.shape);
    return k.outputs("softmax", [x.shape], (y) => {
      if (rows * cols > 0) k.run(softmaxJob(k.engine, x.buf, y.buf, rows, cols));
    })[0];
  },

  softmaxLse(k, x, opts = {}) {
    const { rows, cols } = softmaxDims("softmaxLse", "x", x.shape);
    checkSoftmaxOptions("softmaxLse", rows, opts);
    const [y, lse] = k.outputs("softmaxLse", [x.shape, x.shape.slice(0, -1)], (y, lse) => {
      if (rows === 0) return;
      if (cols === 0) return fill(k, -Infinity, lse.buf);
      k.run(softmaxLseJob(k.engine, x.buf, y.buf, lse.buf, rows, cols, opts.scale ?? 1, opts.causalT));
    });
    return { y, lse };
  },

  softmaxBackward(k, y, dy) {
    const { rows, cols } = softmaxBackwardDims(y.shape, dy.shape);
    return k.outputs("softmaxBackward", [y.shape], (dx) => {
      if (rows * cols > 0) k.run(softmaxBackwardJob(k.engine, y.buf, dy.buf, dx.buf, rows, cols));
    })[0];
  },

  attention(k, q, key, v, opts = {}) {
    const d = attentionDims(q.shape, key.shape, v.shape, opts);
    const s = { BH: d.B * d.H, T: d.T, S: d.S, d: d.d, scale: d.scale, causal: d.causal };
    const [out, lse] = k.outputs("attention", [d.out, d.lse], (out, lse) => {
      if (s.BH * s.T === 0) return;
      // No key at all: every row is fully masked (out = 0, lse = −Infinity).
      if (s.S === 0) {
        fill(k, 0, out.buf);
        return fill(k, -Infinity, lse.buf);
      }
      const io = { q: q.buf, k: key.buf, v: v.buf, out: out.buf, lse: lse.buf };
      k.run(attentionJob(k.engine, io, s));
    });
    return { out, lse };
  },

  attentionBackward(k, q, key, v, out, lse, dout, opts = {}) {
    const d = attentionBackwardDims(q.shape, key.shape, v.shape, out.shape, lse.shape, dout.shape, opts);
    const s = { BH: d.B * d.H, T: d.T, S: d.S, d: d.d, scale: d.scale, causal: d.causal };
    const [dq, dk, dv] = k.outputs("attentionBackward", [d.out, key.shape, v.shape], (dq, dk, dv) => {
      if (s.BH === 0) return;
      if (s.T === 0 || s.S === 0) return fill(k, 0, dq.buf, dk.buf, dv.buf);
      const io = { q: q.buf, k: key.buf, v: v.buf, out: out.buf, lse: lse.buf };
      k.run(attentionBackwardJob(k.engine, io, { dout: dout.buf, dq: dq.buf, dk: dk.buf, dv: dv.buf }, s));
    });
    return { dq, dk, dv };
  },

  permute(k, x, perm) {
    const d = permuteDims(x.shape, perm);
    return k.outputs("permute", [d.out], (y) => {
      const [xb, yb] = [x.buf, y.buf];
      if (x.size > 0) k.run(() => wasmPermute4(k.engine, xb, yb, d.outDims4, d.inStrides4));
    })[0];
  },

  unary(k, op, x) {
    checkUnaryOp(op);
    return k.outputs(op, [x.shape], (y) => {
      const [xb, yb] = [x.buf, y.buf];
      k.run(() => wasmUnary(k.engine, op, xb, yb, x.size));
    })[0];
  },

  unaryBackward(k, op, x, y, dy) {
    checkUnaryBackward(op, x.shape, y.shape, dy.shape);
    return k.outputs(`${op}Backward`, [dy.shape], (dx) => {
      const [xb, yb, dyb, dxb] = [x.buf, y.buf, dy.buf, dx.buf];
      k.run(() => wasmUnaryBackward(k.engine, op, xb, yb, dyb, dxb, dy.size));
    })[0];
  },

  binary(k, op, a, b) {
    const period = checkBinary(op, a.shape, b.shape);
    return k.outputs(op, [a.shape], (out) => {
      const [ab, bb, ob] = [a.buf, b.buf, out.buf];
      if (a.size > 0) k.run(() => wasmBinary(k.engine, op, ab, bb, ob, a.size, period));
    })[0];
  },

  affine(k, x, alpha, beta) {
    checkAffine(alpha, beta);
    return k.outputs("affine", [x.shape], (y) => {
      const [xb, yb] = [x.buf, y.buf];
      k.run(() => wasmAffine(k.engine, xb, yb, x.size, alpha, beta));
    })[0];
  },

  sumTo(k, x, shape) {
    const d = sumToDims(x.shape, shape);
    return k.outputs("sumTo", [d.out], (out) => {
      const [xb, ob] = [x.buf, out.buf];
      if (d.inner > 0) k.run(() => wasmSumAxis(k.engine, xb, ob, d.outer, d.len, d.inner));
    })[0];
  },

  sum(k, x, axis) {
    const d = sumDims(x.shape, axis);
    return k.outputs("sum", [d.out], (out) => {
      const [xb, ob] = [x.buf, out.buf];
      if (d.outer * d.inner > 0) k.run(() => wasmSumAxis(k.engine, xb, ob, d.outer, d.len, d.inner));
    })[0];
  },

  layerNorm(k, x, gamma, beta, eps) {
    const { rows, C } = layerNormDims(x.shape, gamma.shape, beta.shape, eps);
    const [y, mean, rstd] = k.outputs("layerNorm", [x.shape, [rows], [rows]], (y, mean, rstd) => {
      if (rows === 0) return;
      const job = layerNormJob(k.engine, x.buf, gamma.buf, beta.buf, y.buf, mean.buf, rstd.buf, rows, C, eps);
      k.run(job);
    });
    return { y, mean, rstd };
  },

  layerNormBackward(k, x, gamma, mean, rstd, dy) {
    const { rows, C } = layerNormBackwardDims(x.shape, gamma.shape, mean.shape, rstd.shape, dy.shape);
    const [dx, dgamma, dbeta] = k.outputs("layerNormBackward", [x.shape, [C], [C]], (dx, dg, db) => {
      if (rows === 0) return fill(k, 0, dg.buf, db.buf);
      const b = [x.buf, gamma.buf, mean.buf, rstd.buf, dy.buf, dx.buf, dg.buf, db.buf] as const;
      k.run(() => wasmLayerNormBackward(k.engine, ...b, rows, C));
    });
    return { dx, dgamma, dbeta };
  },

  embedding(k, table, ids) {
    const { V, C, n, out } = embeddingDims(table.shape, ids.shape);
    return k.outputs("embedding", [out], (y) => {
      const [tb, ib, yb] = [table.buf, ids.buf, y.buf];
      if (n * C > 0) k.run(() => wasmEmbedding(k.engine, tb, ib, yb, V, C, n));
    })[0];
  },

  embeddingBackward(k, ids, dy, vocab) {
    const { V, C, n, out } = embeddingBackwardDims(ids.shape, dy.shape, vocab);
    return k.outputs("embeddingBackward", [out], (dt) => {
      if (C === 0) return;
      const [ib, gb, tb] = [ids.buf, dy.buf, dt.buf];
      k.run(() => wasmEmbeddingBackward(k.engine, ib, gb, tb, V, C, n));
    })[0];
  },

  crossEntropy(k, logits, targets) {
    const { N, C } = crossEntropyDims(logits.shape, targets.shape);
    const [loss, probs] = k.outputs("crossEntropy", [[], [N, C]], (loss, probs) => {
      const b = [logits.buf, targets.buf, probs.buf, loss.buf] as const;
      k.run(() => wasmCrossEntropy(k.engine, ...b, N, C));
    });
    return { loss, probs };
  },

  crossEntropyBackward(k, probs, targets, dloss) {
    const { N, C } = crossEntropyBackwardDims(probs.shape, targets.shape, dloss.shape);
    return k.outputs("crossEntropyBackward", [[N, C]], (d) => {
      const b = [probs.buf, targets.buf, dloss.buf, d.buf] as const;
      k.run(() => wasmCrossEntropyBackward(k.engine, ...b, N, C));
    })[0];
  },

  mse(k, pred, target) {
    const n = mseDims("mse", pred.shape, target.shape);
    return k.outputs("mse", [[]], (loss) => {
      const b = [pred.buf, target.buf, loss.buf] as const;
      k.run(() => wasmMse(k.engine, ...b, n));
    })[0];
  },

  mseBackward(k, pred, target, dloss) {
    const n = mseDims("mseBackward", pred.shape, target.shape, dloss.shape);
    return k.outputs("mseBackward", [pred.shape], (d) => {
      const b = [pred.buf, target.buf, dloss.buf, d.buf] as const;
      k.run(() => wasmMseBackward(k.engine, ...b, n));
    })[0];
  },

  mixture(k, x, values, scores, opts = {}) {
    const d = mixtureDims("mixture", x.shape, values.shape, scores.shape, biasShapes(opts));
    const [y, weights] = k.outputs("mixture", [d.y, d.weights], (y, a) => {
      const io = mixtureBuffers(x, values, scores, opts);
      const [yb, ab] = [y.buf, a.buf];
      if (d.K * d.N > 0) k.run(() => wasmMixture(k.engine, io, yb, ab, d));
    });
    return { y, weights };
  },

  mixtureBackward(k, x, values, scores, weights, dy, opts = {}) {
    const { valuesBias: vb, scoresBias: sb } = opts;
    const d = mixtureBackwardDimsOf(x, values, scores, weights, dy, opts);
    const bShape = d.stacked ? [d.K, d.E] : [d.E];
    const shapes = [x.shape, values.shape, scores.shape, ...(vb ? [bShape] : []), ...(sb ? [bShape] : [])];
    const outs = k.outputs("mixtureBackward", shapes, (...o) => {
      const io = { ...mixtureBuffers(x, values, scores, opts), weights: weights.buf, dy: dy.buf };
      const grads = {
        dx: o[0]!.buf,
        dvalues: o[1]!.buf,
        dscores: o[2]!.buf,
        ...(vb ? { dvaluesBias: o[3]!.buf } : {}),
        ...(sb ? { dscoresBias: o[vb ? 4 : 3]!.buf } : {}),
      };
      k.run(() => wasmMixtureBackward(k.engine, io, grads, d));
    });
    return {
      dx: outs[0]!,
      dvalues: outs[1]!,
      dscores: outs[2]!,
      ...(vb ? { dvaluesBias: outs[3]! } : {}),
      ...(sb ? { dscoresBias: outs[vb ? 4 : 3]! } : {}),
    };
  },

  sumSquares(k, xs) {
    return k.outputs("sumSquares", [[1]], (out) => {
      const [bufs, ob] = [xs.map((x) => x.buf), out.buf];
      k.run(() => wasmSumSquares(k.engine, bufs, ob));
    })[0];
  },

  sgdStep(k, params, grads, momenta, hp, clip) {
    checkSgdStep(params, { grads, momenta }, hp, clip, ptrOf);
    const [p, g, m, c] = [
      params.map((t) => t.buf),
      grads.map((t) => t.buf),
      momenta.map((t) => t.buf),
      clipOf(clip),
    ];
    k.run(() => {
      wasmSgdStep(k.engine, p, g, m, hp, c);
    });
  },

  adamStep(k, params, grads, m, v, hp, clip) {
    checkAdamStep(params, { grads, m, v }, hp, clip, ptrOf);
    const bufs = [params, grads, m, v].map((list) => list.map((t) => t.buf)) as [
      WasmBuffer[],
      WasmBuffer[],
      WasmBuffer[],
      WasmBuffer[],
    ];
    const c = clipOf(clip);
    k.run(() => {
      wasmAdamStep(k.engine, ...bufs, hp, c);
    });
  },
};

// The CPU backend: the reference implementation of every op. Plain TypeScript, float64 accumulation.

import { attentionBackwardCpu } from "../kernels/attention-backward-cpu";
import { attentionBackwardDims } from "../kernels/attention-backward-shape";
import { attentionCpu } from "../kernels/attention-cpu";
import { attentionDims } from "../kernels/attention-shape";
import { matmulCpu } from "../kernels/matmul-cpu";
import { matmulDims } from "../kernels/matmul-shape";
import { softmaxBackwardCpu, softmaxCpu } from "../kernels/softmax-cpu";
import {
  type SoftmaxInternals,
  type SoftmaxLaunch,
  type SoftmaxOptions,
  softmaxBackwardDims,
  softmaxDims,
} from "../kernels/softmax-shape";
import { checkData, checkShape, type Shape, ShapeError, sizeOf } from "../kernels/validate";
import type {
  AdamParams,
  AttentionGrads,
  AttentionOptions,
  AttentionResult,
  Backend,
  BinaryOp,
  ClipArgs,
  LayerNormGrads,
  LayerNormResult,
  MatmulArgs,
  SgdParams,
  Tensor,
  UnaryOp,
} from "./contract";
import * as ew from "./cpu-ops/elementwise";
import * as layers from "./cpu-ops/layers";
import * as optim from "./cpu-ops/optim";
import { asCpu, CpuTensor, type FloatArray } from "./cpu-tensor";

export class CpuBackend implements Backend, SoftmaxInternals {
  readonly name = "cpu" as const;
  readonly description = "JavaScript (float64 accumulation)";
  readonly fallbacks = {};
  /** "f64" stores tensors as Float64Array: for gradient checks by finite differences. */
  readonly precision: "f32" | "f64";

  constructor(opts: { precision?: "f32" | "f64" } = {}) {
    this.precision = opts.precision ?? "f32";
  }

  tensor(data: FloatArray | readonly number[], shape: Shape): Tensor {
    checkShape("tensor", "shape", shape);
    checkData("tensor", "data", data as ArrayLike<number>, shape);
    return new CpuTensor(
      [...shape],
      this.precision === "f64" ? Float64Array.from(data) : Float32Array.from(data),
    );
  }

  zeros(shape: Shape): Tensor {
    checkShape("zeros", "shape", shape);
    const n = sizeOf(shape);
    return new CpuTensor([...shape], this.precision === "f64" ? new Float64Array(n) : new Float32Array(n));
  }

  async read(t: Tensor): Promise<Float32Array> {
    return Float32Array.from(asCpu("read", "t", t).data);
  }

  matmul(a: Tensor, b: Tensor, args: MatmulArgs = {}): Tensor {
    const A = asCpu("matmul", "a", a);
    const B = asCpu("matmul", "b", b);
    const bias = args.bias ? asCpu("matmul", "bias", args.bias) : undefined;
    const d = matmulDims(A.shape, B.shape, args, bias?.shape);
    return new CpuTensor(d.out, matmulCpu(A.data, B.data, d, args, bias?.data));
  }

  softmax(x: Tensor): Tensor {
    const X = asCpu("softmax", "x", x);
    const { rows, cols } = softmaxDims("softmax", "x", X.shape);
    return new CpuTensor([...X.shape], softmaxCpu(X.data, rows, cols));
  }

  softmaxBackward(y: Tensor, dy: Tensor): Tensor {
    return this.softmaxBackwardWith(y, dy, {});
  }

  /** Internal (SoftmaxInternals): the launch settings mean nothing on the CPU. */
  softmaxBackwardWith(y: Tensor, dy: Tensor, _launch: SoftmaxLaunch): Tensor {
    const Y = asCpu("softmaxBackward", "y", y);
    const DY = asCpu("softmaxBackward", "dy", dy);
    const { rows, cols } = softmaxBackwardDims(Y.shape, DY.shape);
    return new CpuTensor([...Y.shape], softmaxBackwardCpu(Y.data, DY.data, rows, cols));
  }

  /** Internal (SoftmaxInternals): softmax with scale and causal mask, and each row's log-sum-exp. */
  softmaxWithLse(x: Tensor, opts: SoftmaxOptions & SoftmaxLaunch): { y: Tensor; lse: Tensor } {
    const X = asCpu("softmax", "x", x);
    const { rows, cols } = softmaxDims("softmax", "x", X.shape);
    const lse = new Float32Array(rows);
    const y = softmaxCpu(X.data, rows, cols, { ...opts, lse });
    return { y: new CpuTensor([...X.shape], y), lse: new CpuTensor(X.shape.slice(0, -1), lse) };
  }

  attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): AttentionResult {
    const Q = asCpu("attention", "q", q);
    const K = asCpu("attention", "k", k);
    const V = asCpu("attention", "v", v);
    const d = attentionDims(Q.shape, K.shape, V.shape, opts);
    const r = attentionCpu(Q.data, K.data, V.data, d);
    return { out: new CpuTensor(d.out, r.out), lse: new CpuTensor(d.lse, r.lse) };
  }

  // ---- shape and elementwise ----

  reshape(x: Tensor, shape: Shape): Tensor {
    const X = asCpu("reshape", "x", x);
    checkShape("reshape", "shape", shape);
    if (sizeOf(shape) !== X.size) {
      throw new ShapeError(
        "reshape",
        "shape",
        `must have ${X.size} elements like [${X.shape.join(", ")}]`,
        `[${shape.join(", ")}]`,
      );
    }
    return new CpuTensor([...shape], X.data);
  }

  permute(x: Tensor, perm: readonly number[]): Tensor {
    return ew.permute(asCpu("permute", "x", x), perm);
  }

  unary(op: UnaryOp, x: Tensor): Tensor {
    return ew.unary(op, asCpu(op, "x", x));
  }

  unaryBackward(op: UnaryOp, x: Tensor, y: Tensor, dy: Tensor): Tensor {
    const name = `${op}Backward`;
    return ew.unaryBackward(op, asCpu(name, "x", x), asCpu(name, "y", y), asCpu(name, "dy", dy));
  }

  binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
    return ew.binary(op, asCpu(op, "a", a), asCpu(op, "b", b));
  }

  affine(x: Tensor, alpha: number, beta: number): Tensor {
    return ew.affine(asCpu("affine", "x", x), alpha, beta);
  }

  sumTo(x: Tensor, shape: Shape): Tensor {
    return ew.sumTo(asCpu("sumTo", "x", x), shape);
  }

  sum(x: Tensor, axis: number): Tensor {
    return ew.sum(asCpu("sum", "x", x), axis);
  }

  // ---- layers and losses ----

  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult {
    const op = "layerNorm";
    return layers.layerNorm(asCpu(op, "x", x), asCpu(op, "gamma", gamma), asCpu(op, "beta", beta), eps);
  }

  layerNormBackward(x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor, dy: Tensor): LayerNormGrads {
    const op = "layerNormBackward";
    return layers.layerNormBackward(
      asCpu(op, "x", x),
      asCpu(op, "gamma", gamma),
      asCpu(op, "mean", mean),
      asCpu(op, "rstd", rstd),
      asCpu(op, "dy", dy),
    );
  }

  embedding(table: Tensor, ids: Tensor): Tensor {
    return layers.embedding(asCpu("embedding", "table", table), asCpu("embedding", "ids", ids));
  }

  embeddingBackward(ids: Tensor, dy: Tensor, vocab: number): Tensor {
    const op = "embeddingBackward";
    return layers.embeddingBackward(asCpu(op, "ids", ids), asCpu(op, "dy", dy), vocab);
  }

  crossEntropy(logits: Tensor, targets: Tensor): { loss: Tensor; probs: Tensor } {
    const op = "crossEntropy";
    return layers.crossEntropy(asCpu(op, "logits", logits), asCpu(op, "targets", targets));
  }

  crossEntropyBackward(probs: Tensor, targets: Tensor, dloss: Tensor): Tensor {
    const op = "crossEntropyBackward";
    return layers.crossEntropyBackward(
      asCpu(op, "probs", probs),
      asCpu(op, "targets", targets),
      asCpu(op, "dloss", dloss),
    );
  }

  mse(pred: Tensor, target: Tensor): Tensor {
    return layers.mse(asCpu("mse", "pred", pred), asCpu("mse", "target", target));
  }

  mseBackward(pred: Tensor, target: Tensor, dloss: Tensor): Tensor {
    const op = "mseBackward";
    return layers.mseBackward(
      asCpu(op, "pred", pred),
      asCpu(op, "target", target),
      asCpu(op, "dloss", dloss),
    );
  }

  attentionBackward(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    out: Tensor,
    lse: Tensor,
    dout: Tensor,
    opts: AttentionOptions = {},
  ): AttentionGrads {
    const op = "attentionBackward";
    const [Q, K, V] = [asCpu(op, "q", q), asCpu(op, "k", k), asCpu(op, "v", v)];
    const [O, L, DO] = [asCpu(op, "out", out), asCpu(op, "lse", lse), asCpu(op, "dout", dout)];
    const d = attentionBackwardDims(Q.shape, K.shape, V.shape, O.shape, L.shape, DO.shape, opts);
    const r = attentionBackwardCpu(Q.data, K.data, V.data, O.data, L.data, DO.data, d);
    return {
      dq: new CpuTensor([...Q.shape], r.dq),
      dk: new CpuTensor([...K.shape], r.dk),
      dv: new CpuTensor([...V.shape], r.dv),
    };
  }

  // ---- optimizers ----

  sumSquares(xs: readonly Tensor[]): Tensor {
    return optim.sumSquares(xs.map((x, i) => asCpu("sumSquares", `xs[${i}]`, x)));
  }

  sgdStep(
    params: readonly Tensor[],
    grads: readonly Tensor[],
    momenta: readonly Tensor[],
    hp: SgdParams,
    clip?: ClipArgs,
  ): void {
    const op = "sgdStep";
    const list = (name: string, ts: readonly Tensor[]) => ts.map((t, i) => asCpu(op, `${name}[${i}]`, t));
    optim.sgdStep(
      list("params", params),
      list("grads", grads),
      list("momenta", momenta),
      hp,
      clip && { sumSq: asCpu(op, "clip.sumSq", clip.sumSq), maxNorm: clip.maxNorm },
    );
  }

  adamStep(
    params: readonly Tensor[],
    grads: readonly Tensor[],
    m: readonly Tensor[],
    v: readonly Tensor[],
    hp: AdamParams,
    clip?: ClipArgs,
  ): void {
    const op = "adamStep";
    const list = (name: string, ts: readonly Tensor[]) => ts.map((t, i) => asCpu(op, `${name}[${i}]`, t));
    optim.adamStep(
      list("params", params),
      list("grads", grads),
      list("m", m),
      list("v", v),
      hp,
      clip && { sumSq: asCpu(op, "clip.sumSq", clip.sumSq), maxNorm: clip.maxNorm },
    );
  }

  copyInto(dst: Tensor, src: Tensor): void {
    const D = asCpu("copyInto", "dst", dst);
    const S = asCpu("copyInto", "src", src);
    if (D.size !== S.size)
      throw new ShapeError("copyInto", "src", `must have ${D.size} elements`, `${S.size}`);
    D.data.set(S.data);
  }
}

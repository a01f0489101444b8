// The WebGPU backend: WGSL kernels behind the op contract. Shapes are checked by the same code as the CPU
// reference before anything is dispatched; kernel variants are chosen per adapter and can be forced.

import type { AdapterSummary } from "../gpu/device";
import { GpuRuntime } from "../gpu/runtime";
import { attentionBackwardGpu } from "../kernels/attention-backward-gpu";
import { attentionBackwardDims } from "../kernels/attention-backward-shape";
import { ATTENTION_FUSED_MAX_D, type AttentionVariant, attentionGpu } from "../kernels/attention-gpu";
import { attentionDims } from "../kernels/attention-shape";
import { type MatmulVariant, matmulGpu } from "../kernels/matmul-gpu";
import { matmulDims } from "../kernels/matmul-shape";
import { type SoftmaxVariant, softmaxBackwardGpu, softmaxGpu } from "../kernels/softmax-gpu";
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
  FallbackCounts,
  LayerNormGrads,
  LayerNormResult,
  MatmulArgs,
  SgdParams,
  Tensor,
  UnaryOp,
} from "./contract";
import { asGpu, GpuTensor } from "./gpu-tensor";
import * as ew from "./webgpu-ops/elementwise";
import * as layers from "./webgpu-ops/layers";
import * as optim from "./webgpu-ops/optim";

export interface KernelVariants {
  matmul: MatmulVariant;
  /** Used by softmax and its backward, and by the unfused attention path. */
  softmax: SoftmaxVariant;
  attention: AttentionVariant;
}

/**
 * The default variant of each op for an adapter. The rule follows measurements on both kinds of adapter:
 * workgroup barriers cost 4-30x on SwiftShader (a CPU emulating a GPU) and are what makes kernels fast on real
 * GPUs, so software adapters get the barrier-free variants. Override per op with `forceVariants`.
 */
export function defaultVariants(info: AdapterSummary): KernelVariants {
  // matmul: "register" (8x8 per invocation, no workgroup memory) on software adapters, "workgroup" (64x64
  // tiles staged through workgroup memory) elsewhere; "naive" stays available as the oracle.
  const matmul: MatmulVariant = info.software ? "register" : "workgroup";
  // softmax: one invocation per row on software adapters (11-32x faster there than a barrier-synchronised
  // reduction); a 128-wide workgroup per row elsewhere, where rows of attention scores are long enough to need it.
  const softmax: SoftmaxVariant = info.software ? "row" : "workgroup";
  return { matmul, softmax, attention: "fused" };
}

export class WebGPUBackend implements Backend, SoftmaxInternals {
  readonly name = "webgpu" as const;
  readonly fallbacks: FallbackCounts = {};
  variants: KernelVariants;

  constructor(
    readonly rt: GpuRuntime,
    forceVariants: Partial<KernelVariants> = {},
  ) {
    this.variants = { ...defaultVariants(rt.ctx.info), ...forceVariants };
  }

  static async create(forceVariants: Partial<KernelVariants> = {}): Promise<WebGPUBackend> {
    return new WebGPUBackend(await GpuRuntime.create(), forceVariants);
  }

  get description(): string {
    const i = this.rt.ctx.info;
    return [i.vendor, i.architecture, i.description].filter(Boolean).join(" / ") || "unknown adapter";
  }

  /** The tensor as this backend's, or a ShapeError naming op and argument. */
  own(op: string, arg: string, t: Tensor): GpuTensor {
    return asGpu(op, arg, t);
  }

  /** A fresh pooled output tensor, refused (naming the limit) if it exceeds the largest storage binding. */
  output(op: string, shape: Shape): GpuTensor {
    const bytes = sizeOf(shape) * 4;
    const max = this.rt.limits.maxStorageBufferBindingSize;
    if (bytes > max) {
      throw new ShapeError(
        op,
        "output",
        `must fit maxStorageBufferBindingSize (${max} bytes)`,
        `${bytes} bytes`,
      );
    }
    return new GpuTensor(this.rt, shape, this.rt.pool.acquire(bytes, op));
  }

  tensor(data: Float32Array | Float64Array | readonly number[], shape: Shape): Tensor {
    checkShape("tensor", "shape", shape);
    checkData("tensor", "data", data as ArrayLike<number>, shape);
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    return new GpuTensor(this.rt, [...shape], this.rt.upload(f32, "tensor"));
  }

  zeros(shape: Shape): Tensor {
    checkShape("zeros", "shape", shape);
    return this.tensor(new Float32Array(sizeOf(shape)), shape);
  }

  // async: a wrong or disposed tensor rejects the promise like every other read failure, not a synchronous throw.
  async read(t: Tensor): Promise<Float32Array> {
    const g = this.own("read", "t", t);
    return this.rt.read(g.buffer, g.size);
  }

  matmul(a: Tensor, b: Tensor, args: MatmulArgs = {}): Tensor {
    const A = this.own("matmul", "a", a);
    const B = this.own("matmul", "b", b);
    const bias = args.bias ? this.own("matmul", "bias", args.bias) : null;
    const d = matmulDims(A.shape, B.shape, args, bias?.shape);
    const out = this.output("matmul", d.out);
    try {
      matmulGpu(this.rt, this.variants.matmul, A.buffer, B.buffer, d, args, bias?.buffer ?? null, out.buffer);
    } catch (e) {
      out.dispose(); // a refused dispatch (grid too large) must not keep the output's buffer out of the pool
      throw e;
    }
    return out;
  }

  softmax(x: Tensor): Tensor {
    const X = this.own("softmax", "x", x);
    const { rows, cols } = softmaxDims("softmax", "x", X.shape);
    const out = this.output("softmax", [...X.shape]);
    softmaxGpu(this.rt, this.variants.softmax, X.buffer, out.buffer, rows, cols);
    return out;
  }

  softmaxBackward(y: Tensor, dy: Tensor): Tensor {
    return this.softmaxBackwardWith(y, dy, {});
  }

  /** Internal (SoftmaxInternals): softmaxBackward with launch settings. */
  softmaxBackwardWith(y: Tensor, dy: Tensor, launch: SoftmaxLaunch): Tensor {
    const Y = this.own("softmaxBackward", "y", y);
    const DY = this.own("softmaxBackward", "dy", dy);
    const { rows, cols } = softmaxBackwardDims(Y.shape, DY.shape);
    const dx = this.output("softmaxBackward", [...Y.shape]);
    softmaxBackwardGpu(this.rt, this.variants.softmax, Y.buffer, DY.buffer, dx.buffer, rows, cols, launch);
    return dx;
  }

  /** Internal (SoftmaxInternals): softmax with scale and causal mask, and each row's log-sum-exp. */
  softmaxWithLse(x: Tensor, opts: SoftmaxOptions & SoftmaxLaunch): { y: Tensor; lse: Tensor } {
    const X = this.own("softmax", "x", x);
    const { rows, cols } = softmaxDims("softmax", "x", X.shape);
    const y = this.output("softmax", [...X.shape]);
    const lse = this.output("softmax", X.shape.slice(0, -1));
    try {
      softmaxGpu(this.rt, this.variants.softmax, X.buffer, y.buffer, rows, cols, {
        ...opts,
        lse: lse.buffer,
      });
    } catch (e) {
      y.dispose();
      lse.dispose();
      throw e;
    }
    return { y, lse };
  }

  attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): AttentionResult {
    const Q = this.own("attention", "q", q);
    const K = this.own("attention", "k", k);
    const V = this.own("attention", "v", v);
    const d = attentionDims(Q.shape, K.shape, V.shape, opts);
    const out = this.output("attention", d.out);
    const lse = this.output("attention", d.lse);
    try {
      const ran = attentionGpu(
        this.rt,
        this.variants,
        Q.buffer,
        K.buffer,
        V.buffer,
        d,
        out.buffer,
        lse.buffer,
      );
      if (ran !== this.variants.attention) {
        const key = `attention ${this.variants.attention}->${ran} (d > ${ATTENTION_FUSED_MAX_D})`;
        this.fallbacks[key] = (this.fallbacks[key] ?? 0) + 1;
      }
    } catch (e) {
      out.dispose();
      lse.dispose();
      throw e;
    }
    return { out, lse };
  }

  // ---- shape and elementwise ----

  reshape(x: Tensor, shape: Shape): Tensor {
    const X = this.own("reshape", "x", x);
    checkShape("reshape", "shape", shape);
    if (sizeOf(shape) !== X.size) {
      throw new ShapeError(
        "reshape",
        "shape",
        `must have ${X.size} elements like [${X.shape.join(", ")}]`,
        `[${shape.join(", ")}]`,
      );
    }
    return X.view([...shape]);
  }

  permute(x: Tensor, perm: readonly number[]): Tensor {
    return ew.permute(this, this.own("permute", "x", x), perm);
  }

  unary(op: UnaryOp, x: Tensor): Tensor {
    return ew.unary(this, op, this.own(op, "x", x));
  }

  unaryBackward(op: UnaryOp, x: Tensor, y: Tensor, dy: Tensor): Tensor {
    const name = `${op}Backward`;
    return ew.unaryBackward(
      this,
      op,
      this.own(name, "x", x),
      this.own(name, "y", y),
      this.own(name, "dy", dy),
    );
  }

  binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
    return ew.binary(this, op, this.own(op, "a", a), this.own(op, "b", b));
  }

  affine(x: Tensor, alpha: number, beta: number): Tensor {
    return ew.affine(this, this.own("affine", "x", x), alpha, beta);
  }

  sumTo(x: Tensor, shape: Shape): Tensor {
    return ew.sumTo(this, this.own("sumTo", "x", x), shape);
  }

  sum(x: Tensor, axis: number): Tensor {
    return ew.sum(this, this.own("sum", "x", x), axis);
  }

  // ---- layers and losses ----

  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult {
    const op = "layerNorm";
    return layers.layerNorm(
      this,
      this.own(op, "x", x),
      this.own(op, "gamma", gamma),
      this.own(op, "beta", beta),
      eps,
    );
  }

  layerNormBackward(x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor, dy: Tensor): LayerNormGrads {
    const op = "layerNormBackward";
    return layers.layerNormBackward(
      this,
      this.own(op, "x", x),
      this.own(op, "gamma", gamma),
      this.own(op, "mean", mean),
      this.own(op, "rstd", rstd),
      this.own(op, "dy", dy),
    );
  }

  embedding(table: Tensor, ids: Tensor): Tensor {
    return layers.embedding(this, this.own("embedding", "table", table), this.own("embedding", "ids", ids));
  }

  embeddingBackward(ids: Tensor, dy: Tensor, vocab: number): Tensor {
    const op = "embeddingBackward";
    return layers.embeddingBackward(this, this.own(op, "ids", ids), this.own(op, "dy", dy), vocab);
  }

  crossEntropy(logits: Tensor, targets: Tensor): { loss: Tensor; probs: Tensor } {
    const op = "crossEntropy";
    return layers.crossEntropy(this, this.own(op, "logits", logits), this.own(op, "targets", targets));
  }

  crossEntropyBackward(probs: Tensor, targets: Tensor, dloss: Tensor): Tensor {
    const op = "crossEntropyBackward";
    return layers.crossEntropyBackward(
      this,
      this.own(op, "probs", probs),
      this.own(op, "targets", targets),
      this.own(op, "dloss", dloss),
    );
  }

  mse(pred: Tensor, target: Tensor): Tensor {
    return layers.mse(this, this.own("mse", "pred", pred), this.own("mse", "target", target));
  }

  mseBackward(pred: Tensor, target: Tensor, dloss: Tensor): Tensor {
    const op = "mseBackward";
    return layers.mseBackward(
      this,
      this.own(op, "pred", pred),
      this.own(op, "target", target),
      this.own(op, "dloss", dloss),
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
    const [Q, K, V] = [this.own(op, "q", q), this.own(op, "k", k), this.own(op, "v", v)];
    const [O, L, DO] = [this.own(op, "out", out), this.own(op, "lse", lse), this.own(op, "dout", dout)];
    const d = attentionBackwardDims(Q.shape, K.shape, V.shape, O.shape, L.shape, DO.shape, opts);
    const grads: GpuTensor[] = [];
    try {
      const [dq, dk, dv] = [d.out, K.shape, V.shape].map((shape) => {
        const t = this.output(op, [...shape]);
        grads.push(t);
        return t;
      }) as [GpuTensor, GpuTensor, GpuTensor];
      const buffers = {
        q: Q.buffer,
        k: K.buffer,
        v: V.buffer,
        out: O.buffer,
        lse: L.buffer,
        dout: DO.buffer,
      };
      const ran = attentionBackwardGpu(
        this.rt,
        this.variants,
        { ...buffers, dq: dq.buffer, dk: dk.buffer, dv: dv.buffer },
        d,
      );
      if (ran !== this.variants.attention) {
        const key = `attentionBackward ${this.variants.attention}->${ran} (d > ${ATTENTION_FUSED_MAX_D})`;
        this.fallbacks[key] = (this.fallbacks[key] ?? 0) + 1;
      }
      return { dq, dk, dv };
    } catch (e) {
      for (const t of grads) t.dispose();
      throw e;
    }
  }

  // ---- optimizers ----

  sumSquares(xs: readonly Tensor[]): Tensor {
    return optim.sumSquares(
      this,
      xs.map((x, i) => this.own("sumSquares", `xs[${i}]`, x)),
    );
  }

  sgdStep(
    params: readonly Tensor[],
    grads: readonly Tensor[],
    momenta: readonly Tensor[],
    hp: SgdParams,
    clip?: ClipArgs,
  ): void {
    const op = "sgdStep";
    const list = (name: string, ts: readonly Tensor[]) => ts.map((t, i) => this.own(op, `${name}[${i}]`, t));
    optim.sgdStep(
      this,
      list("params", params),
      list("grads", grads),
      list("momenta", momenta),
      hp,
      clip && { sumSq: this.own(op, "clip.sumSq", clip.sumSq), maxNorm: clip.maxNorm },
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
    const list = (name: string, ts: readonly Tensor[]) => ts.map((t, i) => this.own(op, `${name}[${i}]`, t));
    optim.adamStep(
      this,
      list("params", params),
      list("grads", grads),
      list("m", m),
      list("v", v),
      hp,
      clip && { sumSq: this.own(op, "clip.sumSq", clip.sumSq), maxNorm: clip.maxNorm },
    );
  }

  copyInto(dst: Tensor, src: Tensor): void {
    const D = this.own("copyInto", "dst", dst);
    const S = this.own("copyInto", "src", src);
    if (D.size !== S.size)
      throw new ShapeError("copyInto", "src", `must have ${D.size} elements`, `${S.size}`);
    if (D.size === 0) return;
    this.rt.copy(S.buffer, D.buffer, D.size * 4);
  }
}

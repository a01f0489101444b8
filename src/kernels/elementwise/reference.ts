// CPU reference of the shape and elementwise ops: permute, unary (+ backward), binary with suffix
// broadcasting, affine, sumTo, sum over an axis. Each value is computed in float64 from the f32 inputs and
// rounded once on store; sums accumulate in float64. These are the spec the WGSL kernels are checked against.

import { alloc, type FloatArray, type Host, host } from "../float-array";
import {
  type BinaryOp,
  checkAffine,
  checkBinary,
  checkUnaryBackward,
  checkUnaryOp,
  permuteDims,
  type ReduceDims,
  sumDims,
  sumToDims,
  type UnaryOp,
} from "./shape";

/** 1 / (1 + e^−x) without overflow: for x < 0 use e^x / (1 + e^x), so exp never sees a large argument. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const GELU_A = Math.sqrt(2 / Math.PI);
export const GELU_B = 0.044715;

/**
 * GELU, tanh approximation (GPT-2's): ½x(1 + tanh(u)) with u = √(2/π)(x + 0.044715x³), computed as x·σ(2u)
 * (the same value: 1 + tanh(u) = 2σ(2u)), which keeps its relative accuracy for negative x where 1 + tanh(u)
 * would cancel.
 */
export function gelu(x: number): number {
  return x * sigmoid(2 * GELU_A * (x + GELU_B * x * x * x));
}

/** d gelu / dx = s + x·s(1 − s)·2u′ with s = σ(2u) and u′ = √(2/π)(1 + 3·0.044715x²). */
export function geluGrad(x: number): number {
  const s = sigmoid(2 * GELU_A * (x + GELU_B * x * x * x));
  return s + x * s * (1 - s) * 2 * GELU_A * (1 + 3 * GELU_B * x * x);
}

/** The op on one value, in float64. */
export function unaryFn(op: UnaryOp): (x: number) => number {
  switch (op) {
    case "relu":
      // biome-ignore lint/complexity/useMathMinMax: like the shader's select(), NaN gives 0 (Math.max: NaN)
      return (x) => (x > 0 ? x : 0);
    case "sigmoid":
      return sigmoid;
    case "tanh":
      return Math.tanh;
    case "exp":
      return Math.exp;
    case "neg":
      return (x) => -x;
    case "gelu":
      return gelu;
  }
}

/** dx from (x, y, dy) for one element; relu's gradient at exactly 0 is 0. */
function backwardFn(op: UnaryOp): (x: number, y: number, dy: number) => number {
  switch (op) {
    case "relu":
      return (x, _y, dy) => (x > 0 ? dy : 0);
    case "sigmoid":
      return (_x, y, dy) => dy * y * (1 - y);
    case "tanh":
      return (_x, y, dy) => dy * (1 - y * y);
    case "exp":
      return (_x, y, dy) => dy * y;
    case "neg":
      return (_x, _y, dy) => -dy;
    case "gelu":
      return (x, _y, dy) => dy * geluGrad(x);
  }
}

export function permute(_k: unknown, x: Host, perm: readonly number[]): Host {
  const { out, outDims4: d, inStrides4: s } = permuteDims(x.shape, perm);
  const src = x.data;
  const dst = alloc(src, src.length);
  let o = 0;
  for (let i0 = 0; i0 < d[0]; i0++) {
    for (let i1 = 0; i1 < d[1]; i1++) {
      for (let i2 = 0; i2 < d[2]; i2++) {
        const base = i0 * s[0] + i1 * s[1] + i2 * s[2];
        for (let i3 = 0; i3 < d[3]; i3++) dst[o++] = src[base + i3 * s[3]]!;
      }
    }
  }
  return host(out, dst);
}

export function unary(_k: unknown, op: UnaryOp, x: Host): Host {
  checkUnaryOp(op);
  const f = unaryFn(op);
  const src = x.data;
  const dst = alloc(src, src.length);
  for (let i = 0; i < dst.length; i++) dst[i] = f(src[i]!);
  return host(x.shape, dst);
}

export function unaryBackward(_k: unknown, op: UnaryOp, x: Host, y: Host, dy: Host): Host {
  checkUnaryBackward(op, x.shape, y.shape, dy.shape);
  const f = backwardFn(op);
  // Only the tensor the op reads is touched (the others may have any shape).
  const xs = op === "relu" || op === "gelu" ? x.data : null;
  const ys = op === "sigmoid" || op === "tanh" || op === "exp" ? y.data : null;
  const g = dy.data;
  const dx = alloc(g, g.length);
  for (let i = 0; i < dx.length; i++) dx[i] = f(xs ? xs[i]! : 0, ys ? ys[i]! : 0, g[i]!);
  return host(dy.shape, dx);
}

export function binary(_k: unknown, op: BinaryOp, a: Host, b: Host): Host {
  const period = checkBinary(op, a.shape, b.shape);
  const A = a.data;
  const B = b.data;
  const out = alloc(A, A.length);
  // out[i] = a[i] op b[i mod |b|]: b repeats over a's leading axes.
  for (let i = 0, j = 0; i < out.length; i++, j = j + 1 === period ? 0 : j + 1) {
    const av = A[i]!;
    const bv = B[j]!;
    out[i] = op === "add" ? av + bv : op === "sub" ? av - bv : av * bv;
  }
  return host(a.shape, out);
}

export function affine(_k: unknown, x: Host, alpha: number, beta: number): Host {
  checkAffine(alpha, beta);
  const src = x.data;
  const dst = alloc(src, src.length);
  for (let i = 0; i < dst.length; i++) dst[i] = alpha * src[i]! + beta;
  return host(x.shape, dst);
}

/** Sum x viewed as [outer, len, inner] over the middle axis, in float64. */
function reduce(x: FloatArray, d: ReduceDims): FloatArray {
  const { outer, len, inner } = d;
  const out = alloc(x, outer * inner);
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let k = 0; k < len; k++) {
      const row = (o * len + k) * inner;
      for (let i = 0; i < inner; i++) acc[i] = acc[i]! + x[row + i]!;
    }
    out.set(acc, o * inner);
  }
  return out;
}

export function sumTo(_k: unknown, x: Host, shape: readonly number[]): Host {
  const d = sumToDims(x.shape, shape);
  return host(d.out, reduce(x.data, d));
}

export function sum(_k: unknown, x: Host, axis: number): Host {
  const d = sumDims(x.shape, axis);
  return host(d.out, reduce(x.data, d));
}

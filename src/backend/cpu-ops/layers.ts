// CPU reference of layer norm, embedding, and the losses (softmax cross-entropy, mean squared error): the spec
// the WGSL kernels are checked against. Every sum is accumulated in float64 (JS numbers) and stored as f32.
//
// The shape checks (`*Dims`) are shared with the WebGPU dispatch in ../webgpu-ops/layers.ts, so both backends
// refuse the same arguments with the same messages. Only the CPU can check id and target *values* (the GPU
// would need a readback): `checkIndices` throws naming the bad value and its index.

import { checkNumber, fmt, type Shape, ShapeError, sameShape, sizeOf } from "../../kernels/validate";
import { alloc, allocFrom, CpuTensor, type FloatArray } from "../cpu-tensor";

// ---- shape checks (shared with the WebGPU backend) ---------------------------------------------------------

/** x viewed as rows × C, C = the last dimension. */
export interface RowDims {
  rows: number;
  C: number;
}

function rowDims(op: string, arg: string, x: Shape): RowDims {
  const C = x[x.length - 1];
  if (C === undefined || C < 1) {
    throw new ShapeError(op, arg, "must have rank >= 1 and a last dimension >= 1", fmt(x));
  }
  return { rows: sizeOf(x) / C, C };
}

function checkVector(op: string, arg: string, shape: Shape, C: number, of: string): void {
  if (shape.length !== 1 || shape[0] !== C) {
    throw new ShapeError(op, arg, `must have shape [${C}] (the last dimension of ${of})`, fmt(shape));
  }
}

/** Per-row statistics: shape [rows], or x's leading dimensions. */
function checkRowStats(op: string, arg: string, shape: Shape, x: Shape, rows: number): void {
  if (!sameShape(shape, [rows]) && !sameShape(shape, x.slice(0, -1))) {
    throw new ShapeError(op, arg, `must have shape [${rows}] (one value per row of x ${fmt(x)})`, fmt(shape));
  }
}

/** A one-element tensor ([] or [1]) holding the upstream gradient of a scalar loss. */
function checkScalar(op: string, arg: string, shape: Shape): void {
  if (sizeOf(shape) !== 1)
    throw new ShapeError(op, arg, "must be a one-element tensor ([] or [1])", fmt(shape));
}

export function layerNormDims(x: Shape, gamma: Shape, beta: Shape, eps: number): RowDims {
  const d = rowDims("layerNorm", "x", x);
  checkVector("layerNorm", "gamma", gamma, d.C, "x");
  checkVector("layerNorm", "beta", beta, d.C, "x");
  checkNumber("layerNorm", "eps", eps, true);
  return d;
}

export function layerNormBackwardDims(x: Shape, gamma: Shape, mean: Shape, rstd: Shape, dy: Shape): RowDims {
  const op = "layerNormBackward";
  const d = rowDims(op, "x", x);
  checkVector(op, "gamma", gamma, d.C, "x");
  checkRowStats(op, "mean", mean, x, d.rows);
  checkRowStats(op, "rstd", rstd, x, d.rows);
  if (!sameShape(dy, x)) throw new ShapeError(op, "dy", `must have x's shape ${fmt(x)}`, fmt(dy));
  return d;
}

export interface EmbeddingDims {
  V: number;
  C: number;
  /** Number of ids. */
  n: number;
  /** [...ids.shape, C] */
  out: number[];
}

export function embeddingDims(table: Shape, ids: Shape): EmbeddingDims {
  if (table.length !== 2) throw new ShapeError("embedding", "table", "must have shape [V, C]", fmt(table));
  const [V, C] = table as [number, number];
  return { V, C, n: sizeOf(ids), out: [...ids, C] };
}

export function embeddingBackwardDims(ids: Shape, dy: Shape, vocab: number): EmbeddingDims {
  const op = "embeddingBackward";
  if (!Number.isInteger(vocab) || vocab < 1) {
    throw new ShapeError(op, "vocab", "must be a positive integer", String(vocab));
  }
  const C = dy[dy.length - 1];
  if (C === undefined || !sameShape(dy.slice(0, -1), ids)) {
    throw new ShapeError(
      op,
      "dy",
      `must have shape [${[...ids, "C"].join(", ")}] (ids ${fmt(ids)})`,
      fmt(dy),
    );
  }
  return { V: vocab, C, n: sizeOf(ids), out: [vocab, C] };
}

export interface ClassDims {
  /** Rows (samples) and classes. */
  N: number;
  C: number;
}

function classDims(op: string, arg: string, logits: Shape, targets: Shape): ClassDims {
  if (logits.length !== 2 || logits[0]! < 1 || logits[1]! < 1) {
    throw new ShapeError(op, arg, "must have shape [N, C] with N, C >= 1", fmt(logits));
  }
  const [N, C] = logits as [number, number];
  if (!sameShape(targets, [N])) {
    throw new ShapeError(op, "targets", `must have shape [${N}] (one class per row of ${arg})`, fmt(targets));
  }
  return { N, C };
}

export function crossEntropyDims(logits: Shape, targets: Shape): ClassDims {
  return classDims("crossEntropy", "logits", logits, targets);
}

export function crossEntropyBackwardDims(probs: Shape, targets: Shape, dloss: Shape): ClassDims {
  const d = classDims("crossEntropyBackward", "probs", probs, targets);
  checkScalar("crossEntropyBackward", "dloss", dloss);
  return d;
}

/** Element count of pred (>= 1: the mean of nothing is undefined); target must match pred. */
export function mseDims(op: string, pred: Shape, target: Shape, dloss?: Shape): number {
  const n = sizeOf(pred);
  if (n < 1) throw new ShapeError(op, "pred", "must have at least one element", fmt(pred));
  if (!sameShape(target, pred))
    throw new ShapeError(op, "target", `must have pred's shape ${fmt(pred)}`, fmt(target));
  if (dloss) checkScalar(op, "dloss", dloss);
  return n;
}

/** Every value an integer in [0, limit); throws naming the first bad value and its index. */
export function checkIndices(op: string, arg: string, values: FloatArray, limit: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= limit) {
      throw new ShapeError(op, arg, `must hold integers in [0, ${limit})`, `${v} at index ${i}`);
    }
  }
}

// ---- layer norm ------------------------------------------------------------------------------------------

/**
 * y = (x − mean)·rstd·gamma + beta per row, rstd = 1/sqrt(var + eps) with the biased variance. Two passes
 * (mean, then Σ(x − mean)²): E[x²] − E[x]² cancels catastrophically when |mean| >> std.
 */
export function layerNorm(
  x: CpuTensor,
  gamma: CpuTensor,
  beta: CpuTensor,
  eps: number,
): { y: CpuTensor; mean: CpuTensor; rstd: CpuTensor } {
  const { rows, C } = layerNormDims(x.shape, gamma.shape, beta.shape, eps);
  const X = x.data;
  const G = gamma.data;
  const B = beta.data;
  const y = alloc(X, X.length);
  const mean = alloc(X, rows);
  const rstd = alloc(X, rows);
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    let s = 0;
    for (let j = 0; j < C; j++) s += X[o + j]!;
    const mu = s / C;
    let q = 0;
    for (let j = 0; j < C; j++) q += (X[o + j]! - mu) ** 2;
    const rs = 1 / Math.sqrt(q / C + eps);
    for (let j = 0; j < C; j++) y[o + j] = (X[o + j]! - mu) * rs * G[j]! + B[j]!;
    mean[r] = mu;
    rstd[r] = rs;
  }
  return {
    y: new CpuTensor([...x.shape], y),
    mean: new CpuTensor([rows], mean),
    rstd: new CpuTensor([rows], rstd),
  };
}

/**
 * With xh = (x − mean)·rstd and g = dy·gamma, per row:
 *   dx = rstd·(g − mean(g) − xh·mean(g·xh)),  dgamma = Σ_rows dy·xh,  dbeta = Σ_rows dy.
 * mean and rstd are taken as saved by the forward (f32), exactly as the GPU kernel reads them.
 */
export function layerNormBackward(
  x: CpuTensor,
  gamma: CpuTensor,
  mean: CpuTensor,
  rstd: CpuTensor,
  dy: CpuTensor,
): { dx: CpuTensor; dgamma: CpuTensor; dbeta: CpuTensor } {
  const { rows, C } = layerNormBackwardDims(x.shape, gamma.shape, mean.shape, rstd.shape, dy.shape);
  const X = x.data;
  const G = gamma.data;
  const DY = dy.data;
  const dx = alloc(X, X.length);
  const dg = new Float64Array(C);
  const db = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    const mu = mean.data[r]!;
    const rs = rstd.data[r]!;
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < C; j++) {
      const xh = (X[o + j]! - mu) * rs;
      const g = DY[o + j]! * G[j]!;
      sg += g;
      sgx += g * xh;
      dg[j]! += DY[o + j]! * xh;
      db[j]! += DY[o + j]!;
    }
    for (let j = 0; j < C; j++) {
      const xh = (X[o + j]! - mu) * rs;
      dx[o + j] = rs * (DY[o + j]! * G[j]! - sg / C - (xh * sgx) / C);
    }
  }
  return {
    dx: new CpuTensor([...x.shape], dx),
    dgamma: new CpuTensor([C], allocFrom(X, dg)),
    dbeta: new CpuTensor([C], allocFrom(X, db)),
  };
}

// ---- embedding -------------------------------------------------------------------------------------------

/** out[..., :] = table[ids[...], :]. */
export function embedding(table: CpuTensor, ids: CpuTensor): CpuTensor {
  const { V, C, n, out } = embeddingDims(table.shape, ids.shape);
  checkIndices("embedding", "ids", ids.data, V);
  const T = table.data;
  const y = alloc(T, n * C);
  for (let i = 0; i < n; i++) y.set(T.subarray(ids.data[i]! * C, ids.data[i]! * C + C), i * C);
  return new CpuTensor(out, y);
}

/** dtable[v, :] = Σ dy[i, :] over every i with ids[i] = v (repeated ids add up); rows never used stay 0. */
export function embeddingBackward(ids: CpuTensor, dy: CpuTensor, vocab: number): CpuTensor {
  const { V, C, n, out } = embeddingBackwardDims(ids.shape, dy.shape, vocab);
  checkIndices("embeddingBackward", "ids", ids.data, V);
  const acc = new Float64Array(V * C);
  const DY = dy.data;
  for (let i = 0; i < n; i++) {
    const o = ids.data[i]! * C;
    for (let c = 0; c < C; c++) acc[o + c]! += DY[i * C + c]!;
  }
  return new CpuTensor(out, allocFrom(DY, acc));
}

// ---- losses ----------------------------------------------------------------------------------------------

/**
 * probs = softmax(logits) per row (max subtracted first); loss = mean over rows of (m − x_t) + log Σ exp(x − m),
 * which is −log probs[t] without forming log of a possibly underflowed probability.
 */
export function crossEntropy(logits: CpuTensor, targets: CpuTensor): { loss: CpuTensor; probs: CpuTensor } {
  const { N, C } = crossEntropyDims(logits.shape, targets.shape);
  checkIndices("crossEntropy", "targets", targets.data, C);
  const X = logits.data;
  const probs = alloc(X, N * C);
  let total = 0;
  for (let r = 0; r < N; r++) {
    const o = r * C;
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, X[o + j]!);
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(X[o + j]! - m);
    for (let j = 0; j < C; j++) probs[o + j] = Math.exp(X[o + j]! - m) / s;
    total += m - X[o + targets.data[r]!]! + Math.log(s);
  }
  return { loss: new CpuTensor([], allocFrom(X, [total / N])), probs: new CpuTensor([N, C], probs) };
}

/** dlogits = (probs − onehot(targets))·dloss/N. */
export function crossEntropyBackward(probs: CpuTensor, targets: CpuTensor, dloss: CpuTensor): CpuTensor {
  const { N, C } = crossEntropyBackwardDims(probs.shape, targets.shape, dloss.shape);
  checkIndices("crossEntropyBackward", "targets", targets.data, C);
  const scale = dloss.data[0]! / N;
  const P = probs.data;
  const d = alloc(P, N * C);
  for (let r = 0; r < N; r++) {
    const t = targets.data[r]!;
    for (let j = 0; j < C; j++) d[r * C + j] = (P[r * C + j]! - (j === t ? 1 : 0)) * scale;
  }
  return new CpuTensor([N, C], d);
}

/** mean((pred − target)²) over every element → []. */
export function mse(pred: CpuTensor, target: CpuTensor): CpuTensor {
  const n = mseDims("mse", pred.shape, target.shape);
  let s = 0;
  for (let i = 0; i < n; i++) s += (pred.data[i]! - target.data[i]!) ** 2;
  return new CpuTensor([], allocFrom(pred.data, [s / n]));
}

/** dpred = 2·(pred − target)·dloss/n. */
export function mseBackward(pred: CpuTensor, target: CpuTensor, dloss: CpuTensor): CpuTensor {
  const n = mseDims("mseBackward", pred.shape, target.shape, dloss.shape);
  const scale = (2 * dloss.data[0]!) / n;
  const d = alloc(pred.data, n);
  for (let i = 0; i < n; i++) d[i] = (pred.data[i]! - target.data[i]!) * scale;
  return new CpuTensor([...pred.shape], d);
}

// CPU reference of layer norm: the spec the WGSL kernels are checked against. Every sum is accumulated in
// float64 (JS numbers) and stored with the inputs' precision.

import { alloc, allocFrom, type Host, host } from "../float-array";
import { layerNormBackwardDims, layerNormDims } from "./shape";

export interface LayerNormOut {
  y: Host;
  mean: Host;
  rstd: Host;
}

/**
 * y = (x − mean)·rstd·gamma + beta per row, rstd = 1/sqrt(var + eps) with the biased variance. Two passes
 * (mean, then Σ(x − mean)²): E[x²] − E[x]² cancels catastrophically when |mean| >> std.
 */
export function layerNorm(_k: unknown, x: Host, gamma: Host, beta: Host, eps: number): LayerNormOut {
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
  return { y: host(x.shape, y), mean: host([rows], mean), rstd: host([rows], rstd) };
}

/**
 * With xh = (x − mean)·rstd and g = dy·gamma, per row:
 *   dx = rstd·(g − mean(g) − xh·mean(g·xh)),  dgamma = Σ_rows dy·xh,  dbeta = Σ_rows dy.
 * mean and rstd are taken as saved by the forward (f32), exactly as the GPU kernel reads them.
 */
export function layerNormBackward(
  _k: unknown,
  x: Host,
  gamma: Host,
  mean: Host,
  rstd: Host,
  dy: Host,
): { dx: Host; dgamma: Host; dbeta: Host } {
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
  return { dx: host(x.shape, dx), dgamma: host([C], allocFrom(X, dg)), dbeta: host([C], allocFrom(X, db)) };
}

// The fused mixture layer (src/kernels/mixture): y = Σₑ softmax(x·Wₛ + bₛ)ₑ·(x·Wᵥ + bᵥ)ₑ per row, K models over
// the same rows, and its backward. Scalar loops (F and E are small: the layer has a few experts over a few
// features); the linear maps and every reduction are summed in f64, the softmax is the row kernel's (f32 SIMD
// exp). A bias pointer of 0 means no bias. Experts whose weight is exactly 0 take no part.

import { softmax } from "./rows";

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** bias[k, e] + Σ_f x[n, f]·w[k, f, e] in f64. */
// @ts-ignore: decorator
@inline
function linear(x: usize, w: usize, bias: usize, k: i32, n: i32, e: i32, F: i32, E: i32): f64 {
  let s: f64 = bias ? <f64>at(bias, k * E + e) : 0;
  for (let f = 0; f < F; f++) s += <f64>at(x, n * F + f) * <f64>at(w, (k * F + f) * E + e);
  return s;
}

/** y [K, N] and the weights a [K, N, E] (the scores, then their softmax in place). */
export function mixtureForward(
  x: usize,
  wv: usize,
  ws: usize,
  bv: usize,
  bs: usize,
  y: usize,
  a: usize,
  K: i32,
  N: i32,
  F: i32,
  E: i32,
): void {
  for (let k = 0; k < K; k++)
    for (let n = 0; n < N; n++) {
      const o = (k * N + n) * E;
      for (let e = 0; e < E; e++) store<f32>(a + (<usize>(o + e) << 2), <f32>linear(x, ws, bs, k, n, e, F, E));
    }
  softmax(a, a, E, 0, K * N);
  for (let k = 0; k < K; k++)
    for (let n = 0; n < N; n++) {
      const o = (k * N + n) * E;
      let s: f64 = 0;
      for (let e = 0; e < E; e++) {
        const w = at(a, o + e);
        if (w != 0) s += <f64>w * linear(x, wv, bv, k, n, e, F, E);
      }
      store<f32>(y + (<usize>(k * N + n) << 2), <f32>s);
    }
}

/**
 * The gradients from the weights a and dy: dr = dy·a and ds = a·dy·(r − y) per (k, n, e) into the scratch dr,
 * ds (K·N·E floats each), then dWᵥ, dbᵥ (when dbv is not 0), dWₛ, dbₛ and dx.
 */
export function mixtureBackward(
  x: usize,
  wv: usize,
  ws: usize,
  bv: usize,
  a: usize,
  dy: usize,
  dr: usize,
  ds: usize,
  dx: usize,
  dwv: usize,
  dbv: usize,
  dws: usize,
  dbs: usize,
  K: i32,
  N: i32,
  F: i32,
  E: i32,
): void {
  for (let k = 0; k < K; k++)
    for (let n = 0; n < N; n++) {
      const o = (k * N + n) * E;
      let yv: f64 = 0;
      for (let e = 0; e < E; e++) {
        const w = at(a, o + e);
        // r kept in dr for the second loop.
        const r = w != 0 ? linear(x, wv, bv, k, n, e, F, E) : 0;
        store<f32>(dr + (<usize>(o + e) << 2), <f32>r);
        if (w != 0) yv += <f64>w * r;
      }
      const g = <f64>at(dy, k * N + n);
      for (let e = 0; e < E; e++) {
        const w = <f64>at(a, o + e);
        const p = <usize>(o + e) << 2;
        if (w != 0) {
          store<f32>(ds + p, <f32>(w * g * (<f64>load<f32>(dr + p) - yv)));
          store<f32>(dr + p, <f32>(g * w));
        } else {
          store<f32>(ds + p, 0);
          store<f32>(dr + p, 0);
        }
      }
    }
  reduceParams(x, a, dr, dwv, dbv, K, N, F, E);
  reduceParams(x, a, ds, dws, dbs, K, N, F, E);
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++) {
      let s: f64 = 0;
      for (let k = 0; k < K; k++)
        for (let e = 0; e < E; e++) {
          const o = (k * N + n) * E + e;
          if (at(a, o) == 0) continue;
          const w = (k * F + f) * E + e;
          s += <f64>at(wv, w) * <f64>at(dr, o) + <f64>at(ws, w) * <f64>at(ds, o);
        }
      store<f32>(dx + (<usize>(n * F + f) << 2), <f32>s);
    }
}

/** dw[k, f, e] = Σₙ x[n, f]·dz[k, n, e] and db[k, e] = Σₙ dz[k, n, e] (db 0: none), over rows with a ≠ 0. */
function reduceParams(x: usize, a: usize, dz: usize, dw: usize, db: usize, K: i32, N: i32, F: i32, E: i32): void {
  for (let k = 0; k < K; k++)
    for (let e = 0; e < E; e++) {
      for (let f = 0; f < F; f++) {
        let s: f64 = 0;
        for (let n = 0; n < N; n++) {
          const o = (k * N + n) * E + e;
          if (at(a, o) != 0) s += <f64>at(x, n * F + f) * <f64>at(dz, o);
        }
        store<f32>(dw + (<usize>((k * F + f) * E + e) << 2), <f32>s);
      }
      if (db) {
        let s: f64 = 0;
        for (let n = 0; n < N; n++) {
          const o = (k * N + n) * E + e;
          if (at(a, o) != 0) s += <f64>at(dz, o);
        }
        store<f32>(db + (<usize>(k * E + e) << 2), <f32>s);
      }
    }
}

// The fused mixture layer (src/kernels/mixture): y = Σₑ softmax(x·Wₛ + bₛ)ₑ·(x·Wᵥ + bᵥ)ₑ per row, K models over
// the same rows, and its backward, in f32 SIMD with four rows per vector (one row per lane): F and E are small
// (a few experts over a few features), N is the long axis. A bias pointer of 0 means no bias. Experts whose
// weight is exactly 0 take no part (masked, never multiplied in as 0). `scr` is 16-byte aligned scratch: the
// forward needs 2·E vectors, the backward 2·(F + 1)·E.

import { expv, hsum } from "./simd";

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** Column f of rows n..n+3 of x [N, F] (rows at or past N read as 0). */
// @ts-ignore: decorator
@inline
function column(x: usize, n: i32, f: i32, F: i32, N: i32): v128 {
  let v = f32x4.splat(0);
  if (n < N) v = f32x4.replace_lane(v, 0, at(x, n * F + f));
  if (n + 1 < N) v = f32x4.replace_lane(v, 1, at(x, (n + 1) * F + f));
  if (n + 2 < N) v = f32x4.replace_lane(v, 2, at(x, (n + 2) * F + f));
  if (n + 3 < N) v = f32x4.replace_lane(v, 3, at(x, (n + 3) * F + f));
  return v;
}

/** bias[k, e] + Σ_f x[n.., f]·w[k, f, e] for four rows; the columns of x are at xs (F vectors). */
// @ts-ignore: decorator
@inline
function linear4(xs: usize, w: usize, bias: usize, k: i32, e: i32, F: i32, E: i32): v128 {
  let s = bias ? f32x4.splat(at(bias, k * E + e)) : f32x4.splat(0);
  for (let f = 0; f < F; f++)
    s = f32x4.add(s, f32x4.mul(v128.load(xs + (<usize>f << 4)), f32x4.splat(at(w, (k * F + f) * E + e))));
  return s;
}

/** Lane l of v to p[l·stride] for the lanes of rows before N. */
// @ts-ignore: decorator
@inline
function scatter(p: usize, stride: i32, v: v128, n: i32, N: i32): void {
  const s = <usize>stride << 2;
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n + 1 < N) store<f32>(p + s, f32x4.extract_lane(v, 1));
  if (n + 2 < N) store<f32>(p + 2 * s, f32x4.extract_lane(v, 2));
  if (n + 3 < N) store<f32>(p + 3 * s, f32x4.extract_lane(v, 3));
}

/** x's columns for rows n..n+3 into xs (F vectors). */
// @ts-ignore: decorator
@inline
function loadColumns(x: usize, xs: usize, n: i32, F: i32, N: i32): void {
  for (let f = 0; f < F; f++) v128.store(xs + (<usize>f << 4), column(x, n, f, F, N));
}

/**
 * y [K, N] and the weights a [K, N, E], under softmax's rules per row: −Infinity scores are left out (weight 0),
 * a row with a NaN or +Infinity score is NaN in every weight and in y, a row with none kept is 0.
 * `scr`: 2·E vectors (each expert's exp, then its value), plus F vectors of x's columns.
 */
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
  scr: usize,
): void {
  const ex = scr;
  const rv = scr + (<usize>E << 4);
  const xs = rv + (<usize>E << 4);
  const inf = f32x4.splat(Infinity);
  const negInf = f32x4.splat(-Infinity);
  for (let n = 0; n < N; n += 4) {
    loadColumns(x, xs, n, F, N);
    for (let k = 0; k < K; k++) {
      let m = negInf;
      let bad = i32x4.splat(0);
      for (let e = 0; e < E; e++) {
        const s = linear4(xs, ws, bs, k, e, F, E);
        v128.store(ex + (<usize>e << 4), s);
        bad = v128.or(bad, v128.or(f32x4.ne(s, s), f32x4.eq(s, inf)));
        m = f32x4.pmax(m, s); // pmax keeps m where s is NaN; NaN rows are replaced below
      }
      const none = f32x4.eq(m, negInf); // every score −Infinity: weights 0
      // With m = −Infinity, s − m would be NaN: shift by 0 instead (every exp is then exp(−Infinity) = 0).
      const shift = v128.andnot(m, none);
      let total = f32x4.splat(0);
      for (let e = 0; e < E; e++) {
        const p = ex + (<usize>e << 4);
        const t = expv(f32x4.sub(v128.load(p), shift));
        v128.store(p, t);
        total = f32x4.add(total, t);
      }
      // total >= 1 in a row with a kept score (its maximum gives exp(0) = 1); 0 in a row with none.
      const inv = v128.andnot(f32x4.div(f32x4.splat(1), total), none);
      const nan = v128.and(f32x4.splat(NaN), bad);
      let acc = f32x4.splat(0);
      const row = k * N + n;
      for (let e = 0; e < E; e++) {
        const w = v128.or(f32x4.mul(v128.load(ex + (<usize>e << 4)), inv), nan);
        const keep = f32x4.ne(w, f32x4.splat(0));
        acc = f32x4.add(acc, v128.and(f32x4.mul(w, linear4(xs, wv, bv, k, e, F, E)), keep));
        scatter(a + (<usize>(row * E + e) << 2), E, w, n, N);
      }
      scatter(y + (<usize>row << 2), 1, v128.or(acc, nan), n, N);
    }
  }
}

/**
 * The gradients from the weights a and dy: per row dr = dy·a and ds = a·dy·(r − y) (0 where a = 0), summed into
 * dWᵥ, dbᵥ (when dbv is not 0), dWₛ, dbₛ and dx [N, F] (over the K models). `scr`: 2·(F + 1)·E vectors of lane
 * sums (row F of each for the biases), F vectors of x's columns and 2·E of one block's dr and ds.
 */
export function mixtureBackward(
  x: usize,
  wv: usize,
  ws: usize,
  bv: usize,
  a: usize,
  dy: usize,
  dx: usize,
  dwv: usize,
  dbv: usize,
  dws: usize,
  dbs: usize,
  K: i32,
  N: i32,
  F: i32,
  E: i32,
  scr: usize,
): void {
  const block = <usize>((F + 1) * E) << 4;
  const accV = scr;
  const accS = scr + block;
  const xs = accS + block;
  const drs = xs + (<usize>F << 4);
  const dss = drs + (<usize>E << 4);
  const zero = f32x4.splat(0);
  memory.fill(dx, 0, <usize>(N * F) << 2);
  for (let k = 0; k < K; k++) {
    memory.fill(scr, 0, 2 * block);
    const end = k * N + N;
    for (let n = 0; n < N; n += 4) {
      loadColumns(x, xs, n, F, N);
      const row = k * N + n;
      const g = column(dy, row, 0, 1, end);
      // y = Σ a·r over the kept experts, from the saved weights; r kept in dss for the next loop.
      let yv = zero;
      for (let e = 0; e < E; e++) {
        const w = column(a, row, e, E, end);
        const r = linear4(xs, wv, bv, k, e, F, E);
        v128.store(dss + (<usize>e << 4), r);
        yv = f32x4.add(yv, v128.and(f32x4.mul(w, r), f32x4.ne(w, zero)));
      }
      // Rows past N have w = 0: they add nothing below.
      for (let e = 0; e < E; e++) {
        const w = column(a, row, e, E, end);
        const keep = f32x4.ne(w, zero);
        const pr = drs + (<usize>e << 4);
        const ps = dss + (<usize>e << 4);
        const wg = f32x4.mul(w, g);
        v128.store(ps, v128.and(f32x4.mul(wg, f32x4.sub(v128.load(ps), yv)), keep));
        v128.store(pr, v128.and(wg, keep));
        for (let f = 0; f <= F; f++) {
          // Row F is the bias: x = 1.
          const xf = f < F ? v128.load(xs + (<usize>f << 4)) : f32x4.splat(1);
          const o = <usize>(f * E + e) << 4;
          // Masked again: an infinite x times a weight of 0 adds nothing either.
          v128.store(accV + o, f32x4.add(v128.load(accV + o), v128.and(f32x4.mul(xf, v128.load(pr)), keep)));
          v128.store(accS + o, f32x4.add(v128.load(accS + o), v128.and(f32x4.mul(xf, v128.load(ps)), keep)));
        }
      }
      for (let f = 0; f < F; f++) {
        let d = zero;
        for (let e = 0; e < E; e++) {
          const keep = f32x4.ne(column(a, row, e, E, end), zero);
          const c = f32x4.add(
            f32x4.mul(f32x4.splat(at(wv, (k * F + f) * E + e)), v128.load(drs + (<usize>e << 4))),
            f32x4.mul(f32x4.splat(at(ws, (k * F + f) * E + e)), v128.load(dss + (<usize>e << 4))),
          );
          d = f32x4.add(d, v128.and(c, keep));
        }
        // dx accumulates over the models: add this one's to what is there.
        const p = dx + (<usize>(n * F + f) << 2);
        scatter(p, F, f32x4.add(column(dx, n, f, F, N), d), n, N);
      }
    }
    for (let e = 0; e < E; e++) {
      for (let f = 0; f < F; f++) {
        const o = <usize>(f * E + e) << 4;
        store<f32>(dwv + (<usize>((k * F + f) * E + e) << 2), hsum(v128.load(accV + o)));
        store<f32>(dws + (<usize>((k * F + f) * E + e) << 2), hsum(v128.load(accS + o)));
      }
      const o = <usize>(F * E + e) << 4;
      if (dbv) store<f32>(dbv + (<usize>(k * E + e) << 2), hsum(v128.load(accV + o)));
      if (dbs) store<f32>(dbs + (<usize>(k * E + e) << 2), hsum(v128.load(accS + o)));
    }
  }
}

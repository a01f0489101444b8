// Row-wise kernels in f32 with 128-bit SIMD: softmax and its backward, layer norm forward and backward,
// softmax cross-entropy and mean squared error with their backwards, embedding lookup and its scatter-add.
// Rows are the last axis (cols floats each); rN..rM arguments give a range of rows (the softmax claims chunks of
// rows from a claim block instead, see share.ts).

import { claim, finished } from "./share";
import { expvNeg, hmax, hsum } from "./simd";

/** Σ of n floats from p, in f32 lanes. */
// @ts-ignore: decorator
@inline
function rowSum(p: usize, n: i32): f32 {
  let a = f32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) a = f32x4.add(a, v128.load(p + o));
  let s = hsum(a);
  for (let o = n4; o < (<usize>n << 2); o += 4) s += load<f32>(p + o);
  return s;
}

/** Σ x·y over n floats. */
// @ts-ignore: decorator
@inline
function rowDot(x: usize, y: usize, n: i32): f32 {
  let a = f32x4.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) a = f32x4.add(a, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  let s = hsum(a);
  for (let o = n4; o < (<usize>n << 2); o += 4) s += load<f32>(x + o) * load<f32>(y + o);
  return s;
}

/**
 * The largest of n floats, by pmax (one maxps on x64, where f32x4.max needs its NaN and signed-zero fix-ups): a NaN
 * may be passed over, so a caller whose row may hold one sees it through e^(x − m) instead (see `softmax`).
 */
// @ts-ignore: decorator
@inline
function rowMax(p: usize, n: i32): f32 {
  // Four running maxima, so consecutive loads do not wait on one another's max.
  let a = f32x4.splat(-Infinity);
  let b = a;
  let c = a;
  let d = a;
  const n16 = <usize>(n & ~15) << 2;
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n16; o += 64) {
    a = f32x4.pmax(a, v128.load(p + o));
    b = f32x4.pmax(b, v128.load(p + o + 16));
    c = f32x4.pmax(c, v128.load(p + o + 32));
    d = f32x4.pmax(d, v128.load(p + o + 48));
  }
  for (let o = n16; o < n4; o += 16) a = f32x4.pmax(a, v128.load(p + o));
  let m = hmax(f32x4.max(f32x4.max(a, b), f32x4.max(c, d)));
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    const v = load<f32>(p + o);
    if (v > m) m = v;
  }
  return m;
}

/** Whether any of n floats is NaN. */
function hasNaN(p: usize, n: i32): bool {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const v = v128.load(p + o);
    if (v128.any_true(f32x4.ne(v, v))) return true;
  }
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    const v = load<f32>(p + o);
    if (v != v) return true;
  }
  return false;
}

/** y = e^(x − m) over n floats, returning Σ y. */
// @ts-ignore: decorator
@inline
function expShift(x: usize, y: usize, m: f32, n: i32): f32 {
  const mv = f32x4.splat(m);
  // Four vectors per step: four independent exp chains in flight, four running sums.
  let a = f32x4.splat(0);
  let b = a;
  let c = a;
  let d = a;
  const n16 = <usize>(n & ~15) << 2;
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n16; o += 64) {
    const e0 = expvNeg(f32x4.sub(v128.load(x + o), mv));
    const e1 = expvNeg(f32x4.sub(v128.load(x + o, 16), mv));
    const e2 = expvNeg(f32x4.sub(v128.load(x + o, 32), mv));
    const e3 = expvNeg(f32x4.sub(v128.load(x + o, 48), mv));
    v128.store(y + o, e0);
    v128.store(y + o, e1, 16);
    v128.store(y + o, e2, 32);
    v128.store(y + o, e3, 48);
    a = f32x4.add(a, e0);
    b = f32x4.add(b, e1);
    c = f32x4.add(c, e2);
    d = f32x4.add(d, e3);
  }
  for (let o = n16; o < n4; o += 16) {
    const e = expvNeg(f32x4.sub(v128.load(x + o), mv));
    v128.store(y + o, e);
    a = f32x4.add(a, e);
  }
  let s = hsum(f32x4.add(f32x4.add(a, b), f32x4.add(c, d)));
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    const e = f32x4.extract_lane(expvNeg(f32x4.splat(load<f32>(x + o) - m)), 0);
    store<f32>(y + o, e);
    s += e;
  }
  return s;
}

// @ts-ignore: decorator
@inline
function scaleRow(p: usize, s: f32, n: i32): void {
  const sv = f32x4.splat(s);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(p + o, f32x4.mul(v128.load(p + o), sv));
  for (let o = n4; o < (<usize>n << 2); o += 4) store<f32>(p + o, load<f32>(p + o) * s);
}

/**
 * Softmax of rows 0..total in chunks of `chunk` rows claimed from the claim block at `ctl` for the op `tag`
 * (see share.ts); a row of all −Infinity gives zeros.
 */
export function softmax(x: usize, y: usize, cols: i32, total: i32, chunk: i32, ctl: usize, tag: i32): void {
  const row = <usize>cols << 2;
  for (let i = claim(ctl, tag); i >= 0 && i * chunk < total; i = claim(ctl, tag)) {
    const r0 = i * chunk;
    const r1 = min(total, r0 + chunk);
    for (let r = r0; r < r1; r++) {
      const xr = x + <usize>r * row;
      const yr = y + <usize>r * row;
      const m = rowMax(xr, cols);
      // A row of −Infinity gives zeros; one that also holds a NaN (which rowMax may pass over) goes on to all NaN.
      if (m == -Infinity && !hasNaN(xr, cols)) {
        memory.fill(yr, 0, row);
        continue;
      }
      scaleRow(yr, 1 / expShift(xr, yr, m, cols), cols);
    }
    finished(ctl);
  }
}

/**
 * softmax(scale·x) of rows r0..r1 over each row's kept columns (all of them, or with causalT > 0 the first
 * i + cols + 1 − causalT for query i = r mod causalT), the others 0; lse[r] = log Σ e^(scale·x) over the kept
 * columns, −Infinity when none is finite. −Infinity entries stay −Infinity whatever the sign of scale.
 */
export function softmaxScaled(
  x: usize,
  y: usize,
  lse: usize,
  cols: i32,
  scale: f32,
  causalT: i32,
  r0: i32,
  r1: i32,
): void {
  const row = <usize>cols << 2;
  const sv = f32x4.splat(scale);
  const ninf = f32x4.splat(-Infinity);
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * row;
    const yr = y + <usize>r * row;
    let kept = cols;
    if (causalT > 0) kept = min(cols, max(0, (r % causalT) + cols + 1 - causalT));
    const n4 = <usize>(kept & ~3) << 2;
    const nk = <usize>kept << 2;
    // z = scale·x (−Infinity kept) into y, and its max.
    let mv = ninf;
    for (let o: usize = 0; o < n4; o += 16) {
      const xv = v128.load(xr + o);
      const z = v128.bitselect(ninf, f32x4.mul(xv, sv), f32x4.eq(xv, ninf));
      v128.store(yr + o, z);
      mv = f32x4.max(mv, z);
    }
    let m = hmax(mv);
    for (let o = n4; o < nk; o += 4) {
      const v = load<f32>(xr + o);
      const z: f32 = v == -Infinity ? -Infinity : v * scale;
      store<f32>(yr + o, z);
      m = max(m, z);
    }
    if (m == -Infinity) {
      memory.fill(yr, 0, row);
      store<f32>(lse + (<usize>r << 2), -Infinity);
      continue;
    }
    const s = expShift(yr, yr, m, kept);
    scaleRow(yr, 1 / s, kept);
    if (nk < row) memory.fill(yr + nk, 0, row - nk);
    store<f32>(lse + (<usize>r << 2), m + <f32>Math.log(<f64>s));
  }
}

/**
 * dx = y ⊙ (dy − Σ dy ⊙ y) per row. An entry with y = 0 (masked, −Infinity or underflowed) is left out of the
 * sum and gets dx = 0 whatever dy holds there (selected, never multiplied in: dy may be NaN or Infinity).
 */
export function softmaxBackward(y: usize, dy: usize, dx: usize, cols: i32, r0: i32, r1: i32): void {
  const row = <usize>cols << 2;
  const n4 = <usize>(cols & ~3) << 2;
  const z = f32x4.splat(0);
  for (let r = r0; r < r1; r++) {
    const yr = y + <usize>r * row;
    const gr = dy + <usize>r * row;
    const xr = dx + <usize>r * row;
    let a = z;
    for (let o: usize = 0; o < n4; o += 16) {
      const yv = v128.load(yr + o);
      a = f32x4.add(a, v128.bitselect(f32x4.mul(v128.load(gr + o), yv), z, f32x4.ne(yv, z)));
    }
    let dot = hsum(a);
    for (let o = n4; o < row; o += 4) {
      const yj = load<f32>(yr + o);
      if (yj != 0) dot += load<f32>(gr + o) * yj;
    }
    const dv = f32x4.splat(dot);
    for (let o: usize = 0; o < n4; o += 16) {
      const yv = v128.load(yr + o);
      const d = f32x4.mul(yv, f32x4.sub(v128.load(gr + o), dv));
      v128.store(xr + o, v128.bitselect(d, z, f32x4.ne(yv, z)));
    }
    for (let o = n4; o < row; o += 4) {
      const yj = load<f32>(yr + o);
      store<f32>(xr + o, yj != 0 ? yj * (load<f32>(gr + o) - dot) : 0);
    }
  }
}

/** y = (x − mean)·rstd·gamma + beta per row (two-pass variance); writes mean and rstd per row. */
export function layerNorm(
  x: usize,
  gamma: usize,
  beta: usize,
  y: usize,
  mean: usize,
  rstd: usize,
  C: i32,
  eps: f32,
  r0: i32,
  r1: i32,
): void {
  const row = <usize>C << 2;
  const n4 = <usize>(C & ~3) << 2;
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * row;
    const yr = y + <usize>r * row;
    // Shifted by the row's first value x0 before summing (as shaders/layernorm-forward.wgsl): with x = 1000 +
    // noise, x − x0 is exact and the centred values (x − x0) − dm keep the noise to full precision.
    const x0 = load<f32>(xr);
    const x0v = f32x4.splat(x0);
    let sa = f32x4.splat(0);
    for (let o: usize = 0; o < n4; o += 16) sa = f32x4.add(sa, f32x4.sub(v128.load(xr + o), x0v));
    let sd = hsum(sa);
    for (let o = n4; o < row; o += 4) sd += load<f32>(xr + o) - x0;
    const dm = sd / <f32>C;
    const dmv = f32x4.splat(dm);
    // The centred values are divided by a = max(1, max |d|) before squaring (as the WGSL kernel), so a row of
    // ±1e20, whose squares overflow f32, normalises as in float64: rstd = (1/a)/sqrt(Σ(d/a)²/C + eps/a²).
    // Divided, not multiplied by 1/a: the extra rounding of 1/a puts rstd an ulp off the reference's often
    // enough to matter to the backward, whose dx = rstd·(g − mean(g) − xh·mean(g·xh)) can cancel to 1/100.
    let av = f32x4.splat(1);
    for (let o: usize = 0; o < n4; o += 16) {
      av = f32x4.max(av, f32x4.abs(f32x4.sub(f32x4.sub(v128.load(xr + o), x0v), dmv)));
    }
    let a = hmax(av);
    for (let o = n4; o < row; o += 4) a = max(a, Mathf.abs(load<f32>(xr + o) - x0 - dm));
    const av1 = f32x4.splat(a);
    let qa = f32x4.splat(0);
    for (let o: usize = 0; o < n4; o += 16) {
      const t = f32x4.div(f32x4.sub(f32x4.sub(v128.load(xr + o), x0v), dmv), av1);
      qa = f32x4.add(qa, f32x4.mul(t, t));
    }
    let q = hsum(qa);
    for (let o = n4; o < row; o += 4) {
      const t = (load<f32>(xr + o) - x0 - dm) / a;
      q += t * t;
    }
    const rn: f32 = 1 / Mathf.sqrt(q / <f32>C + eps / (a * a)); // rstd · a
    const rs: f32 = rn / a;
    for (let o: usize = 0; o < n4; o += 16) {
      const t = f32x4.mul(f32x4.div(f32x4.sub(f32x4.sub(v128.load(xr + o), x0v), dmv), av1), f32x4.splat(rn));
      v128.store(yr + o, f32x4.add(f32x4.mul(t, v128.load(gamma + o)), v128.load(beta + o)));
    }
    for (let o = n4; o < row; o += 4) {
      const t = ((load<f32>(xr + o) - x0 - dm) / a) * rn;
      store<f32>(yr + o, t * load<f32>(gamma + o) + load<f32>(beta + o));
    }
    store<f32>(mean + (<usize>r << 2), x0 + dm);
    store<f32>(rstd + (<usize>r << 2), rs);
  }
}

/**
 * dx per row, and dgamma, dbeta summed over rows r0..r1 (written, not added to: the caller zeroes nothing).
 * xh = (x − mean)·rstd, g = dy·gamma: dx = rstd·(g − mean(g) − xh·mean(g·xh)).
 */
export function layerNormBackward(
  x: usize,
  gamma: usize,
  mean: usize,
  rstd: usize,
  dy: usize,
  dx: usize,
  dgamma: usize,
  dbeta: usize,
  C: i32,
  r0: i32,
  r1: i32,
): void {
  const row = <usize>C << 2;
  const n4 = <usize>(C & ~3) << 2;
  memory.fill(dgamma, 0, row);
  memory.fill(dbeta, 0, row);
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * row;
    const gr = dy + <usize>r * row;
    const dr = dx + <usize>r * row;
    const mu = load<f32>(mean + (<usize>r << 2));
    const rs = load<f32>(rstd + (<usize>r << 2));
    const mv = f32x4.splat(mu);
    const rv = f32x4.splat(rs);
    let sg = f32x4.splat(0);
    let sgx = f32x4.splat(0);
    for (let o: usize = 0; o < n4; o += 16) {
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rv);
      const d = v128.load(gr + o);
      const g = f32x4.mul(d, v128.load(gamma + o));
      sg = f32x4.add(sg, g);
      sgx = f32x4.add(sgx, f32x4.mul(g, xh));
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, xh)));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
    }
    let sgs = hsum(sg);
    let sgxs = hsum(sgx);
    for (let o = n4; o < row; o += 4) {
      const xh = (load<f32>(xr + o) - mu) * rs;
      const d = load<f32>(gr + o);
      const g = d * load<f32>(gamma + o);
      sgs += g;
      sgxs += g * xh;
      store<f32>(dgamma + o, load<f32>(dgamma + o) + d * xh);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
    }
    const a = sgs / <f32>C;
    const b = sgxs / <f32>C;
    const av = f32x4.splat(a);
    const bv = f32x4.splat(b);
    for (let o: usize = 0; o < n4; o += 16) {
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rv);
      const g = f32x4.mul(v128.load(gr + o), v128.load(gamma + o));
      v128.store(dr + o, f32x4.mul(rv, f32x4.sub(f32x4.sub(g, av), f32x4.mul(xh, bv))));
    }
    for (let o = n4; o < row; o += 4) {
      const xh = (load<f32>(xr + o) - mu) * rs;
      const g = load<f32>(gr + o) * load<f32>(gamma + o);
      store<f32>(dr + o, rs * (g - a - xh * b));
    }
  }
}

/** Index of the first value of ids[0..n) that is not an integer in [0, limit), or −1. */
export function firstBadIndex(ids: usize, n: i32, limit: i32): i32 {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(ids + (<usize>i << 2));
    if (!(v >= 0) || v >= <f32>limit || Mathf.floor(v) != v) return i;
  }
  return -1;
}

/** True when v is an integer in [0, limit) (the contract's valid id or class target). */
// @ts-ignore: decorator
@inline
function validIndex(v: f32, limit: i32): bool {
  return v >= 0 && v < <f32>limit && Mathf.floor(v) == v;
}

/** out[i, :] = table[ids[i], :]; an id that is not an integer in [0, V) gives a row of zeros. */
export function embedding(table: usize, ids: usize, out: usize, V: i32, C: i32, n: i32): void {
  const row = <usize>C << 2;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(ids + (<usize>i << 2));
    if (validIndex(v, V)) memory.copy(out + <usize>i * row, table + <usize>(<i32>v) * row, row);
    else memory.fill(out + <usize>i * row, 0, row);
  }
}

/** dtable[V, C] = Σ dy[i, :] at ids[i] (in order: deterministic); unused rows are 0, bad ids add nothing. */
export function embeddingBackward(ids: usize, dy: usize, dtable: usize, V: i32, C: i32, n: i32): void {
  const row = <usize>C << 2;
  const n4 = <usize>(C & ~3) << 2;
  memory.fill(dtable, 0, <usize>V * row);
  for (let i = 0; i < n; i++) {
    const v = load<f32>(ids + (<usize>i << 2));
    if (!validIndex(v, V)) continue;
    const dst = dtable + <usize>(<i32>v) * row;
    const src = dy + <usize>i * row;
    for (let o: usize = 0; o < n4; o += 16) {
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (let o = n4; o < row; o += 4) store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * probs = softmax(logits) per row; returns Σ over rows of (m − x_t) + log Σ e^(x − m) (= −log p_t), in f64
 * (the caller divides by N). A target that is not an integer in [0, C) adds 0.
 */
export function crossEntropy(logits: usize, targets: usize, probs: usize, C: i32, r0: i32, r1: i32): f64 {
  const row = <usize>C << 2;
  let total: f64 = 0;
  for (let r = r0; r < r1; r++) {
    const xr = logits + <usize>r * row;
    const pr = probs + <usize>r * row;
    const m = rowMax(xr, C);
    const s = expShift(xr, pr, m, C);
    scaleRow(pr, 1 / s, C);
    const v = load<f32>(targets + (<usize>r << 2));
    if (!validIndex(v, C)) continue;
    total += <f64>(m - load<f32>(xr + (<usize>(<i32>v) << 2))) + Math.log(<f64>s);
  }
  return total;
}

/** dlogits = (probs − onehot(targets))·scale, scale = dloss / N; a bad target has no one-hot. */
export function crossEntropyBackward(
  probs: usize,
  targets: usize,
  dlogits: usize,
  C: i32,
  scale: f32,
  r0: i32,
  r1: i32,
): void {
  const row = <usize>C << 2;
  for (let r = r0; r < r1; r++) {
    const pr = probs + <usize>r * row;
    const dr = dlogits + <usize>r * row;
    memory.copy(dr, pr, row);
    const v = load<f32>(targets + (<usize>r << 2));
    if (validIndex(v, C)) {
      const t = <usize>(<i32>v) << 2;
      store<f32>(dr + t, load<f32>(dr + t) - 1);
    }
    scaleRow(dr, scale, C);
  }
}

/** Σ (pred − target)² over n floats, accumulated in f64 lanes. */
export function sumSquaredError(pred: usize, target: usize, n: i32): f64 {
  let a = f64x2.splat(0);
  let b = f64x2.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const d = f32x4.sub(v128.load(pred + o), v128.load(target + o));
    const lo = f64x2.promote_low_f32x4(d);
    const hi = f64x2.promote_low_f32x4(f32x4.shuffle(d, d, 2, 3, 0, 1));
    a = f64x2.add(a, f64x2.mul(lo, lo));
    b = f64x2.add(b, f64x2.mul(hi, hi));
  }
  const t = f64x2.add(a, b);
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    const d = <f64>load<f32>(pred + o) - <f64>load<f32>(target + o);
    s += d * d;
  }
  return s;
}

/** dpred = (pred − target)·scale, scale = 2·dloss / n. */
export function mseBackward(pred: usize, target: usize, dpred: usize, n: i32, scale: f32): void {
  const sv = f32x4.splat(scale);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    v128.store(dpred + o, f32x4.mul(f32x4.sub(v128.load(pred + o), v128.load(target + o)), sv));
  }
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    store<f32>(dpred + o, (load<f32>(pred + o) - load<f32>(target + o)) * scale);
  }
}

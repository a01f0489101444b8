// Fused scaled dot-product attention, forward and backward, in f32 with 128-bit SIMD. Never forms the T×S
// score matrix: the forward streams keys in blocks of KB with an online softmax (running max m, running sum l,
// running output acc, rescaled when the max grows); the backward recomputes the weights from the saved lse.
//
// Layout: q, out, dq, dout [BH, T, d]; k, v, dk, dv [BH, S, d]; lse, delta [BH, T]. With `causal`, query i
// sees keys j <= i + (S − T); a row that sees no key (or only −Infinity scores) gets out = 0 and
// lse = −Infinity. A key a row does not see is never read by that row in the forward and dq passes. A weight
// that is exactly 0 (a key hidden by the mask, a −Infinity score, an underflow) adds nothing whatever q, k, v
// and dout hold: four keys at a time go through the vector path only when all four weights are nonzero, else
// lane by lane with the zero ones left out (never multiplied in as 0: the row behind may hold NaN or Infinity).
// A row whose lse is NaN or +Infinity has NaN weights in the backward, as in the reference.
//
// Every function takes a range of rows (query rows r0..r1 of BH·T, or key rows of BH·S) so a pool can split
// the work; scratch is a per-thread area of attentionScratchFloats(d) floats.

import { exp1, expv, hmax, hsum4 } from "./simd";

const KB: i32 = 64;

export function attentionScratchFloats(d: i32): i32 {
  return KB + ((d + 3) & ~3) + 4;
}

/** Keys query row i sees. */
// @ts-ignore: decorator
@inline
function visible(i: i32, T: i32, S: i32, causal: bool): i32 {
  if (!causal) return S;
  return max(0, min(S, i + S - T + 1));
}

/** The 4 dot products of x with rows y0 .. y0+3·rowBytes (d floats each). */
// @ts-ignore: decorator
@inline
function dot4(x: usize, y0: usize, rowBytes: usize, d: i32): v128 {
  const y1 = y0 + rowBytes;
  const y2 = y1 + rowBytes;
  const y3 = y2 + rowBytes;
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  const d4 = <usize>(d & ~3) << 2;
  for (let o: usize = 0; o < d4; o += 16) {
    const xv = v128.load(x + o);
    a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(y0 + o)));
    a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(y1 + o)));
    a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(y2 + o)));
    a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(y3 + o)));
  }
  let r = hsum4(a0, a1, a2, a3);
  for (let o = d4; o < (<usize>d << 2); o += 4) {
    const xs = load<f32>(x + o);
    const t = f32x4.replace_lane(
      f32x4.replace_lane(
        f32x4.replace_lane(f32x4.splat(xs * load<f32>(y0 + o)), 1, xs * load<f32>(y1 + o)),
        2,
        xs * load<f32>(y2 + o),
      ),
      3,
      xs * load<f32>(y3 + o),
    );
    r = f32x4.add(r, t);
  }
  return r;
}

// @ts-ignore: decorator
@inline
function dot1(x: usize, y: usize, d: i32): f32 {
  let a = f32x4.splat(0);
  const d4 = <usize>(d & ~3) << 2;
  for (let o: usize = 0; o < d4; o += 16) a = f32x4.add(a, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  let s = hsum4(a, a, a, a);
  let r = f32x4.extract_lane(s, 0);
  for (let o = d4; o < (<usize>d << 2); o += 4) r += load<f32>(x + o) * load<f32>(y + o);
  return r;
}

/** How axpy4 pairs one row x with 4 rows y_t (weights p[t]): INTO_ONE x += Σₜ p[t]·y_t, INTO_FOUR y_t += p[t]·x. */
const INTO_ONE: bool = true;
const INTO_FOUR: bool = false;

/**
 * One row x (d floats) and 4 rows y_t = y0 + t·rowBytes with weights p[t], added as `into` says. `into` is a
 * constant at every call, so the inlined copy keeps one of the two loop bodies. The sums run in the same order
 * either way: x + p0·y0 + p1·y1 + p2·y2 + p3·y3, and y_t + p[t]·x.
 */
// @ts-ignore: decorator
@inline
function axpy4(into: bool, x: usize, p: v128, y0: usize, rowBytes: usize, d: i32): void {
  const y1 = y0 + rowBytes;
  const y2 = y1 + rowBytes;
  const y3 = y2 + rowBytes;
  const p0 = f32x4.shuffle(p, p, 0, 0, 0, 0);
  const p1 = f32x4.shuffle(p, p, 1, 1, 1, 1);
  const p2 = f32x4.shuffle(p, p, 2, 2, 2, 2);
  const p3 = f32x4.shuffle(p, p, 3, 3, 3, 3);
  const d4 = <usize>(d & ~3) << 2;
  for (let o: usize = 0; o < d4; o += 16) {
    const xv = v128.load(x + o);
    if (into == INTO_ONE) {
      let a = f32x4.add(xv, f32x4.mul(p0, v128.load(y0 + o)));
      a = f32x4.add(a, f32x4.mul(p1, v128.load(y1 + o)));
      a = f32x4.add(a, f32x4.mul(p2, v128.load(y2 + o)));
      a = f32x4.add(a, f32x4.mul(p3, v128.load(y3 + o)));
      v128.store(x + o, a);
    } else {
      v128.store(y0 + o, f32x4.add(v128.load(y0 + o), f32x4.mul(p0, xv)));
      v128.store(y1 + o, f32x4.add(v128.load(y1 + o), f32x4.mul(p1, xv)));
      v128.store(y2 + o, f32x4.add(v128.load(y2 + o), f32x4.mul(p2, xv)));
      v128.store(y3 + o, f32x4.add(v128.load(y3 + o), f32x4.mul(p3, xv)));
    }
  }
  const s0 = f32x4.extract_lane(p, 0);
  const s1 = f32x4.extract_lane(p, 1);
  const s2 = f32x4.extract_lane(p, 2);
  const s3 = f32x4.extract_lane(p, 3);
  for (let o = d4; o < (<usize>d << 2); o += 4) {
    const xs = load<f32>(x + o);
    if (into == INTO_ONE) {
      store<f32>(
        x + o,
        xs + s0 * load<f32>(y0 + o) + s1 * load<f32>(y1 + o) + s2 * load<f32>(y2 + o) + s3 * load<f32>(y3 + o),
      );
    } else {
      store<f32>(y0 + o, load<f32>(y0 + o) + s0 * xs);
      store<f32>(y1 + o, load<f32>(y1 + o) + s1 * xs);
      store<f32>(y2 + o, load<f32>(y2 + o) + s2 * xs);
      store<f32>(y3 + o, load<f32>(y3 + o) + s3 * xs);
    }
  }
}

/** acc += s·y. */
// @ts-ignore: decorator
@inline
function axpy1(acc: usize, s: f32, y: usize, d: i32): void {
  const sv = f32x4.splat(s);
  const d4 = <usize>(d & ~3) << 2;
  for (let o: usize = 0; o < d4; o += 16) {
    v128.store(acc + o, f32x4.add(v128.load(acc + o), f32x4.mul(sv, v128.load(y + o))));
  }
  for (let o = d4; o < (<usize>d << 2); o += 4) store<f32>(acc + o, load<f32>(acc + o) + s * load<f32>(y + o));
}

/** x += s·y (INTO_ONE) or y += s·x (INTO_FOUR): one lane of axpy4. */
// @ts-ignore: decorator
@inline
function axpyLane(into: bool, x: usize, s: f32, y: usize, d: i32): void {
  if (into == INTO_ONE) axpy1(x, s, y, d);
  else axpy1(y, s, x, d);
}

/** axpy4 over the lanes t whose bit is set in `keep` (a 4-bit lane mask; 15 = all four). */
// @ts-ignore: decorator
@inline
function axpy4Keep(into: bool, x: usize, p: v128, keep: i32, y0: usize, rowBytes: usize, d: i32): void {
  if (keep == 15) {
    axpy4(into, x, p, y0, rowBytes, d);
    return;
  }
  if (keep & 1) axpyLane(into, x, f32x4.extract_lane(p, 0), y0, d);
  if (keep & 2) axpyLane(into, x, f32x4.extract_lane(p, 1), y0 + rowBytes, d);
  if (keep & 4) axpyLane(into, x, f32x4.extract_lane(p, 2), y0 + 2 * rowBytes, d);
  if (keep & 8) axpyLane(into, x, f32x4.extract_lane(p, 3), y0 + 3 * rowBytes, d);
}

/** The lanes of p that are not exactly 0 (NaN counts as nonzero), as a 4-bit mask. */
// @ts-ignore: decorator
@inline
function nonzero(p: v128): i32 {
  return i32x4.bitmask(f32x4.ne(p, f32x4.splat(0)));
}

/** dst = s·src (dst may be src). */
// @ts-ignore: decorator
@inline
function scaleTo(dst: usize, src: usize, s: f32, d: i32): void {
  const sv = f32x4.splat(s);
  const d4 = <usize>(d & ~3) << 2;
  for (let o: usize = 0; o < d4; o += 16) v128.store(dst + o, f32x4.mul(sv, v128.load(src + o)));
  for (let o = d4; o < (<usize>d << 2); o += 4) store<f32>(dst + o, s * load<f32>(src + o));
}

// @ts-ignore: decorator
@inline
function zero(dst: usize, d: i32): void {
  memory.fill(dst, 0, <usize>d << 2);
}

/** Forward over query rows r0..r1 of BH·T: out and lse (natural log). */
export function attentionForward(
  q: usize,
  k: usize,
  v: usize,
  out: usize,
  lse: usize,
  scratch: usize,
  T: i32,
  S: i32,
  d: i32,
  scale: f32,
  causal: bool,
  r0: i32,
  r1: i32,
): void {
  const row = <usize>d << 2;
  const sc = scratch;
  const acc = scratch + (<usize>KB << 2);
  const sv = f32x4.splat(scale);
  for (let r = r0; r < r1; r++) {
    const bh = r / T;
    const i = r - bh * T;
    const qi = q + <usize>r * row;
    const oi = out + <usize>r * row;
    const kb = k + <usize>bh * <usize>S * row;
    const vb = v + <usize>bh * <usize>S * row;
    const n = visible(i, T, S, causal);
    if (n == 0) {
      zero(oi, d);
      store<f32>(lse + (<usize>r << 2), -Infinity);
      continue;
    }
    zero(acc, d);
    let m: f32 = -Infinity;
    let l: f32 = 0;
    for (let j0 = 0; j0 < n; j0 += KB) {
      const jn = min(KB, n - j0);
      const kj = kb + <usize>j0 * row;
      const vj = vb + <usize>j0 * row;
      // Scores of this block, and their max.
      let bmv = f32x4.splat(-Infinity);
      let bm: f32 = -Infinity;
      let j = 0;
      for (; j + 4 <= jn; j += 4) {
        const s = f32x4.mul(sv, dot4(qi, kj + <usize>j * row, row, d));
        v128.store(sc + (<usize>j << 2), s);
        bmv = f32x4.max(bmv, s);
      }
      for (; j < jn; j++) {
        const s = scale * dot1(qi, kj + <usize>j * row, d);
        store<f32>(sc + (<usize>j << 2), s);
        bm = max(bm, s);
      }
      bm = max(bm, hmax(bmv));
      const mNew = max(m, bm);
      if (!(mNew <= m)) {
        // The max grew (or is NaN: a visible NaN score, which makes everything NaN from here on). Rescale what
        // was accumulated under the old max; a factor of 0 (nothing yet when m = −Infinity, or an underflow)
        // clears it rather than multiplying: acc may hold Infinity from a value row.
        const corr = exp1(m - mNew);
        l *= corr;
        if (corr == 0) zero(acc, d);
        else scaleTo(acc, acc, corr, d);
        m = mNew;
      }
      // Every score so far −Infinity: all weights 0 (e^(−∞ − (−∞)) would be NaN).
      if (m == -Infinity) continue;
      // Weights p = e^(s − m), their sum, and acc += Σ p·v.
      const mv = f32x4.splat(m);
      let lv = f32x4.splat(0);
      j = 0;
      for (; j + 4 <= jn; j += 4) {
        const p = expv(f32x4.sub(v128.load(sc + (<usize>j << 2)), mv));
        lv = f32x4.add(lv, p);
        axpy4Keep(INTO_ONE, acc, p, nonzero(p), vj + <usize>j * row, row, d);
      }
      for (; j < jn; j++) {
        const p = exp1(load<f32>(sc + (<usize>j << 2)) - m);
        l += p;
        if (p != 0) axpy1(acc, p, vj + <usize>j * row, d);
      }
      l += f32x4.extract_lane(hsum4(lv, lv, lv, lv), 0);
    }
    if (m == -Infinity) {
      zero(oi, d);
      store<f32>(lse + (<usize>r << 2), -Infinity);
      continue;
    }
    scaleTo(oi, acc, 1 / l, d);
    store<f32>(lse + (<usize>r << 2), m + Mathf.log(l));
  }
}

/** delta[r] = Σ_c dout[r, c]·out[r, c] for rows r0..r1 of BH·T (the softmax backward's row term). */
export function attentionDelta(out: usize, dout: usize, delta: usize, d: i32, r0: i32, r1: i32): void {
  const row = <usize>d << 2;
  for (let r = r0; r < r1; r++) {
    store<f32>(delta + (<usize>r << 2), dot1(dout + <usize>r * row, out + <usize>r * row, d));
  }
}

/** dq over query rows r0..r1 of BH·T. */
export function attentionBackwardDq(
  q: usize,
  k: usize,
  v: usize,
  lse: usize,
  dout: usize,
  delta: usize,
  dq: usize,
  scratch: usize,
  T: i32,
  S: i32,
  d: i32,
  scale: f32,
  causal: bool,
  r0: i32,
  r1: i32,
): void {
  const row = <usize>d << 2;
  const acc = scratch;
  const sv = f32x4.splat(scale);
  for (let r = r0; r < r1; r++) {
    const bh = r / T;
    const i = r - bh * T;
    const qi = q + <usize>r * row;
    const doi = dout + <usize>r * row;
    const kb = k + <usize>bh * <usize>S * row;
    const vb = v + <usize>bh * <usize>S * row;
    const n = visible(i, T, S, causal);
    const L0 = load<f32>(lse + (<usize>r << 2));
    zero(acc, d);
    // Only a row that sees no key (lse −Infinity) is skipped: a NaN or +Infinity lse (a visible NaN key)
    // gives NaN weights, as in the reference.
    if (n > 0 && L0 != -Infinity) {
      const L: f32 = L0 == Infinity ? NaN : L0;
      const D = load<f32>(delta + (<usize>r << 2));
      const Lv = f32x4.splat(L);
      const Dv = f32x4.splat(D);
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const kj = kb + <usize>j * row;
        const p = expv(f32x4.sub(f32x4.mul(sv, dot4(qi, kj, row, d)), Lv));
        const dp = dot4(doi, vb + <usize>j * row, row, d);
        axpy4Keep(INTO_ONE, acc, f32x4.mul(p, f32x4.sub(dp, Dv)), nonzero(p), kj, row, d);
      }
      for (; j < n; j++) {
        const kj = kb + <usize>j * row;
        const p = exp1(scale * dot1(qi, kj, d) - L);
        if (p == 0) continue;
        const dp = dot1(doi, vb + <usize>j * row, d);
        axpy1(acc, p * (dp - D), kj, d);
      }
    }
    scaleTo(dq + <usize>r * row, acc, scale, d);
  }
}

/** dk and dv over key rows c0..c1 of BH·S (each key row sums over the query rows that see it). */
export function attentionBackwardDkv(
  q: usize,
  k: usize,
  v: usize,
  lse: usize,
  dout: usize,
  delta: usize,
  dk: usize,
  dv: usize,
  T: i32,
  S: i32,
  d: i32,
  scale: f32,
  causal: bool,
  c0: i32,
  c1: i32,
): void {
  const row = <usize>d << 2;
  const sv = f32x4.splat(scale);
  let c = c0;
  while (c < c1) {
    const bh = c / S;
    const jEnd = min(S, c - bh * S + (c1 - c));
    const qb = q + <usize>bh * <usize>T * row;
    const ob = dout + <usize>bh * <usize>T * row;
    const lb = lse + (<usize>bh * <usize>T << 2);
    const db = delta + (<usize>bh * <usize>T << 2);
    let j = c - bh * S;
    const jStart = j;
    const kvOff = <usize>bh * <usize>S * row;
    for (; j < jEnd; ) {
      const four = j + 4 <= jEnd;
      const kj = k + kvOff + <usize>j * row;
      const vj = v + kvOff + <usize>j * row;
      const dkj = dk + kvOff + <usize>j * row;
      const dvj = dv + kvOff + <usize>j * row;
      const cnt = four ? 4 : 1;
      zero(dkj, d * cnt);
      zero(dvj, d * cnt);
      const i0 = causal ? max(0, j - (S - T)) : 0;
      const lanes = i32x4(j, j + 1, j + 2, j + 3);
      for (let i = i0; i < T; i++) {
        const L0 = load<f32>(lb + (<usize>i << 2));
        if (L0 == -Infinity) continue;
        const L: f32 = L0 == Infinity ? NaN : L0;
        const qi = qb + <usize>i * row;
        const doi = ob + <usize>i * row;
        const D = load<f32>(db + (<usize>i << 2));
        if (four) {
          const p = expv(f32x4.sub(f32x4.mul(sv, dot4(qi, kj, row, d)), f32x4.splat(L)));
          const dp = dot4(doi, vj, row, d);
          const ds = f32x4.mul(p, f32x4.sub(dp, f32x4.splat(D)));
          let keep = nonzero(p);
          // Lane t is key j + t: seen by row i when j + t < visible(i) (an unseen lane's p may be NaN).
          if (causal) keep &= i32x4.bitmask(i32x4.lt_s(lanes, i32x4.splat(visible(i, T, S, causal))));
          axpy4Keep(INTO_FOUR, doi, p, keep, dvj, row, d);
          axpy4Keep(INTO_FOUR, qi, ds, keep, dkj, row, d);
        } else {
          const p = exp1(scale * dot1(qi, kj, d) - L);
          if (p == 0) continue;
          const dp = dot1(doi, vj, d);
          axpy1(dvj, p, doi, d);
          axpy1(dkj, p * (dp - D), qi, d);
        }
      }
      scaleTo(dkj, dkj, scale, d * cnt);
      j += cnt;
    }
    c += jEnd - jStart;
  }
}

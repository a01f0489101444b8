// Elementwise kernels: unary ops and their backward, binary ops with suffix broadcasting, affine, the sum over
// one axis (x viewed as [outer, len, inner]), a rank-4 permute, and the sum of squares. sigmoid, tanh, exp and
// gelu, and gelu's backward, run in f32 SIMD as the WGSL kernels compute them (shaders/elementwise-unary*.wgsl),
// within the op cases' stated bounds; the backward of sigmoid, tanh and exp (a product from y, nothing
// transcendental) in f64 per element, rounded once; the rest in f32 SIMD.

import { expvFull, expvNeg } from "./simd";

/** Unary op codes (in step with UNARY in src/wasm/ops.ts). */
const RELU = 0;
const SIGMOID = 1;
const TANH = 2;
const EXP = 3;
const NEG = 4;
const GELU = 5;

/** 2·sqrt(2/π) and the cubic's coefficient, in f32 as the shaders have them. */
const GELU_2A: f32 = 1.5957691216057308;
const GELU_B: f32 = 0.044715;
/** gelu′ is 1 (x > 0) or 0 (x < 0) in f32 once |x| > 10; clamping keeps x² finite (no 0·inf). */
const GELU_CLAMP: f32 = 15.0;
/** The shader's tanh clamp: tanh is ±1 in f32 once |x| > 9.02, and e^−2|x| stays far from underflow. */
const TANH_CLAMP: f32 = 15.0;

/** σ(v) per lane: e = e^−|v|, then 1/(1 + e) for v >= 0 and e/(1 + e) below (no cancellation either side). */
// @ts-ignore: decorator
@inline
function sigmoidv(v: v128): v128 {
  const e = expvNeg(f32x4.neg(f32x4.abs(v)));
  const d = f32x4.add(f32x4.splat(1), e);
  return v128.bitselect(f32x4.div(f32x4.splat(1), d), f32x4.div(e, d), f32x4.ge(v, f32x4.splat(0)));
}

/**
 * tanh(v) per lane as the shader's tanh(clamp(v, ±15)) from exponentials: e = e^−2|v| (|v| clamped, NaN kept),
 * tanh|v| = (1 − e)/(1 + e), and v's sign put back (tanh(−0) = −0, ±Infinity → ±1). 1 − e is exact for e >= ½,
 * so near 0 the error is e's own, a few ULP of 1 absolute (the op cases' bound there); away from 0 it is relative.
 */
// @ts-ignore: decorator
@inline
function tanhv(v: v128): v128 {
  const a = f32x4.pmin(f32x4.abs(v), f32x4.splat(TANH_CLAMP));
  const e = expvNeg(f32x4.mul(f32x4.splat(-2), a));
  const one = f32x4.splat(1);
  const t = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
  return v128.bitselect(v, t, i32x4.splat(0x80000000));
}

/** gelu(v) = v·σ(2u), u = √(2/π)(v + 0.044715v³); x³ may overflow to ±inf, where σ is 1 or 0. */
// @ts-ignore: decorator
@inline
function geluv(v: v128): v128 {
  const v3 = f32x4.mul(f32x4.mul(v, v), v);
  const t = f32x4.mul(f32x4.splat(GELU_2A), f32x4.add(v, f32x4.mul(f32x4.splat(GELU_B), v3)));
  return f32x4.mul(v, sigmoidv(t));
}

/** gelu′(v) = s + v·s(1 − s)·2u′ with s = σ(2u), u′ = √(2/π)(1 + 3·0.044715v²), v clamped to ±15. */
// @ts-ignore: decorator
@inline
function geluGradv(x: v128): v128 {
  const c = f32x4.pmax(f32x4.splat(-GELU_CLAMP), f32x4.pmin(f32x4.splat(GELU_CLAMP), x));
  const c2 = f32x4.mul(c, c);
  const t = f32x4.mul(f32x4.splat(GELU_2A), f32x4.add(c, f32x4.mul(f32x4.mul(f32x4.splat(GELU_B), c2), c)));
  const s = sigmoidv(t);
  const du = f32x4.mul(f32x4.splat(GELU_2A), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(3 * GELU_B), c2)));
  const one = f32x4.splat(1);
  return f32x4.add(s, f32x4.mul(f32x4.mul(f32x4.mul(c, s), f32x4.sub(one, s)), du));
}

/**
 * f(x) over n floats at x into y: vectors, then the tail lane by lane through the same vector code. One function
 * per op: inlined with op as an argument, the optimiser folded the four copies back into one loop that tested op
 * on every vector (GELU 35% slower).
 */
function mapGelu(x: usize, y: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, geluv(v128.load(x + o)));
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    store<f32>(y + o, f32x4.extract_lane(geluv(f32x4.splat(load<f32>(x + o))), 0));
  }
}

function mapSigmoid(x: usize, y: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, sigmoidv(v128.load(x + o)));
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    store<f32>(y + o, f32x4.extract_lane(sigmoidv(f32x4.splat(load<f32>(x + o))), 0));
  }
}

function mapTanh(x: usize, y: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, tanhv(v128.load(x + o)));
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    store<f32>(y + o, f32x4.extract_lane(tanhv(f32x4.splat(load<f32>(x + o))), 0));
  }
}

function mapExp(x: usize, y: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, expvFull(v128.load(x + o)));
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    store<f32>(y + o, f32x4.extract_lane(expvFull(f32x4.splat(load<f32>(x + o))), 0));
  }
}

export function unary(op: i32, x: usize, y: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  const end = <usize>n << 2;
  if (op == RELU) {
    // x > 0 ? x : 0 (NaN gives 0).
    const z = f32x4.splat(0);
    for (let o: usize = 0; o < n4; o += 16) {
      const v = v128.load(x + o);
      v128.store(y + o, v128.bitselect(v, z, f32x4.gt(v, z)));
    }
    for (let o = n4; o < end; o += 4) {
      const v = load<f32>(x + o);
      store<f32>(y + o, v > 0 ? v : 0);
    }
  } else if (op == NEG) {
    for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, f32x4.neg(v128.load(x + o)));
    for (let o = n4; o < end; o += 4) store<f32>(y + o, -load<f32>(x + o));
  } else if (op == GELU) {
    mapGelu(x, y, n);
  } else if (op == SIGMOID) {
    mapSigmoid(x, y, n);
  } else if (op == TANH) {
    mapTanh(x, y, n);
  } else {
    mapExp(x, y, n);
  }
}

/** dx from x (relu, gelu), y = op(x) (sigmoid, tanh, exp) or neither (neg), and dy. */
export function unaryBackward(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  const n4 = <usize>(n & ~3) << 2;
  const end = <usize>n << 2;
  if (op == RELU) {
    const z = f32x4.splat(0);
    for (let o: usize = 0; o < n4; o += 16) {
      const m = f32x4.gt(v128.load(x + o), z);
      v128.store(dx + o, v128.bitselect(v128.load(dy + o), z, m));
    }
    for (let o = n4; o < end; o += 4) store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  } else if (op == NEG) {
    for (let o: usize = 0; o < n4; o += 16) v128.store(dx + o, f32x4.neg(v128.load(dy + o)));
    for (let o = n4; o < end; o += 4) store<f32>(dx + o, -load<f32>(dy + o));
  } else if (op == GELU) {
    for (let o: usize = 0; o < n4; o += 16) {
      v128.store(dx + o, f32x4.mul(v128.load(dy + o), geluGradv(v128.load(x + o))));
    }
    for (let o = n4; o < end; o += 4) {
      const g = f32x4.extract_lane(geluGradv(f32x4.splat(load<f32>(x + o))), 0);
      store<f32>(dx + o, load<f32>(dy + o) * g);
    }
  } else {
    for (let o: usize = 0; o < end; o += 4) {
      const yv = <f64>load<f32>(y + o);
      const g = <f64>load<f32>(dy + o);
      const d = op == SIGMOID ? g * yv * (1 - yv) : op == TANH ? g * (1 - yv * yv) : g * yv;
      store<f32>(dx + o, <f32>d);
    }
  }
}

/** Binary op codes (in step with BINARY in src/wasm/ops.ts). */
const ADD = 0;
const SUB = 1;

// @ts-ignore: decorator
@inline
function vop(op: i32, a: v128, b: v128): v128 {
  return op == ADD ? f32x4.add(a, b) : op == SUB ? f32x4.sub(a, b) : f32x4.mul(a, b);
}

// @ts-ignore: decorator
@inline
function sop(op: i32, a: f32, b: f32): f32 {
  return op == ADD ? a + b : op == SUB ? a - b : a * b;
}

/** out[i] = a[i] op b[i mod period], n a multiple of period. */
export function binary(op: i32, a: usize, b: usize, out: usize, n: i32, period: i32): void {
  if (period == 1) {
    const s = load<f32>(b);
    const sv = f32x4.splat(s);
    const n4 = <usize>(n & ~3) << 2;
    for (let o: usize = 0; o < n4; o += 16) v128.store(out + o, vop(op, v128.load(a + o), sv));
    for (let o = n4; o < (<usize>n << 2); o += 4) store<f32>(out + o, sop(op, load<f32>(a + o), s));
    return;
  }
  const row = <usize>period << 2;
  const p4 = <usize>(period & ~3) << 2;
  for (let base: usize = 0; base < (<usize>n << 2); base += row) {
    const ar = a + base;
    const or = out + base;
    for (let o: usize = 0; o < p4; o += 16) {
      v128.store(or + o, vop(op, v128.load(ar + o), v128.load(b + o)));
    }
    for (let o = p4; o < row; o += 4) store<f32>(or + o, sop(op, load<f32>(ar + o), load<f32>(b + o)));
  }
}

/** y = alpha·x + beta. */
export function affine(x: usize, y: usize, n: i32, alpha: f32, beta: f32): void {
  const av = f32x4.splat(alpha);
  const bv = f32x4.splat(beta);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) v128.store(y + o, f32x4.add(f32x4.mul(av, v128.load(x + o)), bv));
  for (let o = n4; o < (<usize>n << 2); o += 4) store<f32>(y + o, alpha * load<f32>(x + o) + beta);
}

/** out[o, i] = Σ_k x[o, k, i]: x viewed as [outer, len, inner]. */
export function sumAxis(x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  const row = <usize>inner << 2;
  const i4 = <usize>(inner & ~3) << 2;
  for (let o = 0; o < outer; o++) {
    const dst = out + <usize>o * row;
    const src = x + <usize>o * <usize>len * row;
    if (inner == 1) {
      let a = f32x4.splat(0);
      const l4 = <usize>(len & ~3) << 2;
      for (let p: usize = 0; p < l4; p += 16) a = f32x4.add(a, v128.load(src + p));
      let s =
        f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
      for (let p = l4; p < (<usize>len << 2); p += 4) s += load<f32>(src + p);
      store<f32>(dst, s);
      continue;
    }
    memory.fill(dst, 0, row);
    for (let k = 0; k < len; k++) {
      const sr = src + <usize>k * row;
      for (let p: usize = 0; p < i4; p += 16) v128.store(dst + p, f32x4.add(v128.load(dst + p), v128.load(sr + p)));
      for (let p = i4; p < row; p += 4) store<f32>(dst + p, load<f32>(dst + p) + load<f32>(sr + p));
    }
  }
}

/** Rank-4 permute: output sizes d0..d3, and for each output axis the input stride (in floats) it walks. */
export function permute4(
  x: usize,
  y: usize,
  d0: i32,
  d1: i32,
  d2: i32,
  d3: i32,
  s0: i32,
  s1: i32,
  s2: i32,
  s3: i32,
): void {
  let o = y;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        const base = x + (<usize>(i0 * s0 + i1 * s1 + i2 * s2) << 2);
        if (s3 == 1) {
          memory.copy(o, base, <usize>d3 << 2);
          o += <usize>d3 << 2;
        } else {
          for (let i3 = 0; i3 < d3; i3++) {
            store<f32>(o, load<f32>(base + (<usize>(i3 * s3) << 2)));
            o += 4;
          }
        }
      }
    }
  }
}

/** Σ x² over n floats, accumulated in f64 lanes. */
export function sumSquares(x: usize, n: i32): f64 {
  let a = f64x2.splat(0);
  let b = f64x2.splat(0);
  const n4 = <usize>(n & ~3) << 2;
  for (let o: usize = 0; o < n4; o += 16) {
    const v = v128.load(x + o);
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
    a = f64x2.add(a, f64x2.mul(lo, lo));
    b = f64x2.add(b, f64x2.mul(hi, hi));
  }
  const t = f64x2.add(a, b);
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (let o = n4; o < (<usize>n << 2); o += 4) {
    const v = <f64>load<f32>(x + o);
    s += v * v;
  }
  return s;
}

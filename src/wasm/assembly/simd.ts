// SIMD helpers shared by the kernels: a multiply-add (fused where relaxed SIMD is built in), horizontal sums and
// vector exps for the softmax weights and for the elementwise exp.

/**
 * a·b + c per lane. In the build with relaxed SIMD (see src/wasm/build.mjs) one relaxed multiply-add, which the
 * engine runs as a fused multiply-add where the CPU has one (one rounding instead of two); elsewhere a multiply
 * and an add.
 */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Σ of the 4 lanes. */
// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  const t = f32x4.add(v, f32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.add(t, f32x4.shuffle(t, t, 1, 0, 3, 2)), 0);
}

/** max of the 4 lanes. */
// @ts-ignore: decorator
@inline
export function hmax(v: v128): f32 {
  const t = f32x4.max(v, f32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.max(t, f32x4.shuffle(t, t, 1, 0, 3, 2)), 0);
}

/** [Σa, Σb, Σc, Σd]: the lane sums of four vectors as one vector (a 4×4 transpose-add). */
// @ts-ignore: decorator
@inline
export function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const u = f32x4.add(f32x4.shuffle(a, b, 0, 4, 1, 5), f32x4.shuffle(a, b, 2, 6, 3, 7));
  const w = f32x4.add(f32x4.shuffle(c, d, 0, 4, 1, 5), f32x4.shuffle(c, d, 2, 6, 3, 7));
  // u = [a02, b02, a13, b13], w = [c02, d02, c13, d13]
  return f32x4.add(f32x4.shuffle(u, w, 0, 1, 4, 5), f32x4.shuffle(u, w, 2, 3, 6, 7));
}

/**
 * e^x per lane for x <= 88 (and -Infinity → exactly 0), the exponential of the softmax weights: x = n·ln2 + r
 * with n = round(x·log2 e), ln2 split in two (Cody-Waite) so r is exact enough, e^r by a degree-5 polynomial (the
 * minimax coefficients published with XNNPACK's rr2-p5 kernels: at most 2.3 ulp from e^x over [-87.3, 0] in f32
 * arithmetic, 2.0 ulp with fused multiply-adds, measured on 16.8 million points), and 2^n built from the bits of
 * n. Its multiply-adds are `madd`'s (fused in the relaxed-SIMD build). Below -87.34, where e^x leaves the normal
 * f32 range, the result is 0. NaN stays NaN. No clamp above: a caller whose arguments are x − max (<= 0) uses it
 * as is; `expv` clamps first.
 */
// @ts-ignore: decorator
@inline
export function expvNeg(x: v128): v128 {
  // Adding 1.5·2²³ + 127 rounds x·log2 e to an integer n held in the low mantissa bits, already biased by 127:
  // shifted left by 23 those bits are the exponent field of 2^n.
  const magic = f32x4.splat(12583039.0);
  let n = madd(x, f32x4.splat(1.4426950216293335), magic);
  const s = i32x4.shl(n, 23);
  n = f32x4.sub(n, magic);
  let t = madd(n, f32x4.splat(-0.693145751953125), x);
  t = madd(n, f32x4.splat(-1.428606765330187e-6), t);
  let p = madd(f32x4.splat(0.008289290592074394), t, f32x4.splat(0.04189782217144966));
  p = madd(p, t, f32x4.splat(0.16667652130126953));
  p = madd(p, t, f32x4.splat(0.4999915063381195));
  p = madd(p, t, f32x4.splat(0.9999997019767761));
  const e = madd(f32x4.mul(t, s), p, s);
  return v128.andnot(e, f32x4.lt(x, f32x4.splat(-87.33654022216797)));
}

/**
 * e^x per lane over the whole f32 range, the elementwise exp: overflow to +Infinity once e^x passes the largest
 * f32 (x > 88.72), gradual underflow to subnormals and then 0 below −87.34, −Infinity → exactly 0, NaN stays NaN.
 * The reduction and polynomial are `expvNeg`'s (measured: within 1.8·2⁻²³ relative over the normal range, both
 * builds, 4 million points on [−110, 89]), but 2^n is applied as two factors
 * 2^(n − ⌊n/2⌋)·2^⌊n/2⌋, each a normal f32 for every n of the clamped x in [−110, 89]: n reaches 128 for
 * x >= 88.38, where one factor 2^128 would already be +Infinity though e^x is still finite. The clamp keeps NaN
 * (pmin/pmax return their first operand when a comparison fails) and changes no result: e^89 overflows and
 * e^−110 rounds to 0.
 */
// @ts-ignore: decorator
@inline
export function expvFull(v: v128): v128 {
  const x = f32x4.pmax(f32x4.pmin(v, f32x4.splat(89.0)), f32x4.splat(-110.0));
  // Adding 1.5·2²³ rounds x·log2 e to an integer n held in the low mantissa bits (two's complement around the
  // magic's own bits, so an integer subtract of those bits gives n).
  const magic = f32x4.splat(12582912.0);
  let nf = madd(x, f32x4.splat(1.4426950216293335), magic);
  const n = i32x4.sub(nf, magic);
  nf = f32x4.sub(nf, magic);
  let t = madd(nf, f32x4.splat(-0.693145751953125), x);
  t = madd(nf, f32x4.splat(-1.428606765330187e-6), t);
  let p = madd(f32x4.splat(0.008289290592074394), t, f32x4.splat(0.04189782217144966));
  p = madd(p, t, f32x4.splat(0.16667652130126953));
  p = madd(p, t, f32x4.splat(0.4999915063381195));
  p = madd(p, t, f32x4.splat(0.9999997019767761));
  const h = i32x4.shr_s(n, 1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(i32x4.sub(n, h), bias), 23);
  const s2 = i32x4.shl(i32x4.add(h, bias), 23);
  return f32x4.mul(madd(f32x4.mul(t, s1), p, s1), s2);
}

/**
 * e^x per lane for any x: `expvNeg` of x clamped to 88 above (the attention backward's exp(s − lse) may round a
 * little above 0).
 */
// @ts-ignore: decorator
@inline
export function expv(x: v128): v128 {
  return expvNeg(f32x4.pmin(x, f32x4.splat(88.0)));
}

/** e^x of one value through the vector path (the same rounding as the vector loop). */
// @ts-ignore: decorator
@inline
export function exp1(x: f32): f32 {
  return f32x4.extract_lane(expv(f32x4.splat(x)), 0);
}

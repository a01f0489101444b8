// SIMD helpers shared by the kernels: horizontal sums and a vector exp for arguments <= 0 (softmax weights).

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
 * e^x per lane for x <= 0 (and -Infinity → exactly 0): Cody-Waite range reduction x = n·ln2 + r, |r| <= ln2/2,
 * and the degree-6 polynomial of Cephes' expf (about 2 ulp). Below -87.33 (where e^x leaves the normal f32
 * range) the result is 0; above 88 it is clamped. NaN stays NaN.
 */
// @ts-ignore: decorator
@inline
export function expv(x: v128): v128 {
  const lo = f32x4.splat(-87.33654);
  // pmax/pmin (one maxps/minps each on x64; a NaN x stays NaN) rather than max/min and their NaN fix-ups.
  const xc = f32x4.pmin(f32x4.pmax(x, lo), f32x4.splat(88.0));
  // n = round(x·log2 e) with the 1.5·2²³ trick: adding it rounds to an integer held in the low mantissa bits
  // (cheaper than nearest + trunc_sat, which x64 has no single instruction for).
  const magic = f32x4.splat(12582912.0);
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(1.44269504088896341)), magic);
  const fx = f32x4.sub(t, magic);
  let r = f32x4.sub(xc, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, r), r), r), f32x4.splat(1.0));
  const n = i32x4.sub(t, magic);
  const pow2n = i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
  const e = f32x4.mul(y, pow2n);
  return v128.bitselect(f32x4.splat(0), e, f32x4.lt(x, lo));
}

/** e^x of one value through the vector path (the same rounding as the vector loop). */
// @ts-ignore: decorator
@inline
export function exp1(x: f32): f32 {
  return f32x4.extract_lane(expv(f32x4.splat(x)), 0);
}

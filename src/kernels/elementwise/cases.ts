// Shape, elementwise and reduction cases (ids "elementwise/<op>/<name>"): permute (the multi-head split and
// its inverse, odd ranks), every unary op and its backward on inputs spanning ±20 and beyond (saturation,
// relu at exactly 0), binary ops with same-shape, [C]-bias, [T, C] and scalar broadcasting, affine (including
// more elements than one grid dimension holds), sumTo and sum on short, odd and long axes (the split path).

import type { Backend, Tensor } from "../../backend/contract";
import { type Input, input, makeCase, type VerifyCase } from "../case";
import { unaryFn } from "./reference";
import type { BinaryOp, UnaryOp } from "./shape";

const ULP = 2 ** -23; // f32 machine epsilon: one unit in the last place of a value in [1, 2)
const FLT_MIN = 1.1754944e-38; // smallest normal f32: GPUs may flush denormal results (sigmoid(−100)) to 0

const UNARY_OPS: UnaryOp[] = ["relu", "sigmoid", "tanh", "exp", "neg", "gelu"];
const BINARY_OPS: BinaryOp[] = ["add", "sub", "mul"];

type Tol = { atol: number; rtol: number };

// Forward tolerances. relu and neg are exact. WGSL bounds exp's error by 3 + 2|x| ULP, so |x| <= 20 gives
// 43 ULP; sigmoid adds up to 3 roundings to that. tanh inherits its bound from (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ), which
// is relative (33 ULP for the clamped |x| <= 15) away from 0 but only absolute (a few ULP of 1) near 0, where
// eˣ − e⁻ˣ cancels (SwiftShader: at most 1 ULP of 1 there).
export const FORWARD_TOL: Record<UnaryOp, Tol> = {
  relu: { atol: 0, rtol: 0 },
  neg: { atol: 0, rtol: 0 },
  exp: { atol: FLT_MIN, rtol: 43 * ULP },
  sigmoid: { atol: FLT_MIN, rtol: 46 * ULP },
  tanh: { atol: 4 * ULP, rtol: 36 * ULP },
  // gelu = x·σ(t), t = 2√(2/π)(x + 0.044715x³): t carries ~5 roundings, σ adds exp's 3 + 2|t| ULP, and the
  // relative error of σ(t) for t < 0 grows like |t|·(error of t). So |gelu(x)|·(8|t| + 7) ULP bounds the error;
  // its largest value over x < 0 is 3.3 ULP (at x ≈ −1.09), and for x > 0 σ(t) is within a few ULP of 1.
  gelu: { atol: 4 * ULP, rtol: 16 * ULP },
};

// Backward tolerances, from y and dy given exactly: relu, neg and exp are one exact select or one rounded
// product (bit-equal to the reference). sigmoid's dy·y·(1 − y) and tanh's dy·(1 − y)(1 + y) round 3-4 times
// (1 − y is exact for y >= 0.5, and (1 − y)(1 + y) avoids the cancellation of 1 − y²).
export const BACKWARD_TOL: Record<UnaryOp, Tol> = {
  relu: { atol: 0, rtol: 0 },
  neg: { atol: 0, rtol: 0 },
  exp: { atol: FLT_MIN, rtol: ULP },
  sigmoid: { atol: FLT_MIN, rtol: 2 * ULP },
  tanh: { atol: FLT_MIN, rtol: 2 * ULP },
  // gelu′ = s + x·s(1 − s)·2u′ recomputes s = σ(t) from x (the forward's error bound above, in both terms, each
  // of size <= 1.2) and has a zero near x = −0.75, where only an absolute bound holds.
  gelu: { atol: 32 * ULP, rtol: 16 * ULP },
};

// WGSL requires correctly rounded f32 +, −, ×; the reference rounds the exact float64 result once, so both
// give the same f32. One ULP of slack for a compiler that rounds differently.
const BINARY_TOL: Tol = { atol: 0, rtol: ULP };

// alpha·x + beta rounds twice (or once when fused) and alpha, beta are passed as f32: a few ULP of the
// larger of |alpha·x| and |beta| absolute (the result may cancel to near 0), one ULP relative.
function affineTol(alpha: number, beta: number, xmax: number): Tol {
  return { atol: 2 * ULP * (Math.abs(alpha) * xmax + Math.abs(beta)), rtol: ULP };
}

// A sequential f32 sum of `len` terms uniform in [-1, 1] has a rounding error with standard deviation about
// 0.18·2^-24·len (simulated); len·2^-23 is about 11 of those, far below the O(1) change a wrong or missing
// term makes. The split (two-pass) path on long axes sums shorter runs and errs less.
function sumTol(len: number): Tol {
  return { atol: Math.max(1, len) * ULP, rtol: ULP };
}

/** Values on [-20, 20], then the special points (0, −0, saturation, the tanh clamp) at the start. */
function unaryInput(shape: number[], seed: number, wide: boolean): Input {
  const x = input(shape, seed, -20, 20);
  const special = [0, -0, 20, -20, 15, -15, 9.5, -9.5, 1e-3, -1e-3, 1e-6, -1e-6, 0.5, -0.5];
  if (wide) special.push(50, -50, 100, -100);
  special.forEach((v, i) => {
    if (i < x.data.length) x.data[i] = v;
  });
  // Every 7th element exactly 0: relu's value and gradient at the kink.
  for (let i = special.length; i < x.data.length; i += 7) x.data[i] = 0;
  return x;
}

const UNARY_SHAPES: { name: string; shape: number[] }[] = [
  { name: "size 1", shape: [1] },
  { name: "odd 3x7x11", shape: [3, 7, 11] },
  { name: "1031", shape: [1031] },
  { name: "empty 0x3", shape: [0, 3] },
];

function unaryCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  UNARY_OPS.forEach((op, k) => {
    // exp stays within ±20 (exp(100) overflows f32); the others also see ±50 and ±100 (gelu: x³ up to 1e6,
    // σ saturated, so gelu(x) = x or −0 and gelu′ = 1 or 0).
    const wide = op !== "exp";
    const range = wide ? "x in ±20, ±50, ±100" : "x in ±20";
    UNARY_SHAPES.forEach((s, i) => {
      const seed = 1000 + 10 * k + i;
      out.push(
        makeCase({
          kernel: "elementwise",
          variant: op,
          name: s.name,
          shape: `[${s.shape.join(", ")}] ${range}`,
          ...FORWARD_TOL[op],
          force: {},
          inputs: () => ({ x: unaryInput(s.shape, seed, wide) }),
          apply: (be, t) => [be.unary(op, t.x!)],
        }),
        makeCase({
          kernel: "elementwise",
          variant: op,
          name: `backward ${s.name}`,
          shape: `[${s.shape.join(", ")}] ${range}, y = ${op}(x), dy in [-1, 1]`,
          ...BACKWARD_TOL[op],
          force: {},
          inputs: () => {
            const x = unaryInput(s.shape, seed, wide);
            return {
              x,
              y: { data: x.data.map(unaryFn(op)), shape: s.shape },
              dy: input(s.shape, seed + 500),
            };
          },
          apply: (be, t) => [be.unaryBackward(op, t.x!, t.y!, t.dy!)],
        }),
      );
    });
  });
  return out;
}

const BINARY_SHAPES: { name: string; a: number[]; b: number[] }[] = [
  { name: "same shape 5x7x3", a: [5, 7, 3], b: [5, 7, 3] },
  { name: "bias [C] over 2x5x7", a: [2, 5, 7], b: [7] },
  { name: "bias [C=8] over 3x5x8 (vec4 b)", a: [3, 5, 8], b: [8] },
  { name: "bias [C=6] over 2x6 (b lane by lane)", a: [2, 6], b: [6] },
  { name: "[T, C] 4x8 over 3x4x8", a: [3, 4, 8], b: [4, 8] },
  { name: "[T, C] over 2x5x7", a: [2, 5, 7], b: [5, 7] },
  { name: "scalar [] over 3x4", a: [3, 4], b: [] },
  { name: "scalar [1] over 13", a: [13], b: [1] },
  { name: "size 1", a: [1], b: [1] },
];

function binaryCases(): VerifyCase[] {
  const out: VerifyCase[] = [];
  BINARY_OPS.forEach((op, k) => {
    BINARY_SHAPES.forEach((s, i) => {
      const seed = 2000 + 10 * k + i;
      out.push(
        makeCase({
          kernel: "elementwise",
          variant: op,
          name: s.name,
          shape: `a [${s.a.join(", ")}] b [${s.b.join(", ")}]`,
          ...BINARY_TOL,
          force: {},
          inputs: () => ({ a: input(s.a, seed), b: input(s.b, seed + 1) }),
          apply: (be, t) => [be.binary(op, t.a!, t.b!)],
        }),
      );
    });
  });
  return out;
}

const AFFINE: { name: string; shape: number[]; alpha: number; beta: number }[] = [
  { name: "odd 7x13", shape: [7, 13], alpha: 0.37, beta: -1.25 },
  { name: "size 1", shape: [1], alpha: -3, beta: 0 },
  { name: "identity 3x5", shape: [3, 5], alpha: 1, beta: 0 },
  // 65535·64 invocations of 4 elements, and a ragged tail: the grid must spread over x and y.
  { name: "beyond one grid dimension 16780071", shape: [65535 * 64 * 4 + 3111], alpha: 2.5, beta: 0.125 },
];

function affineCases(): VerifyCase[] {
  return AFFINE.map((s, i) =>
    makeCase({
      kernel: "elementwise",
      variant: "affine",
      name: s.name,
      shape: `[${s.shape.join(", ")}] alpha=${s.alpha} beta=${s.beta}`,
      ...affineTol(s.alpha, s.beta, 1),
      force: {},
      inputs: () => ({ x: input(s.shape, 3000 + i) }),
      apply: (be, t) => [be.affine(t.x!, s.alpha, s.beta)],
    }),
  );
}

const PERMUTE: { name: string; shape: number[]; perm: number[]; back?: number[] }[] = [
  // [B, T, H, d] -> [B, H, T, d] and back (this perm is its own inverse).
  { name: "heads split 2x3x4x5 [0,2,1,3]", shape: [2, 3, 4, 5], perm: [0, 2, 1, 3], back: [0, 2, 1, 3] },
  { name: "heads merge 2x4x3x5 [0,2,1,3]", shape: [2, 4, 3, 5], perm: [0, 2, 1, 3] },
  // d = 8: runs of 4 along the kept last axis move as vec4s.
  { name: "heads split vec4 2x3x4x8 [0,2,1,3]", shape: [2, 3, 4, 8], perm: [0, 2, 1, 3], back: [0, 2, 1, 3] },
  { name: "vec4 rank 3 5x3x4 [1,0,2]", shape: [5, 3, 4], perm: [1, 0, 2] },
  // Output's last axis is input axis 1 with stride 1 (axis 2 has size 1): vec4 with a size-1 stride of 1.
  { name: "vec4 size-1 axis 3x4x1 [0,2,1]", shape: [3, 4, 1], perm: [0, 2, 1] },
  { name: "transpose 8x4 [1,0] (strided, scalar)", shape: [8, 4], perm: [1, 0] },
  {
    name: "rotate 3x2x5x7 [0,2,3,1] and inverse",
    shape: [3, 2, 5, 7],
    perm: [0, 2, 3, 1],
    back: [0, 3, 1, 2],
  },
  { name: "reverse 2x3x1x5 [3,2,1,0]", shape: [2, 3, 1, 5], perm: [3, 2, 1, 0] },
  { name: "transpose 7x13", shape: [7, 13], perm: [1, 0] },
  { name: "rank 3 3x1x5 [2,0,1]", shape: [3, 1, 5], perm: [2, 0, 1] },
  { name: "size 1 [1]", shape: [1], perm: [0] },
  { name: "rank 0", shape: [], perm: [] },
];

function permuteCases(): VerifyCase[] {
  return PERMUTE.map((s, i) =>
    makeCase({
      kernel: "elementwise",
      variant: "permute",
      name: s.name,
      shape: `[${s.shape.join(", ")}] perm [${s.perm.join(", ")}]${s.back ? ` then [${s.back}]` : ""}`,
      // A copy: exact.
      atol: 0,
      rtol: 0,
      force: {},
      inputs: () => ({ x: input(s.shape, 4000 + i) }),
      apply: (be, t) => {
        const y = be.permute(t.x!, s.perm);
        return s.back ? [y, be.permute(y, s.back)] : [y];
      },
    }),
  );
}

interface ReduceSpec {
  name: string;
  shape: number[];
  /** sumTo target shape, or an axis for sum. */
  to?: number[];
  axis?: number;
  /** Length of the summed axis (or product of summed axes). */
  len: number;
}

const REDUCE: ReduceSpec[] = [
  { name: "[B,T,C] 3x5x7 to [C]", shape: [3, 5, 7], to: [7], len: 15 },
  { name: "[B,T,C] 3x5x7 to [T,C]", shape: [3, 5, 7], to: [5, 7], len: 3 },
  { name: "to own shape 4x3", shape: [4, 3], to: [4, 3], len: 1 },
  // One invocation per output: more than 65535·64 outputs spread the grid over x and y.
  { name: "beyond one grid dimension 4195017 to own shape", shape: [4195017], to: [4195017], len: 1 },
  { name: "17x3 to []", shape: [17, 3], to: [], len: 51 },
  { name: "size 1 to []", shape: [1], to: [], len: 1 },
  { name: "bias grad [B·T,C] 4096x64 to [C] (split)", shape: [4096, 64], to: [64], len: 4096 },
  { name: "3000x5 to [5] (split)", shape: [3000, 5], to: [5], len: 3000 },
  { name: "10007 to [] (split)", shape: [10007], to: [], len: 10007 },
  { name: "40009 to [] (split, then split again)", shape: [40009], to: [], len: 40009 },
  { name: "3x4 to [1] (scalar)", shape: [3, 4], to: [1], len: 12 },
  { name: "empty 0x3 to [3] (zeros)", shape: [0, 3], to: [3], len: 0 },
  { name: "4x5x6 axis 0", shape: [4, 5, 6], axis: 0, len: 4 },
  { name: "4x5x6 axis 1", shape: [4, 5, 6], axis: 1, len: 5 },
  { name: "4x5x6 axis -1", shape: [4, 5, 6], axis: -1, len: 6 },
  { name: "4x5x6 axis -2", shape: [4, 5, 6], axis: -2, len: 5 },
  { name: "size 1 axis 0", shape: [1], axis: 0, len: 1 },
  { name: "3x2000x2 axis 1 (split)", shape: [3, 2000, 2], axis: 1, len: 2000 },
];

function reduceCases(): VerifyCase[] {
  return REDUCE.map((s, i) => {
    const isSumTo = s.to !== undefined;
    const what = isSumTo ? `to [${s.to!.join(", ")}]` : `axis ${s.axis}`;
    return makeCase({
      kernel: "elementwise",
      variant: isSumTo ? "sumTo" : "sum",
      name: s.name,
      shape: `[${s.shape.join(", ")}] ${what}, len ${s.len}`,
      ...sumTol(s.len),
      force: {},
      inputs: () => ({ x: input(s.shape, 5000 + i) }),
      apply: (be: Backend, t: Record<string, Tensor>) =>
        isSumTo ? [be.sumTo(t.x!, s.to!)] : [be.sum(t.x!, s.axis!)],
    });
  });
}

export function elementwiseCases(): VerifyCase[] {
  return [...permuteCases(), ...unaryCases(), ...binaryCases(), ...affineCases(), ...reduceCases()];
}

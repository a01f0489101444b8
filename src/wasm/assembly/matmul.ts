// Matmul C = op(A)·op(B) (+ bias) in f32 with 128-bit SIMD, for every transposed form and batches.
//
// Three paths, each split so a pool of threads can share the work:
//   by rows (any shape): matmulPackB copies B (any layout) into panels of 8 columns, K×8 floats each,
//     zero-padded past N, so the inner loop reads B with two aligned 16-byte loads per k whatever B's layout
//     was; then matmulRows computes the output rows (over batch × M) from A and the packed B;
//   by columns (one product with K <= KC and M <= COLS_MAX_M, e.g. 64×64·64×4096): matmulCols packs A's row
//     blocks once and B only GC columns at a time, so no copy of the whole of B is written and read back, and
//     the threads of a pool share N with each one packing just its own columns (the row path packs B on one
//     thread first);
//   split over K (one product with K > 256 and K >= 8·max(M, N), e.g. 64×4096·4096×64): matmulSplitK computes
//     one partial C per chunk of K, packing only that chunk's rows of B, and matmulSumPartials adds them in
//     chunk order, so the threads share the long K and the bits do not depend on which thread took a chunk.
// The inner kernel keeps a 4×8 block of C in eight f32x4 registers (4 rows × 2 vectors) and updates it with
// one broadcast of A per row and two vectors of B per k: 16 multiply-adds for 6 loads (fused where the module
// has relaxed SIMD, see simd.ts madd). The 4 rows of A are first copied k-major into a per-thread scratch (16
// bytes per k), so the kernel reads A contiguously whatever its layout (and rows 4 KiB apart do not fight over
// the same cache sets). On the row path K is cut into blocks of KC so a panel stays in L1 while every row
// block of the range reuses it, and columns into groups of NC so the group of panels (KC × NC floats) stays
// in L2.
//
// Element (m, k) of A is a[m·sAm + k·sAk] and (k, n) of B is b[k·sBk + n·sBn] (element strides), so transA
// is (sAm, sAk) = (1, M) and transB is (sBk, sBn) = (1, K). Pointers are byte addresses in linear memory.

import { claim, finished } from "./share";
import { madd } from "./simd";

const KC: i32 = 256;
const NC: i32 = 256;

/** Floats of per-thread scratch matmulRows needs (4 rows × KC of packed A). */
export function matmulScratchFloats(): i32 {
  return KC << 2;
}

/** Floats of packed B for one batch entry: K rows × (N rounded up to 8). */
export function matmulPackedSize(K: i32, N: i32): i32 {
  return K * (((N + 7) >> 3) << 3);
}

/** Pack `cols` columns of B starting at src into panels of 8 (the last zero-padded), K×8 floats each, at dst. */
function packPanels(src: usize, dst0: usize, K: i32, cols: i32, sBk: i32, sBn: i32): void {
  const panels = (cols + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    const n0 = p << 3;
    const w = min(8, cols - n0);
    let dst = dst0 + (<usize>p * <usize>K << 5);
    if (sBn == 1 && w == 8) {
      for (let k = 0; k < K; k++) {
        const s = src + (<usize>(k * sBk + n0) << 2);
        v128.store(dst, v128.load(s));
        v128.store(dst, v128.load(s, 16), 16);
        dst += 32;
      }
    } else {
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < 8; j++) {
          const v: f32 = j < w ? load<f32>(src + (<usize>(k * sBk + (n0 + j) * sBn) << 2)) : 0;
          store<f32>(dst + (<usize>j << 2), v);
        }
        dst += 32;
      }
    }
  }
}

/**
 * Pack batch entries 0..entries of B (entry z starts at b + z·strideB floats and lands at pack + z·packedSize):
 * the entries × ⌈N/8⌉ panels go in chunks of `chunk` panels claimed from the claim block at `ctl` for the op
 * `tag` (see share.ts), on one thread or shared between the pool's.
 */
export function matmulPackB(
  b: usize,
  pack: usize,
  K: i32,
  N: i32,
  sBk: i32,
  sBn: i32,
  strideB: i32,
  entries: i32,
  chunk: i32,
  ctl: usize,
  tag: i32,
): void {
  const per = matmulPackedSize(K, N);
  const panels = (N + 7) >> 3;
  const total = entries * panels;
  for (let i = claim(ctl, tag); i >= 0 && i * chunk < total; i = claim(ctl, tag)) {
    const q1 = min(total, i * chunk + chunk);
    for (let q = i * chunk; q < q1; q++) {
      const z = q / panels;
      const n0 = (q - z * panels) << 3;
      const src = b + ((<usize>z * <usize>strideB + <usize>(n0 * sBn)) << 2);
      const dst = pack + ((<usize>z * <usize>per + <usize>n0 * <usize>K) << 2);
      packPanels(src, dst, K, min(8, N - n0), sBk, sBn);
    }
    finished(ctl);
  }
}

// @ts-ignore: decorator
@inline
function loadPart(p: usize, n: i32): v128 {
  let v = f32x4.splat(0);
  if (n > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  if (n > 3) v = f32x4.replace_lane(v, 3, load<f32>(p, 12));
  return v;
}

// @ts-ignore: decorator
@inline
function storePart(p: usize, v: v128, n: i32): void {
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
  if (n > 3) store<f32>(p, f32x4.extract_lane(v, 3), 12);
}

/** Initial value of an 8-wide block of C: bias (or 0) on the first k block, else what is stored there. */
// @ts-ignore: decorator
@inline
function startLo(c: usize, bias: usize, first: bool, cols: i32): v128 {
  if (!first) return cols >= 8 ? v128.load(c) : loadPart(c, cols);
  if (bias == 0) return f32x4.splat(0);
  return cols >= 8 ? v128.load(bias) : loadPart(bias, cols);
}

// @ts-ignore: decorator
@inline
function startHi(c: usize, bias: usize, first: bool, cols: i32): v128 {
  if (!first) return cols >= 8 ? v128.load(c, 16) : loadPart(c + 16, cols - 4);
  if (bias == 0) return f32x4.splat(0);
  return cols >= 8 ? v128.load(bias, 16) : loadPart(bias + 16, cols - 4);
}

// @ts-ignore: decorator
@inline
function finish(c: usize, lo: v128, hi: v128, cols: i32): void {
  if (cols >= 8) {
    v128.store(c, lo);
    v128.store(c, hi, 16);
  } else {
    storePart(c, lo, cols);
    storePart(c + 16, hi, cols - 4);
  }
}

/**
 * 4 rows × 8 columns over kc steps. ap: A's 4 rows packed k-major ([a0k, a1k, a2k, a3k] per k, 16 bytes);
 * bp: packed panel at k0. c: C(m, n0); ldc: bytes per C row. bias: bias + n0·4 or 0.
 */
function micro4(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, bias: usize, first: bool, cols: i32): void {
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  let x0 = startLo(c, bias, first, cols);
  let y0 = startHi(c, bias, first, cols);
  let x1 = startLo(c1, bias, first, cols);
  let y1 = startHi(c1, bias, first, cols);
  let x2 = startLo(c2, bias, first, cols);
  let y2 = startHi(c2, bias, first, cols);
  let x3 = startLo(c3, bias, first, cols);
  let y3 = startHi(c3, bias, first, cols);
  let a = ap;
  let p = bp;
  const end = bp + (<usize>kc << 5);
  // One k per step: the 8 accumulators each take one multiply-add on one load of the panel row.
  while (p < end) {
    const b0 = v128.load(p);
    const b1 = v128.load(p, 16);
    let s = v128.load32_splat(a);
    x0 = madd(s, b0, x0);
    y0 = madd(s, b1, y0);
    s = v128.load32_splat(a, 4);
    x1 = madd(s, b0, x1);
    y1 = madd(s, b1, y1);
    s = v128.load32_splat(a, 8);
    x2 = madd(s, b0, x2);
    y2 = madd(s, b1, y2);
    s = v128.load32_splat(a, 12);
    x3 = madd(s, b0, x3);
    y3 = madd(s, b1, y3);
    a += 16;
    p += 32;
  }
  finish(c, x0, y0, cols);
  finish(c1, x1, y1, cols);
  finish(c2, x2, y2, cols);
  finish(c3, x3, y3, cols);
}

/** Copy 4 rows × kc of A (row stride da bytes, k stride ka bytes) into ap, k-major. */
function packA4(a: usize, da: usize, ka: usize, kc: i32, ap: usize): void {
  let s = a;
  let d = ap;
  const end = ap + (<usize>kc << 4);
  if (ka == 4) {
    while (d < end) {
      store<f32>(d, load<f32>(s));
      store<f32>(d, load<f32>(s + da), 4);
      store<f32>(d, load<f32>(s + 2 * da), 8);
      store<f32>(d, load<f32>(s + 3 * da), 12);
      s += 4;
      d += 16;
    }
  } else if (da == 4) {
    // Transposed A: the 4 rows of one k are contiguous.
    while (d < end) {
      v128.store(d, v128.load(s));
      s += ka;
      d += 16;
    }
  } else {
    while (d < end) {
      store<f32>(d, load<f32>(s));
      store<f32>(d, load<f32>(s + da), 4);
      store<f32>(d, load<f32>(s + 2 * da), 8);
      store<f32>(d, load<f32>(s + 3 * da), 12);
      s += ka;
      d += 16;
    }
  }
}

/** One row × 8 columns (the rows left over when a range is not a multiple of 4). */
function micro1(a: usize, ka: usize, bp: usize, kc: i32, c: usize, bias: usize, first: bool, cols: i32): void {
  let x = startLo(c, bias, first, cols);
  let y = startHi(c, bias, first, cols);
  let x2 = f32x4.splat(0);
  let y2 = f32x4.splat(0);
  let a0 = a;
  let p = bp;
  const end = bp + (<usize>kc << 5);
  const end2 = bp + (<usize>(kc & ~1) << 5);
  // Two independent chains so the adds do not wait on each other.
  while (p < end2) {
    let s = v128.load32_splat(a0);
    x = madd(s, v128.load(p), x);
    y = madd(s, v128.load(p, 16), y);
    s = v128.load32_splat(a0 + ka);
    x2 = madd(s, v128.load(p, 32), x2);
    y2 = madd(s, v128.load(p, 48), y2);
    a0 += ka << 1;
    p += 64;
  }
  if (p < end) {
    const s = v128.load32_splat(a0);
    x = madd(s, v128.load(p), x);
    y = madd(s, v128.load(p, 16), y);
  }
  finish(c, f32x4.add(x, x2), f32x4.add(y, y2), cols);
}


/**
 * C = op(A)·op(B) (+ bias) for one 4-row block of C over columns [n0, n1) whose B is packed at bp in panels of
 * kc rows starting at column n0 (the column and split-K paths): ap holds the 4 rows of A packed, c is the
 * block's first row of C and bias its bias (0 for none), both at column 0; N bounds the last panel.
 */
// @ts-ignore: decorator
@inline
function rows4OverPanels(
  ap: usize,
  bp: usize,
  kc: i32,
  c: usize,
  ldc: usize,
  bias: usize,
  n0: i32,
  n1: i32,
  N: i32,
): void {
  for (let n = n0; n < n1; n += 8) {
    const bz = bias ? bias + (<usize>n << 2) : 0;
    micro4(ap, bp + (<usize>(n - n0) * <usize>kc << 2), kc, c + (<usize>n << 2), ldc, bz, true, N - n);
  }
}

/** rows4OverPanels for one row of C, read from A in place (am: its first element, ka: bytes between k). */
// @ts-ignore: decorator
@inline
function row1OverPanels(
  am: usize,
  ka: usize,
  bp: usize,
  kc: i32,
  c: usize,
  bias: usize,
  n0: i32,
  n1: i32,
  N: i32,
): void {
  for (let n = n0; n < n1; n += 8) {
    const bz = bias ? bias + (<usize>n << 2) : 0;
    micro1(am, ka, bp + (<usize>(n - n0) * <usize>kc << 2), kc, c + (<usize>n << 2), bz, true, N - n);
  }
}

// ---- small K: columns ---------------------------------------------------------------------------------------

/** Columns of B the column path packs at a time: K × GC floats (16 KiB at K = 64) stay in L1 over every row. */
const GC: i32 = 64;
/** The column path takes up to this many rows (its scratch holds all of A, packed). */
const COLS_MAX_M: i32 = 256;

/**
 * Floats of per-thread scratch matmulCols needs for one M×K A (all its 4-row blocks packed, then GC columns of
 * packed B), or 0 when the shape is not one for it: K above one K block (KC), or M above COLS_MAX_M.
 */
export function matmulColsScratchFloats(M: i32, K: i32): i32 {
  if (K < 1 || K > KC || M > COLS_MAX_M) return 0;
  return (M & ~3) * K + K * GC;
}

/** Pack the M & ~3 rows of A in 4-row blocks (4 × K floats each, k-major) at scratch. */
function packAllA(a: usize, da: usize, ka: usize, M: i32, K: i32, scratch: usize): void {
  const blockBytes = <usize>K << 4;
  for (let m = 0; m < (M & ~3); m += 4) packA4(a + <usize>m * da, da, ka, K, scratch + <usize>(m >> 2) * blockBytes);
}

/**
 * C = op(A)·op(B) (+ bias) by rows from A and the packed B: rows 0..total of the batch × M rows of C (row r is
 * batch entry r / M, row r % M), in chunks of `chunk` rows claimed from the claim block at `ctl` for the op tagged `tag` (see share.ts). a, c, bias: byte
 * addresses (bias 0 for none); pack: the packed B from matmulPackB; strideA: floats between batch entries of
 * A (0 when A is shared); packStride: packed floats between batch entries of B (0 when B is shared);
 * scratch: matmulScratchFloats() floats of this thread's own.
 */
export function matmulRows(
  a: usize,
  pack: usize,
  scratch: usize,
  c: usize,
  bias: usize,
  M: i32,
  K: i32,
  N: i32,
  sAm: i32,
  sAk: i32,
  strideA: i32,
  packStride: i32,
  total: i32,
  chunk: i32,
  ctl: usize,
  tag: i32,
): void {
  const ldc = <usize>N << 2;
  const da = <usize>sAm << 2;
  const ka = <usize>sAk << 2;
  for (let i = claim(ctl, tag); i >= 0 && i * chunk < total; i = claim(ctl, tag)) {
    const r0 = i * chunk;
    const r1 = min(total, r0 + chunk);
    let r = r0;
    while (r < r1) {
      const z = r / M;
      const mStart = r - z * M;
      const mEnd = min(M, mStart + (r1 - r));
      const az = a + (<usize>z * <usize>strideA << 2);
      const pz = pack + (<usize>z * <usize>packStride << 2);
      const cz = c + (<usize>z * <usize>M * <usize>N << 2);
      if (K == 0) {
        // Empty sum: C = bias (or 0).
        for (let m = mStart; m < mEnd; m++) {
          for (let n = 0; n < N; n++) {
            store<f32>(cz + <usize>m * ldc + (<usize>n << 2), bias ? load<f32>(bias + (<usize>n << 2)) : 0);
          }
        }
      }
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kc = min(KC, K - k0);
        const first = k0 == 0;
        for (let n0 = 0; n0 < N; n0 += NC) {
          const nEnd = min(N, n0 + NC);
          let m = mStart;
          for (; m + 4 <= mEnd; m += 4) {
            packA4(az + <usize>m * da + <usize>k0 * ka, da, ka, kc, scratch);
            for (let n = n0; n < nEnd; n += 8) {
              const bp = pz + ((<usize>n * <usize>K + (<usize>k0 << 3)) << 2);
              const bz = bias ? bias + (<usize>n << 2) : 0;
              micro4(scratch, bp, kc, cz + <usize>m * ldc + (<usize>n << 2), ldc, bz, first, nEnd - n);
            }
          }
          for (; m < mEnd; m++) {
            const am = az + <usize>m * da + <usize>k0 * ka;
            for (let n = n0; n < nEnd; n += 8) {
              const bp = pz + ((<usize>n * <usize>K + (<usize>k0 << 3)) << 2);
              const bz = bias ? bias + (<usize>n << 2) : 0;
              micro1(am, ka, bp, kc, cz + <usize>m * ldc + (<usize>n << 2), bz, first, nEnd - n);
            }
          }
        }
      }
      r += mEnd - mStart;
    }
    finished(ctl);
  }
}

/**
 * C = op(A)·op(B) (+ bias) for one batch entry with K <= KC, by columns, read straight from B (no packed copy
 * of the whole of it): A's 4-row blocks are packed once into scratch, then B is packed GC columns at a time next
 * to them and every row block runs over those columns while they are in L1. The columns go in chunks of `chunk`
 * (a multiple of 8) claimed from the claim block at `ctl` for the op `tag`; scratch holds matmulColsScratchFloats(M, K) floats of
 * this thread's own.
 */
export function matmulCols(
  a: usize,
  b: usize,
  scratch: usize,
  c: usize,
  bias: usize,
  M: i32,
  K: i32,
  N: i32,
  sAm: i32,
  sAk: i32,
  sBk: i32,
  sBn: i32,
  chunk: i32,
  ctl: usize,
  tag: i32,
): void {
  const da = <usize>sAm << 2;
  const ka = <usize>sAk << 2;
  let i = claim(ctl, tag);
  if (i < 0 || i * chunk >= N) return;
  packAllA(a, da, ka, M, K, scratch);
  const ldc = <usize>N << 2;
  const M4 = M & ~3;
  const blockBytes = <usize>K << 4;
  const bp = scratch + <usize>(M4 >> 2) * blockBytes;
  for (; i >= 0 && i * chunk < N; i = claim(ctl, tag)) {
    const n0 = i * chunk;
    const n1 = min(N, n0 + chunk);
    for (let g = n0; g < n1; g += GC) {
      const ge = min(n1, g + GC);
      packPanels(b + (<usize>(g * sBn) << 2), bp, K, ge - g, sBk, sBn);
      for (let m = 0; m < M4; m += 4) {
        const ap = scratch + <usize>(m >> 2) * blockBytes;
        rows4OverPanels(ap, bp, K, c + <usize>m * ldc, ldc, bias, g, ge, N);
      }
      for (let m = M4; m < M; m++) row1OverPanels(a + <usize>m * da, ka, bp, K, c + <usize>m * ldc, bias, g, ge, N);
    }
    finished(ctl);
  }
}

// ---- long K, small C: split K ------------------------------------------------------------------------------

/** K rows per chunk of the split-K path: fixed, so the sums (and so the bits) do not depend on the threads. */
const SPLITK_KC: i32 = KC;
/** The split-K path keeps one M×N partial per K chunk: at most this many floats of them (4 MiB). */
const SPLITK_MAX_PARTIALS: i32 = 1 << 20;

/**
 * K chunks of the split-K path for one product, or 0 when the shape is not one for it: K must span more than
 * one chunk and be long against M and N (K >= 8·max(M, N)), and the partials must fit SPLITK_MAX_PARTIALS.
 */
export function matmulSplitKChunks(M: i32, K: i32, N: i32): i32 {
  if (K <= SPLITK_KC || K < 8 * max(M, N)) return 0;
  const chunks = (K + SPLITK_KC - 1) / SPLITK_KC;
  return <i64>chunks * <i64>M * <i64>N <= SPLITK_MAX_PARTIALS ? chunks : 0;
}

/** Floats of per-thread scratch matmulSplitK needs: a chunk's rows of B packed, then 4 rows of A packed. */
export function matmulSplitKScratchFloats(N: i32): i32 {
  return SPLITK_KC * (((N + 7) >> 3) << 3) + (SPLITK_KC << 2);
}

/**
 * For one product whose K is long against M and N (e.g. 64×4096·4096×64, a weight gradient over a large
 * batch): partial i (M×N floats at partials + i·M·N) = op(A)[:, k0:k1]·op(B)[k0:k1, :] for each K chunk i of
 * SPLITK_KC this thread claims. The threads share K instead of the few rows; each chunk packs only its own rows
 * of B and keeps them in L2 over every row of A, so no thread waits for another to pack all of B first.
 * matmulSumPartials then adds the partials in chunk order (and the bias) into C, so the result is the same
 * whichever thread took which chunk, and on one thread.
 */
export function matmulSplitK(
  a: usize,
  b: usize,
  scratch: usize,
  partials: usize,
  M: i32,
  K: i32,
  N: i32,
  sAm: i32,
  sAk: i32,
  sBk: i32,
  sBn: i32,
  ctl: usize,
  tag: i32,
): void {
  const da = <usize>sAm << 2;
  const ka = <usize>sAk << 2;
  const ldc = <usize>N << 2;
  const M4 = M & ~3;
  const width = ((N + 7) >> 3) << 3;
  const bp = scratch;
  const ap = scratch + (<usize>(SPLITK_KC * width) << 2);
  for (let i = claim(ctl, tag); i >= 0 && i * SPLITK_KC < K; i = claim(ctl, tag)) {
    const k0 = i * SPLITK_KC;
    const kc = min(SPLITK_KC, K - k0);
    const out = partials + <usize>i * <usize>M * ldc;
    packPanels(b + (<usize>(k0 * sBk) << 2), bp, kc, N, sBk, sBn);
    const a0 = a + <usize>k0 * ka;
    for (let m = 0; m < M4; m += 4) {
      packA4(a0 + <usize>m * da, da, ka, kc, ap);
      rows4OverPanels(ap, bp, kc, out + <usize>m * ldc, ldc, 0, 0, N, N);
    }
    for (let m = M4; m < M; m++) row1OverPanels(a0 + <usize>m * da, ka, bp, kc, out + <usize>m * ldc, 0, 0, N, N);
    finished(ctl);
  }
}

/** c[M×N] = bias (or 0) + partial 0 + partial 1 + ... (`count` partials of M×N floats, `stride` floats apart). */
export function matmulSumPartials(
  partials: usize,
  count: i32,
  stride: i32,
  c: usize,
  bias: usize,
  M: i32,
  N: i32,
): void {
  const step = <usize>stride << 2;
  for (let m = 0; m < M; m++) {
    const row = <usize>(m * N) << 2;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const at = row + (<usize>n << 2);
      let v = bias ? v128.load(bias + (<usize>n << 2)) : f32x4.splat(0);
      for (let t = 0; t < count; t++) v = f32x4.add(v, v128.load(partials + <usize>t * step + at));
      v128.store(c + at, v);
    }
    for (; n < N; n++) {
      const at = row + (<usize>n << 2);
      let v: f32 = bias ? load<f32>(bias + (<usize>n << 2)) : 0;
      for (let t = 0; t < count; t++) v += load<f32>(partials + <usize>t * step + at);
      store<f32>(c + at, v);
    }
  }
}

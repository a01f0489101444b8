// Typed functions over the kernel module: each takes the context and buffers in wasm memory (see arena.ts),
// checks the buffer sizes, and calls the kernels. The large ops (matmul, attention forward and backward, row
// softmax and its backward, layer norm) are split over the pool's threads by rows when they are big enough and
// return a Promise; the others run at once on the calling thread and throw if a pooled op is still running.
// The matmul's threads (by rows, by columns on its column path, or by K on its split-K path) and the row
// softmax's claim chunks from a claim block instead of taking fixed shares, so the chunks of a thread the system
// keeps waiting go to the others, and such an op ends when its chunks are finished, without waiting for that
// thread to wake.
//
// Semantics follow the op contract (src/backend/contract.ts) and the CPU reference; storage is f32 and sums
// accumulate in f32 SIMD lanes (the sums of squares and the losses' totals in f64).

import type { MatmulDims } from "../kernels/matmul/shape";
import type { WasmBuffer } from "./arena";
import type { WasmContext } from "./context";
import type { PoolCall } from "./pool";

/** A bad argument to a wasm op: names the op and the argument. */
export class WasmOpError extends Error {
  constructor(op: string, arg: string, message: string) {
    super(`${op}: ${arg} ${message}`);
    this.name = "WasmOpError";
  }
}

// ---- when to use the pool --------------------------------------------------------------------------------
//
// Measured with `npx tsx bench/wasm-quick.ts --cutover` on the 2-core development machine (Node 20, main
// thread + 1 worker, the pool forced on for every size), medians of 41 interleaved repeats, two runs on a quiet
// machine (a shared op ends when its chunks are finished; the main thread spins for the last ones):
//   n = 64  (0.5 MFLOP): 1 thread 0.019 ms, 2 threads 0.020 ms (0.92×)
//   n = 128 (4.2 MFLOP): 1 thread 0.109-0.177 ms, 2 threads 0.223-0.298 ms (0.49-0.59×)
//   n = 192 (14 MFLOP):  1 thread 0.344-0.562 ms, 2 threads 0.219-0.341 ms (1.57-1.65×)
// Row softmax: 65 536 values 0.96-1.20×; 131 072 values 1.01-1.43×; 524 288 values 1.62-1.75×.
// Hence the defaults in DEFAULT_CUTOVER (context.ts): 8 MFLOP for matmul and attention passes, 128 K values
// for the row ops. A context may override them (the tests force the pool on small shapes).

function need(op: string, arg: string, buf: WasmBuffer | undefined, n: number): WasmBuffer {
  if (!buf) throw new WasmOpError(op, arg, "is missing");
  if (buf.length < n) throw new WasmOpError(op, arg, `must hold ${n} values, has ${buf.length}`);
  return buf;
}

function idle(ctx: WasmContext, op: string): void {
  if (ctx.busy) throw new WasmOpError(op, "context", "has a pooled op still running: await it first");
}

function positive(op: string, name: string, n: number, min = 1): void {
  if (!Number.isSafeInteger(n) || n < min)
    throw new WasmOpError(op, name, `must be an integer >= ${min}, got ${n}`);
}

/** [start, end) ranges covering 0..total in at most `parts` pieces of about equal summed `cost`. */
export function splitByCost(
  total: number,
  parts: number,
  align: number,
  cost?: (i: number) => number,
): [number, number][] {
  const n = Math.max(1, Math.min(parts, Math.ceil(total / align)));
  if (n === 1) return [[0, total]];
  const prefix = new Float64Array(total + 1);
  for (let i = 0; i < total; i++) prefix[i + 1] = prefix[i]! + (cost ? cost(i) : 1);
  const out: [number, number][] = [];
  let start = 0;
  for (let p = 1; p <= n; p++) {
    let end = total;
    if (p < n) {
      const target = (prefix[total]! * p) / n;
      let lo = start;
      let hi = total;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (prefix[mid]! < target) lo = mid + 1;
        else hi = mid;
      }
      end = Math.min(total, Math.max(start, Math.round(lo / align) * align));
    }
    if (end > start) out.push([start, end]);
    start = end;
  }
  return out;
}

/** Work that finishes at once (void) or later (a Promise): a pooled op's job. */
export type Job = () => void | Promise<void>;

/** Run `next` after `r` (at once when r is not a promise). */
function andThen(r: void | Promise<void>, next: () => void | Promise<void>): void | Promise<void> {
  return r instanceof Promise ? r.then(next) : next();
}

/** Run `cleanup` once `run` has finished, whether it returned, threw or rejected. */
function withCleanup(run: () => void | Promise<void>, cleanup: () => void): void | Promise<void> {
  let r: void | Promise<void>;
  try {
    r = run();
  } catch (e) {
    cleanup();
    throw e;
  }
  if (r instanceof Promise) return r.finally(cleanup);
  cleanup();
}

/** then(r) for a result that may be a promise: at once when it is not. */
function after(r: void | Promise<void>, then: () => void | Promise<void>): void | Promise<void> {
  return r instanceof Promise ? r.then(then) : then();
}

/** The serial form of a job builder: arguments checked at the call, the work queued after the context's. */
function serial<A extends unknown[]>(job: (ctx: WasmContext, ...args: A) => Job) {
  return (ctx: WasmContext, ...args: A): Promise<void> => ctx.serial(job(ctx, ...args));
}

/** The buffers' pointers, in order (a kernel's leading arguments). */
function ptrs<B extends readonly WasmBuffer[]>(...bufs: B): { [K in keyof B]: number } {
  return bufs.map((b) => b.ptr) as { [K in keyof B]: number };
}

/**
 * Run fn over [0, total) on one thread (at once, returning nothing) or split over the pool (returning the
 * promise of the pooled op); argsFor builds a call's arguments.
 */
function rowsOp(
  ctx: WasmContext,
  op: string,
  fn: string,
  total: number,
  pooled: boolean,
  align: number,
  argsFor: (r0: number, r1: number, thread: number) => number[],
  cost?: (i: number) => number,
): void | Promise<void> {
  const pool = ctx.pool;
  if (!pooled || !pool || total < 2) {
    const f = (ctx.exports as unknown as Record<string, (...a: number[]) => void>)[fn]!;
    f(...argsFor(0, total, 0));
    return;
  }
  const ranges = splitByCost(total, pool.threads, align, cost);
  const calls: PoolCall[] = ranges.map(([r0, r1], t) => ({ fn, args: argsFor(r0, r1, t) }));
  return pool.run(op, ctx.exports as unknown as Record<string, unknown>, calls);
}

/** A chunk of about total / parts items, rounded up to a multiple of align. */
function chunkOf(total: number, parts: number, align: number): number {
  return Math.max(align, Math.ceil(total / parts / align) * align);
}

/**
 * Run fn over `chunks` chunks: on this thread, or shared between every thread of the pool when `pooled`. The
 * kernel takes a claim block's address and the op's tag as its last two arguments and claims chunks until none
 * are left (the matmul's and the softmax's, see assembly/share.ts), so a thread the system keeps waiting takes
 * no share of its own, and the op ends when every chunk is finished.
 */
function sharedOp(
  ctx: WasmContext,
  op: string,
  fn: string,
  pooled: boolean,
  chunks: number,
  argsFor: (thread: number) => number[],
): void | Promise<void> {
  const pool = pooled ? ctx.pool : null;
  const exports = ctx.exports as unknown as Record<string, unknown>;
  if (pool) {
    const calls: PoolCall[] = [];
    for (let t = 0; t < pool.threads; t++) calls.push({ fn, args: argsFor(t) });
    return pool.share(op, exports, calls, chunks);
  }
  // A claim block of this op's own, tag 0 (16 bytes: the i64 claim word and the finished count).
  const block = ctx.arena.alloc(4);
  new Int32Array(ctx.memory.buffer, block.ptr, 4).fill(0);
  return withCleanup(
    () => (exports[fn] as (...a: number[]) => void)(...argsFor(0), block.ptr, 0),
    () => ctx.arena.release(block),
  );
}

// ---- matmul ------------------------------------------------------------------------------------------------

/** The shapes of kernels/matmul/shape.ts (MatmulDims: strides 0 for an operand every entry shares) plus the transposes. */
export type MatmulShape = Pick<MatmulDims, "batch" | "M" | "K" | "N" | "strideA" | "strideB"> & {
  transA?: boolean;
  transB?: boolean;
};

/**
 * Chunks per thread of a pooled matmul (by rows or by columns): enough that a thread that starts late still takes
 * a share, and small enough that the op's end does not wait long on one thread's last chunk. In paired rounds
 * in Chromium on a 2-vCPU AMD EPYC VM (2 threads against 1), 8 gave 1.83-1.98x at 256³ where 4 gave 1.74-1.91x,
 * 1.69-2.30x at 4096×64×64 where 4 gave 1.61-2.16x, and no less at 512³-1024³.
 */
const CHUNKS_PER_THREAD = 8;

/** Packed floats of B from which the pooled matmul packs it on every thread. */
const PACK_SHARED_FLOATS = 16384;

/** wasmMatmul's arguments checked now, its work as a job (for a caller that keeps its own queue). */
export function matmulJob(
  ctx: WasmContext,
  a: WasmBuffer,
  b: WasmBuffer,
  c: WasmBuffer,
  s: MatmulShape,
  bias?: WasmBuffer,
): Job {
  const op = "matmul";
  const { batch, M, K, N, strideA, strideB } = s;
  positive(op, "batch", batch);
  positive(op, "M", M);
  positive(op, "K", K, 0);
  positive(op, "N", N);
  need(op, "a", a, strideA ? batch * strideA : M * K);
  need(op, "b", b, strideB ? batch * strideB : K * N);
  need(op, "c", c, batch * M * N);
  if (bias) need(op, "bias", bias, N);
  return () => {
    const e = ctx.exports;
    const [sAm, sAk] = s.transA ? [1, M] : [K, 1];
    const [sBk, sBn] = s.transB ? [1, K] : [N, 1];
    const pool = 2 * batch * M * N * K >= ctx.cutover.flops ? ctx.pool : null;
    // One product with a short K (and few rows): by columns, B read in place (the kernel's column path).
    const colsScratch = batch === 1 ? e.matmulColsScratchFloats(M, K) : 0;
    if (colsScratch > 0) {
      const scr = scratchPtrs(ctx, colsScratch);
      const args = (t: number) => [
        a.ptr,
        b.ptr,
        scr[t]!,
        c.ptr,
        bias ? bias.ptr : 0,
        M,
        K,
        N,
        sAm,
        sAk,
        sBk,
        sBn,
      ];
      const chunk = pool ? chunkOf(N, pool.threads * CHUNKS_PER_THREAD, 8) : N;
      return sharedOp(ctx, op, "matmulCols", !!pool, Math.ceil(N / chunk), (t) => [...args(t), chunk]);
    }
    // One product with a K long against M and N (a weight gradient over a large batch): split over K, one
    // partial per K chunk, summed in chunk order.
    const kChunks = batch === 1 ? e.matmulSplitKChunks(M, K, N) : 0;
    if (kChunks > 0) {
      const scr = scratchPtrs(ctx, e.matmulSplitKScratchFloats(N));
      const partials = ctx.arena.alloc(kChunks * M * N);
      const split = () =>
        sharedOp(ctx, op, "matmulSplitK", !!pool, kChunks, (t) => [
          ...[a.ptr, b.ptr, scr[t]!, partials.ptr, M, K, N, sAm, sAk, sBk, sBn],
        ]);
      return withCleanup(
        () =>
          after(split(), () =>
            e.matmulSumPartials(partials.ptr, kChunks, M * N, c.ptr, bias ? bias.ptr : 0, M, N),
          ),
        () => ctx.arena.release(partials),
      );
    }
    const per = e.matmulPackedSize(K, N);
    const entries = strideB ? batch : 1;
    const pack = ctx.arena.alloc(per * entries);
    // Packing a large B is a tenth or more of the op (a fifth at 64×4096×64): share it too.
    const panels = entries * Math.ceil(N / 8);
    const shareB = pool !== null && per * entries >= PACK_SHARED_FLOATS;
    const packChunk = shareB ? chunkOf(panels, pool.threads * 4, 1) : panels;
    const packB = () =>
      sharedOp(ctx, op, "matmulPackB", shareB, Math.ceil(panels / packChunk), () => [
        ...[b.ptr, pack.ptr, K, N, sBk, sBn, strideB, entries, packChunk],
      ]);
    return withCleanup(
      () =>
        after(packB(), () => {
          const scr = scratchPtrs(ctx, e.matmulScratchFloats());
          const args = (t: number) => [
            ...[a.ptr, pack.ptr, scr[t]!, c.ptr, bias ? bias.ptr : 0, M, K, N, sAm, sAk, strideA],
            strideB ? per : 0,
          ];
          const rows = batch * M;
          // CHUNKS_PER_THREAD at any K. Each chunk passes over all of the packed B; beyond one K block B comes
          // from L3 again, a few % of a chunk's arithmetic.
          const chunks = pool ? pool.threads * CHUNKS_PER_THREAD : 1;
          const chunk = chunkOf(rows, chunks, 4);
          const n = Math.ceil(rows / chunk);
          return sharedOp(ctx, op, "matmulRows", !!pool, n, (t) => [...args(t), rows, chunk]);
        }),
      () => ctx.arena.release(pack),
    );
  };
}

/** c[batch, M, N] = op(a)·op(b) (+ bias[N]). */
export const wasmMatmul = serial(matmulJob);

// ---- attention ---------------------------------------------------------------------------------------------

/** q [BH, T, d], k and v [BH, S, d] (BH = batch × heads). */
export interface AttentionShape {
  BH: number;
  T: number;
  S: number;
  d: number;
  scale: number;
  causal: boolean;
}

function attentionChecks(op: string, s: AttentionShape): void {
  positive(op, "BH", s.BH);
  positive(op, "T", s.T);
  positive(op, "S", s.S);
  positive(op, "d", s.d);
  if (!Number.isFinite(s.scale)) throw new WasmOpError(op, "scale", `must be finite, got ${s.scale}`);
}

/** Keys query row i sees (the contract's rule). */
function visibleKeys(s: AttentionShape, i: number): number {
  return s.causal ? Math.max(0, Math.min(s.S, i + s.S - s.T + 1)) : s.S;
}

function scratchPtrs(ctx: WasmContext, floats: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < ctx.threads; t++) out.push(ctx.scratch(t, floats).ptr);
  return out;
}

/** The buffers of one attention: q [BH, T, d], k and v [BH, S, d] in; out [BH, T, d] and lse [BH, T]. */
export interface WasmAttentionBuffers {
  q: WasmBuffer;
  k: WasmBuffer;
  v: WasmBuffer;
  out: WasmBuffer;
  lse: WasmBuffer;
}

/** The backward's gradients: dout in, dq [BH, T, d] and dk, dv [BH, S, d] out. */
export interface WasmAttentionGrads {
  dout: WasmBuffer;
  dq: WasmBuffer;
  dk: WasmBuffer;
  dv: WasmBuffer;
}

/** Each of the five buffers at least as large as s needs, else a clear error naming it. */
function needAttention(op: string, io: WasmAttentionBuffers, s: AttentionShape): void {
  const { BH, T, S, d } = s;
  need(op, "q", io.q, BH * T * d);
  need(op, "k", io.k, BH * S * d);
  need(op, "v", io.v, BH * S * d);
  need(op, "out", io.out, BH * T * d);
  need(op, "lse", io.lse, BH * T);
}

/** wasmAttention's arguments checked now, its work as a job. */
export function attentionJob(ctx: WasmContext, io: WasmAttentionBuffers, s: AttentionShape): Job {
  const op = "attention";
  attentionChecks(op, s);
  needAttention(op, io, s);
  const { BH, T, S, d } = s;
  const { q, k, v, out, lse } = io;
  return () => {
    const scr = scratchPtrs(ctx, ctx.exports.attentionScratchFloats(d));
    const pooled = 4 * BH * T * S * d * (s.causal ? 0.5 : 1) >= ctx.cutover.flops;
    return rowsOp(
      ctx,
      op,
      "attentionForward",
      BH * T,
      pooled,
      1,
      (r0, r1, t) => [...ptrs(q, k, v, out, lse), scr[t]!, T, S, d, s.scale, s.causal ? 1 : 0, r0, r1],
      (r) => 1 + visibleKeys(s, r % T),
    );
  };
}

/** out [BH, T, d] and lse [BH, T] (natural log; −Infinity and out = 0 for a row that sees no key). */
export const wasmAttention = serial(attentionJob);

/** wasmAttentionBackward's arguments checked now, its work as a job. */
export function attentionBackwardJob(
  ctx: WasmContext,
  io: WasmAttentionBuffers,
  grads: WasmAttentionGrads,
  s: AttentionShape,
): Job {
  const op = "attentionBackward";
  attentionChecks(op, s);
  needAttention(op, io, s);
  const { BH, T, S, d } = s;
  const { q, k, v, out, lse } = io;
  const { dout, dq, dk, dv } = grads;
  for (const [name, buf, n] of [
    ["dout", dout, BH * T * d],
    ["dq", dq, BH * T * d],
    ["dk", dk, BH * S * d],
    ["dv", dv, BH * S * d],
  ] as const) {
    need(op, name, buf, n);
  }
  return () => {
    const e = ctx.exports;
    const delta = ctx.arena.alloc(BH * T);
    const pooled = 8 * BH * T * S * d * (s.causal ? 0.5 : 1) >= ctx.cutover.flops;
    const c = s.causal ? 1 : 0;
    const dqPass = () => {
      const scr = scratchPtrs(ctx, e.attentionScratchFloats(d));
      e.attentionDelta(out.ptr, dout.ptr, delta.ptr, d, 0, BH * T);
      return rowsOp(
        ctx,
        op,
        "attentionBackwardDq",
        BH * T,
        pooled,
        1,
        (r0, r1, t) => [...ptrs(q, k, v, lse, dout, delta, dq), scr[t]!, T, S, d, s.scale, c, r0, r1],
        (r) => 1 + visibleKeys(s, r % T),
      );
    };
    // Key j is seen by the query rows i >= j − (S − T) (causal) or by all T.
    const dkvPass = () =>
      rowsOp(
        ctx,
        op,
        "attentionBackwardDkv",
        BH * S,
        pooled,
        4,
        (c0, c1) => [...ptrs(q, k, v, lse, dout, delta, dk, dv), T, S, d, s.scale, c, c0, c1],
        (j) => 1 + (s.causal ? T - Math.max(0, (j % S) - (S - T)) : T),
      );
    return withCleanup(
      () => andThen(dqPass(), dkvPass),
      () => ctx.arena.release(delta),
    );
  };
}

/** dq [BH, T, d], dk and dv [BH, S, d] from the forward's out and lse (delta = rowsum(dout ⊙ out)). */
export const wasmAttentionBackward = serial(attentionBackwardJob);

// ---- rows: softmax, layer norm -------------------------------------------------------------------------------

/** wasmSoftmax's arguments checked now, its work as a job. */
export function softmaxJob(ctx: WasmContext, x: WasmBuffer, y: WasmBuffer, rows: number, cols: number): Job {
  const op = "softmax";
  positive(op, "rows", rows);
  positive(op, "cols", cols);
  need(op, "x", x, rows * cols);
  need(op, "y", y, rows * cols);
  return () => {
    const pool = rows * cols >= ctx.cutover.rowElements ? ctx.pool : null;
    // Chunks of about 16 K values (a few tens of µs), and at least 4 per thread so the shares can even out.
    const chunk = pool ? Math.min(Math.ceil(16384 / cols), chunkOf(rows, pool.threads * 4, 1)) : rows;
    const n = Math.ceil(rows / chunk);
    return sharedOp(ctx, op, "softmax", !!pool, n, () => [...ptrs(x, y), cols, rows, chunk]);
  };
}

/** Softmax over the last axis (rows × cols); a row of all −Infinity gives zeros. */
export const wasmSoftmax = serial(softmaxJob);

/** wasmSoftmaxLse's arguments checked now, its work as a job. */
export function softmaxLseJob(
  ctx: WasmContext,
  x: WasmBuffer,
  y: WasmBuffer,
  lse: WasmBuffer,
  rows: number,
  cols: number,
  scale: number,
  causalT?: number,
): Job {
  const op = "softmaxLse";
  positive(op, "rows", rows);
  positive(op, "cols", cols);
  if (!Number.isFinite(scale)) throw new WasmOpError(op, "scale", `must be finite, got ${scale}`);
  if (causalT !== undefined) {
    positive(op, "causalT", causalT);
    if (rows % causalT !== 0)
      throw new WasmOpError(op, "causalT", `must divide rows (${rows}), got ${causalT}`);
  }
  need(op, "x", x, rows * cols);
  need(op, "y", y, rows * cols);
  need(op, "lse", lse, rows);
  return () =>
    rowsOp(ctx, op, "softmaxScaled", rows, rows * cols >= ctx.cutover.rowElements, 1, (r0, r1) => [
      ...ptrs(x, y, lse),
      cols,
      scale,
      causalT ?? 0,
      r0,
      r1,
    ]);
}

/**
 * y = softmax(scale·x) per row over the kept columns (all, or with causalT the first i + cols + 1 − causalT
 * for query i = row mod causalT; the others 0) and lse [rows] = log Σ e^(scale·x) over them (−Infinity when
 * none): the contract's softmaxLse.
 */
export const wasmSoftmaxLse = serial(softmaxLseJob);

/** wasmSoftmaxBackward's arguments checked now, its work as a job. */
export function softmaxBackwardJob(
  ctx: WasmContext,
  y: WasmBuffer,
  dy: WasmBuffer,
  dx: WasmBuffer,
  rows: number,
  cols: number,
): Job {
  const op = "softmaxBackward";
  positive(op, "rows", rows);
  positive(op, "cols", cols);
  need(op, "y", y, rows * cols);
  need(op, "dy", dy, rows * cols);
  need(op, "dx", dx, rows * cols);
  return () =>
    rowsOp(ctx, op, "softmaxBackward", rows, rows * cols >= ctx.cutover.rowElements, 1, (r0, r1) => [
      ...ptrs(y, dy, dx),
      cols,
      r0,
      r1,
    ]);
}

/** dx = y ⊙ (dy − Σ dy ⊙ y) per row. */
export const wasmSoftmaxBackward = serial(softmaxBackwardJob);

/** wasmLayerNorm's arguments checked now, its work as a job. */
export function layerNormJob(
  ctx: WasmContext,
  x: WasmBuffer,
  gamma: WasmBuffer,
  beta: WasmBuffer,
  y: WasmBuffer,
  mean: WasmBuffer,
  rstd: WasmBuffer,
  rows: number,
  C: number,
  eps: number,
): Job {
  const op = "layerNorm";
  positive(op, "rows", rows);
  positive(op, "C", C);
  if (!(eps >= 0) || !Number.isFinite(eps))
    throw new WasmOpError(op, "eps", `must be finite and >= 0, got ${eps}`);
  need(op, "x", x, rows * C);
  need(op, "gamma", gamma, C);
  need(op, "beta", beta, C);
  need(op, "y", y, rows * C);
  need(op, "mean", mean, rows);
  need(op, "rstd", rstd, rows);
  return () =>
    rowsOp(ctx, op, "layerNorm", rows, rows * C >= ctx.cutover.rowElements, 1, (r0, r1) => [
      ...ptrs(x, gamma, beta, y, mean, rstd),
      C,
      eps,
      r0,
      r1,
    ]);
}

/** y = (x − mean)·rstd·gamma + beta over the last axis C; writes mean and rstd ([rows] each). */
export const wasmLayerNorm = serial(layerNormJob);

/** dx, and dgamma, dbeta [C] summed over rows. One thread. */
export function wasmLayerNormBackward(
  ctx: WasmContext,
  x: WasmBuffer,
  gamma: WasmBuffer,
  mean: WasmBuffer,
  rstd: WasmBuffer,
  dy: WasmBuffer,
  dx: WasmBuffer,
  dgamma: WasmBuffer,
  dbeta: WasmBuffer,
  rows: number,
  C: number,
): void {
  const op = "layerNormBackward";
  idle(ctx, op);
  positive(op, "rows", rows);
  positive(op, "C", C);
  for (const [name, buf, n] of [
    ["x", x, rows * C],
    ["gamma", gamma, C],
    ["mean", mean, rows],
    ["rstd", rstd, rows],
    ["dy", dy, rows * C],
    ["dx", dx, rows * C],
    ["dgamma", dgamma, C],
    ["dbeta", dbeta, C],
  ] as const) {
    need(op, name, buf, n);
  }
  ctx.exports.layerNormBackward(...ptrs(x, gamma, mean, rstd, dy, dx, dgamma, dbeta), C, 0, rows);
}

// ---- embedding and losses -------------------------------------------------------------------------------------

/**
 * Throws naming op, argument, value and index when ids[0..n) holds a value that is not an integer in
 * [0, limit): a debug check (the ops themselves give zeros for such an id, as the contract says).
 */
export function wasmCheckIndices(
  ctx: WasmContext,
  op: string,
  arg: string,
  ids: WasmBuffer,
  n: number,
  limit: number,
): void {
  need(op, arg, ids, n);
  const bad = ctx.exports.firstBadIndex(ids.ptr, n, limit);
  if (bad >= 0) {
    const value = ctx.arena.view(ids)[bad];
    throw new WasmOpError(op, arg, `must hold integers in [0, ${limit}), got ${value} at index ${bad}`);
  }
}

/** out[n, C] = table[ids[i], :]; an id that is not an integer in [0, V) gives a row of zeros. */
export function wasmEmbedding(
  ctx: WasmContext,
  table: WasmBuffer,
  ids: WasmBuffer,
  out: WasmBuffer,
  V: number,
  C: number,
  n: number,
): void {
  const op = "embedding";
  idle(ctx, op);
  positive(op, "V", V);
  positive(op, "C", C);
  positive(op, "n", n, 0);
  need(op, "table", table, V * C);
  need(op, "ids", ids, n);
  need(op, "out", out, n * C);
  ctx.exports.embedding(table.ptr, ids.ptr, out.ptr, V, C, n);
}

/** dtable[V, C] = scatter-add of dy[n, C] at ids (in order: deterministic); a bad id adds nothing. */
export function wasmEmbeddingBackward(
  ctx: WasmContext,
  ids: WasmBuffer,
  dy: WasmBuffer,
  dtable: WasmBuffer,
  V: number,
  C: number,
  n: number,
): void {
  const op = "embeddingBackward";
  idle(ctx, op);
  positive(op, "V", V);
  positive(op, "C", C);
  positive(op, "n", n, 0);
  need(op, "ids", ids, n);
  need(op, "dy", dy, n * C);
  need(op, "dtable", dtable, V * C);
  ctx.exports.embeddingBackward(ids.ptr, dy.ptr, dtable.ptr, V, C, n);
}

/** loss[0] = mean over rows of −log softmax(logits)[target]; probs [N, C]; a bad target adds 0. */
export function wasmCrossEntropy(
  ctx: WasmContext,
  logits: WasmBuffer,
  targets: WasmBuffer,
  probs: WasmBuffer,
  loss: WasmBuffer,
  N: number,
  C: number,
): void {
  const op = "crossEntropy";
  idle(ctx, op);
  positive(op, "N", N);
  positive(op, "C", C);
  need(op, "logits", logits, N * C);
  need(op, "targets", targets, N);
  need(op, "probs", probs, N * C);
  need(op, "loss", loss, 1);
  const total = ctx.exports.crossEntropy(logits.ptr, targets.ptr, probs.ptr, C, 0, N);
  ctx.arena.view(loss)[0] = total / N;
}

/** dlogits = (probs − onehot(targets))·dloss[0]/N; a bad target has no one-hot. */
export function wasmCrossEntropyBackward(
  ctx: WasmContext,
  probs: WasmBuffer,
  targets: WasmBuffer,
  dloss: WasmBuffer,
  dlogits: WasmBuffer,
  N: number,
  C: number,
): void {
  const op = "crossEntropyBackward";
  idle(ctx, op);
  positive(op, "N", N);
  positive(op, "C", C);
  need(op, "probs", probs, N * C);
  need(op, "targets", targets, N);
  need(op, "dloss", dloss, 1);
  need(op, "dlogits", dlogits, N * C);
  const scale = ctx.arena.view(dloss)[0]! / N;
  ctx.exports.crossEntropyBackward(probs.ptr, targets.ptr, dlogits.ptr, C, scale, 0, N);
}

/** loss[0] = mean((pred − target)²) over n values. */
export function wasmMse(
  ctx: WasmContext,
  pred: WasmBuffer,
  target: WasmBuffer,
  loss: WasmBuffer,
  n: number,
): void {
  const op = "mse";
  idle(ctx, op);
  positive(op, "n", n);
  need(op, "pred", pred, n);
  need(op, "target", target, n);
  need(op, "loss", loss, 1);
  ctx.arena.view(loss)[0] = ctx.exports.sumSquaredError(pred.ptr, target.ptr, n) / n;
}

/** dpred = 2·(pred − target)·dloss[0]/n. */
export function wasmMseBackward(
  ctx: WasmContext,
  pred: WasmBuffer,
  target: WasmBuffer,
  dloss: WasmBuffer,
  dpred: WasmBuffer,
  n: number,
): void {
  const op = "mseBackward";
  idle(ctx, op);
  positive(op, "n", n);
  need(op, "pred", pred, n);
  need(op, "target", target, n);
  need(op, "dloss", dloss, 1);
  need(op, "dpred", dpred, n);
  ctx.exports.mseBackward(pred.ptr, target.ptr, dpred.ptr, n, (2 * ctx.arena.view(dloss)[0]!) / n);
}

// ---- mixture -----------------------------------------------------------------------------------------------

/** The mixture layer's sizes (src/kernels/mixture/shape.ts): K models, N rows, F features, E experts. */
export interface WasmMixtureDims {
  K: number;
  N: number;
  F: number;
  E: number;
}

/** The buffers of the mixture layer's inputs; a bias left out is absent. */
export interface WasmMixtureInputs {
  x: WasmBuffer;
  values: WasmBuffer;
  scores: WasmBuffer;
  valuesBias?: WasmBuffer;
  scoresBias?: WasmBuffer;
}

function checkMixture(op: string, io: WasmMixtureInputs, d: WasmMixtureDims): void {
  positive(op, "K", d.K);
  positive(op, "N", d.N, 0);
  positive(op, "F", d.F, 0);
  positive(op, "E", d.E);
  need(op, "x", io.x, d.N * d.F);
  need(op, "values", io.values, d.K * d.F * d.E);
  need(op, "scores", io.scores, d.K * d.F * d.E);
  if (io.valuesBias) need(op, "valuesBias", io.valuesBias, d.K * d.E);
  if (io.scoresBias) need(op, "scoresBias", io.scoresBias, d.K * d.E);
}

/** y [K, N] and the softmax weights [K, N, E] of the mixture layer, on the calling thread. */
export function wasmMixture(
  ctx: WasmContext,
  io: WasmMixtureInputs,
  y: WasmBuffer,
  weights: WasmBuffer,
  d: WasmMixtureDims,
): void {
  const op = "mixture";
  idle(ctx, op);
  checkMixture(op, io, d);
  need(op, "y", y, d.K * d.N);
  need(op, "weights", weights, d.K * d.N * d.E);
  const { x, values, scores } = io;
  const [bv, bs] = [io.valuesBias?.ptr ?? 0, io.scoresBias?.ptr ?? 0];
  const scr = ctx.scratch(0, 4 * (2 * d.E + d.F)).ptr;
  const { K, N, F, E } = d;
  ctx.exports.mixtureForward(x.ptr, values.ptr, scores.ptr, bv, bs, y.ptr, weights.ptr, K, N, F, E, scr);
}

/** The mixture layer's gradients (dvaluesBias, dscoresBias where the biases are given), on the calling thread. */
export function wasmMixtureBackward(
  ctx: WasmContext,
  io: WasmMixtureInputs & { weights: WasmBuffer; dy: WasmBuffer },
  grads: {
    dx: WasmBuffer;
    dvalues: WasmBuffer;
    dscores: WasmBuffer;
    dvaluesBias?: WasmBuffer;
    dscoresBias?: WasmBuffer;
  },
  d: WasmMixtureDims,
): void {
  const op = "mixtureBackward";
  idle(ctx, op);
  checkMixture(op, io, d);
  const { K, N, F, E } = d;
  need(op, "weights", io.weights, K * N * E);
  need(op, "dy", io.dy, K * N);
  need(op, "dx", grads.dx, N * F);
  need(op, "dvalues", grads.dvalues, K * F * E);
  need(op, "dscores", grads.dscores, K * F * E);
  if (grads.dvaluesBias) need(op, "dvaluesBias", grads.dvaluesBias, K * E);
  if (grads.dscoresBias) need(op, "dscoresBias", grads.dscoresBias, K * E);
  // Lane sums of the weights' gradients and one block's columns, dr and ds: vectors of 4 floats.
  const scr = ctx.scratch(0, 4 * (2 * (F + 1) * E + F + 2 * E)).ptr;
  ctx.exports.mixtureBackward(
    ...ptrs(io.x, io.values, io.scores),
    io.valuesBias?.ptr ?? 0,
    ...ptrs(io.weights, io.dy),
    ...ptrs(grads.dx, grads.dvalues),
    grads.dvaluesBias?.ptr ?? 0,
    grads.dscores.ptr,
    grads.dscoresBias?.ptr ?? 0,
    K,
    N,
    F,
    E,
    scr,
  );
}

// ---- elementwise ------------------------------------------------------------------------------------------

/** The contract's unary ops, plus gelu (tanh approximation). Codes as in assembly/elementwise.ts. */
export const UNARY = { relu: 0, sigmoid: 1, tanh: 2, exp: 3, neg: 4, gelu: 5 } as const;
export type WasmUnaryOp = keyof typeof UNARY;
export const BINARY = { add: 0, sub: 1, mul: 2 } as const;
export type WasmBinaryOp = keyof typeof BINARY;

function unaryCode(op: string): number {
  if (!Object.hasOwn(UNARY, op)) {
    throw new WasmOpError("unary", "op", `must be one of ${Object.keys(UNARY).join(", ")}, got ${op}`);
  }
  return UNARY[op as WasmUnaryOp];
}

export function wasmUnary(ctx: WasmContext, op: WasmUnaryOp, x: WasmBuffer, y: WasmBuffer, n: number): void {
  const code = unaryCode(op);
  idle(ctx, op);
  positive(op, "n", n, 0);
  need(op, "x", x, n);
  need(op, "y", y, n);
  ctx.exports.unary(code, x.ptr, y.ptr, n);
}

/** dx from x (relu, gelu), y = op(x) (sigmoid, tanh, exp), neither (neg); the unread one may be any buffer. */
export function wasmUnaryBackward(
  ctx: WasmContext,
  op: WasmUnaryOp,
  x: WasmBuffer,
  y: WasmBuffer,
  dy: WasmBuffer,
  dx: WasmBuffer,
  n: number,
): void {
  const code = unaryCode(op);
  const name = `${op}Backward`;
  idle(ctx, name);
  positive(name, "n", n, 0);
  if (op === "relu" || op === "gelu") need(name, "x", x, n);
  if (op === "sigmoid" || op === "tanh" || op === "exp") need(name, "y", y, n);
  need(name, "dy", dy, n);
  need(name, "dx", dx, n);
  ctx.exports.unaryBackward(code, x.ptr, y.ptr, dy.ptr, dx.ptr, n);
}

/** out[i] = a[i] op b[i mod period]: b's shape a suffix of a's (period = b's size; 1 for a scalar). */
export function wasmBinary(
  ctx: WasmContext,
  op: WasmBinaryOp,
  a: WasmBuffer,
  b: WasmBuffer,
  out: WasmBuffer,
  n: number,
  period: number,
): void {
  if (!Object.hasOwn(BINARY, op)) {
    throw new WasmOpError("binary", "op", `must be one of ${Object.keys(BINARY).join(", ")}, got ${op}`);
  }
  idle(ctx, op);
  positive(op, "n", n, 0);
  positive(op, "period", period);
  if (n % period !== 0) throw new WasmOpError(op, "period", `must divide n (${n}), got ${period}`);
  need(op, "a", a, n);
  need(op, "b", b, period);
  need(op, "out", out, n);
  ctx.exports.binary(BINARY[op], a.ptr, b.ptr, out.ptr, n, period);
}

/** y = alpha·x + beta. */
export function wasmAffine(
  ctx: WasmContext,
  x: WasmBuffer,
  y: WasmBuffer,
  n: number,
  alpha: number,
  beta: number,
): void {
  const op = "affine";
  idle(ctx, op);
  positive(op, "n", n, 0);
  if (!Number.isFinite(alpha)) throw new WasmOpError(op, "alpha", `must be finite, got ${alpha}`);
  if (!Number.isFinite(beta)) throw new WasmOpError(op, "beta", `must be finite, got ${beta}`);
  need(op, "x", x, n);
  need(op, "y", y, n);
  ctx.exports.affine(x.ptr, y.ptr, n, alpha, beta);
}

/** out[outer, inner] = Σ over the middle axis of x viewed as [outer, len, inner] (sum and sumTo). */
export function wasmSumAxis(
  ctx: WasmContext,
  x: WasmBuffer,
  out: WasmBuffer,
  outer: number,
  len: number,
  inner: number,
): void {
  const op = "sum";
  idle(ctx, op);
  positive(op, "outer", outer);
  positive(op, "len", len, 0);
  positive(op, "inner", inner);
  need(op, "x", x, outer * len * inner);
  need(op, "out", out, outer * inner);
  ctx.exports.sumAxis(x.ptr, out.ptr, outer, len, inner);
}

/** Rank-4 permute (see kernels/elementwise/shape.ts permuteDims: output sizes and input strides per axis). */
export function wasmPermute4(
  ctx: WasmContext,
  x: WasmBuffer,
  y: WasmBuffer,
  outDims4: readonly [number, number, number, number],
  inStrides4: readonly [number, number, number, number],
): void {
  const op = "permute";
  idle(ctx, op);
  const n = outDims4[0] * outDims4[1] * outDims4[2] * outDims4[3];
  need(op, "x", x, n);
  need(op, "y", y, n);
  ctx.exports.permute4(x.ptr, y.ptr, ...outDims4, ...inStrides4);
}

// ---- optimizers ---------------------------------------------------------------------------------------------

/** out[0] = Σ x² over every value of every buffer (f64 accumulation, stored as f32). */
export function wasmSumSquares(ctx: WasmContext, xs: readonly WasmBuffer[], out: WasmBuffer): void {
  const op = "sumSquares";
  idle(ctx, op);
  need(op, "out", out, 1);
  let s = 0;
  for (const x of xs) s += ctx.exports.sumSquares(x.ptr, x.length);
  ctx.arena.view(out)[0] = s;
}

/** Added to the norm before dividing (as in the CPU reference). */
const CLIP_EPS = 1e-6;

export interface WasmClip {
  /** A buffer whose first value is Σ g² over every gradient (from wasmSumSquares). */
  sumSq: WasmBuffer;
  /** Infinity: the non-finite guard alone. */
  maxNorm: number;
}

/** The clip factor, 1 without clip args, or null when the sum of squares is not finite (skip the step). */
export function clipScale(ctx: WasmContext, clip: WasmClip | undefined): number | null {
  if (!clip) return 1;
  const s = ctx.arena.view(clip.sumSq)[0]!;
  if (!Number.isFinite(s)) return null;
  if (clip.maxNorm === Infinity) return 1;
  return Math.min(1, clip.maxNorm / (Math.sqrt(s) + CLIP_EPS));
}

function sameLengths(
  op: string,
  params: readonly WasmBuffer[],
  lists: Record<string, readonly WasmBuffer[]>,
): void {
  for (const [name, list] of Object.entries(lists)) {
    if (list.length !== params.length)
      throw new WasmOpError(
        op,
        name,
        `must list one buffer per parameter (${params.length}), got ${list.length}`,
      );
    list.forEach((b, i) => {
      need(op, `${name}[${i}]`, b, params[i]!.length);
    });
  }
}

/** SGD in place; returns false when the step was skipped by the non-finite guard. */
export function wasmSgdStep(
  ctx: WasmContext,
  params: readonly WasmBuffer[],
  grads: readonly WasmBuffer[],
  momenta: readonly WasmBuffer[],
  hp: { lr: number; momentum: number; weightDecay: number },
  clip?: WasmClip,
): boolean {
  const op = "sgdStep";
  idle(ctx, op);
  sameLengths(op, params, { grads, momenta });
  const scale = clipScale(ctx, clip);
  if (scale === null) return false;
  params.forEach((p, i) => {
    ctx.exports.sgdUpdate(
      p.ptr,
      grads[i]!.ptr,
      momenta[i]!.ptr,
      p.length,
      hp.lr,
      hp.momentum,
      hp.weightDecay,
      scale,
    );
  });
  return true;
}

/** Adam/AdamW in place; returns false when the step was skipped by the non-finite guard. */
export function wasmAdamStep(
  ctx: WasmContext,
  params: readonly WasmBuffer[],
  grads: readonly WasmBuffer[],
  m: readonly WasmBuffer[],
  v: readonly WasmBuffer[],
  hp: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number },
  clip?: WasmClip,
): boolean {
  const op = "adamStep";
  idle(ctx, op);
  sameLengths(op, params, { grads, m, v });
  const scale = clipScale(ctx, clip);
  if (scale === null) return false;
  const bc1 = 1 - hp.beta1 ** hp.step;
  const bc2 = 1 - hp.beta2 ** hp.step;
  params.forEach((p, i) => {
    ctx.exports.adamUpdate(
      p.ptr,
      grads[i]!.ptr,
      m[i]!.ptr,
      v[i]!.ptr,
      p.length,
      hp.lr,
      hp.beta1,
      hp.beta2,
      hp.eps,
      hp.weightDecay,
      bc1,
      bc2,
      scale,
    );
  });
  return true;
}

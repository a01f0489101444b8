// A worker with its own one-thread wasm engine and its own M×K×N matmul (no shared memory with the page, no
// pool), used two ways:
// - the cores-together probe (cores-together.ts): products back to back for as long as it is asked ("run"),
//   reporting how many it finished and in how long;
// - a busy copy (busy-copies.ts): products back to back from "loop" until the page sets the stop word, so that
//   a one-thread trial on the page runs while every other core does the same work.

import { createWasmContext, type WasmBuffer, type WasmContext, wasmMatmul } from "../../src/wasm";

export type ProbeRequest =
  | { type: "init"; M: number; K: number; N: number }
  | { type: "run"; ms: number }
  | { type: "loop"; stop: Int32Array };
export type ProbeReply =
  | { type: "ready" }
  | { type: "looping" }
  | { type: "ran"; calls: number; elapsedMs: number }
  | { type: "error"; message: string };

let engine: { ctx: WasmContext; a: WasmBuffer; b: WasmBuffer; c: WasmBuffer; shape: Shape } | null = null;

interface Shape {
  batch: 1;
  M: number;
  K: number;
  N: number;
  strideA: 0;
  strideB: 0;
}

async function init(M: number, K: number, N: number): Promise<void> {
  const ctx = await createWasmContext({ threads: 1 });
  const a = ctx.arena.alloc(M * K);
  const b = ctx.arena.alloc(K * N);
  const c = ctx.arena.alloc(M * N);
  const av = ctx.arena.view(a);
  const bv = ctx.arena.view(b);
  for (let i = 0; i < M * K; i++) av[i] = ((i * 7919) % 1000) / 500 - 1;
  for (let i = 0; i < K * N; i++) bv[i] = ((i * 104729) % 1000) / 500 - 1;
  engine = { ctx, a, b, c, shape: { batch: 1, M, K, N, strideA: 0, strideB: 0 } };
  // Compiled and warm before the first timed run.
  for (let i = 0; i < 3; i++) await product();
}

function product(): Promise<void> {
  const e = engine!;
  return wasmMatmul(e.ctx, e.a, e.b, e.c, e.shape);
}

async function run(ms: number): Promise<ProbeReply> {
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < ms) {
    await product();
    calls++;
  }
  return { type: "ran", calls, elapsedMs: performance.now() - t0 };
}

/** Products until stop[0] is set (the page sets it; this loop never yields to the message queue). */
async function loop(stop: Int32Array): Promise<ProbeReply> {
  const t0 = performance.now();
  await product();
  self.postMessage({ type: "looping" } satisfies ProbeReply);
  let calls = 1;
  while (Atomics.load(stop, 0) === 0) {
    await product();
    calls++;
  }
  return { type: "ran", calls, elapsedMs: performance.now() - t0 };
}

self.onmessage = async (e: MessageEvent<ProbeRequest>) => {
  const msg = e.data;
  try {
    if (msg.type === "init") {
      await init(msg.M, msg.K, msg.N);
      self.postMessage({ type: "ready" } satisfies ProbeReply);
    } else if (!engine) {
      self.postMessage({ type: "error", message: `${msg.type} before init` } satisfies ProbeReply);
    } else {
      self.postMessage(msg.type === "run" ? await run(msg.ms) : await loop(msg.stop));
    }
  } catch (err) {
    self.postMessage({ type: "error", message: (err as Error).message } satisfies ProbeReply);
  }
};

// A worker of the cores-together probe (cores-together.ts): its own one-thread wasm engine and its own n×n×n
// matmul, run back to back for as long as it is asked, reporting how many products it finished and in how long.

import { createWasmContext, type WasmBuffer, type WasmContext, wasmMatmul } from "../../src/wasm";

export type ProbeRequest = { type: "init"; n: number } | { type: "run"; ms: number };
export type ProbeReply =
  | { type: "ready" }
  | { type: "ran"; calls: number; elapsedMs: number }
  | { type: "error"; message: string };

let engine: { ctx: WasmContext; a: WasmBuffer; b: WasmBuffer; c: WasmBuffer; n: number } | null = null;

async function init(n: number): Promise<void> {
  const ctx = await createWasmContext({ threads: 1 });
  const a = ctx.arena.alloc(n * n);
  const b = ctx.arena.alloc(n * n);
  const c = ctx.arena.alloc(n * n);
  const av = ctx.arena.view(a);
  const bv = ctx.arena.view(b);
  for (let i = 0; i < n * n; i++) {
    av[i] = ((i * 7919) % 1000) / 500 - 1;
    bv[i] = ((i * 104729) % 1000) / 500 - 1;
  }
  engine = { ctx, a, b, c, n };
  // Compiled and warm before the first timed run.
  for (let i = 0; i < 3; i++) await product();
}

function product(): Promise<void> {
  const e = engine!;
  return wasmMatmul(e.ctx, e.a, e.b, e.c, { batch: 1, M: e.n, K: e.n, N: e.n, strideA: 0, strideB: 0 });
}

async function run(ms: number): Promise<ProbeReply> {
  if (!engine) return { type: "error", message: "run before init" };
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < ms) {
    await product();
    calls++;
  }
  return { type: "ran", calls, elapsedMs: performance.now() - t0 };
}

self.onmessage = async (e: MessageEvent<ProbeRequest>) => {
  const msg = e.data;
  try {
    if (msg.type === "init") {
      await init(msg.n);
      self.postMessage({ type: "ready" } satisfies ProbeReply);
    } else {
      self.postMessage(await run(msg.ms));
    }
  } catch (err) {
    self.postMessage({ type: "error", message: (err as Error).message } satisfies ProbeReply);
  }
};

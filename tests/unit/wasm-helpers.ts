// Shared by the tests/unit/wasm-*.test.ts files: the engine configurations every kernel is checked in (one
// thread on the single-memory module, and two threads over shared memory with the pool forced on for every
// size, both built with relaxed SIMD, which vite.config.ts turns on in Node 20; and one thread on the plain SIMD
// build), buffers in and out of wasm memory, and the |got − ref| <= atol + rtol·|ref| comparison against the
// float64 CPU reference.

import { afterAll, beforeAll, expect } from "vitest";
import type { Tensor } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import type { CpuTensor } from "../../src/backend/cpu-tensor";
import { Rng } from "../../src/util/rng";
import { createWasmContext, type WasmBuffer, type WasmContext } from "../../src/wasm";

export const ref = CpuBackend.reference("f64");

export interface Engine {
  name: string;
  ctx: WasmContext;
}

/** 1 thread (single module), 2 threads (pool, used for every op size), both relaxed SIMD; 1 thread plain SIMD. */
export async function engines(): Promise<Engine[]> {
  const one = await createWasmContext({ threads: 1 });
  const two = await createWasmContext({ threads: 2, cutover: { flops: 0, rowElements: 0 } });
  const plain = await createWasmContext({ threads: 1, relaxedSimd: false });
  if (two.threads !== 2) throw new Error(`the 2-thread engine has ${two.threads} thread(s): ${two.reason}`);
  if (!one.relaxed || !two.relaxed || plain.relaxed)
    throw new Error("the relaxed-SIMD build must be loaded by default and the plain one on request");
  return [
    { name: "1 thread", ctx: one },
    { name: "2 threads", ctx: two },
    { name: "1 thread, plain SIMD", ctx: plain },
  ];
}

export function disposeAll(list: Engine[]): void {
  for (const e of list) e.ctx.dispose();
}

/** The engines of a test file: made before its first test, disposed after its last (filled in by then). */
export function useEngines(): readonly Engine[] {
  const list: Engine[] = [];
  beforeAll(async () => {
    list.push(...(await engines()));
  });
  afterAll(() => disposeAll(list));
  return list;
}

export function upload(ctx: WasmContext, data: ArrayLike<number>): WasmBuffer {
  const b = ctx.arena.alloc(data.length);
  ctx.arena.view(b).set(data);
  return b;
}

/** A buffer of n values filled with a NaN sentinel (so a value the kernel forgot to write shows up). */
export function output(ctx: WasmContext, n: number): WasmBuffer {
  const b = ctx.arena.alloc(n);
  ctx.arena.view(b).fill(Number.NaN);
  return b;
}

export function download(ctx: WasmContext, b: WasmBuffer): Float32Array {
  return Float32Array.from(ctx.arena.view(b));
}

/** f32-representable uniform values in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.uniform(lo, hi);
  return out;
}

export function refData(t: Tensor): Float64Array {
  return Float64Array.from((t as CpuTensor).data);
}

/**
 * Every element within atol + rtol·|ref|; a non-finite reference must be matched exactly (NaN by NaN,
 * ±Infinity by the same infinity).
 */
export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  atol: number,
  rtol: number,
  what: string,
) {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!Number.isFinite(w)) {
      if (Number.isNaN(w)) expect(Number.isNaN(g), `${what}[${i}]: want NaN, got ${g}`).toBe(true);
      else expect(g, `${what}[${i}]`).toBe(w);
      continue;
    }
    const excess = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Infinity : excess;
      worstAt = i;
    }
  }
  if (worstAt >= 0) {
    expect.fail(
      `${what}[${worstAt}]: got ${got[worstAt]}, want ${want[worstAt]} (atol ${atol}, rtol ${rtol}), ${want.length} values`,
    );
  }
}

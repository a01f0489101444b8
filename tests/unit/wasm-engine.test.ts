// The wasm engine around the kernels: loading (a module that does not compile or instantiate gives a
// WasmUnavailableError with the reason; a relaxed-SIMD build that does not compile leaves the plain one), the
// module's data staying below the arena, the arena (reuse, merging, growth, double free), one thread with the
// reason when memory cannot be shared, the pool's order of ops, the rows a pooled softmax claims from the claim
// block, and its faults: a kernel that traps on a worker rejects naming the op and the worker; a worker that
// dies in an op of fixed shares rejects naming the op, and in a shared op the op is whole or rejects; after
// either, later ops say the pool is down. The protocol under stress is in wasm-pool-stress.test.ts.

import { readFile } from "node:fs/promises";
import { afterAll, describe, expect, test, vi } from "vitest";
import {
  Arena,
  createWasmContext,
  splitByCost,
  type WasmContext,
  WasmUnavailableError,
  WorkerPoolError,
  wasmMatmul,
  wasmSoftmax,
  wasmUnary,
} from "../../src/wasm";
import { compileKernels, createMemory, HEAP_BASE, instantiateKernels } from "../../src/wasm/module";
import { expectClose, ref, refData, uniform, upload } from "./wasm-helpers";

const opened: WasmContext[] = [];
afterAll(() => {
  for (const c of opened) c.dispose();
});

async function open(threads: number, opts: { relaxedSimd?: boolean } = {}): Promise<WasmContext> {
  const c = await createWasmContext({ threads, ...opts });
  opened.push(c);
  return c;
}

describe("wasm module", () => {
  test("bytes that are not a module give WasmUnavailableError with the reason", async () => {
    const err = await compileKernels("single", new Uint8Array([0, 97, 115, 109, 9, 9])).catch((e) => e);
    expect(err).toBeInstanceOf(WasmUnavailableError);
    expect(err.reason).toMatch(/the single module did not compile \(WebAssembly SIMD needed\)/);
  });

  test("the relaxed-SIMD build by default, the plain one on request or when the relaxed one does not compile", async () => {
    expect((await open(1)).relaxed).toBe(true);
    expect((await open(1, { relaxedSimd: false })).relaxed).toBe(false);
    const compile = vi.spyOn(WebAssembly, "compile");
    compile.mockRejectedValueOnce(new WebAssembly.CompileError("invalid opcode 0xfd 0x105"));
    try {
      const c = await open(1);
      expect(compile).toHaveBeenCalledTimes(2);
      expect(c.relaxed).toBe(false);
      const one = upload(c, [2]);
      const out = upload(c, [0]);
      await wasmMatmul(c, one, one, out, { batch: 1, M: 1, K: 1, N: 1, strideA: 0, strideB: 0 });
      expect(c.arena.view(out)[0]).toBe(4);
    } finally {
      vi.restoreAllMocks();
    }
  });

  test("the threads module over an unshared memory does not instantiate, with the reason", async () => {
    const module = await compileKernels("threads");
    expect(() => instantiateKernels(module, createMemory(false, 2))).toThrow(
      /WebAssembly kernels unavailable: the module did not instantiate: .*shared/,
    );
  });

  test("the module's own data lies below HEAP_BASE, where the arena starts", async () => {
    for (const variant of ["single", "threads"] as const) {
      for (const build of ["", "-relaxed"]) {
        const file = `kernels-${variant}${build}.wasm`;
        const bytes = await readFile(new URL(`../../src/wasm/build/${file}`, import.meta.url));
        const memory = createMemory(variant === "threads", 4);
        instantiateKernels(await compileKernels(variant, bytes), memory);
        const u8 = new Uint8Array(memory.buffer);
        expect(
          u8.subarray(HEAP_BASE).some((b) => b !== 0),
          file,
        ).toBe(false);
      }
    }
  });
});

describe("arena", () => {
  test("reuses freed blocks, merges neighbours, grows the memory, refuses a double free", () => {
    const memory = createMemory(false, 2);
    const arena = new Arena(memory);
    const a = arena.alloc(5);
    const b = arena.alloc(100);
    const c = arena.alloc(3);
    expect(a.ptr).toBe(HEAP_BASE);
    expect(b.ptr % 16).toBe(0);
    expect(c.ptr).toBe(b.ptr + 400);
    arena.release(a);
    arena.release(b);
    // a and b merged: a block of their combined size fits where a was.
    const d = arena.alloc(104);
    expect(d.ptr).toBe(HEAP_BASE);
    arena.release(c);
    expect(() => arena.release(c)).toThrow(/no live block at \d+ \(freed twice\?\)/);
    // First fit: the 16 bytes left after d, merged with the freed c.
    const c2 = arena.alloc(3);
    expect(c2.ptr).toBe(HEAP_BASE + 416);
    const big = arena.alloc(1 << 20);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(big.ptr + 4 * (1 << 20));
    arena.view(big).fill(2);
    expect(arena.view(big)[(1 << 20) - 1]).toBe(2);
    expect(arena.bytesInUse).toBe(416 + 16 + 4 * (1 << 20));
  });
});

describe("threads", () => {
  test("two threads run a pool; one thread runs none", async () => {
    const two = await open(2);
    expect(two.threads).toBe(2);
    expect(two.variant).toBe("threads");
    expect(two.pool?.threads).toBe(2);
    const one = await open(1);
    expect(one.threads).toBe(1);
    expect(one.pool).toBeNull();
  });

  test("without SharedArrayBuffer: one thread, and the reason says why", async () => {
    const g = globalThis as { SharedArrayBuffer?: unknown };
    const saved = g.SharedArrayBuffer;
    g.SharedArrayBuffer = undefined;
    try {
      const c = await open(2);
      expect(c.threads).toBe(1);
      expect(c.variant).toBe("single");
      expect(c.reason).toMatch(/1 thread: SharedArrayBuffer is unavailable .*cross-origin isolated/);
    } finally {
      g.SharedArrayBuffer = saved;
    }
  });

  test("splitByCost balances a causal triangle and covers every row once", () => {
    const ranges = splitByCost(1000, 2, 4, (i) => i + 1);
    expect(ranges[0]![0]).toBe(0);
    expect(ranges[1]![0]).toBe(ranges[0]![1]);
    expect(ranges[1]![1]).toBe(1000);
    // Half the total cost (≈ 250k) is reached near row 707, not 500.
    expect(ranges[0]![1]).toBeGreaterThan(690);
    expect(ranges[0]![1]).toBeLessThan(720);
    expect(ranges[0]![1] % 4).toBe(0);
  });

  test("rows claimed from the claim block: 100 pooled softmaxes in a row are each complete and right, and the arena is left as it was", async () => {
    const c = await createWasmContext({ threads: 2, cutover: { rowElements: 0, flops: 0 } });
    opened.push(c);
    // 512 rows of 256 in chunks of 64: long enough that the worker wakes while rows are left to claim.
    const rows = 512;
    const cols = 256;
    const x = uniform(rows * cols, 5, -4, 4);
    const want = refData(ref.softmax(ref.tensor(x, [rows, cols])));
    const X = upload(c, x);
    const Y = c.arena.alloc(rows * cols);
    const inUse = c.arena.bytesInUse;
    for (let i = 0; i < 100; i++) {
      c.arena.view(Y).fill(Number.NaN);
      await wasmSoftmax(c, X, Y, rows, cols);
      expectClose(c.arena.view(Y), want, 1e-6, 1e-5, `round ${i}`);
    }
    expect(c.arena.bytesInUse).toBe(inUse);
  });

  test("a synchronous op while a pooled op runs is refused", async () => {
    const c = await open(2);
    const n = 256;
    const a = upload(c, new Float32Array(n * n).fill(1));
    const out = c.arena.alloc(n * n);
    const pending = wasmMatmul(c, a, a, out, { batch: 1, M: n, K: n, N: n, strideA: 0, strideB: 0 });
    expect(() => wasmUnary(c, "relu", a, a, 4)).toThrow(/relu: context has a pooled op still running/);
    await pending;
    expect(c.arena.view(out)[0]).toBe(n);
  });

  test("a kernel that traps on a worker rejects naming the op and the worker", async () => {
    const c = await open(2);
    const err = await c
      .pool!.run("sumSquares-test", c.exports as unknown as Record<string, unknown>, [
        { fn: "sumSquares", args: [HEAP_BASE, 4] },
        { fn: "sumSquares", args: [2 ** 31 - 8, 64] },
      ])
      .catch((e) => e);
    expect(err).toBeInstanceOf(WorkerPoolError);
    expect(err.message).toMatch(/^sumSquares-test: failed on worker 1: memory access out of bounds/);
    // The pool still works afterwards.
    await c.pool!.run("again", c.exports as unknown as Record<string, unknown>, [
      { fn: "sumSquares", args: [HEAP_BASE, 4] },
      { fn: "sumSquares", args: [HEAP_BASE, 4] },
    ]);
  });

  test("a worker that dies in an op of fixed shares rejects naming the op; later ops say the pool is down", async () => {
    const c = await open(2);
    // 32 M floats of squares on the worker: long enough (tens of ms) that the kill lands while it runs.
    const big = c.arena.alloc(32 * 1024 * 1024);
    const exports = c.exports as unknown as Record<string, unknown>;
    const pending = c.pool!.run("sumSquares-long", exports, [
      { fn: "sumSquares", args: [HEAP_BASE, 4] },
      { fn: "sumSquares", args: [big.ptr, big.length] },
    ]);
    c.pool!.killWorker(0);
    const err = await pending.catch((e) => e);
    expect(err).toBeInstanceOf(WorkerPoolError);
    expect(err.message).toMatch(/^sumSquares-long: worker 1 exited with code \d+ while running it/);
    const again = await c
      .pool!.run("again", exports, [{ fn: "sumSquares", args: [HEAP_BASE, 4] }])
      .catch((e) => e);
    expect(again.message).toMatch(/^again: the worker pool is down \(worker 1 exited/);
  });

  test("a worker that dies in a shared op: the op is right or rejects naming the op, never wrong", async () => {
    const c = await open(2);
    const n = 768;
    const a = upload(c, new Float32Array(n * n).fill(0.5));
    const out = c.arena.alloc(n * n);
    c.arena.view(out).fill(Number.NaN);
    const shape = { batch: 1, M: n, K: n, N: n, strideA: 0, strideB: 0 };
    const pending = wasmMatmul(c, a, a, out, shape);
    c.pool!.killWorker(0);
    const result = await pending.then(
      () => null,
      (e) => e,
    );
    if (result === null) {
      // The main thread took every chunk the worker did not finish: the product is whole.
      expect(c.arena.view(out).every((x) => x === n * 0.25)).toBe(true);
    } else {
      expect(result).toBeInstanceOf(WorkerPoolError);
      expect(result.message).toMatch(/^matmul: worker 1 exited with code \d+ while running it/);
    }
    await vi.waitFor(() => expect(c.pool!.broken).toMatch(/^worker 1 exited/));
    const again = await wasmMatmul(c, a, a, out, shape).catch((e) => e);
    expect(again.message).toMatch(/^matmul: the worker pool is down \(worker 1 exited/);
  });
});

// The WebAssembly engine: the compiled kernels, one memory, the arena over it, and (when the page can share
// memory) a pool of workers over the same memory. `threads` says how many threads ops may use and `reason`
// why, so a caller can show it ("2 threads" or "1 thread: the page is not cross-origin isolated").

import { Arena, type WasmBuffer } from "./arena";
import {
  compileKernels,
  createMemory,
  HEAP_BASE,
  instantiateKernels,
  type KernelExports,
  type ModuleVariant,
} from "./module";
import { controlBytes, WorkerPool } from "./pool";
import { relaxedSimdSupported } from "./relaxed";

export interface WasmContextOptions {
  /** Threads to use (main thread included); defaults to the number of cores. */
  threads?: number;
  /** Initial memory in 64 KiB pages (it grows on demand). */
  initialPages?: number;
  /** When ops go to the pool (default DEFAULT_CUTOVER, measured: see the table in ops.ts). */
  cutover?: Partial<Cutover>;
  /**
   * Use the relaxed-SIMD build (fused multiply-adds in the matmul and the softmax exp) when the engine has
   * relaxed SIMD (default true); false keeps the plain SIMD build.
   */
  relaxedSimd?: boolean;
}

/** Sizes from which an op is split over the pool. */
export interface Cutover {
  /** Multiply-adds × 2 of a matmul or attention pass. */
  flops: number;
  /** Elements of a row op (softmax, layer norm). */
  rowElements: number;
}

/** Measured on a 2-core machine: see the table in ops.ts. */
export const DEFAULT_CUTOVER: Cutover = { flops: 8e6, rowElements: 131072 };

export interface WasmContext {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly arena: Arena;
  /** null with one thread. */
  readonly pool: WorkerPool | null;
  /** Threads ops may use, the main one included. */
  readonly threads: number;
  /** Why `threads` is what it is. */
  readonly reason: string;
  readonly variant: ModuleVariant;
  /** True when the module is the relaxed-SIMD build. */
  readonly relaxed: boolean;
  readonly cutover: Cutover;
  /** Per-thread scratch of at least `floats` floats (reallocated when too small). */
  scratch(thread: number, floats: number): WasmBuffer;
  /**
   * Run `job` after every job queued before it has finished (pooled ops are asynchronous; this keeps them,
   * and what reads their results, in order).
   */
  serial<T>(job: () => T | Promise<T>): Promise<T>;
  /** True while a queued job has not finished: a synchronous op must not touch the memory then. */
  readonly busy: boolean;
  /** Stop the workers. The memory and its buffers stay readable. */
  dispose(): void;
}

async function coreCount(): Promise<number> {
  if (typeof navigator !== "undefined" && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  try {
    const os = await import("node:os");
    return os.availableParallelism?.() ?? os.cpus().length;
  } catch {
    return 1;
  }
}

/** Why memory cannot be shared with workers here, or null when it can. */
export function sharingUnavailable(): string | null {
  if (typeof SharedArrayBuffer === "undefined") {
    return "SharedArrayBuffer is unavailable (the page is not cross-origin isolated: it needs the COOP/COEP headers)";
  }
  const g = globalThis as { crossOriginIsolated?: boolean; window?: unknown };
  if (g.window !== undefined && g.crossOriginIsolated === false) {
    return "the page is not cross-origin isolated (it needs the COOP/COEP headers)";
  }
  return null;
}

/**
 * Compile and instantiate the kernels and start the pool. Throws WasmUnavailableError when the module cannot
 * be compiled or instantiated here (the caller falls back, showing `reason`); a pool that cannot start leaves
 * one thread, with the cause in `reason`.
 */
export async function createWasmContext(opts: WasmContextOptions = {}): Promise<WasmContext> {
  const cores = await coreCount();
  let threads = Math.max(1, Math.floor(opts.threads ?? cores));
  let reason = opts.threads !== undefined ? `${threads} thread(s) requested` : `${cores} core(s)`;
  const blocked = threads > 1 ? sharingUnavailable() : null;
  if (blocked) {
    threads = 1;
    reason = `1 thread: ${blocked}`;
  }
  const variant: ModuleVariant = threads > 1 ? "threads" : "single";
  // The relaxed-SIMD build where the engine validates it; the plain build if that one does not compile either.
  let relaxed = opts.relaxedSimd !== false && relaxedSimdSupported();
  let module: WebAssembly.Module;
  try {
    module = await compileKernels(variant, undefined, relaxed);
  } catch (e) {
    if (!relaxed) throw e;
    relaxed = false;
    module = await compileKernels(variant);
  }
  const memory = createMemory(variant === "threads", opts.initialPages ?? 256);
  const exports = instantiateKernels(module, memory);
  const arena = new Arena(memory);
  let pool: WorkerPool | null = null;
  if (threads > 1) {
    const workers = threads - 1;
    const ctl = arena.alloc(controlBytes(workers) / 4);
    try {
      pool = await WorkerPool.create(module, memory, ctl.ptr, workers, Object.keys(exports));
    } catch (e) {
      threads = 1;
      reason = `1 thread: the workers did not start (${(e as Error).message})`;
    }
  }
  const scratch: (WasmBuffer | undefined)[] = [];
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;
  if (HEAP_BASE % 16 !== 0) throw new Error("HEAP_BASE must be 16-byte aligned");
  return {
    exports,
    memory,
    arena,
    pool,
    threads,
    reason,
    variant,
    relaxed,
    cutover: { ...DEFAULT_CUTOVER, ...opts.cutover },
    scratch(thread, floats) {
      const have = scratch[thread];
      if (have && have.length >= floats) return have;
      if (have) arena.release(have);
      const b = arena.alloc(floats);
      scratch[thread] = b;
      return b;
    },
    serial<T>(job: () => T | Promise<T>): Promise<T> {
      pending++;
      const next = tail.then(job).finally(() => {
        pending--;
      });
      tail = next.catch(() => undefined);
      return next;
    },
    get busy() {
      return pending > 0;
    },
    dispose() {
      pool?.terminate();
    },
  };
}

// The wasm backend: the op contract on the WebAssembly SIMD engine (src/wasm), as one more table (wasm-ops.ts)
// over one more tensor type (wasm-tensor.ts). Tensors live in the engine's linear memory; the large ops are split
// over a pool of workers sharing that memory when the page is cross-origin isolated (Node always is).
//
// The contract is synchronous and a pooled op is not, so the backend keeps a queue like WebGPU's: an op's
// arguments are checked and its outputs allocated at once, and its kernel runs after every op queued before it
// (at once when nothing is queued, which is every op of a small model: those run below the pool's cut-over and
// never wait). `read` is the synchronisation point: it resolves after every op queued before it, and rejects
// with the first failure of a queued op. A worker that dies mid-op is reported as a lost device naming the op
// (WasmWorkerLostError, a DeviceLostError), so training resumes from its last checkpoint as on a lost GPU.

import { DeviceLostError } from "../gpu/errors";
import type { Shape } from "../kernels/validate";
import {
  createWasmContext,
  type Job,
  type WasmBuffer,
  type WasmContext,
  type WasmContextOptions,
  WorkerPoolError,
} from "../wasm";
import type { Backend } from "./contract";
import { type OpTable, type Storage, TableBackend } from "./table";
import { WASM_OPS, type WasmOpContext, type WasmVariants } from "./wasm-ops";
import { type WasmOwner, WasmTensor } from "./wasm-tensor";

export type { WasmVariants };

/** The variant of each op (one each). */
export const WASM_DEFAULT: WasmVariants = { matmul: "simd", softmax: "simd", attention: "fused" };

/** A worker of the pool died (or the pool is down): the op it was running is named, its results are lost. */
export class WasmWorkerLostError extends DeviceLostError {
  override name = "WasmWorkerLostError";
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(`wasm backend: ${message}`);
  }
}

/** The tensor type; `self.be` is the backend, set once it is constructed (its tensors name it as owner). */
function storage(self: { be?: WasmBackend }): Storage<WasmTensor> {
  const backend = (): WasmBackend => self.be!;
  return {
    name: "wasm",
    is: (t): t is WasmTensor => t instanceof WasmTensor && t.owner === self.be,
    make: (data, shape) => {
      const be = backend();
      const buf = be.engine.arena.alloc(data.length);
      be.engine.arena.view(buf).set(data);
      return new WasmTensor(be, shape, buf);
    },
    read: (t) => backend().readNow(t.buf),
    view: (t, shape) => t.view(shape),
    copy: (dst, src) => {
      const [d, s] = [dst.buf, src.buf];
      const be = backend();
      be.run(() => {
        if (d.ptr !== s.ptr)
          new Float32Array(be.engine.memory.buffer).copyWithin(d.ptr / 4, s.ptr / 4, s.ptr / 4 + s.length);
      });
    },
    wrap: (x) => x,
  };
}

export class WasmBackend
  extends TableBackend<WasmTensor, WasmOpContext>
  implements Backend, WasmOpContext, WasmOwner
{
  variants: WasmVariants = { ...WASM_DEFAULT };
  /** The end of the queue, or null when nothing is queued. */
  private tail: Promise<void> | null = null;
  /** The first failure of a queued op: the next read rejects with it (every later one too if a worker died). */
  private failure: Error | null = null;

  constructor(readonly engine: WasmContext) {
    const self: { be?: WasmBackend } = {};
    super(storage(self), WASM_OPS as OpTable<WasmOpContext, never, unknown>);
    self.be = this;
  }

  /** A backend on a new engine (throws WasmUnavailableError when the module cannot run here). */
  static async create(opts: WasmContextOptions = {}): Promise<WasmBackend> {
    return new WasmBackend(await createWasmContext(opts));
  }

  get threads(): number {
    return this.engine.threads;
  }

  get description(): string {
    const t = this.engine.threads;
    return `WebAssembly SIMD, ${t} thread${t === 1 ? "" : "s"} (${this.engine.reason})`;
  }

  protected context(): WasmOpContext {
    return this;
  }

  /** Run `job` after every job queued before it; at once (synchronously) when nothing is queued. */
  run(job: Job): void {
    if (this.tail === null) {
      const r = job();
      if (r instanceof Promise) this.track(r);
      return;
    }
    this.track(this.tail.then(job));
  }

  private track(p: Promise<void>): void {
    const t: Promise<void> = p.then(
      () => {
        if (this.tail === t) this.tail = null;
      },
      (e: unknown) => {
        this.failure ??= this.asBackendError(e);
        if (this.tail === t) this.tail = null;
      },
    );
    this.tail = t;
  }

  outputs<N extends Shape[]>(
    _op: string,
    shapes: [...N],
    fill: (...outs: { [K in keyof N]: WasmTensor }) => void,
  ): { [K in keyof N]: WasmTensor } {
    const outs = shapes.map((s) => {
      let n = 1;
      for (const d of s) n *= d;
      return new WasmTensor(this, [...s], this.engine.arena.alloc(n));
    });
    const typed = outs as { [K in keyof N]: WasmTensor };
    try {
      fill(...typed);
    } catch (e) {
      for (const t of outs) t.dispose();
      throw e;
    }
    return typed;
  }

  releaseBlock(buf: WasmBuffer): void {
    // Through the queue: an op queued before the dispose may still read or write the block.
    this.run(() => this.engine.arena.release(buf));
  }

  /** A copy of the buffer's values once every op queued before has run. */
  readNow(buf: WasmBuffer): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.run(() => {
        const f = this.takeFailure();
        if (f) reject(f);
        else resolve(Float32Array.from(this.engine.arena.view(buf)));
      });
    });
  }

  /** Resolves when every queued op has run; rejects with the first failure. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.run(() => {
        const f = this.takeFailure();
        if (f) reject(f);
        else resolve();
      });
    });
  }

  /** The failure to report, cleared unless the pool is down (then every read reports it). */
  private takeFailure(): Error | null {
    const f = this.failure;
    if (f && !(f instanceof WasmWorkerLostError)) this.failure = null;
    return f;
  }

  /** Stop the workers (the tensors stay readable). */
  dispose(): void {
    this.engine.dispose();
  }

  /** A pool that lost a worker as a lost device naming the op; other errors as they are. */
  private asBackendError(e: unknown): Error {
    if (e instanceof WorkerPoolError && this.engine.pool?.broken)
      return new WasmWorkerLostError(e.op, e.message);
    return e instanceof Error ? e : new Error(String(e));
  }
}

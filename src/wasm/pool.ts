// A pool of workers over one shared WebAssembly.Memory: each worker instantiates the kernel module over that
// memory and waits on a control block in it. An op is a list of calls (export name + numeric arguments), one
// per thread: the main thread runs the first itself while the workers run the others. Web Workers in the
// browser, worker_threads in Node.
//
// Two kinds of op:
// - fixed shares (`run`): every call must run, so the op ends when every worker has counted itself done;
// - shared chunks (`share`): the threads claim chunks of one op from the claim block (assembly/share.ts), and the
//   op ends when every chunk is finished. A worker the system wakes late finds none left and the op does not
//   wait for it; when it does wake, the claim block carries a newer op's tag, so it touches nothing.
//
// Control block (controlBytes(workers), 8-byte aligned, allocated by the caller in the shared memory):
//   i32 [0] generation (bumped to start an op)  [1] workers done  [2] failing worker + 1, or 0  [3] stop flag
//       [4-5] the claim block: i64 tag << 32 | next chunk  [6] chunks finished  [7] threads that failed
//   from byte 64: two slots of 32 f64 per worker, op g using slot g & 1: [export index, argument count, shared,
//   arguments...]; export index −1 is no call, and its one argument, if any, how long to spin for the next op.
//   A worker copies its slot, then reads the generation again: if it moved, the copy may be torn and the op it
//   belongs to has ended, so it goes on to the newer one.

const GEN = 0;
const DONE = 1;
const ERR = 2;
const STOP = 3;
const CLAIM_BYTE = 16;
const FINISHED = 6;
const FAILS = 7;
const SLOT_BYTES = 256;
/**
 * How long the main thread spins for an op's last chunks before it waits through the event loop, whose wake
 * (Atomics.waitAsync) lands a task later: in `npm run bench`, without the spin a 256³ matmul on 2 threads ran
 * 0.85-1.19x one thread, with it 1.73-1.77x.
 */
const SPIN_MS = 1;
/**
 * How long a worker spins for the next op after a warm (`warm`) before it sleeps; after any other op it spins 0.1
 * ms (worker.mjs). In `npm run bench` the op a warm announces comes 15-45 µs later, but at times a few hundred:
 * a worker asleep by then is woken again, and on a 2-vCPU VM now and then onto the page's own vCPU.
 */
const WARM_SPIN_MS = 1;
const MAX_ARGS = 29;

export const controlBytes = (workers: number): number => 64 + workers * 2 * SLOT_BYTES;

export interface PoolCall {
  fn: string;
  args: readonly number[];
}

/** An op failed on a worker, or a worker died while running it; the message names the op. */
export class WorkerPoolError extends Error {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
    this.name = "WorkerPoolError";
  }
}

interface PoolWorker {
  post(msg: unknown): void;
  terminate(): void;
}

type WaitAsync = (
  a: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

async function spawn(
  onMessage: (msg: { type: string; message?: string }) => void,
  onDeath: (why: string) => void,
): Promise<PoolWorker> {
  if (typeof window === "undefined" && typeof process !== "undefined" && process.versions?.node) {
    const { Worker } = await import("node:worker_threads");
    const w = new Worker(new URL("./worker.mjs", import.meta.url));
    w.on("message", onMessage);
    w.on("error", (e) => onDeath(`threw ${e.message}`));
    w.on("exit", (code) => onDeath(`exited with code ${code}`));
    return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
  }
  const w = new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
  w.onmessage = (e) => onMessage(e.data);
  w.onerror = (e) => onDeath(`threw ${e.message}`);
  return { post: (m) => w.postMessage(m), terminate: () => w.terminate() };
}

export class WorkerPool {
  private readonly i32: Int32Array;
  private readonly claimWord: BigInt64Array;
  /** slots[w][parity]: worker w's call for the ops of that generation parity. */
  private readonly slots: Float64Array[][];
  private readonly index: Map<string, number>;
  private readonly ctl: number;
  private tail: Promise<void> = Promise.resolve();
  private dead: string | null = null;
  private onDead: (() => void)[] = [];
  private errors: string[] = [];
  private running = false;

  private constructor(
    private readonly workers: PoolWorker[],
    memory: WebAssembly.Memory,
    ctl: number,
    names: readonly string[],
  ) {
    if (ctl % 8 !== 0) throw new Error(`the pool's control block must be 8-byte aligned (at ${ctl})`);
    this.ctl = ctl;
    this.i32 = new Int32Array(memory.buffer, ctl, 8);
    this.claimWord = new BigInt64Array(memory.buffer, ctl + CLAIM_BYTE, 1);
    this.slots = workers.map((_, i) =>
      [0, 1].map((p) => new Float64Array(memory.buffer, ctl + 64 + (2 * i + p) * SLOT_BYTES, 32)),
    );
    this.index = new Map(names.map((n, i) => [n, i]));
  }

  /**
   * Start `workers` workers (so `workers + 1` threads with the main one). `ctl` is the address of
   * controlBytes(workers) bytes in `memory`; `names` lists every export a call may name.
   */
  static async create(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    ctl: number,
    workers: number,
    names: readonly string[],
  ): Promise<WorkerPool> {
    new Int32Array(memory.buffer, ctl, controlBytes(workers) / 4).fill(0);
    let pool: WorkerPool | null = null;
    const ready: Promise<void>[] = [];
    const list: PoolWorker[] = [];
    for (let i = 0; i < workers; i++) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      ready.push(
        new Promise<void>((res, rej) => {
          resolve = res;
          reject = rej;
        }),
      );
      const w = await spawn(
        (msg) => {
          if (msg.type === "ready") resolve();
          if (msg.type === "error") pool?.errors.push(msg.message ?? "no message");
        },
        (why) => {
          reject(new Error(`worker ${i + 1} ${why} while starting`));
          pool?.died(`worker ${i + 1} ${why}`);
        },
      );
      list.push(w);
    }
    pool = new WorkerPool(list, memory, ctl, names);
    for (const w of list) w.post({ type: "start", module, memory, ctl, index: list.indexOf(w), names });
    try {
      await Promise.all(ready);
    } catch (e) {
      pool.terminate();
      throw e;
    }
    return pool;
  }

  /** Threads an op can use: the workers and the main thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Why the pool can no longer run ops, or null while it can. */
  get broken(): string | null {
    return this.dead;
  }

  /** True while an op runs (no other op may touch the memory meanwhile). */
  get busy(): boolean {
    return this.running;
  }

  private died(why: string): void {
    if (this.dead) return;
    this.dead = why;
    for (const f of this.onDead) f();
  }

  /**
   * Run calls[0] on this thread and calls[1..] on workers 1.. (at most `threads` calls); the op ends when every
   * call has returned. Ops queue: each starts when the previous has finished. `main` reads the exports of this
   * thread's instance.
   */
  run(op: string, main: Record<string, unknown>, calls: readonly PoolCall[]): Promise<void> {
    return this.queue(() => this.runNow(op, main, calls, 0));
  }

  /**
   * Wake every worker and resolve once each has looked (an op with no calls): the workers then spin for the next
   * op for up to WARM_SPIN_MS before sleeping, so an op started soon after does not pay their wake.
   */
  warm(): Promise<void> {
    return this.queue(() => this.runNow("warm", {}, [], 0, WARM_SPIN_MS));
  }

  /** The address of the claim block that share() hands its kernels (see assembly/share.ts). */
  get claimBlock(): number {
    return this.ctl + CLAIM_BYTE;
  }

  /**
   * Run one op of `chunks` chunks shared between the threads: calls[t] runs on thread t (0 is this one) with the
   * claim block's address and the op's tag appended to its arguments, and claims chunks until none are left.
   * The op ends when all `chunks` are finished, whichever threads took them.
   */
  share(
    op: string,
    main: Record<string, unknown>,
    calls: readonly PoolCall[],
    chunks: number,
  ): Promise<void> {
    return this.queue(() => this.runNow(op, main, calls, chunks));
  }

  private queue(f: () => Promise<void>): Promise<void> {
    const next = this.tail.then(f);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /**
   * chunks 0: fixed shares (wait for every worker); chunks > 0: shared chunks (wait for every chunk). A worker
   * with no call spins `spinMs` for the next op afterwards (0: its usual spin).
   */
  private async runNow(
    op: string,
    main: Record<string, unknown>,
    calls: readonly PoolCall[],
    chunks: number,
    spinMs = 0,
  ): Promise<void> {
    if (this.dead) throw new WorkerPoolError(op, `the worker pool is down (${this.dead})`);
    if (calls.length > this.threads)
      throw new WorkerPoolError(op, `${calls.length} calls for ${this.threads} threads`);
    const shared = chunks > 0;
    const extra = shared ? 2 : 0;
    for (const call of calls) {
      if (!this.index.has(call.fn)) throw new WorkerPoolError(op, `no kernel export named ${call.fn}`);
      if (call.args.length + extra > MAX_ARGS)
        throw new WorkerPoolError(op, `${call.fn}: more than ${MAX_ARGS - extra} arguments`);
    }
    this.running = true;
    try {
      const gen = (Atomics.load(this.i32, GEN) + 1) | 0;
      const tail = shared ? [this.claimBlock, gen] : [];
      this.workers.forEach((_, w) => {
        const call = calls[w + 1];
        const slot = this.slots[w]![gen & 1]!;
        slot[2] = shared ? 1 : 0;
        if (!call) {
          slot[0] = -1;
          slot[1] = spinMs > 0 ? 1 : 0;
          slot[3] = spinMs;
          return;
        }
        slot[0] = this.index.get(call.fn)!;
        slot[1] = call.args.length + extra;
        slot.set(call.args, 3);
        slot.set(tail, 3 + call.args.length);
      });
      this.errors = [];
      Atomics.store(this.i32, DONE, 0);
      Atomics.store(this.i32, ERR, 0);
      Atomics.store(this.i32, FINISHED, 0);
      Atomics.store(this.i32, FAILS, 0);
      if (shared) Atomics.store(this.claimWord, 0, BigInt(gen) << 32n);
      Atomics.store(this.i32, GEN, gen);
      Atomics.notify(this.i32, GEN);
      let mainError: unknown = null;
      const first = calls[0];
      if (first) {
        try {
          (main[first.fn] as (...a: number[]) => void)(...first.args, ...tail);
        } catch (e) {
          mainError = e;
          // The chunk it was in will never count as finished.
          if (shared) Atomics.add(this.i32, FAILS, 1);
        }
      }
      if (shared) await this.waitFor(op, () => this.chunksLeft(chunks), FINISHED);
      else await this.waitFor(op, () => this.workers.length - Atomics.load(this.i32, DONE), DONE);
      if (mainError)
        throw new WorkerPoolError(op, `failed on the main thread: ${(mainError as Error).message}`);
      const failed = Atomics.load(this.i32, ERR);
      if (failed !== 0) {
        // The worker posts its message before it counts itself done or failed; give it a moment to arrive.
        for (let i = 0; i < 20 && this.errors.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
        throw new WorkerPoolError(
          op,
          `failed on worker ${failed}: ${this.errors.join("; ") || "no message"}`,
        );
      }
    } finally {
      this.running = false;
    }
  }

  /** Chunks neither finished nor lost with a thread that failed in one. */
  private chunksLeft(chunks: number): number {
    return chunks - Atomics.load(this.i32, FINISHED) - Atomics.load(this.i32, FAILS);
  }

  /** Wait until left() is 0 or less; the workers notify the i32 at `word` when it may have changed. */
  private async waitFor(op: string, left: () => number, word: number): Promise<void> {
    // The others are on their last chunks: a short spin ends sooner than a wake through the event loop.
    const spinUntil = performance.now() + SPIN_MS;
    while (left() > 0 && performance.now() < spinUntil) {}
    if (left() <= 0) return;
    const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
    let fire!: () => void;
    const death = new Promise<never>((_, reject) => {
      fire = () => reject(new WorkerPoolError(op, `${this.dead} while running it`));
    });
    death.catch(() => undefined);
    this.onDead.push(fire);
    try {
      for (;;) {
        if (this.dead) await death;
        const seen = Atomics.load(this.i32, word);
        if (left() <= 0) return;
        if (waitAsync) {
          const r = waitAsync(this.i32, word, seen);
          if (r.async) await Promise.race([r.value, death]);
        } else {
          await Promise.race([new Promise((r) => setTimeout(r, 0)), death]);
        }
      }
    } finally {
      this.onDead = this.onDead.filter((f) => f !== fire);
    }
  }

  /** Stop every worker; the pool runs no more ops. */
  terminate(): void {
    if (!this.dead) this.dead = "the pool was terminated";
    Atomics.store(this.i32, STOP, 1);
    Atomics.add(this.i32, GEN, 1);
    Atomics.notify(this.i32, GEN);
    for (const w of this.workers) w.terminate();
  }

  /** Kill one worker as a crash would (for tests of the failure path). */
  killWorker(i: number): void {
    this.workers[i]?.terminate();
  }
}

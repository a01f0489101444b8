// Copies of one matmul kept busy on the other cores while a one-thread trial runs on the page (the runner
// "matmul/simd-loaded", bench/cases/matmul.ts). Each copy is a probe worker (cores-together-worker.ts) with its
// own engine and its own operands: it shares no memory with the page but the stop word, and nothing waits on it.
// The trial's time against the same one-thread trial alone in the same round says how much of its speed a core
// keeps while every core works: the most that splitting one op over the cores can gain in that round.

import { ProbeWorker } from "./probe-worker";

export class BusyCopies {
  /** Set by the page to end the copies' loops; a copy finishes the product it is in first. */
  private readonly stop = new Int32Array(new SharedArrayBuffer(4));
  private looping = false;

  private constructor(private readonly workers: ProbeWorker[]) {}

  /** `count` copies of an M×K×N matmul, compiled and warm. */
  static async start(count: number, M: number, K: number, N: number): Promise<BusyCopies> {
    const workers = Array.from({ length: count }, () => new ProbeWorker());
    try {
      for (const w of workers) w.send({ type: "init", M, K, N });
      await Promise.all(workers.map((w) => w.next("ready")));
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    return new BusyCopies(workers);
  }

  /** Start every copy's loop; resolves once each has finished a first product, so all are running. */
  async begin(): Promise<void> {
    await this.end();
    Atomics.store(this.stop, 0, 0);
    for (const w of this.workers) w.send({ type: "loop", stop: this.stop });
    this.looping = true;
    await Promise.all(this.workers.map((w) => w.next("looping")));
  }

  /** Stop the copies; resolves once every one has stopped (the next trial has the cores to itself). */
  async end(): Promise<void> {
    if (!this.looping) return;
    this.looping = false;
    Atomics.store(this.stop, 0, 1);
    await Promise.all(this.workers.map((w) => w.next("ran")));
  }

  terminate(): void {
    for (const w of this.workers) w.terminate();
  }
}

// The page's side of a probe worker (cores-together-worker.ts): requests out, replies back in the order they
// come, each checked for the type it should have.

import type { ProbeReply, ProbeRequest } from "./cores-together-worker";

export class ProbeWorker {
  private readonly w = new Worker(new URL("./cores-together-worker.ts", import.meta.url), { type: "module" });
  private readonly replies: ProbeReply[] = [];
  private readonly waiting: { resolve: (r: ProbeReply) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;

  constructor() {
    this.w.onmessage = (e: MessageEvent<ProbeReply>) => {
      const next = this.waiting.shift();
      if (next) next.resolve(e.data);
      else this.replies.push(e.data);
    };
    this.w.onerror = (e) => {
      this.failure = new Error(`probe worker: ${e.message}`);
      for (const x of this.waiting.splice(0)) x.reject(this.failure);
    };
  }

  send(msg: ProbeRequest): void {
    this.w.postMessage(msg);
  }

  /** The next reply; rejects on an "error" reply or one of another type than `type`. */
  next<T extends ProbeReply["type"]>(type: T): Promise<Extract<ProbeReply, { type: T }>> {
    const got = this.replies.shift();
    const reply: Promise<ProbeReply> = got
      ? Promise.resolve(got)
      : this.failure
        ? Promise.reject(this.failure)
        : new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
    return reply.then((r) => {
      if (r.type === "error") throw new Error(`probe worker: ${r.message}`);
      if (r.type !== type) throw new Error(`probe worker: replied ${r.type}, expected ${type}`);
      return r as Extract<ProbeReply, { type: T }>;
    });
  }

  /** Products per second over one run of `ms`. */
  async rate(ms: number): Promise<number> {
    this.send({ type: "run", ms });
    const r = await this.next("ran");
    return (r.calls * 1000) / r.elapsedMs;
  }

  terminate(): void {
    this.w.terminate();
  }
}

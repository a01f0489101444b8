// A kernel worker of the pool (src/wasm/pool.ts): a Web Worker in the browser, a worker_threads Worker in
// Node. It instantiates the kernel module over the pool's shared memory, then sleeps on the control block
// until the main thread bumps the generation counter; it runs the call written in its slot for that
// generation and sleeps again. After a call with fixed shares it counts itself done; after a shared one it
// wakes the main thread, which counts the finished chunks (the kernel counts them in the claim block). A kernel
// that throws (a trap) sets the error word, counts a failure, and posts the message.

let port = null;
if (typeof self === "undefined" || typeof self.postMessage !== "function") {
  const { parentPort } = await import("node:worker_threads");
  port = parentPort;
}

const post = (msg) => (port ? port.postMessage(msg) : self.postMessage(msg));

function start({ module, memory, ctl, index, names }) {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const fns = names.map((n) => exports[n]);
  // Control block (see pool.ts): i32 words [generation, done, error, stop, claim (2 words), finished, failed],
  // then two slots of 32 f64 per worker, op g using slot g & 1: [function index (−1: none), argument count,
  // shared, arguments...].
  const i32 = new Int32Array(memory.buffer, ctl, 8);
  const slots = [0, 1].map((p) => new Float64Array(memory.buffer, ctl + 64 + (2 * index + p) * 256, 32));
  // Read the generation before saying ready: the first op may bump it as soon as "ready" arrives.
  let seen = Atomics.load(i32, 0);
  post({ type: "ready" });
  // Ops come in bursts: spin a moment (0.1 ms) for the next before sleeping, since a wake costs tens of µs; after
  // a warm (no call, one argument), as long as it asks.
  let spin = 0.1;
  for (;;) {
    const until = performance.now() + spin;
    spin = 0.1;
    while (Atomics.load(i32, 0) === seen && performance.now() < until) {}
    Atomics.wait(i32, 0, seen);
    const gen = Atomics.load(i32, 0);
    if (gen === seen) continue;
    seen = gen;
    if (Atomics.load(i32, 3) !== 0) break;
    const slot = slots[gen & 1];
    const f = slot[0];
    const n = slot[1];
    const shared = slot[2] === 1;
    const args = [];
    for (let i = 0; i < n; i++) args.push(slot[3 + i]);
    // A newer op started while the slot was read: this one has ended without us (only a shared op can), and
    // the copy may be torn. The next turn of the loop takes the newer op.
    if (Atomics.load(i32, 0) !== gen) continue;
    if (f < 0 && n === 1) spin = Math.min(args[0], 10);
    if (f >= 0) {
      try {
        fns[f](...args);
      } catch (e) {
        Atomics.store(i32, 2, index + 1);
        post({ type: "error", message: String(e?.message ?? e) });
        if (shared) Atomics.add(i32, 7, 1);
      }
    }
    if (shared) {
      Atomics.notify(i32, 6);
    } else {
      Atomics.add(i32, 1, 1);
      Atomics.notify(i32, 1);
    }
  }
  post({ type: "stopped" });
}

const onMessage = (msg) => {
  if (msg && msg.type === "start") start(msg);
};
if (port) port.on("message", onMessage);
else self.onmessage = (e) => onMessage(e.data);

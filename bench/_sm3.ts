import { createWasmContext, wasmSoftmax } from "../src/wasm";
const tf = await import("@tensorflow/tfjs-core");
const tw = await import("@tensorflow/tfjs-backend-wasm");
tw.setThreadsCount(1);
await tf.setBackend("wasm");
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const [rows, cols] of [[1024, 1024], [64, 1024], [4096, 256]] as const) {
  const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 3);
  const ctx = await createWasmContext({ threads: 1 });
  const X = ctx.arena.alloc(rows * cols); ctx.arena.view(X).set(x); const Y = ctx.arena.alloc(rows * cols);
  const tx = tf.tensor2d(x, [rows, cols]);
  const t = [[], []] as number[][];
  for (let r = 0; r < 61; r++) {
    let t0 = performance.now(); await wasmSoftmax(ctx, X, Y, rows, cols); t[0]!.push(performance.now() - t0);
    t0 = performance.now(); const ty = tf.softmax(tx); t[1]!.push(performance.now() - t0); ty.dispose();
  }
  console.log(rows, cols, "ours", med(t[0]!).toFixed(3), "tfjs(readSync)", med(t[1]!).toFixed(3), "ratio", (med(t[1]!)/med(t[0]!)).toFixed(2));
}
process.exit(0);

// A quick side-by-side of matmul on the CPU: the wasm SIMD engine (src/wasm) with 1 thread and with 2 threads,
// our JavaScript i-k-j kernel (src/kernels/matmul/fast.ts, "ikj4") and TensorFlow.js's wasm backend
// (XNNPACK, SIMD, 1 thread), in Node. Not a test: it prints GFLOP/s (2·M·N·K / time) per size, the median and
// the best of interleaved repeats (repeat r runs every implementation once, in an order rotated by r).
//
//   npx tsx bench/wasm-quick.ts            square matmul 256³, 512³, 1024³
//   npx tsx bench/wasm-quick.ts --cutover  small sizes, 1 vs 2 threads: where the pool starts paying
//   npx tsx bench/wasm-quick.ts --skinny   the tall/skinny shapes M×K×N 4096×64×64, 64×4096×64, 64×64×4096
//
// Every result is checked against the ikj4 output (max |diff| printed) before it is timed.

import { availableParallelism, cpus } from "node:os";
import { matmulCpuFast } from "../src/kernels/matmul/fast";
import { Rng } from "../src/util/rng";
import { createWasmContext, type WasmContext, wasmMatmul, wasmSoftmax } from "../src/wasm";

interface Impl {
  name: string;
  /** One matmul; resolves when the result is in memory. */
  run(): Promise<void> | void;
  result(): ArrayLike<number>;
  dispose(): void;
}

const cutover = process.argv.includes("--cutover");
const skinny = process.argv.includes("--skinny");
/** [M, K, N] */
type Shape = readonly [number, number, number];
const SHAPES: Shape[] = skinny
  ? [
      [4096, 64, 64],
      [64, 4096, 64],
      [64, 64, 4096],
    ]
  : (cutover ? [16, 32, 48, 64, 96, 128, 192] : [256, 512, 1024]).map((n) => [n, n, n] as const);
const repeatsFor = (flop: number) => (cutover ? 41 : flop >= 2e9 ? 5 : flop >= 2.5e8 ? 9 : 21);

function data(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.uniform(-1, 1));
}

function wasmImpl(name: string, ctx: WasmContext, a: Float32Array, b: Float32Array, [M, K, N]: Shape): Impl {
  const A = ctx.arena.alloc(M * K);
  const B = ctx.arena.alloc(K * N);
  const C = ctx.arena.alloc(M * N);
  ctx.arena.view(A).set(a);
  ctx.arena.view(B).set(b);
  const shape = { batch: 1, M, K, N, strideA: 0, strideB: 0 };
  return {
    name,
    run: () => wasmMatmul(ctx, A, B, C, shape),
    result: () => Float32Array.from(ctx.arena.view(C)),
    dispose: () => {
      for (const x of [A, B, C]) ctx.arena.release(x);
    },
  };
}

function ikj4Impl(a: Float32Array, b: Float32Array, [M, K, N]: Shape): Impl {
  const dims = { batch: 1, M, K, N, strideA: 0, strideB: 0, out: [M, N] };
  let out: ArrayLike<number> = [];
  return {
    name: "js ikj4",
    run: () => {
      out = matmulCpuFast(a, b, dims, {});
    },
    result: () => out,
    dispose: () => undefined,
  };
}

type Tf = typeof import("@tensorflow/tfjs-core");

async function loadTfjs(): Promise<{ tf: Tf; note: string } | { error: string }> {
  try {
    const tf = await import("@tensorflow/tfjs-core");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setThreadsCount(1);
    if (!(await tf.setBackend("wasm"))) return { error: "tf.setBackend('wasm') returned false" };
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    return {
      tf,
      note: `tfjs ${tf.version_core}, wasm backend, ${wasm.getThreadsCount()} thread, SIMD ${simd}`,
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function tfjsImpl(tf: Tf, a: Float32Array, b: Float32Array, [M, K, N]: Shape): Impl {
  const A = tf.tensor2d(a, [M, K]);
  const B = tf.tensor2d(b, [K, N]);
  // As in the page bench: the product is timed, not the copy out (tfjs-wasm computes it before it returns).
  let out: ReturnType<Tf["matMul"]> | undefined;
  return {
    name: "tfjs-wasm",
    run: () => {
      out?.dispose();
      out = tf.matMul(A, B);
    },
    result: () => out?.dataSync() ?? [],
    dispose: () => {
      out?.dispose();
      A.dispose();
      B.dispose();
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[s.length >> 1]!;
}

const one = await createWasmContext({ threads: 1 });
const two = await createWasmContext({ threads: 2, cutover: cutover ? { flops: 0, rowElements: 0 } : {} });
const tfjs = cutover ? { error: "not used with --cutover" } : await loadTfjs();
console.log(
  `CPU: ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores; Node ${process.versions.node}; ` +
    `wasm 2-thread engine: ${two.threads} threads (${two.reason})`,
);
console.log("tf" in tfjs ? tfjs.note : `tfjs-wasm unavailable: ${tfjs.error}`);
console.log("GFLOP/s, median (best) of interleaved repeats; time in ms of the median");

for (const shape of SHAPES) {
  const [M, K, N] = shape;
  const a = data(M * K, M);
  const b = data(K * N, N + 1);
  const impls: Impl[] = [
    wasmImpl("wasm 1 thread", one, a, b, shape),
    wasmImpl("wasm 2 threads", two, a, b, shape),
  ];
  if (!cutover) impls.push(ikj4Impl(a, b, shape));
  if ("tf" in tfjs) impls.push(tfjsImpl(tfjs.tf, a, b, shape));
  // Check, and warm up.
  const refImpl = ikj4Impl(a, b, shape);
  await refImpl.run();
  const want = refImpl.result();
  const diffs: string[] = [];
  for (const im of impls) {
    await im.run();
    const got = im.result();
    let d = 0;
    for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i]! - want[i]!));
    diffs.push(`${im.name} ${d.toExponential(1)}`);
  }
  const times: number[][] = impls.map(() => []);
  const flop = 2 * M * K * N;
  const R = repeatsFor(flop);
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < impls.length; j++) {
      const k = (j + r) % impls.length;
      const t0 = performance.now();
      await impls[k]!.run();
      times[k]!.push(performance.now() - t0);
    }
  }
  const cells = impls.map((im, k) => {
    const med = median(times[k]!);
    const best = Math.min(...times[k]!);
    return `${im.name}: ${(flop / med / 1e6).toFixed(1)} (${(flop / best / 1e6).toFixed(1)}) ${med.toFixed(cutover ? 3 : 1)} ms`;
  });
  const ratio = (x: number, y: number) => (median(times[y]!) / median(times[x]!)).toFixed(2);
  const extra = [`2 threads / 1 thread ${ratio(1, 0)}×`];
  const tfAt = impls.findIndex((im) => im.name === "tfjs-wasm");
  if (tfAt >= 0) extra.push(`wasm 1 thread / tfjs-wasm ${ratio(0, tfAt)}×`);
  const name = M === K && K === N ? `${M}³` : `${M}×${K}×${N}`;
  console.log(`${name} (${R} repeats): ${cells.join(" | ")} | ${extra.join(", ")}`);
  console.log(`   max |diff| vs ikj4: ${diffs.join(", ")}`);
  for (const im of impls) im.dispose();
}
if (cutover) {
  // Row softmax, rows × cols: where splitting rows over the pool starts paying.
  for (const [rows, cols] of [
    [32, 256],
    [64, 512],
    [128, 512],
    [256, 512],
    [512, 1024],
  ] as const) {
    const x = data(rows * cols, rows);
    const t: number[][] = [[], []];
    const ctxs = [one, two];
    const bufs = ctxs.map((ctx) => {
      const X = ctx.arena.alloc(rows * cols);
      ctx.arena.view(X).set(x);
      return { X, Y: ctx.arena.alloc(rows * cols) };
    });
    for (let r = 0; r < 41; r++) {
      for (let j = 0; j < 2; j++) {
        const k = (j + r) % 2;
        const t0 = performance.now();
        await wasmSoftmax(ctxs[k]!, bufs[k]!.X, bufs[k]!.Y, rows, cols);
        t[k]!.push(performance.now() - t0);
      }
    }
    const [m1, m2] = [median(t[0]!), median(t[1]!)];
    console.log(
      `softmax ${rows} × ${cols} (${rows * cols} values, 41 repeats): 1 thread ${m1.toFixed(3)} ms, ` +
        `2 threads ${m2.toFixed(3)} ms, 2 threads / 1 thread ${(m1 / m2).toFixed(2)}×`,
    );
  }
}
one.dispose();
two.dispose();

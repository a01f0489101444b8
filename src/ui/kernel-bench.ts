// A simple timing of each kernel on each backend given (WebGPU, wasm, CPU) over a range of sizes, run in the page.
//
// What is timed: one op call plus reading its output back to the CPU (`performance.now()` before the call and
// after the read resolves), so the GPU figure includes dispatch, queue submission and the readback copy: what a
// training step pays per synchronised op, not the kernel's device time. Each size gets `warmup` untimed runs
// (pipeline compilation, buffer pool) and then `repeats` timed runs; the median is reported. performance.now()
// is coarsened by the browser (to 100 µs without cross-origin isolation), so sub-millisecond figures are rough.

import type { Backend, Tensor } from "../backend/contract";
import { Rng } from "../util/rng";

export interface BenchKernel {
  name: string;
  /** What the size means, e.g. "N (N×N · N×N)". */
  sizeLabel: string;
  sizes: number[];
  /** Input shapes for size n. */
  shapes(n: number): number[][];
  run(be: Backend, inputs: Tensor[]): Tensor;
}

export const BENCH_KERNELS: BenchKernel[] = [
  {
    name: "matmul",
    sizeLabel: "N (N×N · N×N)",
    sizes: [32, 64, 128, 256],
    shapes: (n) => [
      [n, n],
      [n, n],
    ],
    run: (be, [a, b]) => be.matmul(a!, b!),
  },
  {
    name: "softmax",
    sizeLabel: "row length (64 rows)",
    sizes: [64, 256, 1024, 4096],
    shapes: (n) => [[64, n]],
    run: (be, [x]) => be.softmax(x!),
  },
  {
    name: "attention",
    sizeLabel: "T (4 heads, d = 32, causal)",
    sizes: [16, 32, 64, 128],
    shapes: (n) => [
      [1, 4, n, 32],
      [1, 4, n, 32],
      [1, 4, n, 32],
    ],
    run: (be, [q, k, v]) => {
      const r = be.attention(q!, k!, v!, { causal: true });
      r.lse.dispose();
      return r.out;
    },
  },
  {
    name: "layerNorm",
    sizeLabel: "C (64 rows)",
    sizes: [64, 256, 1024, 4096],
    shapes: (n) => [[64, n], [n], [n]],
    run: (be, [x, g, b]) => {
      const r = be.layerNorm(x!, g!, b!, 1e-5);
      r.mean.dispose();
      r.rstd.dispose();
      return r.y;
    },
  },
  {
    name: "add",
    sizeLabel: "elements",
    sizes: [1_000, 10_000, 100_000, 1_000_000],
    shapes: (n) => [[n], [n]],
    run: (be, [a, b]) => be.binary("add", a!, b!),
  },
];

export interface BenchRow {
  kernel: string;
  size: number;
  /** Median milliseconds per op + read, per backend name. */
  ms: Record<string, number>;
}

export interface BenchOptions {
  warmup: number;
  repeats: number;
  /** Only the first this many sizes of each kernel (quick runs). */
  maxSizes?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median ms of op + read on one backend. */
export async function timeOp(be: Backend, k: BenchKernel, n: number, o: BenchOptions): Promise<number> {
  const rng = new Rng(n);
  const inputs = k.shapes(n).map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return be.tensor(rng.fill(size), shape);
  });
  try {
    const once = async () => {
      const t0 = performance.now();
      const out = k.run(be, inputs);
      await be.read(out);
      const ms = performance.now() - t0;
      out.dispose();
      return ms;
    };
    for (let i = 0; i < o.warmup; i++) await once();
    const times: number[] = [];
    for (let i = 0; i < o.repeats; i++) times.push(await once());
    return median(times);
  } finally {
    for (const t of inputs) t.dispose();
  }
}

/** Every kernel × size on every backend; `onRow` sees each row as soon as it is measured. */
export async function runBench(
  backends: Backend[],
  o: BenchOptions,
  onRow: (r: BenchRow) => void,
  kernels: BenchKernel[] = BENCH_KERNELS,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const k of kernels) {
    for (const n of k.sizes.slice(0, o.maxSizes ?? k.sizes.length)) {
      const ms: Record<string, number> = {};
      for (const be of backends) ms[be.name] = await timeOp(be, k, n, o);
      const row = { kernel: k.name, size: n, ms };
      rows.push(row);
      onRow(row);
    }
  }
  return rows;
}

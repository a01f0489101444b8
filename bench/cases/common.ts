// Runner makers shared by the cases: our WebGPU backend (one backend object per forced variant, all on one
// runtime), our CPU backend or a plain CPU function, and tfjs on one of its backends.

import type { Tensor } from "../../src/backend/contract";
import type { CpuBackend } from "../../src/backend/cpu";
import type { WasmBackend } from "../../src/backend/wasm";
import type { KernelVariants, WebGPUBackend } from "../../src/backend/webgpu";
import type { GpuRuntime } from "../../src/gpu/runtime";
import { Rng } from "../../src/util/rng";
import { BusyCopies } from "../lib/busy-copies";
import type { Runner, RunnerSpec } from "../lib/harness";
import { TF_IMPL, type TfBackendName, type TfSetup, tf, tfInput, tfSubmit, useTf } from "../lib/tfjs";

export interface BenchContext {
  /** Null when the page has no WebGPU device (then every GPU runner is skipped). */
  rt: GpuRuntime | null;
  /** Our WebGPU backend with variants forced (a new backend object on the shared runtime). */
  gpu(force: Partial<KernelVariants>): WebGPUBackend;
  cpu: CpuBackend;
  /** Our wasm backend on one thread and on every core, or why it is unavailable. */
  wasm: { one: WasmBackend; all: WasmBackend } | { unavailable: string };
  tfjs: TfSetup;
  quick: boolean;
}

export interface Input {
  data: Float32Array;
  shape: number[];
}

export function randomInput(shape: number[], seed: number, lo = -1, hi = 1): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: new Rng(seed).fill(n, lo, hi), shape };
}

/** Our WebGPU backend running `op` on inputs uploaded once; its outputs are checked in order, then freed. */
export function oursGpu(
  ctx: BenchContext,
  caseName: string,
  force: Partial<KernelVariants>,
  inputs: Input[],
  op: (be: WebGPUBackend, xs: Tensor[]) => Tensor[],
  opts: {
    /** Saved tensors (e.g. the forward's out and lse for a backward), made once outside the timing. */
    prep?: (be: WebGPUBackend, xs: Tensor[]) => Tensor[];
    /** Measure the pool's peak bytes during one call (an extra untimed call). */
    peak?: boolean;
  } = {},
): RunnerSpec {
  return {
    impl: "ours-webgpu",
    case: caseName,
    make: () => {
      const rt = ctx.rt;
      if (!rt) throw new Error("no WebGPU device");
      const be = ctx.gpu(force);
      const xs = inputs.map((x) => be.tensor(x.data, x.shape));
      if (opts.prep) xs.push(...opts.prep(be, xs));
      const wait = async () => {
        rt.flush();
        await rt.device.queue.onSubmittedWorkDone();
      };
      return {
        gpu: true,
        start: () => op(be, xs),
        wait,
        read: async (h) => Promise.all((h as Tensor[]).map((t) => be.read(t))),
        free: (h) => {
          for (const t of h as Tensor[]) t.dispose();
        },
        dispose: () => {
          for (const t of xs) t.dispose();
        },
        peakBytes: opts.peak ? () => peakBytes(rt, () => op(be, xs), wait) : undefined,
      } satisfies Runner;
    },
  };
}

/** Largest growth of the pool's bytes in use while `op` runs once (its outputs included). */
async function peakBytes(rt: GpuRuntime, op: () => Tensor[], wait: () => Promise<void>): Promise<number> {
  await rt.sync();
  const pool = rt.pool;
  const base = pool.bytesInUse;
  let peak = base;
  const acquire = pool.acquire;
  pool.acquire = (bytes: number, label: string) => {
    const b = acquire.call(pool, bytes, label);
    peak = Math.max(peak, pool.bytesInUse);
    return b;
  };
  try {
    const outs = op();
    await wait();
    for (const t of outs) t.dispose();
  } finally {
    pool.acquire = acquire;
  }
  await rt.sync();
  return peak - base;
}

/** Our CPU backend running `op` (synchronous). */
export function oursCpu(
  ctx: BenchContext,
  caseName: string,
  inputs: Input[],
  op: (be: CpuBackend, xs: Tensor[]) => Tensor[],
  prep?: (be: CpuBackend, xs: Tensor[]) => Tensor[],
): RunnerSpec {
  return {
    impl: "ours-cpu",
    case: caseName,
    make: () => {
      const be = ctx.cpu;
      const xs = inputs.map((x) => be.tensor(x.data, x.shape));
      if (prep) xs.push(...prep(be, xs));
      return cpuRunner(
        () => op(be, xs),
        async (h) => Promise.all((h as Tensor[]).map((t) => be.read(t))),
        (h) => {
          for (const t of h as Tensor[]) t.dispose();
        },
        () => {
          for (const t of xs) t.dispose();
        },
      );
    },
  };
}

/**
 * Our wasm backend running `op`, on one thread ("ours-wasm-1") or every core ("ours-wasm"): timed from the call
 * to the end of its queue (`sync`), like a GPU runner's submit and wait, with no readback.
 */
export function oursWasm(
  ctx: BenchContext,
  threads: "one" | "all",
  caseName: string,
  inputs: Input[],
  op: (be: WasmBackend, xs: Tensor[]) => Tensor[],
  prep?: (be: WasmBackend, xs: Tensor[]) => Tensor[],
): RunnerSpec {
  return {
    impl: threads === "one" ? "ours-wasm-1" : "ours-wasm",
    case: caseName,
    make: () => {
      const be = wasmBackendOf(ctx, threads);
      const pool = be.engine.pool;
      return {
        ...wasmRunner(be, inputs, op, prep),
        // Every core: the trial starts with the pool's workers awake, as they are when one op follows another
        // in a training step (from sleep, this VM takes up to about a millisecond to wake the second core).
        ...(pool ? { prepare: () => pool.warm() } : {}),
      };
    },
  };
}

/**
 * Our wasm backend on one thread running `op` while a copy of `copy` (a matmul M×K×N, on its own engine in a
 * worker) runs on each other core that "every core" uses: impl "ours-wasm-1", in the same rounds as the others.
 */
export function oursWasmLoaded(
  ctx: BenchContext,
  caseName: string,
  inputs: Input[],
  op: (be: WasmBackend, xs: Tensor[]) => Tensor[],
  copy: readonly [number, number, number],
): RunnerSpec {
  return {
    impl: "ours-wasm-1",
    case: caseName,
    make: async () => {
      const be = wasmBackendOf(ctx, "one");
      const w = ctx.wasm as WasmPair;
      if (w.all.threads < 2) throw new Error("one thread on every core: no other core to load");
      if (typeof SharedArrayBuffer === "undefined")
        throw new Error("the page is not cross-origin isolated (no SharedArrayBuffer)");
      const copies = await BusyCopies.start(w.all.threads - 1, ...copy);
      const runner = wasmRunner(be, inputs, op);
      return {
        ...runner,
        prepare: () => copies.begin(),
        after: () => copies.end(),
        dispose: () => {
          copies.terminate();
          runner.dispose();
        },
      };
    },
  };
}

type WasmPair = Exclude<BenchContext["wasm"], { unavailable: string }>;

function wasmBackendOf(ctx: BenchContext, threads: "one" | "all"): WasmBackend {
  const w = ctx.wasm;
  if ("unavailable" in w) throw new Error(`wasm backend unavailable: ${w.unavailable}`);
  return w[threads];
}

function wasmRunner(
  be: WasmBackend,
  inputs: Input[],
  op: (be: WasmBackend, xs: Tensor[]) => Tensor[],
  prep?: (be: WasmBackend, xs: Tensor[]) => Tensor[],
): Runner {
  const xs = inputs.map((x) => be.tensor(x.data, x.shape));
  if (prep) xs.push(...prep(be, xs));
  return {
    gpu: false,
    queued: true,
    start: () => op(be, xs),
    wait: () => be.sync(),
    read: async (h) => Promise.all((h as Tensor[]).map((t) => be.read(t))),
    free: (h) => {
      for (const t of h as Tensor[]) t.dispose();
    },
    dispose: () => {
      for (const t of xs) t.dispose();
    },
  };
}

/** The wasm runner on one thread and on every core. */
export function oursWasmBoth(
  ctx: BenchContext,
  caseName: string,
  inputs: Input[],
  op: (be: WasmBackend, xs: Tensor[]) => Tensor[],
  prep?: (be: WasmBackend, xs: Tensor[]) => Tensor[],
): RunnerSpec[] {
  return (["one", "all"] as const).map((t) => oursWasm(ctx, t, caseName, inputs, op, prep));
}

/** A plain CPU function returning its outputs as arrays. */
export function plainCpu(caseName: string, fn: () => Float32Array[]): RunnerSpec {
  return {
    impl: "ours-cpu",
    case: caseName,
    make: () =>
      cpuRunner(
        fn,
        async (h) => h as Float32Array[],
        () => {},
        () => {},
      ),
  };
}

function cpuRunner(
  start: () => unknown,
  read: (h: unknown) => Promise<Float32Array[]>,
  free: (h: unknown) => void,
  dispose: () => void,
): Runner {
  return { gpu: false, start, wait: async () => {}, read, free, dispose };
}

/**
 * tfjs on backend `name`: `setup` turns the uploaded inputs into the tensors `op` needs (e.g. a pre-scaled
 * copy, outside the timing); `op` runs inside tf.tidy and returns the outputs (compared in order).
 */
export function tfjsRunner(
  ctx: BenchContext,
  name: TfBackendName,
  caseName: string,
  inputs: Input[],
  op: (xs: tf.Tensor[]) => tf.Tensor[],
  setup: (xs: tf.Tensor[]) => tf.Tensor[] = (xs) => xs,
): RunnerSpec {
  return {
    impl: TF_IMPL[name],
    case: caseName,
    make: async () => {
      const why = ctx.tfjs.unavailable[name];
      if (why) throw new Error(`tfjs ${name} backend unavailable: ${why}`);
      await useTf(name);
      const raw = inputs.map((x) => tfInput(name, x.data, x.shape));
      const xs = tf.tidy(() => setup(raw));
      for (const t of raw) if (!xs.includes(t)) t.dispose();
      if (name === "webgpu") for (const t of xs) ctx.tfjs.webgpu!.uploadToGPU(t.dataId);
      const device = ctx.rt?.device;
      return {
        gpu: name === "webgpu",
        prepare: () => useTf(name),
        start: () => tf.tidy(() => op(xs)),
        wait: async () => {
          if (name !== "webgpu") return;
          tfSubmit(ctx.tfjs.webgpu!);
          await device!.queue.onSubmittedWorkDone();
        },
        read: async (h) => Promise.all((h as tf.Tensor[]).map(async (t) => (await t.data()) as Float32Array)),
        free: (h) => {
          for (const t of h as tf.Tensor[]) t.dispose();
        },
        dispose: () => {
          for (const t of xs) t.dispose();
        },
      } satisfies Runner;
    },
  };
}

/** One tfjs runner per backend. */
export function tfjsRunners(
  ctx: BenchContext,
  caseName: string,
  inputs: Input[],
  op: (xs: tf.Tensor[]) => tf.Tensor[],
  setup?: (xs: tf.Tensor[]) => tf.Tensor[],
): RunnerSpec[] {
  return (["webgpu", "cpu", "wasm"] as const).map((n) => tfjsRunner(ctx, n, caseName, inputs, op, setup));
}

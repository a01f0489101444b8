// What the benchmark page reports and the CLI prints: plain data, shared by both sides (no browser imports).

/**
 * ours-wasm-1: our wasm backend on one thread; ours-wasm: on every core (the pool over shared memory); torch-cpu-1,
 * torch-cpu: PyTorch on the CPU on one thread and on every core, each in its own process started by the CLI (the
 * language model's training step only).
 */
export const IMPLS = [
  "ours-webgpu",
  "ours-wasm-1",
  "ours-wasm",
  "ours-cpu",
  "tfjs-webgpu",
  "tfjs-cpu",
  "tfjs-wasm",
  "torch-cpu-1",
  "torch-cpu",
] as const;
export type ImplName = (typeof IMPLS)[number];

/** The implementations of every kernel case (matmul, softmax, attention): all but PyTorch. */
export const KERNEL_IMPLS = IMPLS.filter((i) => !i.startsWith("torch-"));

/** The case of the language model's training step (src/models/char-gpt.ts, preset small, on Moby-Dick). */
export const CHAR_GPT_CASE = "train/char-gpt-small";

/** GPU time from timestamp queries: the sum over compute passes of (end − begin), same rule for every impl. */
export interface GpuTimes {
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Trials whose every pass got a timestamp pair (passes beyond the query set's capacity leave a trial out). */
  reps: number;
}

export interface BenchResult {
  /** Family and variant, e.g. "matmul/register", "matmul/tf.matMul", "train/transformer". */
  case: string;
  /** Human-readable shape, e.g. "256x256x256" or "B1 H8 T512 d64". */
  shape: string;
  impl: ImplName;
  /**
   * Wall clock of one trial: performance.now() around the op (GPU: enqueue, submit and
   * queue.onSubmittedWorkDone(); CPU: the synchronous call). No readback on either side.
   */
  medianMs: number;
  minMs: number;
  maxMs: number;
  reps: number;
  /** The wall clock of every trial, in order. Absent from reports written before it was recorded. */
  samples?: number[];
  /**
   * The group's round in which each sample ran (a round runs each runner of one pass once, see
   * bench/lib/harness.ts): two runners' samples of the same round ran one after the other.
   */
  rounds?: number[];
  /** Useful floating-point work per wall-clock median (null where FLOPs do not describe the op). */
  gflops: number | null;
  /** Characters trained on per second of the wall-clock median (the language model's step), else null. */
  tokensPerSecond: number | null;
  /** Which clock `medianMs` comes from. */
  clock: "wall";
  /** timestamp-query times of the same trials (GPU impls on an adapter with the feature), else null. */
  gpu: GpuTimes | null;
  /** Largest growth of our buffer pool's bytes in use during one call (ours-webgpu attention), else null. */
  peakBytes: number | null;
  /** The correctness check that ran before timing: worst error against the CPU reference. */
  check: { maxAbsErr: number; atol: number; rtol: number };
}

/** A case that did not run or failed its check: kept out of `results`, listed with the reason. */
export interface BenchSkip {
  case: string;
  shape: string;
  impl: ImplName;
  reason: string;
  /** true: it ran and gave wrong values (a failure); false: it could not run here. */
  failed: boolean;
}

export interface AdapterReport {
  vendor: string;
  architecture: string;
  description: string;
  software: boolean;
  timestampQuery: boolean;
  /** Timestamps observed as multiples of 100 µs: Chromium's coarsening without developer features. */
  timestampQuantizedUs: number | null;
}

/**
 * One worker per core, each with its own one-thread wasm engine and matmul, alone and then all at once
 * (bench/lib/cores-together.ts): the most splitting one op over the cores could gain in this run.
 */
export interface CoresTogether {
  /** The matmul each worker runs, e.g. "512x512x512". */
  shape: string;
  workers: number;
  rounds: number;
  /** Milliseconds each worker ran products for, per run. */
  msPerRun: number;
  /** Medians over the rounds: one worker alone, and the sum over the workers all at once. */
  aloneGflops: number;
  togetherGflops: number;
  /** Median over the rounds of (together / alone), and each round's. */
  ratio: number;
  ratios: number[];
}

export interface BenchReport {
  adapter: AdapterReport;
  chromium: string;
  flags: string[];
  cores: number;
  /** CPU model name (Node's os.cpus()). */
  cpu: string;
  results: BenchResult[];
  skipped: BenchSkip[];
  /** Settings of the run. */
  quick: boolean;
  filter: string[];
  /** The variants our WebGPU backend picks by default on this adapter (the ones the targets are judged on). */
  defaults: { matmul: string; softmax: string; attention: string } | null;
  /** Our wasm backend's threads on every core, and why (null: it could not start here). */
  wasm: { threads: number; reason: string } | null;
  /** What the cores give together (absent: not measured, e.g. filtered out or no wasm), or why it failed. */
  coresTogether?: CoresTogether | { error: string } | null;
  /** tfjs package version and the wasm backend's thread count. */
  tfjs: { version: string; wasmThreads: number | null; wasmSimd: boolean | null };
  /** PyTorch as the CLI ran it (null: not started, e.g. filtered out; `error`: why it could not run). */
  torch: TorchInfo | null;
  /** Seconds the page spent measuring. */
  seconds: number;
}

/** window.__benchmarks while the page runs. */
export interface BenchState {
  state: "running" | "done" | "error";
  done: number;
  total: number;
  current: string;
  error?: string;
  report?: Omit<BenchReport, "chromium" | "flags" | "cores" | "cpu" | "torch">;
  /** Page-side log lines (progress, skipped cases), drained by the CLI. */
  log: string[];
}

/** PyTorch's version, intra-op threads, the BLAS library it loaded and its interpreter; or why it could not start. */
export type TorchInfo =
  | { python: string; version: string; threads: number; blas: string | null }
  | { python: string; error: string };

/**
 * The page's calls to the PyTorch process (bench/char_gpt_torch.py) through the CLI: load weights (a safetensors
 * file, base64) and start over from them, or run one training step on the batch given at the rate given.
 */
export type TorchRequest = { threads: TorchThreads } & (
  | { kind: "load"; safetensors: string }
  | { kind: "reset" }
  | { kind: "step"; ids: number[]; targets: number[]; lr: number; read: boolean }
);

/** Which PyTorch process: on one thread (torch-cpu-1) or every core (torch-cpu). */
export type TorchThreads = "one" | "all";

/** A step's time measured in the PyTorch process (perf_counter around the step), and its loss when asked. */
export type TorchReply =
  | { error: string }
  | { version: string; threads: number; blas: string | null; params: number }
  | { ms: number; loss: number | null };

declare global {
  interface Window {
    __benchmarks?: BenchState;
    /** Present when the CLI runs the page with PyTorch reachable (exposed by puppeteer). */
    __torch?: (request: TorchRequest) => Promise<TorchReply>;
  }
}

// Choosing a backend. "webgpu", "wasm" and "cpu" force one: a forced WebGPU that is unavailable throws rather
// than silently using something else; a wasm module that cannot compile or instantiate here (an old browser, no
// SIMD) gives the CPU backend with the reason in `reason`. "auto" here, where no model is known, takes WebGPU when
// the browser gives an adapter and a device, else wasm, else the CPU, and says why (shown to the user, so a
// missing GPU is never a mystery); where a model is known, the run layer measures instead (src/run/auto.ts, with
// `chooseByTiming` below).

import { acquireGpu, WebGPUUnavailableError } from "../gpu/device";
import { GpuRuntime } from "../gpu/runtime";
import { WasmUnavailableError } from "../wasm";
import type { Backend, BackendName } from "./contract";
import { CpuBackend } from "./cpu";
import { WasmBackend } from "./wasm";
import type { KernelVariants } from "./webgpu";

export type BackendChoice = "auto" | "webgpu" | "wasm" | "cpu";

export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "webgpu", "wasm", "cpu"];

export interface BackendOptions {
  /** Kernel variants to force on WebGPU, e.g. `{ matmul: "naive" }` (the CPU backend runs its fastest verified variants). */
  variants?: Partial<KernelVariants>;
  powerPreference?: GPUPowerPreference;
  /** Threads of the wasm backend (default: every core, when the page can share memory). */
  threads?: number;
}

export interface BackendSelection {
  backend: Backend;
  /** One sentence on why this backend was chosen, for the UI and for logs. */
  reason: string;
}

/** A choice from user input (a URL parameter, a CLI flag); absent means "auto". */
export function parseBackendChoice(text: string | null | undefined): BackendChoice {
  if (text === null || text === undefined || text === "") return "auto";
  const choice = BACKEND_CHOICES.find((c) => c === text);
  if (!choice) throw new Error(`unknown backend '${text}': expected one of ${BACKEND_CHOICES.join(", ")}`);
  return choice;
}

async function webgpu(opts: BackendOptions): Promise<Backend> {
  const ctx = await acquireGpu(opts.powerPreference ? { powerPreference: opts.powerPreference } : {});
  // Loaded only once a device exists: the WebGPU backend pulls in every WGSL source, which Node-side tools
  // (and CPU-only pages) never need.
  const { WebGPUBackend } = await import("./webgpu");
  return new WebGPUBackend(new GpuRuntime(ctx), opts.variants ?? {});
}

/** The wasm backend, or the CPU with the reason the module cannot run here (never silently). */
export async function wasmOrCpu(
  opts: BackendOptions = {},
  why = "the wasm backend was requested",
): Promise<BackendSelection> {
  try {
    const backend = await WasmBackend.create(opts.threads !== undefined ? { threads: opts.threads } : {});
    return { backend, reason: `${why}: ${backend.description}` };
  } catch (e) {
    if (!(e instanceof WasmUnavailableError)) throw e;
    return { backend: new CpuBackend(), reason: `${why}, but ${e.message}: using the CPU` };
  }
}

/** One backend's measured time per training step, or null with why it could not be measured. */
export interface Timing {
  backend: BackendName;
  msPerStep: number | null;
  /** Why msPerStep is null (unavailable here, failed). */
  why?: string;
}

function ms(x: number): string {
  return x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2);
}

/**
 * The fastest measured backend and the figures behind it ("wasm 0.3 ms/step, webgpu 13 ms/step: wasm"); the CPU
 * when nothing could be measured.
 */
export function chooseByTiming(timings: readonly Timing[]): { backend: BackendName; reason: string } {
  const parts = timings.map((t) =>
    t.msPerStep === null
      ? `${t.backend} unavailable (${t.why ?? "not measured"})`
      : `${t.backend} ${ms(t.msPerStep)} ms/step`,
  );
  const measured = timings.filter((t) => t.msPerStep !== null && Number.isFinite(t.msPerStep));
  if (measured.length === 0) return { backend: "cpu", reason: `${parts.join(", ")}: cpu` };
  const best = measured.reduce((a, b) => (b.msPerStep! < a.msPerStep! ? b : a));
  return { backend: best.backend, reason: `${parts.join(", ")}: ${best.backend}` };
}

export async function createBackend(
  choice: BackendChoice = "auto",
  opts: BackendOptions = {},
): Promise<BackendSelection> {
  switch (choice) {
    case "cpu":
      return { backend: new CpuBackend(), reason: "the cpu backend was requested" };
    case "wasm":
      return wasmOrCpu(opts);
    case "webgpu": {
      // A WebGPUUnavailableError propagates: the caller asked for WebGPU and must learn why it cannot have it.
      const backend = await webgpu(opts);
      return { backend, reason: `the webgpu backend was requested (adapter: ${backend.description})` };
    }
    case "auto": {
      try {
        const backend = await webgpu(opts);
        return { backend, reason: `a WebGPU adapter is available: ${backend.description}` };
      } catch (e) {
        if (!(e instanceof WebGPUUnavailableError)) throw e;
        return wasmOrCpu(opts, `WebGPU is unavailable (${e.message}), using wasm`);
      }
    }
    default:
      throw new Error(`unknown backend '${String(choice)}': expected one of ${BACKEND_CHOICES.join(", ")}`);
  }
}

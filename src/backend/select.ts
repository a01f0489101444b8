// Choosing a backend. "webgpu", "wasm" and "cpu" force one: a forced WebGPU that is unavailable throws rather
// than silently using something else; a wasm module that cannot compile or instantiate here (an old browser, no
// SIMD) gives the CPU backend with the reason in `reason`. "auto" here, where no model is known, takes WebGPU when
// the browser gives an adapter and a device, else wasm, else the CPU, and says why (shown to the user, so a
// missing GPU is never a mystery); where a model is known, the run layer measures instead (src/run/auto.ts, with
// `chooseByTiming` below).

import { acquireGpu, WebGPUUnavailableError } from "../gpu/device";
import { type WasmOptions, wasmOrCpu } from "./choice";
import type { Backend } from "./contract";
import { CpuBackend } from "./cpu";
import type { KernelVariants } from "./webgpu";

export { chooseByTiming, type Timing, wasmOrCpu } from "./choice";

export type BackendChoice = "auto" | "webgpu" | "wasm" | "cpu";

export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "webgpu", "wasm", "cpu"];

export interface BackendOptions extends WasmOptions {
  /** Kernel variants to force on WebGPU, e.g. `{ matmul: "naive" }` (the CPU backend runs its fastest verified variants). */
  variants?: Partial<KernelVariants>;
  powerPreference?: GPUPowerPreference;
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
  // Loaded only once a device exists: the runtime and the WebGPU backend pull in every WGSL source, which
  // Node-side tools (the CLI imports this file for the list of choices) and CPU-only pages never need.
  const [{ GpuRuntime }, { WebGPUBackend }] = await Promise.all([
    import("../gpu/runtime"),
    import("./webgpu"),
  ]);
  return new WebGPUBackend(new GpuRuntime(ctx), opts.variants ?? {});
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

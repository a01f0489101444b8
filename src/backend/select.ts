// Choosing a backend: "auto" takes WebGPU when the browser gives an adapter and a device, and otherwise the CPU
// backend with the reason WebGPU could not be had (shown to the user, so a missing GPU is never a mystery).
// "webgpu" and "cpu" force one; a forced WebGPU that is unavailable throws rather than silently using the CPU.

import { acquireGpu, WebGPUUnavailableError } from "../gpu/device";
import type { Backend } from "./contract";
import { CpuBackend } from "./cpu";
import type { KernelVariants } from "./webgpu";

export type BackendChoice = "auto" | "webgpu" | "cpu";

export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "webgpu", "cpu"];

export interface BackendOptions {
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
  // Loaded only once a device exists: the WebGPU backend and the runtime (its pipeline cache holds the WGSL
  // library) pull in WGSL sources, which Node-side tools (and CPU-only pages) never need.
  const [{ WebGPUBackend }, { GpuRuntime }] = await Promise.all([
    import("./webgpu"),
    import("../gpu/runtime"),
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
        return { backend: new CpuBackend(), reason: `WebGPU is unavailable, using the CPU: ${e.message}` };
      }
    }
    default:
      throw new Error(`unknown backend '${String(choice)}': expected one of ${BACKEND_CHOICES.join(", ")}`);
  }
}

// The parts of backend choice that need no WebGPU code (so Node tools can use them under tsx, which cannot load
// WGSL imports): the wasm backend with its CPU fallback, and the pick of the fastest measured backend.

import { WasmUnavailableError } from "../wasm";
import type { Backend, BackendName } from "./contract";
import { CpuBackend } from "./cpu";
import { WasmBackend } from "./wasm";

export interface WasmOptions {
  /** Threads of the wasm backend (default: every core, when the page can share memory). */
  threads?: number;
}

/** The wasm backend, or the CPU with the reason the module cannot run here (never silently). */
export async function wasmOrCpu(
  opts: WasmOptions = {},
  why = "the wasm backend was requested",
): Promise<{ backend: Backend; reason: string }> {
  try {
    const backend = await WasmBackend.create(opts.threads !== undefined ? { threads: opts.threads } : {});
    return { backend, reason: `${why} (${backend.description})` };
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

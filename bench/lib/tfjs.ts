// TensorFlow.js in the benchmark page: its cpu, wasm and webgpu backends, the webgpu one on OUR GPUDevice (so
// both sides run on the same device and queue, and the same timestamp instrumentation sees both).
//
// tfjs registers kernels per backend name, so the shared-device backend is registered under the name "webgpu"
// itself, replacing the package's factory (which would request a second device). Benchmarks only: nothing in
// src/ imports tfjs.

import "@tensorflow/tfjs-backend-cpu";
import { getThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreaded from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import { WebGPUBackend as TfWebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import type { ImplName } from "./types";

export { tf };

export type TfBackendName = "webgpu" | "cpu" | "wasm";

export const TF_IMPL: Record<TfBackendName, ImplName> = {
  webgpu: "tfjs-webgpu",
  cpu: "tfjs-cpu",
  wasm: "tfjs-wasm",
};

export interface TfSetup {
  /** Backends that initialised; a missing one has its reason in `unavailable`. */
  backends: TfBackendName[];
  unavailable: Partial<Record<TfBackendName, string>>;
  version: string;
  wasmThreads: number | null;
  wasmSimd: boolean | null;
  /** The shared-device backend, for submitQueue(). */
  webgpu: TfWebGPUBackend | null;
}

/** Register and initialise every tfjs backend; `device` is ours. */
export async function setupTfjs(
  device: GPUDevice | null,
  adapterInfo: GPUAdapterInfo | null,
): Promise<TfSetup> {
  // The .wasm files come through Vite as URLs (served in dev, emitted in a build).
  setWasmPaths({
    "tfjs-backend-wasm.wasm": wasmPlain,
    "tfjs-backend-wasm-simd.wasm": wasmSimd,
    "tfjs-backend-wasm-threaded-simd.wasm": wasmThreaded,
  });
  // Inputs are uploaded before timing; never hand small ops to the CPU behind the benchmark's back.
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  const out: TfSetup = {
    backends: [],
    unavailable: {},
    version: tf.version_core,
    wasmThreads: null,
    wasmSimd: null,
    webgpu: null,
  };
  if (device) {
    tf.removeBackend("webgpu");
    tf.registerBackend("webgpu", () => new TfWebGPUBackend(device, adapterInfo ?? undefined), 3);
  } else {
    out.unavailable.webgpu = "no WebGPU device";
  }
  for (const name of ["webgpu", "cpu", "wasm"] as const) {
    if (out.unavailable[name]) continue;
    try {
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
      out.backends.push(name);
    } catch (e) {
      out.unavailable[name] = (e as Error).message;
    }
  }
  if (out.backends.includes("webgpu")) out.webgpu = tf.findBackend("webgpu") as TfWebGPUBackend;
  if (out.backends.includes("wasm")) {
    out.wasmThreads = getThreadsCount();
    out.wasmSimd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) as boolean;
  }
  return out;
}

/** Switch tfjs to `name` (already initialised: resolves at once). */
export async function useTf(name: TfBackendName): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
    throw new Error(`tf.setBackend('${name}') failed`);
  }
}

/** A tensor on backend `name` (the active one), its data already on the device for webgpu (no upload timed). */
export function tfInput(name: TfBackendName, data: Float32Array, shape: number[]): tf.Tensor {
  if (tf.getBackend() !== name)
    throw new Error(`tfInput: the active tfjs backend is ${tf.getBackend()}, not ${name}`);
  const t = tf.tensor(data, shape, "float32");
  if (name === "webgpu") (tf.findBackend("webgpu") as TfWebGPUBackend).uploadToGPU(t.dataId);
  return t;
}

/**
 * Submit what tfjs's webgpu backend has encoded, the way its own readback does: end the open compute pass (it
 * keeps one open across up to 15 dispatches), then submit the command encoder.
 */
export function tfSubmit(be: TfWebGPUBackend): void {
  be.ensureCommandEncoderReady();
  be.endComputePassEncoder();
  be.submitQueue();
}

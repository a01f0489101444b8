// `auto` on the pages: the first run of a page's model (or models) with a given seed count on this adapter times a
// few steps on WebGPU and on wasm (src/run/auto.ts), trains on the faster, and remembers the choice and its figures
// in IndexedDB (a worker has no localStorage); later runs take the remembered choice at once.

import { type Timing, wasmOrCpu } from "../backend/choice";
import type { Backend, BackendName } from "../backend/contract";
import { CpuBackend } from "../backend/cpu";
import { createBackend } from "../backend/select";
import type { JobSpec } from "../io/types";
import { MODELS, pageModels } from "../models/registry";
import { autoChoice, autoKey, MEASURE_STEPS, measureSteps } from "../run/auto";
import { autoChoiceStore } from "./store";

/** The registry models a job trains (the experts page trains several side by side). */
function jobModels(spec: JobSpec): string[] {
  return Object.hasOwn(MODELS, spec.model) ? [spec.model] : pageModels(spec.kind).map((e) => e.name);
}

/** Summed ms/step of the job's models on `backend`, or null with why. */
async function timeJob(name: BackendName, backend: Backend | Error, spec: JobSpec): Promise<Timing> {
  if (backend instanceof Error) return { backend: name, msPerStep: null, why: backend.message };
  if (backend.name !== name) return { backend: name, msPerStep: null, why: backend.description };
  try {
    let ms = 0;
    for (const model of jobModels(spec))
      ms += await measureSteps(
        backend,
        { model, seeds: spec.settings.seeds, seed: spec.settings.seed },
        MEASURE_STEPS,
      );
    return { backend: name, msPerStep: ms };
  } catch (e) {
    return { backend: name, msPerStep: null, why: `failed: ${(e as Error).message}` };
  }
}

export async function autoBackend(spec: JobSpec): Promise<{ backend: Backend; reason: string }> {
  const gpu = await createBackend("webgpu").then(
    (s) => s.backend,
    (e: Error) => e,
  );
  let wasm: Backend | null = null;
  const makeWasm = async (): Promise<Backend> => {
    wasm ??= (await wasmOrCpu()).backend;
    return wasm;
  };
  const adapter = gpu instanceof Error ? "no WebGPU" : gpu.description;
  const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency : 1;
  const key = autoKey(jobModels(spec).join("+"), spec.settings.seeds, `${adapter}; ${cores} cores`);
  const choice = await autoChoice(key, autoChoiceStore(), async () => [
    await timeJob("webgpu", gpu, spec),
    await timeJob("wasm", await makeWasm(), spec),
  ]);
  if (choice.backend === "webgpu" && !(gpu instanceof Error)) {
    (wasm as { dispose?: () => void } | null)?.dispose?.();
    return { backend: gpu, reason: choice.reason };
  }
  // wasm, or the CPU when the module cannot run here (its reason is then in the figures) or nothing was measured.
  const made = await makeWasm();
  if (choice.backend === "cpu" && made.name !== "cpu") {
    (made as { dispose?: () => void }).dispose?.();
    return { backend: new CpuBackend(), reason: choice.reason };
  }
  return { backend: made, reason: choice.reason };
}

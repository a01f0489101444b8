// Runs verification cases on a backend (WebGPU, or the CPU's fast variants) against the CPU reference
// configuration and reports one row per case.

import type { Backend, Tensor } from "../backend/contract";
import { CpuBackend } from "../backend/cpu";
import type { WebGPUBackend } from "../backend/webgpu";
import type { AdapterSummary } from "../gpu/device";
import type { VerifyCase } from "../kernels/case";
import type { Launch } from "../kernels/launch";
import { compare } from "./compare";

/** A backend whose variants (and, on WebGPU, launch options) a case may set for its run. */
export type Configurable = Backend & { variants: object; launch?: Launch };

export interface VerifyResult {
  id: string;
  kernel: string;
  variant: string;
  shape: string;
  maxAbsErr: number;
  maxRelErr: number;
  atol: number;
  rtol: number;
  pass: boolean;
  ms: number;
  /** Why it failed: the first bad element, or the error thrown. */
  detail?: string;
}

export interface VerifyReport {
  adapter: Pick<AdapterSummary, "vendor" | "architecture" | "description">;
  results: VerifyResult[];
}

async function evaluate(c: VerifyCase, backend: Backend): Promise<Float32Array[]> {
  const made: Tensor[] = [];
  try {
    const inputs: Record<string, Tensor> = {};
    for (const [name, x] of Object.entries(c.inputs())) {
      const t = backend.tensor(x.data, x.shape);
      made.push(t);
      inputs[name] = t;
    }
    const outs = c.apply(backend, inputs);
    made.push(...outs);
    const values: Float32Array[] = [];
    for (const o of outs) values.push(await backend.read(o));
    return c.view ? values.map((v, i) => c.view!(v, i)) : values;
  } finally {
    for (const t of made) t.dispose();
  }
}

export async function verifyCase(
  c: VerifyCase,
  under: Configurable,
  cpu = CpuBackend.reference(),
): Promise<VerifyResult> {
  const row = { id: c.id, kernel: c.kernel, variant: c.variant, shape: c.shape, atol: c.atol, rtol: c.rtol };
  const saved = { variants: under.variants, launch: under.launch };
  const t0 = performance.now();
  try {
    under.variants = { ...saved.variants, ...c.force };
    if (saved.launch) under.launch = c.launch ?? {};
    const ref = await evaluate(c, cpu);
    const got = await evaluate(c, under);
    let maxAbsErr = 0;
    let maxRelErr = 0;
    let detail: string | undefined;
    ref.forEach((r, i) => {
      const cmp = compare(got[i]!, r, c.atol, c.rtol);
      maxAbsErr = Math.max(maxAbsErr, cmp.maxAbsErr);
      maxRelErr = Math.max(maxRelErr, cmp.maxRelErr);
      if (!cmp.pass && !detail) detail = `output ${i}: ${cmp.detail}`;
    });
    return {
      ...row,
      maxAbsErr,
      maxRelErr,
      pass: !detail,
      ms: performance.now() - t0,
      ...(detail ? { detail } : {}),
    };
  } catch (e) {
    const err = e as Error;
    return {
      ...row,
      maxAbsErr: Infinity,
      maxRelErr: Infinity,
      pass: false,
      ms: performance.now() - t0,
      detail: `${err.name}: ${err.message}`,
    };
  } finally {
    under.variants = saved.variants;
    if (saved.launch) under.launch = saved.launch;
  }
}

export async function verifyAll(
  cases: readonly VerifyCase[],
  gpu: WebGPUBackend,
  onResult?: (r: VerifyResult, done: number, total: number) => void,
): Promise<VerifyReport> {
  const cpu = CpuBackend.reference();
  const results: VerifyResult[] = [];
  for (const c of cases) {
    const r = await verifyCase(c, gpu, cpu);
    results.push(r);
    onResult?.(r, results.length, cases.length);
  }
  const { vendor, architecture, description } = gpu.rt.ctx.info;
  return { adapter: { vendor, architecture, description }, results };
}

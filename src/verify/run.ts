// Runs verification cases on a WebGPU backend against the CPU reference and reports one row per case.

import type { Tensor } from "../backend/contract";
import { CpuBackend } from "../backend/cpu";
import type { WebGPUBackend } from "../backend/webgpu";
import type { AdapterSummary } from "../gpu/device";
import type { VerifyCase } from "./case";
import { compare } from "./compare";

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

async function evaluate(c: VerifyCase, backend: CpuBackend | WebGPUBackend): Promise<Float32Array[]> {
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
    return values;
  } finally {
    for (const t of made) t.dispose();
  }
}

export async function verifyCase(
  c: VerifyCase,
  gpu: WebGPUBackend,
  cpu = new CpuBackend(),
): Promise<VerifyResult> {
  const row = { id: c.id, kernel: c.kernel, variant: c.variant, shape: c.shape, atol: c.atol, rtol: c.rtol };
  const saved = gpu.variants;
  const t0 = performance.now();
  try {
    gpu.variants = { ...saved, ...c.force };
    const ref = await evaluate(c, cpu);
    const got = await evaluate(c, gpu);
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
    gpu.variants = saved;
  }
}

export async function verifyAll(
  cases: readonly VerifyCase[],
  gpu: WebGPUBackend,
  onResult?: (r: VerifyResult, done: number, total: number) => void,
): Promise<VerifyReport> {
  const cpu = new CpuBackend();
  const results: VerifyResult[] = [];
  for (const c of cases) {
    const r = await verifyCase(c, gpu, cpu);
    results.push(r);
    onResult?.(r, results.length, cases.length);
  }
  const { vendor, architecture, description } = gpu.rt.ctx.info;
  return { adapter: { vendor, architecture, description }, results };
}

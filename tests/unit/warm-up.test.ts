// The worker's JIT warm-up (src/ui/warm-up.ts): how many steps of the copy it takes, that it leaves WebGPU, the language
// model and a stopped run alone, and that the run trained after it is the one trained without it.

import { describe, expect, test } from "vitest";
import type { Backend } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import type { JobSpec } from "../../src/io/types";
import { createJob } from "../../src/ui/jobs";
import { WARM_STEPS, warmUp } from "../../src/ui/warm-up";

const spec = (steps: number): JobSpec => ({
  kind: "grain",
  model: "relu2",
  settings: { backend: "cpu", seed: 1, lr: 0.05, steps, batch: 1, seeds: 4 },
});

/** The losses of the job's first `steps` steps. */
async function losses(s: JobSpec, backend: Backend, steps: number): Promise<number[]> {
  const job = await createJob(s, backend);
  const out: number[] = [];
  for (const r of job.runs) {
    r.trainer.config.steps = steps;
    await r.trainer.run({ onStep: (rec) => out.push(rec.loss) });
  }
  return out;
}

describe("the JIT warm-up", () => {
  test("a tenth of a short run's steps, at most WARM_STEPS of a long one", async () => {
    expect(await warmUp(spec(30), new CpuBackend(), {}, () => false)).toBe(3);
    expect(await warmUp(spec(5000), new CpuBackend(), {}, () => false)).toBe(WARM_STEPS);
    expect(await warmUp(spec(9), new CpuBackend(), {}, () => false)).toBe(0);
  });

  test("none on WebGPU, none for the language model, none once the run is stopped", async () => {
    const gpu = { name: "webgpu" } as Backend;
    expect(await warmUp(spec(3000), gpu, {}, () => false)).toBe(0);
    const lm: JobSpec = { ...spec(3000), kind: "lm", model: "char-gpt" };
    expect(await warmUp(lm, new CpuBackend(), {}, () => false)).toBe(0);
    expect(await warmUp(spec(3000), new CpuBackend(), {}, () => true)).toBe(0);
  });

  test("the run trained after it is the run trained without it", async () => {
    const cold = await losses(spec(300), new CpuBackend(), 20);
    const backend = new CpuBackend();
    await warmUp(spec(300), backend, {}, () => false);
    const warm = await losses(spec(300), backend, 20);
    expect(warm).toHaveLength(20);
    expect(warm).toEqual(cold);
  });
});

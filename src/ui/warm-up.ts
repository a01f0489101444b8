// Warming the JIT on the CPU and wasm backends: steps of a throwaway copy of the job, taken by the worker right
// after a run's first step (its loss and the first snapshot already posted), in the interval the time left leaves
// out (time-left.ts). In a new worker V8 first interprets the trainer's code and compiles it (Maglev, then TurboFan)
// as it grows hot, so without these steps a run's first steps are the slowest: on default five-experts runs on the
// CPU the first 5% of the steps took 1.6-2.6 ms of the worker's CPU each and the rest 1.2-2.1 ms, and the time left
// after 10% of the steps was up to 36-44% high. With the optimizing compilers off (--no-maglev --no-turbofan) every
// step took 11-15 ms, with no such decline; with the young generation 16 MB from the start
// (--min-semi-space-size=16, fewer scavenges early) the first 5% were as slow as without it. After 150-300 steps of
// the copy the run's first 5% took 1.1-1.5 ms per step. The copy is the job's own (same models, data and optimizer),
// dropped after, so the run trains what it would without it. WebGPU is left out: there step 1 compiles the pipelines
// (seconds on SwiftShader), which the copy would do again. So is the language model: its steps take a tenth of a
// second or more in the kernels, where compiling the trainer's code is a small share, and its copy would prepare
// the corpus and run the validation pass again.

import type { Backend } from "../backend/contract";
import type { JobSpec } from "../io/types";
import { createJob } from "./jobs/index";
import type { SnapshotRequest } from "./protocol";

/** At most this many steps of each run, and at most a tenth of the run's steps. */
export const WARM_STEPS = 200;
/**
 * Warming stops when even the fastest of its first steps took this long (ms, on the worker's clock): the inner
 * loops of a job that slow are hot after a step or two. The fastest, not the average: other processes on the cores
 * stretch some steps many times over (with the average, at load average 14, two of three five-experts runs were
 * slower again in their first 10% and 34-36% off there). And it stops after this long in all.
 */
const SLOW_STEP_MS = 20;
const WARM_MS = 5000;

/** Steps of a copy of `spec`'s job on `backend` (none on WebGPU or for the language model), then the copy's tensors freed; returns the steps. */
export async function warmUp(
  spec: JobSpec,
  backend: Backend,
  request: SnapshotRequest,
  stopped: () => boolean,
): Promise<number> {
  const limit = Math.min(WARM_STEPS, Math.floor(spec.settings.steps / 10));
  if (backend.name === "webgpu" || spec.kind === "lm" || limit < 1) return 0;
  const job = await createJob(spec, backend);
  const t0 = performance.now();
  let steps = 0;
  let fastest = Number.POSITIVE_INFINITY;
  try {
    while (steps < limit && !stopped()) {
      const s0 = performance.now();
      steps++;
      for (const r of job.runs) {
        r.trainer.config.steps = steps;
        await r.trainer.run();
      }
      const now = performance.now();
      fastest = Math.min(fastest, now - s0);
      if (now - t0 > WARM_MS || (steps >= 3 && fastest > SLOW_STEP_MS)) break;
    }
    // The evaluations the run makes between its chunks: the held-out loss, a snapshot.
    await job.testLoss();
    await job.snapshot(request);
  } finally {
    for (const r of job.runs) {
      for (const p of r.trainer.model.parameters()) p.free();
      r.trainer.opt.dispose();
    }
  }
  return steps;
}

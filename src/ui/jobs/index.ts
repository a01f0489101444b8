// The job of each training page.

import type { Backend } from "../../backend/contract";
import type { JobSpec } from "../../io/types";
import type { Job } from "./job";
import { lmJob } from "./lm-job";
import { expertsJob, grainJob } from "./regression-jobs";
import { transformerJob } from "./transformer-job";

export function createJob(spec: JobSpec, backend: Backend): Promise<Job> {
  switch (spec.kind) {
    case "grain":
      return grainJob(spec, backend);
    case "experts":
      return expertsJob(spec, backend);
    case "transformer":
      return transformerJob(spec, backend);
    case "lm":
      return lmJob(spec, backend);
    default:
      throw new Error(`unknown job kind '${String(spec.kind)}'`);
  }
}

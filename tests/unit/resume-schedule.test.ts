// A run from weights saved at step k goes on along the schedule of a run of k + N steps, from its step k (the
// trainer's firstStep, tested in trainer.test.ts), so the CLI's "resume with --load FILE --steps REST" keeps the
// rates the run would have had without the stop.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import { registrySchedule } from "../../src/models/registry";
import { scheduledLr } from "../../src/nn/schedule";
import { resumedSchedule, runModel } from "../../src/run/run-model";

describe("the schedule of a run from saved weights", () => {
  test("from scratch: the registry's schedule stretched to the run, entered at step 0", () => {
    expect(resumedSchedule("transformer", 0, 600)).toEqual({
      schedule: registrySchedule("transformer", 600),
    });
  });

  test("from step k with N steps: the schedule of k + N steps, entered at k", () => {
    const got = resumedSchedule("transformer", 250, 350);
    expect(got.firstStep).toBe(250);
    expect(got.schedule).toEqual(registrySchedule("transformer", 600));
    // Its first rate is the 600-step run's at step 250 (past the warmup, part way down the cosine), not a warmup's.
    const lr = 0.01;
    const first = scheduledLr(lr, got.schedule!, got.firstStep!);
    expect(first).toBeCloseTo(scheduledLr(lr, registrySchedule("transformer", 600)!, 250), 15);
    expect(first).toBeLessThan(lr);
    expect(first).toBeGreaterThan(scheduledLr(lr, registrySchedule("transformer", 600)!, 599));
  });

  test("a model without a schedule gets none, only the step to go on from", () => {
    const got = resumedSchedule("relu10", 40, 10);
    expect(got.firstStep).toBe(40);
    expect(got.schedule ?? { kind: "constant" }).toEqual(
      registrySchedule("relu10", 50) ?? { kind: "constant" },
    );
  });
});

describe("a run from a saved file, end to end", () => {
  test.each([1, 2])(
    "%i seed(s): the report's losses are this run's steps, the file's step adds up",
    async (seeds) => {
      const be = new CpuBackend();
      const first = await runModel(be, { model: "transformer", steps: 5, seed: 3, seeds });
      const on = await runModel(be, {
        model: "transformer",
        steps: 3,
        seed: 3,
        seeds,
        weights: JSON.stringify(first.weights),
      });
      expect(on.report.loss).toHaveLength(3);
      expect(on.report.loss.every(Number.isFinite)).toBe(true);
      expect(on.weights.step).toBe(8);
      expect(on.weights.settings.steps).toBe(8);
    },
  );
});

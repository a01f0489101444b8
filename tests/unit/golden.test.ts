// Golden trajectories: the first 10 losses of small models trained on the CPU backend with a fixed seed.
// Computed once and reviewed (regression: smooth Adam descent from the expected starting error, targets ~2-3x
// cups of 1-5, so an untrained model's mean squared error is in the tens). Any silent numeric change to an op, an
// initialiser, the data or the optimizer moves these numbers.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import type { Module } from "../../src/nn/module";
import { Trainer } from "../../src/train/trainer";
import { type Family, familyTask } from "../gpu/families";

const GOLDEN: Partial<Record<Family, number[]>> = {
  mlp: [
    39.675174713134766, 38.41194534301758, 37.17925262451172, 35.97596740722656, 34.79716110229492,
    33.63784408569336, 32.500816345214844, 31.373046875, 30.250478744506836, 29.130653381347656,
  ],
  mixture: [
    33.850521087646484, 33.14888381958008, 32.47275924682617, 31.821422576904297, 31.19400978088379,
    30.589557647705078, 30.007034301757812, 29.445354461669922, 28.90341567993164, 28.380123138427734,
  ],
  // Cross-entropy over 8 tokens starts near log 8 ≈ 2.08 (a little above: random embeddings give uneven logits)
  // and falls unevenly, since every step draws a new batch of the previous-token task.
  transformer: [
    2.52392578125, 2.326894521713257, 2.3039989471435547, 2.4339733123779297, 2.260326385498047,
    2.3479671478271484, 2.1486990451812744, 2.266587972640991, 2.0539121627807617, 2.2345995903015137,
  ],
};

describe("golden loss trajectories (CPU, seed 1, Adam lr 0.01)", () => {
  for (const [family, expected] of Object.entries(GOLDEN) as [Family, number[]][]) {
    test(family, async () => {
      const t = new Trainer<Module>(new CpuBackend(), familyTask(family, 1), {
        steps: 10,
        optimizer: { kind: "adam", lr: 0.01 },
      });
      await t.run();
      const got = t.history.map((r) => r.loss);
      expect(got.length).toBe(10);
      // f32 storage: agreement to ~1e-6 relative is what an unchanged computation gives.
      got.forEach((l, i) => {
        expect(Math.abs(l - expected[i]!) / expected[i]!, `step ${i}: ${l}`).toBeLessThan(1e-6);
      });
    });
  }
});

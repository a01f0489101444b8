// Editable architectures (registry ArchSpec): the parameter count a page shows is the built model's, refused
// sizes say why, and a weights file carries the architecture its run had.

import { describe, expect, test } from "vitest";
import { Context } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { SAVED_JOB_VERSION, type SavedJob } from "../../src/io/types";
import { parseWeightsFile, toWeightsFile } from "../../src/io/weights";
import { buildWithArch, MODEL_NAMES, modelEntry } from "../../src/models/registry";

const ctx = new Context(new CpuBackend());

describe("architecture", () => {
  const editable = MODEL_NAMES.filter((n) => modelEntry(n).arch);

  test("the editable models: the ReLU nets, the attention mixtures and the transformer", () => {
    expect(editable).toEqual([
      "relu2",
      "relu10",
      "grain-attention",
      "experts-attention",
      "experts-relu7",
      "experts-relu43",
      "transformer",
    ]);
  });

  test("the parameter count shown is the built model's, for the defaults and for other sizes", () => {
    for (const n of editable) {
      const a = modelEntry(n).arch!;
      expect(a.params(a.defaults), n).toBe(modelEntry(n).params);
      const other = a.label === "experts" ? [7] : n === "transformer" ? [8, 2, 2] : [5, 4];
      expect(a.build(ctx, 1, other).parameterCount(), n).toBe(a.params(other));
    }
  });

  test("refused sizes say why", () => {
    const relu = modelEntry("relu2").arch!;
    expect(relu.check([0])).toMatch(/whole numbers from 1 to 64, got 0/);
    expect(relu.check([2, 2, 2, 2])).toMatch(/at most 3 hidden layers/);
    expect(relu.check([])).toMatch(/at least one number/);
    expect(modelEntry("grain-attention").arch!.check([3, 1])).toMatch(/one number: the experts/);
    expect(() => buildWithArch("plane", ctx, 1, [3])).toThrow(/fixed architecture/);
    expect(modelEntry("transformer").arch!.check([16, 3, 1])).toMatch(
      /heads \(3\) must divide the width \(16\)/,
    );
  });

  test("a weights file keeps the architecture, and refuses a malformed one", () => {
    const job: SavedJob = {
      version: SAVED_JOB_VERSION,
      spec: {
        kind: "grain",
        model: "relu2",
        settings: { backend: "cpu", lr: 0.02, steps: 10, batch: 1, seed: 1, seeds: 1 },
        arch: { relu2: [5] },
      },
      step: 10,
      runs: [{ name: "relu2", params: {}, state: [], t: 10 }],
      history: { train: [{ step: 0, train: [3] }], test: [] },
      savedAt: 0,
    };
    const back = parseWeightsFile(JSON.stringify(toWeightsFile(job)), "grain");
    expect(back.spec.arch).toEqual({ relu2: [5] });
    expect(back.history.train).toEqual([{ step: 0, train: [3] }]);
    const bad = { ...toWeightsFile(job), arch: { relu2: [0] } };
    expect(() => parseWeightsFile(JSON.stringify(bad), "grain")).toThrow(
      /arch of 'relu2' must be a list of whole numbers/,
    );
  });
});

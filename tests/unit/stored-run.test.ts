// The check of a run read back from the browser's storage (src/io/stored-run.ts): a well-formed record passes, and
// each kind of damage is named.

import { describe, expect, test } from "vitest";
import { sameRun, storedRunProblem } from "../../src/io/stored-run";
import { type JobSpec, SAVED_JOB_VERSION } from "../../src/io/types";

function good(): Record<string, unknown> {
  return {
    version: SAVED_JOB_VERSION,
    id: "r1",
    spec: {
      kind: "grain",
      model: "relu2",
      settings: { backend: "cpu", lr: 0.01, steps: 40, batch: 1, seed: 1, seeds: 1 },
    },
    step: 20,
    runs: [
      {
        name: "relu2",
        params: { w: { shape: [2, 3], data: new Float32Array(6).fill(0.5) } },
        state: [[new Float32Array(6)], [new Float32Array(6)]],
        t: 20,
      },
    ],
    history: { train: [{ step: 0, train: [1] }], test: [] },
    savedAt: 1,
  };
}

type Rec = ReturnType<typeof good> & { spec: Record<string, unknown>; runs: Record<string, unknown>[] };

describe("stored runs are checked before they are resumed", () => {
  test("a well-formed record passes", () => {
    expect(storedRunProblem(good(), "grain", "relu2")).toBeNull();
  });

  const cases: [string, (r: Rec) => unknown, RegExp][] = [
    ["not an object", () => "text", /the record is a string/],
    ["another format", (r) => ({ ...r, version: 99 }), /format 99; this workbench reads format/],
    ["no spec", (r) => ({ ...r, spec: undefined }), /its spec is missing/],
    [
      "another page",
      (r) => ({ ...r, spec: { ...r.spec, kind: "experts" } }),
      /spec.kind is a string, not "grain"/,
    ],
    [
      "another model",
      (r) => ({ ...r, spec: { ...r.spec, model: "line" } }),
      /spec.model is a string, not "relu2"/,
    ],
    ["no settings", (r) => ({ ...r, spec: { ...r.spec, settings: null } }), /spec.settings is null/],
    [
      "a setting the form refuses",
      (r) => ({ ...r, spec: { ...r.spec, settings: { ...(r.spec.settings as object), steps: -3 } } }),
      /its setting steps must not be negative/,
    ],
    ["step NaN", (r) => ({ ...r, step: Number.NaN }), /its step is NaN, not a step count/],
    ["step a string", (r) => ({ ...r, step: "20" }), /its step is a string/],
    ["no runs", (r) => ({ ...r, runs: [] }), /its runs are an array/],
    [
      "a parameter as a plain array",
      (r) => ({ ...r, runs: [{ ...r.runs[0], params: { w: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] } } }] }),
      /runs\[0\]\.params\.w\.data is an array, not a Float32Array/,
    ],
    [
      "a parameter of the wrong length",
      (r) => ({
        ...r,
        runs: [{ ...r.runs[0], params: { w: { shape: [2, 3], data: new Float32Array(5) } } }],
      }),
      /runs\[0\]\.params\.w holds 5 values for shape \[2, 3\]/,
    ],
    [
      "a non-finite optimizer state",
      (r) => ({ ...r, runs: [{ ...r.runs[0], state: [[new Float32Array([0, Number.NaN])]] }] }),
      /runs\[0\]\.state\[0\]\[0\]\[1\] is NaN/,
    ],
    ["no history", (r) => ({ ...r, history: {} }), /loss history is not readable/],
    ["savedAt missing", (r) => ({ ...r, savedAt: undefined }), /savedAt is missing/],
  ];
  for (const [what, change, message] of cases) {
    test(what, () => {
      expect(storedRunProblem(change(good() as Rec), "grain", "relu2")).toMatch(message);
    });
  }
});

describe("a link's settings resume only the stored run they describe", () => {
  const spec = (): JobSpec => ({
    kind: "grain",
    model: "relu2",
    settings: { backend: "cpu", lr: 0.01, steps: 40, batch: 1, seed: 1, seeds: 1 },
    arch: { relu2: [5] },
  });

  test("the same model, settings and architecture", () => {
    expect(sameRun(spec(), spec())).toBe(true);
    expect(sameRun({ ...spec(), loseDeviceAt: 3 }, spec())).toBe(true);
  });

  const differ: [string, (s: JobSpec) => JobSpec][] = [
    ["another page", (s) => ({ ...s, kind: "experts" })],
    ["another model", (s) => ({ ...s, model: "relu10" })],
    ["another step count", (s) => ({ ...s, settings: { ...s.settings, steps: 41 } })],
    ["another seed", (s) => ({ ...s, settings: { ...s.settings, seed: 2 } })],
    ["another backend", (s) => ({ ...s, settings: { ...s.settings, backend: "webgpu" } })],
    ["another architecture", (s) => ({ ...s, arch: { relu2: [3] } })],
    ["the default architecture", ({ arch: _arch, ...s }) => s],
  ];
  for (const [what, change] of differ) {
    test(what, () => {
      expect(sameRun(change(spec()), spec())).toBe(false);
      expect(sameRun(spec(), change(spec()))).toBe(false);
    });
  }
});

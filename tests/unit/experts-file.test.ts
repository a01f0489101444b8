// A weights file of some of the experts page's models into the page's run (src/ui/experts-file.ts): the file's
// models take its weights (copied into every seed), architecture and losses at the file's step; the others keep
// their weights and their losses before that step; runs the page does not train, architectures the registry does not
// build and other seed counts are refused, naming the file.

import { describe, expect, test } from "vitest";
import { SAVED_JOB_VERSION, type SavedJob, type SavedRun } from "../../src/io/types";
import { WeightsFileError } from "../../src/io/weights";
import { mergeExpertsFile } from "../../src/ui/experts-file";

const NAMES = ["experts-attention", "experts-relu7", "experts-relu43"];

/** A batched run of `seeds` seeds whose one parameter "w0" holds `value`. */
const run = (name: string, seeds: number, value: number): SavedRun => ({
  name,
  params: { w0: { shape: [seeds, 3, 2], data: new Float32Array(seeds * 6).fill(value) } },
  state: [[new Float32Array(seeds * 6)]],
  t: 7,
});

const job = (partial: Partial<SavedJob> & Pick<SavedJob, "runs">): SavedJob => ({
  version: SAVED_JOB_VERSION,
  spec: {
    kind: "experts",
    model: "experts",
    settings: { backend: "cpu", lr: 0.05, steps: 100, batch: 1, seed: 1, seeds: 2 },
  },
  step: 0,
  history: { train: [], test: [] },
  savedAt: 0,
  ...partial,
});

/** The page's run: 60 steps of the three models, 2 seeds, the attention model with 8 experts. */
const page = () =>
  job({
    spec: { ...job({ runs: [] }).spec, arch: { "experts-attention": [8], "experts-relu7": [6] } },
    step: 60,
    runs: NAMES.map((n, i) => run(n, 2, i + 1)),
    history: {
      train: [10, 40, 59].map((step) => ({ step, train: [1, 2, 3] })),
      test: [{ step: 59, test: [4, 5, 6] }],
    },
  });

/** The CLI's file of experts-relu7 with 3 hidden units, one seed, 30 steps. */
const cli = (over: Partial<SavedJob> = {}) =>
  job({
    spec: {
      kind: "experts",
      model: "experts",
      settings: { backend: "cpu", lr: 0.05, steps: 30, batch: 1, seed: 1, seeds: 1 },
      arch: { "experts-relu7": [3] },
    },
    step: 30,
    runs: [run("experts-relu7", 1, 9)],
    history: {
      train: [0, 10, 29].map((step) => ({ step, train: [step / 10] })),
      test: [{ step: 29, test: [7] }],
    },
    ...over,
  });

describe("a file of some of the experts page's models", () => {
  test("its model takes the file's weights in every seed, its architecture, losses and step; the others keep theirs", () => {
    const now = page();
    const merged = mergeExpertsFile(now, cli(), NAMES, "f.json");
    expect(merged.step).toBe(30);
    expect(merged.runs.map((r) => r.name)).toEqual(NAMES);
    expect(merged.runs[1]!.params.w0!.shape).toEqual([2, 3, 2]);
    expect([...merged.runs[1]!.params.w0!.data]).toEqual(new Array(12).fill(9));
    expect(merged.runs[1]!.state).toEqual([]);
    // The others as they were, optimizer state included.
    expect(merged.runs[0]).toBe(now.runs[0]);
    expect(merged.runs[2]).toBe(now.runs[2]);
    expect(merged.spec.arch).toEqual({ "experts-attention": [8], "experts-relu7": [3] });
    expect(merged.spec.settings).toEqual({ ...now.spec.settings, steps: 100 });
    // The file's losses in its model's column; the others' before the file's step in theirs; null elsewhere.
    expect(merged.history.train).toEqual([
      { step: 0, train: [null, 0, null] },
      { step: 10, train: [1, 1, 3] },
      { step: 29, train: [null, 2.9, null] },
    ]);
    expect(merged.history.test).toEqual([{ step: 29, test: [null, 7, null] }]);
  });

  test("a file at the default architecture takes the default back; a later step raises the steps", () => {
    const { arch: _, ...spec } = cli().spec;
    const merged = mergeExpertsFile(page(), cli({ spec, step: 150 }), NAMES, "f.json");
    expect(merged.spec.arch).toEqual({ "experts-attention": [8] });
    expect(merged.spec.settings.steps).toBe(150);
    expect(merged.step).toBe(150);
  });

  test("a file of the page's number of seeds keeps them", () => {
    const merged = mergeExpertsFile(page(), cli({ runs: [run("experts-relu7", 2, 5)] }), NAMES, "f.json");
    expect([...merged.runs[1]!.params.w0!.data]).toEqual(new Array(12).fill(5));
  });

  test("refused: another model's run, an architecture the registry does not build, another number of seeds", () => {
    const refused = (file: SavedJob) => () => mergeExpertsFile(page(), file, NAMES, "f.json");
    expect(refused(cli({ runs: [run("relu2", 1, 1)] }))).toThrow(
      new WeightsFileError(
        "'f.json' holds a run of 'relu2', which this page does not train (it trains 'experts-attention', 'experts-relu7', 'experts-relu43')",
      ),
    );
    expect(refused(cli({ spec: { ...cli().spec, arch: { "experts-relu7": [99] } } }))).toThrow(
      /^'f\.json': model 'experts-relu7' .*99/,
    );
    expect(refused(cli({ runs: [run("experts-relu7", 3, 1)] }))).toThrow(
      "'f.json' holds 3 seeds of experts-relu7 and this page trains 2: set its seeds to 3, or load a file of one seed",
    );
  });
});

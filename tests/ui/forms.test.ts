// The UI's pure parts in Node: form validation, the weights file checks, and equation formatting.

import { describe, expect, test } from "vitest";
import { parseField, parseSettings } from "../../src/io/settings";
import { SAVED_JOB_VERSION, type SavedJob } from "../../src/io/types";
import { checkShapes, parseWeightsFile, toWeightsFile } from "../../src/io/weights";
import { chainEquations, linearTerms, mixtureEquations } from "../../src/ui/jobs/equations";

describe("settings", () => {
  test.each([
    ["lr", "", "required"],
    ["lr", "  ", "required"],
    ["lr", "-1", "must not be negative"],
    ["lr", "0", "must be at least 0.000001"],
    ["lr", "NaN", "not a number"],
    ["lr", "Infinity", "not a number"],
    ["lr", "0x10", "not a number"],
    ["lr", "1e400", "not a finite number"],
    ["lr", "11", "too large: at most 10"],
    ["steps", "1.5", "must be a whole number"],
    ["steps", "5000000", "too large: at most 1,000,000"],
    ["seeds", "65", "too large: at most 64"],
  ] as const)("%s = %j is refused: %s", (name, text, message) => {
    expect(parseField(name, text)).toBe(message);
  });

  test("good values parse, with exponents", () => {
    const r = parseSettings({
      backend: "cpu",
      lr: "3e-3",
      steps: "1000",
      batch: "32",
      seed: "0",
      seeds: "8",
    });
    expect(r).toEqual({
      ok: true,
      settings: { backend: "cpu", lr: 0.003, steps: 1000, batch: 32, seed: 0, seeds: 8 },
    });
  });

  test("every bad field is reported at once, and an unknown backend too", () => {
    const r = parseSettings({ backend: "tpu", lr: "", steps: "-3", batch: "1", seed: "1", seeds: "1" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.errors).sort()).toEqual(["backend", "lr", "steps"]);
  });
});

describe("weights file", () => {
  const job: SavedJob = {
    version: SAVED_JOB_VERSION,
    spec: {
      kind: "grain",
      model: "line",
      settings: { backend: "auto", lr: 0.05, steps: 10, batch: 1, seed: 1, seeds: 1 },
    },
    step: 10,
    runs: [
      { name: "line", params: { w0: { shape: [1, 2, 1], data: Float32Array.of(2, 0.5) } }, state: [], t: 10 },
    ],
    history: { train: [], test: [] },
    savedAt: 0,
  };
  const text = JSON.stringify(toWeightsFile(job));

  test("round trip", () => {
    const back = parseWeightsFile(text, "grain");
    expect(back.step).toBe(10);
    expect(Array.from(back.runs[0]!.params.w0!.data)).toEqual([2, 0.5]);
    expect(checkShapes(back.runs[0]!, [["w0", [1, 2, 1]]])).toBeNull();
  });

  test("refuses other formats, versions, pages, bad shapes and values", () => {
    expect(() => parseWeightsFile("{", "grain")).toThrow(/not a JSON file/);
    expect(() => parseWeightsFile('{"format": "x"}', "grain")).toThrow(
      /not a webgpu-workbench\/weights file/,
    );
    const f = JSON.parse(text);
    expect(() => parseWeightsFile(JSON.stringify({ ...f, version: 2 }), "grain")).toThrow(/version 2/);
    expect(() => parseWeightsFile(text, "experts")).toThrow(/for the grain page/);
    f.runs[0].params.w0.data = [1, 2, 3];
    expect(() => parseWeightsFile(JSON.stringify(f), "grain")).toThrow(/3 values for shape \[1, 2, 1\]/);
    f.runs[0].params.w0.data = [1, null];
    expect(() => parseWeightsFile(JSON.stringify(f), "grain")).toThrow(
      /non-numeric value \(null\) at index 1/,
    );
  });

  test("the file's settings are checked as the trainer panel checks its fields", () => {
    const f = JSON.parse(text);
    const withSettings = (settings: Record<string, unknown>) =>
      JSON.stringify({ ...f, settings: { ...f.settings, ...settings } });
    expect(parseWeightsFile(withSettings({ lr: 0.5, seeds: 64 }), "grain").spec.settings).toEqual({
      backend: "auto",
      lr: 0.5,
      steps: 10,
      batch: 1,
      seed: 1,
      seeds: 64,
    });
    expect(() => parseWeightsFile(withSettings({ seeds: 0 }), "grain")).toThrow(
      /settings are invalid \(seeds 0: must be at least 1\)/,
    );
    expect(() => parseWeightsFile(withSettings({ lr: "fast" }), "grain")).toThrow(/lr "fast": not a number/);
    expect(() => parseWeightsFile(withSettings({ steps: 2.5, backend: "gpu" }), "grain")).toThrow(
      /backend "gpu": choose one of auto, webgpu, wasm, cpu; steps 2.5: must be a whole number/,
    );
    const { batch: _batch, ...noBatch } = f.settings;
    expect(() => parseWeightsFile(JSON.stringify({ ...f, settings: noBatch }), "grain")).toThrow(
      /batch null: required/,
    );
    expect(() => parseWeightsFile(withSettings({ steps: 1e9 }), "grain")).toThrow(
      /steps 1000000000: too large/,
    );
  });

  test("shape check names the parameter both ways", () => {
    const run = parseWeightsFile(text, "grain").runs[0]!;
    expect(checkShapes(run, [["w0", [1, 3, 1]]])).toMatch(
      /'w0' has shape \[1, 2, 1\], the model expects \[1, 3, 1\]/,
    );
    expect(checkShapes(run, [["w1", [1]]])).toMatch(/no parameter 'w1'/);
    expect(checkShapes(run, [])).toMatch(/the model has no parameter 'w0'/);
  });
});

describe("equations", () => {
  test("signs and rounding as the article prints them", () => {
    expect(linearTerms(["x", "z"], [0.01, -10.04], 3.94)).toBe("0.0x − 10.0z + 3.9");
    expect(linearTerms(["x"], [1.0], -0.04)).toBe("1.0x + 0.0");
    expect(linearTerms(["x"], [-0.8], 0)).toBe("−0.8x + 0.0");
  });

  test("a mixture's scores and values from folded layers", () => {
    // W [(2 + 1) × 2], row-major: rows x, z, bias; columns the two experts.
    const scores = [0, 1, -10, 9, 3.9, -2.8];
    const values = [2, 1, 0, 0, 0, 0];
    expect(mixtureEquations(values, scores, ["x", "z"], 2)).toEqual([
      "s1 = 0.0x − 10.0z + 3.9",
      "s2 = 1.0x + 9.0z − 2.8",
      "r1 = 2.0x + 0.0z + 0.0",
      "r2 = 1.0x + 0.0z + 0.0",
      "y = Σᵢ softmax(s)ᵢ · rᵢ",
    ]);
  });

  test("a ReLU chain names its hidden units", () => {
    const lines = chainEquations(
      [
        { W: [1, -1, 0.5, 0], out: 2 }, // x → h1, h2 with biases
        { W: [2, 3, -1], out: 1 },
      ],
      ["x"],
    );
    expect(lines).toEqual(["h1 = relu(1.0x + 0.5)", "h2 = relu(−1.0x + 0.0)", "y = 2.0·h1 + 3.0·h2 − 1.0"]);
  });
});

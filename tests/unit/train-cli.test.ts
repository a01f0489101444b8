// `npm run train` on the CPU: the argument parser on good and bad input, and short trainings through trainMain, the
// entry point the CLI runs: the JSON it writes, that the loss fell, and that its weights files move to and from the
// pages' training jobs (same names and shapes as the pages build).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import { parseTrainArgs } from "../../src/cli/train-args";
import { type Io, trainMain } from "../../src/cli/train-main";
import type { JobKind, SavedJob } from "../../src/io/types";
import { SAVED_JOB_VERSION } from "../../src/io/types";
import { checkShapes, parseWeightsFile, toWeightsFile } from "../../src/io/weights";
import { MODELS } from "../../src/models/registry";
import { takeCheckpoint } from "../../src/train/checkpoint";
import { createJob } from "../../src/ui/jobs/index";

const dir = mkdtempSync(join(tmpdir(), "train-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quiet(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

const readJson = (f: string) => JSON.parse(readFileSync(f, "utf8"));

/**
 * The job the page builds for a CLI weights file (its settings and architecture): the file's runs have that job's
 * run names and parameter shapes. Returns the file as the page reads it.
 */
async function pageTakes(kind: JobKind, model: string, path: string): Promise<SavedJob> {
  const saved = parseWeightsFile(readFileSync(path, "utf8"), kind);
  const { settings, arch } = saved.spec;
  const job = await createJob({ kind, model, settings, ...(arch ? { arch } : {}) }, new CpuBackend());
  expect(saved.runs.map((r) => r.name)).toEqual(job.runs.map((r) => r.name));
  job.runs.forEach((r, i) => {
    const shapes = r.trainer.model.namedParameters().map(([n, v]) => [n, v.shape] as [string, number[]]);
    expect(checkShapes(saved.runs[i]!, shapes)).toBeNull();
  });
  return saved;
}

describe("argument parser", () => {
  test("defaults and every flag", () => {
    expect(parseTrainArgs(["line"])).toEqual({ kind: "ok", args: { model: "line", backend: "auto" } });
    const r = parseTrainArgs([
      "grain-attention",
      "--backend",
      "cpu",
      "--steps=0",
      "--seed",
      "3",
      "--seeds",
      "8",
      "--lr",
      "1e-3",
      "--json",
      "out.json",
      "--save=w.json",
      "--load",
      "in.json",
    ]);
    expect(r).toEqual({
      kind: "ok",
      args: {
        model: "grain-attention",
        backend: "cpu",
        steps: 0,
        seed: 3,
        seeds: 8,
        lr: 0.001,
        json: "out.json",
        save: "w.json",
        load: "in.json",
      },
    });
    expect(parseTrainArgs(["--steps", "5", "transformer"]).kind).toBe("ok");
    expect(parseTrainArgs(["transformer", "--arch", "8,2,2"])).toEqual({
      kind: "ok",
      args: { model: "transformer", backend: "auto", arch: [8, 2, 2] },
    });
    expect(parseTrainArgs(["--arch=5, 3", "relu2"])).toMatchObject({ args: { arch: [5, 3] } });
    expect(parseTrainArgs(["line", "--help"])).toEqual({ kind: "help" });
    expect(parseTrainArgs(["-h"])).toEqual({ kind: "help" });
  });

  const bad: [string[], RegExp][] = [
    [[], /no model/],
    [["nope"], /unknown model 'nope'/],
    [["line", "plane"], /one model only/],
    [["line", "--bogus", "1"], /unknown flag '--bogus'/],
    [["line", "--steps"], /--steps needs a value/],
    [["line", "--steps", "--seed", "2"], /--steps needs a value/],
    [["line", "--json="], /--json needs a value/],
    [["line", "--steps", "NaN"], /--steps must be an integer/],
    [["line", "--steps", "-3"], /--steps must be an integer/],
    [["line", "--steps", "2.5"], /--steps must be an integer/],
    [["line", "--seeds", "0"], /--seeds must be an integer in \[1, 64\]/],
    [["line", "--seed", "-1"], /--seed must be an integer/],
    [["line", "--lr", "0"], /--lr must be a number in \(0, 10\]/],
    [["line", "--lr", "-0.1"], /--lr must be a number/],
    [["line", "--lr", "abc"], /--lr must be a number/],
    [["line", "--lr", "Infinity"], /--lr must be a number/],
    [["line", "--backend", "gpu"], /unknown backend 'gpu': expected one of auto, webgpu, wasm, cpu/],
    // --arch: the registry's ArchSpec rules, naming the model and what the sizes are.
    [
      ["transformer", "--arch", "16,3,1"],
      /^--arch 16,3,1: model 'transformer' \(width, heads, layers\): the heads \(3\) must divide the width \(16\)$/,
    ],
    [["transformer", "--arch", "16,4"], /model 'transformer' \(width, heads, layers\): three numbers/],
    [["transformer", "--arch", "128,4,1"], /model 'transformer' .*at most width 64, 8 heads, 4 layers/],
    [
      ["relu2", "--arch", "0"],
      /model 'relu2' \(hidden units per layer\): .*whole numbers from 1 to 64, got 0/,
    ],
    [["relu2", "--arch", "2.5"], /model 'relu2' .*whole numbers from 1 to 64, got 2.5/],
    [["experts-relu43", "--arch", "2,2,2,2"], /model 'experts-relu43' .*at most 3 hidden layers/],
    [["grain-attention", "--arch", "13"], /model 'grain-attention' \(experts\): .*from 1 to 12, got 13/],
    [["line", "--arch", "3"], /^--arch 3: model 'line' has a fixed architecture$/],
    [["char-gpt", "--arch", "3"], /model 'char-gpt' has a fixed architecture/],
    [["relu2", "--arch", "5,x"], /--arch takes numbers separated by commas \(e.g. 16,2,1\), got '5,x'/],
    [["relu2", "--arch", ","], /--arch takes numbers separated by commas/],
  ];
  for (const [argv, message] of bad) {
    test(`refuses ${JSON.stringify(argv)}`, () => {
      const r = parseTrainArgs(argv);
      expect(r.kind).toBe("error");
      expect(r.kind === "error" && r.message).toMatch(message);
    });
  }

  test("a usage error exits 2 and lists the valid models and flags; --help lists models with descriptions", async () => {
    const io = quiet();
    expect(await trainMain(["nope"], io)).toBe(2);
    expect(io.errors.join("\n")).toMatch(/Valid models: line, plane, .*transformer/);
    expect(io.errors.join("\n")).toMatch(/Valid flags: --backend/);
    const help = quiet();
    expect(await trainMain(["--help"], help)).toBe(0);
    expect(help.lines.join("\n")).toMatch(/grain-attention\s+y = Σ softmax/);
    // --help documents --arch, and lists the models whose architecture may change with their defaults.
    expect(help.lines.join("\n")).toMatch(/--arch SIZES .*\n.*--arch 16,2,1/);
    expect(help.lines.join("\n")).toMatch(/ {16}transformer +width, heads, layers \(default 16,4,1/);
    expect(help.lines.join("\n")).not.toMatch(/ {16}line +/);
  });

  test("a refused --arch exits 2 before any training, naming the model, the field and the rule", async () => {
    const io = quiet();
    expect(await trainMain(["transformer", "--backend", "cpu", "--arch", "12,5,1"], io)).toBe(2);
    expect(io.errors[0]!.split("\n")[0]).toBe(
      "train: --arch 12,5,1: model 'transformer' (width, heads, layers): the heads (5) must divide the width (12)",
    );
    expect(io.lines).toEqual([]);
  });
});

describe("CPU training through the CLI entry point", () => {
  test("line, 50 steps: the JSON has the documented shape and the loss fell", async () => {
    const json = join(dir, "line.json");
    const io = quiet();
    expect(await trainMain(["line", "--backend", "cpu", "--steps", "50", "--json", json], io)).toBe(0);
    const r = readJson(json);
    expect(Object.keys(r).slice(0, 10)).toEqual([
      "model",
      "backend",
      "adapter",
      "params",
      "arch",
      "seed",
      "steps",
      "loss",
      "final",
      "attention",
    ]);
    expect(r).toMatchObject({ model: "line", backend: "cpu", adapter: null, params: 2, seed: 1, steps: 50 });
    // A model of fixed architecture reports none.
    expect(r.arch).toBeNull();
    expect(r.loss).toHaveLength(50);
    expect(r.loss.at(-1)).toBeLessThan(r.loss[0] / 10);
    expect(Object.keys(r.final)).toEqual(["trainLoss", "testLoss", "outOfRangeLoss", "accuracy"]);
    expect(r.final.accuracy).toBeNull();
    expect(r.final.trainLoss).toBeLessThan(r.loss[0]);
    expect(r.attention).toBeNull();
    expect(r.seeds).toBeUndefined();
    expect(io.lines.some((l) => /^step +50\/50 +loss .* steps\/s +ETA/.test(l))).toBe(true);
    expect(io.lines.join("\n")).toMatch(/out-of-range/);
  });

  test("grain-attention --seeds 4: best seed described, per-seed losses, attention per grain; save and load", async () => {
    const json = join(dir, "ga.json");
    const save = join(dir, "ga-weights.json");
    const argv = ["grain-attention", "--backend", "cpu", "--steps", "300", "--seeds", "4"];
    expect(await trainMain([...argv, "--json", json, "--save", save], quiet())).toBe(0);
    const r = readJson(json);
    expect(r.seeds.map((s: { seed: number }) => s.seed)).toEqual([1, 2, 3, 4]);
    const best = Math.min(...r.seeds.map((s: { trainLoss: number }) => s.trainLoss));
    expect(r.final.trainLoss).toBe(best);
    expect(r.seeds.find((s: { seed: number }) => s.seed === r.seed).trainLoss).toBe(best);
    expect(r.loss).toHaveLength(300);
    expect(r.loss.at(-1)).toBeLessThan(r.loss[0] / 5);
    expect(Object.keys(r.attention)).toEqual(["white", "brown", "franken"]);
    for (const w of Object.values(r.attention) as number[][]) {
      expect(w).toHaveLength(3);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }

    // Loaded and evaluated without training, the weights give the same losses.
    const again = join(dir, "ga-again.json");
    expect(await trainMain([...argv, "--steps", "0", "--load", save, "--json", again], quiet())).toBe(0);
    expect(readJson(again).final).toEqual(r.final);
    expect(readJson(again).seeds).toEqual(r.seeds);

    // Another seed count or model is refused with a message that says why.
    const io = quiet();
    expect(await trainMain(["grain-attention", "--backend", "cpu", "--steps", "0", "--load", save], io)).toBe(
      1,
    );
    expect(io.errors.join("\n")).toMatch(
      /'w0' has shape \[4, 3, 3\], the model expects \[1, 3, 3\].*--seeds 4/,
    );
    const io2 = quiet();
    expect(await trainMain(["relu10", "--backend", "cpu", "--load", save], io2)).toBe(1);
    expect(io2.errors.join("\n")).toMatch(/weights of model 'grain-attention', not 'relu10'/);
    const v2 = join(dir, "v2.json");
    writeFileSync(v2, JSON.stringify({ ...readJson(save), version: 2 }));
    const io3 = quiet();
    expect(await trainMain(["grain-attention", "--backend", "cpu", "--load", v2], io3)).toBe(1);
    expect(io3.errors.join("\n")).toMatch(/version 2; this workbench reads version 1/);
  });
});

describe("--arch: an edited architecture through the CLI", () => {
  test("relu2 --arch 5,3: the parameters are the spec's, the file records the arch, --load continues it", async () => {
    const sizes = [5, 3];
    const spec = MODELS.relu2.arch!;
    const json = join(dir, "relu2-53.json");
    const save = join(dir, "relu2-53-weights.json");
    const io = quiet();
    const argv = ["relu2", "--backend", "cpu", "--steps", "40", "--seeds", "2"];
    expect(await trainMain([...argv, "--arch", "5,3", "--json", json, "--save", save], io)).toBe(0);
    const r = readJson(json);
    expect(r.arch).toEqual(sizes);
    // ReLU 2→5→3→1: (2+1)·5 + (5+1)·3 + (3+1)·1 weights and biases.
    expect(r.params).toBe(37);
    expect(r.params).toBe(spec.params(sizes));
    expect(r.params).not.toBe(MODELS.relu2.params);
    expect(r.loss.at(-1)).toBeLessThan(r.loss[0]);
    expect(io.lines[0]).toMatch(/^train: relu2 \(ReLU 2→5→3→1\), 40 steps/);
    expect(io.lines.join("\n")).toMatch(/architecture +ReLU 2→5→3→1 \(5,3; the default is ReLU 2→2→1\)/);

    // The file records the arch as the grain page does, and that page's job for it takes its shapes.
    expect(readJson(save).arch).toEqual({ relu2: sizes });
    expect((await pageTakes("grain", "relu2", save)).spec.arch).toEqual({ relu2: sizes });

    // --load continues that architecture without --arch (and with the same one): the losses are the file's.
    const again = join(dir, "relu2-53-again.json");
    const io2 = quiet();
    expect(await trainMain([...argv, "--steps", "0", "--load", save, "--json", again], io2)).toBe(0);
    expect(readJson(again).arch).toEqual(sizes);
    expect(readJson(again).final).toEqual(r.final);
    expect(await trainMain([...argv, "--steps", "0", "--load", save, "--arch", "5,3"], quiet())).toBe(0);

    // Another --arch than the file's is refused (exit 2), naming both; so is an edit over a default file.
    const io3 = quiet();
    expect(await trainMain([...argv, "--load", save, "--arch", "2"], io3)).toBe(2);
    expect(io3.errors.join("\n")).toMatch(
      /--arch 2 with --load .*: model 'relu2': the loaded file holds ReLU 2→5→3→1 \(5,3\), not ReLU 2→2→1 \(2\)/,
    );
    const plain = join(dir, "relu2-plain.json");
    expect(await trainMain([...argv, "--steps", "1", "--save", plain], quiet())).toBe(0);
    expect(readJson(plain).arch).toBeUndefined();
    const io4 = quiet();
    expect(await trainMain([...argv, "--load", plain, "--arch", "5,3"], io4)).toBe(2);
    expect(io4.errors.join("\n")).toMatch(/holds ReLU 2→2→1 \(2\), not ReLU 2→5→3→1 \(5,3\)/);

    // A file whose arch the registry does not build is refused as a file (exit 1), by the spec's rule.
    const wide = join(dir, "relu2-wide.json");
    writeFileSync(wide, JSON.stringify({ ...readJson(save), arch: { relu2: [65] } }));
    const io5 = quiet();
    expect(await trainMain([...argv, "--load", wide], io5)).toBe(1);
    expect(io5.errors.join("\n")).toMatch(/--load .*: model 'relu2' \(hidden units per layer\): .*got 65/);
  });

  test("the saved file holds the loss history as the pages record it, and --load continues it", async () => {
    const first = join(dir, "line-history.json");
    const report = join(dir, "line-history.report.json");
    const argv = ["line", "--backend", "cpu", "--seed", "2"];
    expect(await trainMain([...argv, "--steps", "30", "--save", first, "--json", report], quiet())).toBe(0);
    const r = readJson(report);
    const a = parseWeightsFile(readFileSync(first, "utf8"), "grain");
    // One training loss per step (0-based), the held-out loss after the last.
    expect(a.history.train.map((p) => p.step)).toEqual(r.loss.map((_: number, i: number) => i));
    expect(a.history.train.map((p) => p.train)).toEqual(r.loss.map((l: number) => [l]));
    expect(a.history.test).toEqual([{ step: 29, test: [r.final.testLoss] }]);

    const second = join(dir, "line-history-2.json");
    const report2 = join(dir, "line-history-2.report.json");
    const more = [...argv, "--steps", "10", "--load", first, "--save", second, "--json", report2];
    expect(await trainMain(more, quiet())).toBe(0);
    const r2 = readJson(report2);
    const b = parseWeightsFile(readFileSync(second, "utf8"), "grain");
    expect(b.step).toBe(40);
    expect(b.history.train.map((p) => p.step)).toEqual([...Array(40).keys()]);
    expect(b.history.train.map((p) => p.train[0])).toEqual([...r.loss, ...r2.loss]);
    expect(b.history.test).toEqual([
      { step: 29, test: [r.final.testLoss] },
      { step: 39, test: [r2.final.testLoss] },
    ]);
  });

  test("the default sizes given as --arch are the default model: the file records no arch, as a page's", async () => {
    const save = join(dir, "relu2-default.json");
    const json = join(dir, "relu2-default-report.json");
    const argv = ["relu2", "--backend", "cpu", "--steps", "2", "--arch", "2", "--save", save, "--json", json];
    expect(await trainMain(argv, quiet())).toBe(0);
    expect(readJson(save).arch).toBeUndefined();
    expect(readJson(json)).toMatchObject({ arch: [2], params: MODELS.relu2.params });
  });

  test("transformer --arch 8,2,2 (2 seeds): the spec's parameter count; the transformer page's job takes the file", async () => {
    const sizes = [8, 2, 2];
    const json = join(dir, "tf-822.json");
    const save = join(dir, "tf-822-weights.json");
    const argv = ["transformer", "--backend", "cpu", "--steps", "3", "--seeds", "2", "--arch", "8,2,2"];
    expect(await trainMain([...argv, "--json", json, "--save", save], quiet())).toBe(0);
    const r = readJson(json);
    expect(r.arch).toEqual(sizes);
    expect(r.params).toBe(MODELS.transformer.arch!.params(sizes));
    expect(r.params).not.toBe(MODELS.transformer.params);
    const saved = await pageTakes("transformer", "transformer", save);
    expect(saved.spec.arch).toEqual({ transformer: sizes });
  });
});

describe("weights files move between the CLI and the pages", () => {
  for (const [model, kind, seeds, steps] of [
    ["grain-attention", "grain", "3", "5"],
    ["switch", "grain", "2", "5"],
    ["transformer", "transformer", "2", "2"],
  ] as const) {
    test(`a CLI file of ${model} (${seeds} seeds) fits the ${kind} page's job`, async () => {
      const save = join(dir, `${model}-page.json`);
      const argv = [model, "--backend", "cpu", "--steps", steps, "--seeds", seeds, "--save", save];
      expect(await trainMain(argv, quiet())).toBe(0);
      const saved = await pageTakes(kind, model, save);
      expect(saved.spec.model).toBe(model);
    });
  }

  test("the experts page's file (three models, 2 seeds) loads into the CLI for one of them", async () => {
    const settings = { backend: "cpu" as const, lr: 0.05, steps: 10, batch: 1, seed: 1, seeds: 2 };
    const job = await createJob({ kind: "experts", model: "experts", settings }, new CpuBackend());
    const runs = [];
    for (const r of job.runs) {
      const cp = await takeCheckpoint(0, r.trainer.model, r.trainer.opt);
      runs.push({ name: r.name, params: cp.params, state: [], t: 0 });
    }
    const page: SavedJob = {
      version: SAVED_JOB_VERSION,
      spec: { kind: "experts", model: "experts", settings },
      step: 0,
      runs,
      history: { train: [], test: [] },
      savedAt: 0,
    };
    const file = join(dir, "experts-page.json");
    writeFileSync(file, JSON.stringify(toWeightsFile(page)));
    const argv = ["experts-relu7", "--backend", "cpu", "--steps", "20", "--seeds", "2", "--load", file];
    expect(await trainMain(argv, quiet())).toBe(0);
  });
});

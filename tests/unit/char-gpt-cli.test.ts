// `npm run train -- char-gpt` and `npm run sample` on the CPU backend: the flags on good and bad input, a short run
// on the names corpus (the JSON report, the weights file; the same run on the wasm backend in Node, step for step),
// a weights file loaded back (the same validation loss at
// 0 steps; another vocabulary or shape refused, naming the mismatch), the device-limit check before training, and
// sampling from a saved file (empty prompt, characters outside the vocabulary, determinism per seed).

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Backend } from "../../src/backend/contract";
import { CpuBackend } from "../../src/backend/cpu";
import { sampleMain } from "../../src/cli/sample-main";
import { parseTrainArgs, usage } from "../../src/cli/train-args";
import { type Io, trainMain } from "../../src/cli/train-main";
import { loadCorpus } from "../../src/data/text/corpus";
import { nodeCorpusSource } from "../../src/data/text/sources-node";
import { type CharGptConfig, charGptParamCount } from "../../src/models/char-gpt";
import { encodeCorpus } from "../../src/models/char-gpt-train";
import { checkCharGptFits, tensorLimit } from "../../src/run/run-char-gpt";

const dir = mkdtempSync(join(tmpdir(), "char-gpt-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quiet(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

const readJson = (f: string) => JSON.parse(readFileSync(f, "utf8"));

describe("flags", () => {
  test("char-gpt's flags parse; they are refused for other models", () => {
    const r = parseTrainArgs([
      "char-gpt",
      "--dataset",
      "names",
      "--preset=tiny",
      "--batch",
      "8",
      "--context",
      "12",
    ]);
    expect(r).toEqual({
      kind: "ok",
      args: { model: "char-gpt", backend: "auto", dataset: "names", preset: "tiny", batch: 8, context: 12 },
    });
    expect(parseTrainArgs(["line", "--dataset", "names"])).toEqual({
      kind: "error",
      message: "--dataset applies to char-gpt only",
    });
  });

  test("bad values are refused, naming the flag and what is valid", () => {
    const msg = (argv: string[]) => {
      const r = parseTrainArgs(argv);
      return r.kind === "error" ? r.message : `parsed: ${JSON.stringify(r)}`;
    };
    expect(msg(["char-gpt", "--dataset", "shakespeare"])).toBe(
      "unknown dataset 'shakespeare': expected one of moby-dick, names",
    );
    expect(msg(["char-gpt", "--preset", "huge"])).toBe("unknown preset 'huge': expected one of small, tiny");
    expect(msg(["char-gpt", "--batch", "5000"])).toBe("--batch must be an integer in [1, 1024], got '5000'");
    expect(msg(["char-gpt", "--context", "0"])).toBe("--context must be an integer in [1, 1024], got '0'");
    expect(msg(["char-gpt", "--seeds", "2"])).toBe("char-gpt trains one seed per run: --seeds must be 1");
    expect(msg(["char-gpt", "--checkpoint-every", "0"])).toBe(
      "--checkpoint-every must be an integer in [1, 1000000], got '0'",
    );
  });

  test("--checkpoint and --checkpoint-every are taken, as by the other models (they act on webgpu)", () => {
    expect(parseTrainArgs(["char-gpt", "--checkpoint", "x.json", "--checkpoint-every", "10"])).toEqual({
      kind: "ok",
      args: { model: "char-gpt", backend: "auto", checkpoint: "x.json", checkpointEvery: 10 },
    });
    expect(usage()).toMatch(
      /--checkpoint FILE {2}on webgpu \(every model, char-gpt too; the cpu and wasm runs/,
    );
  });

  test("an unwritable --checkpoint is refused before training, as --export is", async () => {
    const io = quiet();
    const bad = join(dir, "missing-file-as-folder.json");
    writeFileSync(bad, "x");
    const argv = ["char-gpt", "--dataset", "names", "--backend", "cpu", "--steps", "5"];
    expect(await trainMain([...argv, "--checkpoint", join(bad, "ckpt.json")], io)).toBe(2);
    expect(io.errors.join("\n")).toContain("--checkpoint");
    expect(io.lines.some((l) => l.startsWith("step "))).toBe(false);
  });

  test("--json and --save to a folder are refused before training; a good file is replaced whole", async () => {
    const argv = ["char-gpt", "--dataset", "names", "--backend", "cpu", "--steps", "3"];
    for (const flag of ["--json", "--save"]) {
      const io = quiet();
      expect(await trainMain([...argv, flag, dir], io)).toBe(2);
      expect(io.errors.join("\n")).toContain(`${flag} `);
      expect(io.errors.join("\n")).toContain("is a folder");
      expect(io.lines.some((l) => l.startsWith("step "))).toBe(false);
    }
    // A run writes its report whole over an older file, and leaves no temporary file beside it.
    const out = join(dir, "report-whole.json");
    writeFileSync(out, "older");
    expect(await trainMain([...argv, "--json", out], quiet())).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8")).steps).toBe(3);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("limits", () => {
  const config = { vocab: 81, context: 64, width: 128, heads: 4, layers: 4, tieWeights: true, seed: 1 };
  test("a batch and context too large for the device's binding limit is refused, naming the limit", () => {
    // A WebGPU backend as the runner sees it: only its name and the device's limits are read.
    const gpu = {
      name: "webgpu",
      rt: { limits: { maxStorageBufferBindingSize: 128 * 2 ** 20 } },
    } as unknown as Backend;
    expect(tensorLimit(gpu).bytes).toBe(128 * 2 ** 20);
    expect(() => checkCharGptFits(config, 12, gpu)).not.toThrow();
    // 256 × 512 windows: the MLP activations [131072, 512] are 256 MiB.
    expect(() => checkCharGptFits({ ...config, context: 512 }, 256, gpu)).toThrow(
      "char-gpt: batch 256 × context 512 is too large for the device's maxStorageBufferBindingSize (134217728 bytes): " +
        "the MLP's hidden activations [batch·context, 4·width] needs 268435456 bytes",
    );
    expect(() => checkCharGptFits(config, 2000, new CpuBackend())).toThrow(
      "char-gpt: batch must be an integer in [1, 1024], got 2000",
    );
  });
});

describe("a short run on names", () => {
  const json = join(dir, "names.json");
  const weights = join(dir, "names-weights.json");
  let report: Record<string, unknown> & {
    final: { trainLoss: number; valLoss: number };
    baselines: { unigram: number; bigram: number };
    samples: string[];
    val: { step: number; loss: number }[];
  };
  let io: ReturnType<typeof quiet>;

  beforeAll(async () => {
    io = quiet();
    const argv = ["char-gpt", "--dataset", "names", "--backend", "cpu", "--steps", "20", "--batch", "8"];
    const code = await trainMain([...argv, "--json", json, "--save", weights], io);
    expect(code, io.errors.join("\n")).toBe(0);
    report = readJson(json);
  }, 120_000);

  test("the report has what the issue lists, with the corpus's baselines", async () => {
    const data = encodeCorpus(await loadCorpus("names", nodeCorpusSource));
    expect(report.model).toBe("char-gpt");
    expect(report.params).toBe(charGptParamCount(report.config as CharGptConfig));
    expect(report.steps).toBe(20);
    expect(report.tokensPerSecond as number).toBeGreaterThan(0);
    expect(report.backend).toBe("cpu");
    expect(report.adapter).toBeNull();
    expect(report.baselines.unigram).toBeCloseTo(data.baselines.unigram, 10);
    expect(report.baselines.bigram).toBeCloseTo(data.baselines.bigram, 10);
    // 20 steps from a near-uniform start: the validation loss fell from about ln(28).
    expect(report.val[0]!.loss).toBeGreaterThan(3);
    expect(report.final.valLoss).toBeLessThan(report.val[0]!.loss - 0.2);
    expect(Number.isFinite(report.final.trainLoss)).toBe(true);
    expect(report.samples).toHaveLength(3);
    for (const s of report.samples) expect(data.vocab.unknown(s)).toEqual([]);
    expect(io.lines.some((l) => /^step +20\/20 +train [\d.]+ +val [\d.]+ nats\/char/.test(l))).toBe(true);
  });

  test("the saved weights load back: at 0 steps the validation loss is the run's final one", async () => {
    const again = join(dir, "again.json");
    const code = await trainMain(
      [
        "char-gpt",
        "--dataset",
        "names",
        "--backend",
        "cpu",
        "--steps",
        "0",
        "--load",
        weights,
        "--json",
        again,
      ],
      quiet(),
    );
    expect(code).toBe(0);
    expect(readJson(again).final.valLoss).toBeCloseTo(report.final.valLoss, 5);
  }, 60_000);

  test("weights of another vocabulary or shape are refused before training, naming the mismatch", async () => {
    const other = quiet();
    expect(
      await trainMain(
        ["char-gpt", "--dataset", "moby-dick", "--preset", "tiny", "--backend", "cpu", "--load", weights],
        other,
      ),
    ).toBe(1);
    expect(other.errors.join("\n")).toContain("trained on another vocabulary (28 characters instead of 81)");
    const shape = quiet();
    expect(
      await trainMain(
        ["char-gpt", "--dataset", "names", "--context", "8", "--backend", "cpu", "--load", weights],
        shape,
      ),
    ).toBe(1);
    expect(shape.errors.join("\n")).toContain("context is 16 in the file, 8 here");
    expect(shape.lines.some((l) => l.startsWith("step "))).toBe(false);
  }, 60_000);

  test("--backend wasm trains here in Node on every core, step for step with the CPU backend", async () => {
    const file = join(dir, "names-wasm.json");
    const io = quiet();
    const argv = ["char-gpt", "--dataset", "names", "--backend", "wasm", "--steps", "20", "--batch", "8"];
    expect(await trainMain([...argv, "--json", file], io), io.errors.join("\n")).toBe(0);
    const wasm = readJson(file);
    expect(wasm.backend).toBe("wasm");
    expect(wasm.reason).toMatch(/^the wasm backend was requested \(WebAssembly SIMD, \d+ threads?/);
    expect(io.lines).toContain(`backend: wasm (${wasm.reason})`);
    // The same seed, batches and recipe as the CPU run above; f32 kernels against float64 accumulation.
    const cpuLoss = (report.loss as { step: number; loss: number }[]).map((r) => r.loss);
    const wasmLoss = (wasm.loss as { step: number; loss: number }[]).map((r) => r.loss);
    expect(wasmLoss).toHaveLength(cpuLoss.length);
    wasmLoss.forEach((l, i) => {
      expect(Math.abs(l - cpuLoss[i]!), `step ${i}`).toBeLessThanOrEqual(1e-5 + 1e-3 * cpuLoss[i]!);
    });
  }, 120_000);

  test("sample: from the boundary without a prompt, deterministic per seed; unknown characters refused", async () => {
    const a = quiet();
    expect(await sampleMain(["--load", weights, "--tokens", "40", "--seed", "3"], a)).toBe(0);
    const text = a.lines.join("\n");
    expect(text).toHaveLength(40);
    const b = quiet();
    await sampleMain(["--load", weights, "--tokens", "40", "--seed", "3"], b);
    expect(b.lines.join("\n")).toBe(text);
    const withPrompt = quiet();
    expect(
      await sampleMain(["--load", weights, "--prompt", "ann", "--tokens", "5", "--top-k", "3"], withPrompt),
    ).toBe(0);
    expect(withPrompt.lines.join("\n").startsWith("ann")).toBe(true);
    const bad = quiet();
    expect(await sampleMain(["--load", weights, "--prompt", "Zoë!"], bad)).toBe(2);
    expect(bad.errors.join("\n")).toContain("3 characters outside the vocabulary");
    expect(bad.errors.join("\n")).toContain("'Z', 'ë', '!'");
    expect(bad.lines).toEqual([]);
    const none = quiet();
    expect(await sampleMain(["--prompt", "a"], none)).toBe(2);
    expect(none.errors[0]).toContain("--load FILE is required");
    const missing = quiet();
    expect(await sampleMain(["--load", join(dir, "nope.json")], missing)).toBe(1);
    expect(missing.errors[0]).toContain("cannot read --load");
  }, 60_000);
});

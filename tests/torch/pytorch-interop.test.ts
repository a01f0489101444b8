// Every registry model through real PyTorch and back: trained briefly on the CPU backend, exported as
// safetensors, loaded into its twin (src/torch/workbench_torch.py) by the shipped continuation script, which runs
// the same inputs, trains 20 more steps with AdamW and writes its state_dict back; the workbench imports that file
// and must compute what PyTorch computed. char-gpt trains with its tiny preset on the names corpus and continues on
// the training-text sample its file carries, or on a text file given with --text. The last tests run the script
// under torchrun with 2 CPU processes (gloo), for the transformer and for char-gpt.
//
// Needs Debian's PyTorch at /usr/bin/python3; without it every test here fails with the command that installs it.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Context } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { recipeData } from "../../src/data/recipe";
import { loadCorpus, type TextCorpus } from "../../src/data/text/corpus";
import { nodeCorpusSource } from "../../src/data/text/sources-node";
import { readSafetensors } from "../../src/io/safetensors";
import { charGptConfigOf, exportCharGptWeights } from "../../src/io/torch-char-gpt";
import {
  applyParams,
  charGptText,
  exportTrained,
  importTorchFile,
  objectiveLoss,
  seedParams,
} from "../../src/io/torch-file";
import { CharGPT } from "../../src/models/char-gpt";
import { loadCharGpt } from "../../src/models/char-gpt-weights";
import {
  buildModelWithArch,
  type ModelName,
  modelEntry,
  regressionTrainData,
  TORCH_MODEL_NAMES,
} from "../../src/models/registry";
import { featurize, type RegressionModel } from "../../src/models/regression";
import type { Transformer } from "../../src/models/transformer";
import type { Module } from "../../src/nn/module";
import { runCharGpt } from "../../src/run/run-char-gpt";
import { runModel } from "../../src/run/run-model";
import { torchFileToWeights } from "../../src/run/torch-weights";

const PYTHON = "/usr/bin/python3";
const INSTALL = "apt-get install -y --no-install-recommends python3-torch python3-numpy";
const SCRIPT = resolve(import.meta.dirname, "../../src/torch/continue_training.py");
const backend = new CpuBackend();
let dir = "";
/** char-gpt's corpus: the names (its tiny preset's). */
let names: TextCorpus;

interface Report {
  model: string;
  world_size: number;
  rank: number;
  loss_before: number;
  loss_after: number;
  /** Each step's loss, the mean over processes; local_losses: this process's own. */
  losses: number[];
  local_losses: number[];
  outputs_before: unknown;
  outputs_after: unknown;
  weights: Record<string, number[]>;
}

function python(args: string[]): string {
  const r = spawnSync(PYTHON, args, {
    encoding: "utf8",
    timeout: 240_000,
    env: { ...process.env, OMP_NUM_THREADS: "1" },
  });
  if (r.error || r.status !== 0)
    throw new Error(
      `${PYTHON} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`,
    );
  return r.stdout;
}

beforeAll(async () => {
  const r = spawnSync(PYTHON, ["-c", "import torch, numpy"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error(
      `PyTorch is needed for these tests: \`${PYTHON} -c "import torch, numpy"\` failed ` +
        `(${r.error?.message ?? r.stderr.trim().split("\n").at(-1)}). Install it with: ${INSTALL}`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), "wb-torch-"));
  names = await loadCorpus("names", nodeCorpusSource);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Inputs the model did not train on: another data seed's rows, and the same rows with x doubled (out of range);
 * char-gpt's, 12 windows of the validation text.
 */
function inputsFor(
  name: ModelName,
  model: Module,
): { rows: number[][]; shape: number[]; data: Float32Array } {
  const entry = modelEntry(name);
  if (entry.data === "text") {
    const T = (model as CharGPT).config.context;
    const ids = names.vocab.encode(names.val);
    const rows = Array.from({ length: 12 }, (_, i) => Array.from(ids.subarray(100 * i, 100 * i + T)));
    return { rows, shape: [rows.length, T], data: Float32Array.from(rows.flat()) };
  }
  if (entry.data === "recipe") {
    const rows = recipeData({ seed: 7 })
      .test.slice(0, 12)
      .map((s) => s.tokens);
    return { rows, shape: [rows.length, rows[0]!.length], data: Float32Array.from(rows.flat()) };
  }
  const m = model as RegressionModel;
  const d = regressionTrainData(entry.data, 7);
  const wide = { ...d, inputs: d.inputs.map((v, i) => (i % 2 === 0 ? 2 * v : v)) };
  const F = m.featureCount;
  const data = Float32Array.from([...featurize(m.features, d), ...featurize(m.features, wide)]);
  const rows = Array.from({ length: data.length / F }, (_, i) =>
    Array.from(data.subarray(i * F, (i + 1) * F)),
  );
  return { rows, shape: [rows.length, F], data };
}

/** The workbench's outputs on those inputs: predictions [N], or the sequence models' logits [B, T, V]. */
async function outputsOf(
  name: ModelName,
  model: Module,
  shape: number[],
  data: Float32Array,
): Promise<Float32Array> {
  const ctx = model.ctx;
  try {
    const x = ctx.constant(data, shape);
    return await ctx
      .noGrad(() =>
        modelEntry(name).data === "recipe" || modelEntry(name).data === "text"
          ? (model as Transformer | CharGPT).forward(x)
          : (model as RegressionModel).predict(x),
      )
      .read();
  } finally {
    ctx.endStep();
  }
}

/** max |a − b| and the output scale max |a|, with b PyTorch's (nested lists) flattened. */
function compare(ours: Float32Array, theirs: unknown): { err: number; scale: number } {
  const flat = [theirs].flat(4) as number[];
  expect(flat.length).toBe(ours.length);
  let err = 0;
  let scale = 0;
  ours.forEach((v, i) => {
    err = Math.max(err, Math.abs(v - flat[i]!));
    scale = Math.max(scale, Math.abs(v));
  });
  return { err, scale };
}

/**
 * Train `name` briefly (2 seeds) on the CPU, export the best seed; the exported seed's model on the workbench.
 * char-gpt: one seed of the tiny preset on the names.
 */
async function trainAndExport(name: ModelName, steps: number, arch?: number[]) {
  if (name === "char-gpt") {
    const opts = { model: name, dataset: "names", preset: "tiny", steps } as const;
    const result = await runCharGpt(backend, opts, nodeCorpusSource);
    const { bytes } = await exportCharGptWeights(backend, result.weights, names);
    const { model } = loadCharGpt(new Context(backend), result.weights);
    const file = join(dir, `${name}.safetensors`);
    writeFileSync(file, bytes);
    return { model: model as Module, file, bytes };
  }
  const result = await runModel(backend, { model: name, steps, seeds: 2, progressMs: 1e9, arch });
  const exported = await exportTrained(backend, result.weights, name);
  expect(exported.seed).toBe(result.report.seed);
  const model = buildModelWithArch(name, new Context(backend), exported.seed, arch);
  applyParams(model, seedParams(result.weights.runs[0]!, model, exported.seed - 1));
  const file = join(dir, `${name}${arch ? "-edited" : ""}.safetensors`);
  writeFileSync(file, exported.bytes);
  return { model, file, bytes: exported.bytes, result };
}

const stepsFor = (name: ModelName) => (name === "transformer" || name === "char-gpt" ? 30 : 60);

/** The model a file imports into: the registry's build, or char-gpt as its file's config builds it (seed 99). */
function freshFor(name: ModelName, bytes: Uint8Array): Module {
  const ctx = new Context(backend);
  if (name !== "char-gpt") return modelEntry(name).build(ctx, 99);
  return new CharGPT(ctx, { ...charGptConfigOf(readSafetensors(bytes).metadata), seed: 99 });
}

/**
 * An exported file through the twin and back: the twin's outputs and objective are the workbench's, 20 PyTorch
 * steps lower the loss, and PyTorch's file imports into `fresh` (a model of the file's shape) with PyTorch's outputs.
 */
async function throughTwin(
  name: ModelName,
  exported: { model: Module; file: string; bytes: Uint8Array },
  steps: number,
  fresh: Module,
): Promise<void> {
  const { model, file, bytes } = exported;
  const inputs = inputsFor(name, model);
  const ours = await outputsOf(name, model, inputs.shape, inputs.data);
  const out = join(dir, `${name}-pytorch.safetensors`);
  const reportPath = join(dir, `${name}.json`);
  python([
    SCRIPT,
    file,
    "--steps",
    "20",
    "--inputs",
    JSON.stringify(inputs.rows),
    "--out",
    out,
    "--report",
    reportPath,
  ]);
  const report = JSON.parse(readFileSync(reportPath, "utf8")) as Report;

  // 1. The twin computes the workbench's outputs and its training objective.
  const before = compare(ours, report.outputs_before);
  expect(before.scale).toBeGreaterThan(0);
  expect(before.err).toBeLessThanOrEqual(1e-5 * before.scale);
  const wbLoss = Number(readSafetensors(bytes).metadata["workbench.train_loss"]);
  const text = name === "char-gpt" ? charGptText(names) : undefined;
  expect(wbLoss).toBeCloseTo(await objectiveLoss(name, model, text ?? 1), 10);
  expect(Math.abs(report.loss_before - wbLoss)).toBeLessThanOrEqual(1e-5 * wbLoss);

  // 2. Training continues in PyTorch: 20 AdamW steps lower the loss on the whole training set.
  expect(report.losses).toHaveLength(20);
  expect(report.loss_after).toBeLessThan(report.loss_before);

  // 3. PyTorch's state_dict, written back, imports into the workbench and gives PyTorch's outputs.
  const outBytes = readFileSync(out);
  const imported = importTorchFile(outBytes, name, fresh);
  expect(imported.step).toBe(steps + 20);
  const after = compare(await outputsOf(name, fresh, inputs.shape, inputs.data), report.outputs_after);
  expect(after.err).toBeLessThanOrEqual(1e-5 * after.scale);
  // The import changed the model: its outputs moved with the 20 PyTorch steps.
  expect(compare(ours, report.outputs_after).err).toBeGreaterThan(1e-5 * before.scale);
}

describe("workbench ↔ PyTorch", () => {
  it.each(TORCH_MODEL_NAMES)(
    "%s: same outputs in the twin, 20 PyTorch steps lower the loss, PyTorch's weights import back",
    async (name) => {
      const exported = await trainAndExport(name, stepsFor(name));
      await throughTwin(name, exported, stepsFor(name), freshFor(name, exported.bytes));
    },
    300_000,
  );

  // An architecture edited on a page or by `npm run train -- MODEL --arch` (registry ArchSpec, the run's arch),
  // trained through the run layer: the file's config describes it and builds that twin.
  const edited = [
    ["relu2", [5], { kind: "mlp", sizes: [2, 5, 1] }],
    ["experts-attention", [8], { kind: "mixture", in_features: 2, experts: 8 }],
    // Every field of the transformer's edited: width 8 (the FFN 4 × 8), 2 heads, 2 layers.
    ["transformer", [8, 2, 2], { kind: "transformer", width: 8, heads: 2, layers: 2, hidden: 32 }],
  ] as const;
  it.each(edited)(
    "%s edited to %j: the config in the file builds that twin, same outputs, PyTorch's weights import back",
    async (name, sizes, config) => {
      const entry = modelEntry(name);
      const steps = stepsFor(name);
      const exported = await trainAndExport(name, steps, [...sizes]);
      const { model, bytes } = exported;
      const result = exported.result!;
      // The run records the architecture as a page's file does, and counts the edited model's parameters.
      expect(result.weights.arch).toEqual({ [name]: sizes });
      expect(result.report.arch).toEqual(sizes);
      expect(result.report.params).toBe(entry.arch!.params(sizes));
      expect(result.report.params).not.toBe(entry.params);
      expect(model.parameterCount()).toBe(entry.arch!.params(sizes));
      expect(JSON.parse(readSafetensors(bytes).metadata["workbench.config"]!)).toMatchObject(config);
      await throughTwin(name, exported, steps, buildModelWithArch(name, new Context(backend), 99, sizes));
      // PyTorch's file converts to a weights file of that architecture (what --load and the pages read).
      const pytorch = readFileSync(join(dir, `${name}-pytorch.safetensors`));
      expect(torchFileToWeights(backend, pytorch, name).file.arch).toEqual({ [name]: sizes });
      // The default model refuses the file, naming the shapes.
      expect(() => importTorchFile(bytes, name, entry.build(new Context(backend), 1))).toThrow(
        /has shape \[.*\], model '.*' expects \[/,
      );
    },
    300_000,
  );

  it("char-gpt continues on a text of one's own (--text); a character outside its vocabulary is refused by name", async () => {
    const { file } = await trainAndExport("char-gpt", 30);
    const own = join(dir, "own.txt");
    writeFileSync(own, names.val.slice(0, 3000));
    const reportPath = join(dir, "own.json");
    const out = join(dir, "own.safetensors");
    const stdout = python([
      SCRIPT,
      file,
      "--steps",
      "20",
      "--text",
      own,
      "--out",
      out,
      "--report",
      reportPath,
    ]);
    expect(stdout).toContain(`PyTorch at the loaded weights on ${own}:`);
    const report = JSON.parse(readFileSync(reportPath, "utf8")) as Report;
    expect(report.loss_after).toBeLessThan(report.loss_before);
    // Its loss is of another text than the sample the file carries: the written file does not claim one.
    const meta = readSafetensors(readFileSync(out)).metadata;
    expect(meta["workbench.train_loss"]).toBeUndefined();
    expect(meta["workbench.continued"]).toContain(`on ${own}`);
    const bad = join(dir, "bad.txt");
    writeFileSync(bad, "Anna\nBob\n".repeat(10));
    const r = spawnSync(PYTHON, [SCRIPT, file, "--text", bad], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--text ${bad}: the text has characters outside the vocabulary: 'A', 'B'`);
  }, 300_000);

  // One parameter compared after the import: (workbench name, PyTorch name).
  const probe = { transformer: ["head.bias", "head.bias"], "char-gpt": ["lnF.beta", "lnF.bias"] } as const;
  it.each(["transformer", "char-gpt"] as const)(
    "%s continues under torchrun with 2 CPU processes (gloo): the loss falls, both ranks end with the same weights",
    async (name) => {
      const { file } = await trainAndExport(name, 30);
      const reportPath = join(dir, `ddp-${name}.json`);
      const out = join(dir, `ddp-${name}.safetensors`);
      const stdout = python([
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        // Debian 12's torch 1.13 on Python 3.11 cannot parse its own default output settings ("0").
        "--redirects",
        "1",
        "--tee",
        "1",
        SCRIPT,
        file,
        "--steps",
        "8",
        "--out",
        out,
        "--report",
        reportPath,
      ]);
      expect(stdout).toMatch(/2 process\(es\) on cpu/);
      const [r0, r1] = [0, 1].map(
        (r) => JSON.parse(readFileSync(`${reportPath}.rank${r}`, "utf8")) as Report,
      );
      expect([r0!.world_size, r0!.rank, r1!.world_size, r1!.rank]).toEqual([2, 0, 2, 1]);
      // Each rank trained on its own batches (different losses), yet the averaged gradients keep them in step.
      expect(r0!.local_losses[0]).not.toBe(r1!.local_losses[0]);
      expect(r1!.losses).toEqual(r0!.losses);
      expect(Object.keys(r1!.weights)).toEqual(Object.keys(r0!.weights));
      for (const [k, w] of Object.entries(r0!.weights)) expect(r1!.weights[k]).toEqual(w);
      expect(r0!.loss_after).toBeLessThan(r0!.loss_before);
      // Rank 0's file imports into the workbench with its weights.
      const bytes = readFileSync(out);
      const fresh = freshFor(name, bytes);
      importTorchFile(bytes, name, fresh);
      const [ours, theirs] = probe[name];
      const got = await fresh
        .namedParameters()
        .find(([n]) => n === ours)![1]
        .read();
      expect([...got]).toEqual([...Float32Array.from(r0!.weights[theirs]!)]);
    },
    300_000,
  );
});

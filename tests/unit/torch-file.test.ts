// Export and import of registry models as safetensors (src/io/torch-file.ts, torch-layout.ts, torch-char-gpt.ts,
// run/torch-weights.ts), without PyTorch: names and layouts (char-gpt's tied head), one seed out of a K-seed run,
// char-gpt's sample and its page's files, and every refusal leaving the model untouched. tests/torch/ runs the
// same files through real PyTorch.

import { describe, expect, it } from "vitest";
import { Context } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { loadCorpus } from "../../src/data/text/corpus";
import { nodeCorpusSource } from "../../src/data/text/sources-node";
import { Vocab } from "../../src/data/text/vocab";
import { readSafetensors, writeSafetensors } from "../../src/io/safetensors";
import { exportCharGpt, readCharGptTorchFile } from "../../src/io/torch-char-gpt";
import {
  CHAR_GPT_SAMPLE_CHARS,
  type CharGptText,
  charGptText,
  exportModel,
  exportTrained,
  importTorchFile,
  objectiveLoss,
  sampleWindows,
  seedParams,
  TorchFileError,
  trainingLoss,
} from "../../src/io/torch-file";
import { torchNameOf } from "../../src/io/torch-layout";
import { SAVED_JOB_VERSION } from "../../src/io/types";
import { parseWeightsFile, toWeightsFile } from "../../src/io/weights";
import { CharGPT, type CharGptConfig } from "../../src/models/char-gpt";
import { CHAR_GPT_PRESETS } from "../../src/models/char-gpt-presets";
import { evaluateCharGpt } from "../../src/models/char-gpt-train";
import { buildWithArch, type ModelName, modelEntry, TORCH_MODEL_NAMES } from "../../src/models/registry";
import type { Module } from "../../src/nn/module";
import { runModel } from "../../src/run/run-model";
import {
  charGptFileToPageWeights,
  torchDownloads,
  torchFileModel,
  torchFileToWeights,
} from "../../src/run/torch-weights";

const backend = new CpuBackend();

/** char-gpt with the tiny preset's shape over 28 characters (the names'), tied unless asked. */
const tinyConfig = (seed: number, tieWeights = true): CharGptConfig => ({
  vocab: 28,
  ...CHAR_GPT_PRESETS.tiny.model,
  tieWeights,
  seed,
});

/** A registry model of seed `seed`; char-gpt at the tiny preset's shape (its registry default is the small one). */
const build = (name: ModelName, seed: number): Module =>
  name === "char-gpt"
    ? new CharGPT(new Context(backend), tinyConfig(seed))
    : modelEntry(name).build(new Context(backend), seed);

/** A made-up corpus sample of 28 characters for char-gpt's files (the metadata carries one). */
const letters = new Vocab(Array.from({ length: 28 }, (_, i) => String.fromCharCode(97 + i)));
const madeUp: CharGptText = {
  dataset: "made-up",
  vocab: letters,
  text: Array.from({ length: 200 }, (_, i) => letters.chars[(i * 7) % 28]).join(""),
};
const textFor = (name: ModelName) => (name === "char-gpt" ? madeUp : undefined);

async function values(m: Module): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [n, v] of m.namedParameters()) out.set(n, await v.read());
  return out;
}

const info = { step: 7, seed: 1, choice: "1 (the only one)", lr: 0.01, dataSeed: 1, trainLoss: 1 };

async function exported(name: ModelName, seed = 1): Promise<Uint8Array> {
  return exportModel(name, build(name, seed), { ...info, seed }, textFor(name));
}

describe("PyTorch layout", () => {
  it.each(TORCH_MODEL_NAMES)(
    "%s: every parameter has one PyTorch name; Linear weights are transposed",
    async (name) => {
      const model = build(name, 3);
      const bytes = await exportModel(name, model, info, textFor(name));
      const file = readSafetensors(bytes);
      const named = model.namedParameters();
      expect(file.tensors.size).toBe(named.length);
      for (const [ours, v] of named) {
        const { name: torch } = torchNameOf(ours, v.shape);
        const t = file.tensors.get(torch)!;
        const data = await v.read();
        if (ours.endsWith(".weight")) {
          // ours [in, out], PyTorch's [out, in]: element (i, o) moves to (o, i).
          const [I, O] = v.shape as [number, number];
          expect(t.shape).toEqual([O, I]);
          for (let i = 0; i < I; i++)
            for (let o = 0; o < O; o++) expect(t.data[o * I + i]).toBe(data[i * O + o]);
        } else {
          expect(t.shape).toEqual([...v.shape]);
          expect([...t.data]).toEqual([...data]);
        }
      }
      expect(file.metadata.format).toBe("pt");
      expect(file.metadata["workbench.model"]).toBe(name);
      expect(JSON.parse(file.metadata["workbench.config"]!).kind).toBeTypeOf("string");
    },
  );

  it("names the transformer's parameters as torch.nn does (Embedding, LayerNorm, Linear)", async () => {
    const names = [...readSafetensors(await exported("transformer")).tensors.keys()];
    for (const n of [
      "tokens.weight",
      "positions.weight",
      "blocks.0.attn.q.weight",
      "blocks.0.attn.o.bias",
      "blocks.0.ln1.weight",
      "blocks.0.ln1.bias",
      "blocks.0.ffn.1.weight",
      "head.weight",
    ])
      expect(names).toContain(n);
    expect(names.some((n) => n.endsWith(".table") || n.endsWith(".gamma") || n.endsWith(".beta"))).toBe(
      false,
    );
  });

  it.each(TORCH_MODEL_NAMES)("%s: import restores exactly the exported values", async (name) => {
    const from = build(name, 5);
    const bytes = await exportModel(name, from, info, textFor(name));
    const into = build(name, 6);
    const before = await values(into);
    const imported = importTorchFile(bytes, name, into);
    expect(imported.step).toBe(7);
    const after = await values(into);
    const want = await values(from);
    for (const [n, v] of want) {
      expect([...after.get(n)!]).toEqual([...v]);
      // Seeds 5 and 6 differ somewhere, so the import changed something.
    }
    expect([...before.values()].some((v, i) => [...v].join() !== [...[...want.values()][i]!].join())).toBe(
      true,
    );
  });
});

describe("one seed of a K-seed run", () => {
  it("takes seed k out of a batched run and out of a bank, as built for that seed", async () => {
    for (const name of ["relu10", "experts-attention", "switch"] as const) {
      // 0 steps: the file holds every seed's initial weights, which entry.build gives independently.
      const r = await runModel(backend, { model: name, steps: 0, seeds: 3, seed: 4, progressMs: 1e9 });
      const run = r.weights.runs[0]!;
      for (let k = 0; k < 3; k++) {
        const built = modelEntry(name).build(new Context(backend), 4 + k);
        const got = seedParams(run, built, k);
        for (const [n, v] of built.namedParameters())
          expect([...got.get(n)!.data]).toEqual([...(await v.read())]);
      }
    }
  });

  it("exports the best seed by training loss, or the seed asked for, and says which in the metadata", async () => {
    const r = await runModel(backend, { model: "grain-attention", steps: 40, seeds: 3, progressMs: 1e9 });
    const best = await exportTrained(backend, r.weights, "grain-attention");
    expect(best.seed).toBe(r.report.seed);
    expect(best.trainLoss).toBeCloseTo(r.report.final.trainLoss, 5);
    expect(best.trainLoss).toBe(Math.min(...best.losses.map((l) => l.loss)));
    const meta = readSafetensors(best.bytes).metadata;
    expect(meta["workbench.seed"]).toBe(String(best.seed));
    expect(meta["workbench.seeds"]).toBe("best of 3 (1..3) by training loss");
    expect(meta["workbench.step"]).toBe("40");
    const asked = await exportTrained(backend, r.weights, "grain-attention", { seed: 3 });
    expect(asked.seed).toBe(3);
    expect(readSafetensors(asked.bytes).metadata["workbench.seeds"]).toBe("seed 3 of 3 (1..3), as chosen");
    await expect(exportTrained(backend, r.weights, "grain-attention", { seed: 9 })).rejects.toThrow(
      /seed 9 is not in the file \(seeds 1\.\.3\)/,
    );
    await expect(exportTrained(backend, r.weights, "relu10")).rejects.toThrow(
      /no run of model 'relu10' \(its runs: 'grain-attention'\)/,
    );
  });

  it("a safetensors file loads as the workbench's weights file and trains on", async () => {
    const model = modelEntry("relu10").build(new Context(backend), 2);
    const bytes = await exportModel("relu10", model, { ...info, seed: 2 });
    const { file } = torchFileToWeights(backend, bytes, "relu10");
    const r = await runModel(backend, {
      model: "relu10",
      steps: 0,
      weights: JSON.stringify(file),
      progressMs: 1e9,
    });
    // The batched model's f32 mean against a float64 mean of the same predictions.
    const want = await trainingLoss("relu10", model, 1);
    expect(Math.abs(r.report.final.trainLoss - want)).toBeLessThanOrEqual(1e-6 * want);
    const t = modelEntry("transformer").build(new Context(backend), 2);
    const tf = torchFileToWeights(backend, await exportModel("transformer", t, info), "transformer").file;
    expect(Object.keys(tf.runs[0]!.params)[0]).toBe("0.tokens.table");
  });
});

describe("the pages' Download for PyTorch and safetensors load", () => {
  it("downloads one file per run (each its best seed), which loads back as that page's weights file", async () => {
    // Three experts models in one file, as the experts page saves them.
    const runs = await Promise.all(
      (["experts-attention", "experts-relu7", "experts-relu43"] as const).map(async (m) => {
        const r = await runModel(backend, { model: m, steps: 20, seeds: 2, progressMs: 1e9 });
        return { file: r.weights, seed: r.report.seed };
      }),
    );
    const file = { ...runs[0]!.file, runs: runs.map((r) => r.file.runs[0]!) };
    const downloads = await torchDownloads(backend, file);
    expect(downloads.map((d) => d.filename)).toEqual(
      runs.map((r, i) => `${file.runs[i]!.name}-step20-seed${r.seed}.safetensors`),
    );
    const relu7 = downloads[1]!.bytes;
    expect(torchFileModel(relu7)).toBe("experts-relu7");
    const saved = parseWeightsFile(
      JSON.stringify(torchFileToWeights(backend, relu7, "experts-relu7").file),
      "experts",
    );
    expect(saved.spec.model).toBe("experts");
    expect(saved.runs.map((r) => r.name)).toEqual(["experts-relu7"]);
    expect(saved.step).toBe(20);
    expect(() => torchFileModel(relu7.subarray(0, 4))).toThrow(/truncated file/);
  });
});

describe("an edited architecture (registry ArchSpec, a run's arch)", () => {
  /** relu2 with `hidden` units, seed 3, exported with its config. */
  const reluFile = (hidden: number[]) =>
    exportModel("relu2", buildWithArch("relu2", new Context(backend), 3, hidden), info);
  /** A file's metadata with workbench.config replaced. */
  function withConfig(bytes: Uint8Array, config: unknown): Uint8Array {
    const f = readSafetensors(bytes);
    return writeSafetensors(f.tensors, { ...f.metadata, "workbench.config": JSON.stringify(config) });
  }

  it("exports the run's architecture, whose config and shapes load back as a weights file of that architecture", async () => {
    const m = buildWithArch("experts-attention", new Context(backend), 1, [8]);
    const params: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [n, v] of m.namedParameters())
      params[`0.${n}`] = { shape: [...v.shape], data: await v.read() };
    const file = { step: 4, settings: { seed: 1 }, runs: [{ name: "experts-attention", params }] };
    // Without its arch the run does not fit the default model; with it, the file is of 8 experts.
    await expect(exportTrained(backend, file, "experts-attention")).rejects.toThrow(
      /parameter 'mixture.values.weight' has shape \[2, 8\], the model expects \[2, 5\]/,
    );
    const e = await exportTrained(
      backend,
      { ...file, arch: { "experts-attention": [8] } },
      "experts-attention",
    );
    const f = readSafetensors(e.bytes);
    expect(JSON.parse(f.metadata["workbench.config"]!)).toEqual({
      kind: "mixture",
      in_features: 2,
      experts: 8,
    });
    expect(f.tensors.get("mixture.values.weight")!.shape).toEqual([8, 2]);
    const converted = torchFileToWeights(backend, e.bytes, "experts-attention");
    expect(converted.arch).toEqual([8]);
    const saved = parseWeightsFile(JSON.stringify(converted.file), "experts");
    expect(saved.spec.arch).toEqual({ "experts-attention": [8] });
    expect(saved.runs[0]!.params["w0"]!.shape).toEqual([1, 3, 8]);
    // A default file converts with no arch.
    expect(
      torchFileToWeights(backend, await exported("experts-attention"), "experts-attention").arch,
    ).toBeUndefined();
  });

  it("the default model refuses the file naming both shapes; a config the registry does not build, or that is not the tensors', is refused", async () => {
    const five = await reluFile([5]);
    expect(() => importTorchFile(five, "relu2", build("relu2", 1))).toThrow(
      "tensor 'mlp.0.weight' has shape [5, 2], model 'relu2' expects [2, 2]",
    );
    expect(() =>
      torchFileToWeights(backend, withConfig(five, { kind: "mlp", sizes: [2, 70, 1] }), "relu2"),
    ).toThrow(
      /^the file holds relu2 as '\{"kind":"mlp","sizes":\[2,70,1\]\}', which the workbench does not build \(hidden units per layer: hidden units: whole numbers from 1 to 64, got 70\); relu2 is ReLU 2→2→1 by default$/,
    );
    expect(() =>
      torchFileToWeights(backend, withConfig(five, { kind: "mlp", sizes: [3, 5, 1] }), "relu2"),
    ).toThrow(
      `the file's workbench.config '{"kind":"mlp","sizes":[3,5,1]}' is not relu2 as ReLU 2→5→1 ({"kind":"mlp","sizes":[2,5,1]})`,
    );
    expect(() =>
      torchFileToWeights(backend, withConfig(five, { kind: "switch", grains: 3, class_weight: 1 }), "relu2"),
    ).toThrow(
      `the file's workbench.config '{"kind":"switch","grains":3,"class_weight":1}' is not of a relu2 model`,
    );
    // The config says 5 units, a tensor another number: the tensors are checked against the config's model.
    expect(() =>
      torchFileToWeights(backend, withConfig(five, { kind: "mlp", sizes: [2, 6, 1] }), "relu2"),
    ).toThrow("tensor 'mlp.0.weight' has shape [5, 2], model 'relu2' expects [6, 2]");
  });
});

describe("import refuses bad files and leaves the model untouched", () => {
  async function refused(bytes: Uint8Array, name: ModelName): Promise<string> {
    const model = modelEntry(name).build(new Context(backend), 1);
    const before = await values(model);
    let message = "";
    try {
      importTorchFile(bytes, name, model);
    } catch (e) {
      expect(e).toBeInstanceOf(TorchFileError);
      message = (e as Error).message;
    }
    expect(message).not.toBe("");
    const after = await values(model);
    for (const [n, v] of before) expect([...after.get(n)!]).toEqual([...v]);
    return message;
  }

  /** The file's tensors and metadata, edited, written again. */
  async function edited(
    name: ModelName,
    edit: (t: Map<string, { shape: number[]; data: Float32Array }>) => void,
  ) {
    const f = readSafetensors(await exported(name, 2));
    edit(f.tensors);
    return writeSafetensors(f.tensors, f.metadata);
  }

  it("a file for another model, naming both", async () => {
    expect(await refused(await exported("relu2"), "relu10")).toBe(
      "the file holds weights of model 'relu2', not of model 'relu10'",
    );
  });

  it("a tensor of the wrong shape, a missing one, an extra one", async () => {
    const wrong = await edited("relu10", (t) => {
      t.set("mlp.0.weight", { shape: [2, 10], data: new Float32Array(20) });
    });
    expect(await refused(wrong, "relu10")).toBe(
      "tensor 'mlp.0.weight' has shape [2, 10], model 'relu10' expects [10, 2]",
    );
    const missing = await edited("transformer", (t) => {
      t.delete("blocks.0.ln2.bias");
    });
    expect(await refused(missing, "transformer")).toMatch(
      /no tensor 'blocks.0.ln2.bias' \(model 'transformer' needs it\)/,
    );
    const extra = await edited("line", (t) => {
      t.set("linear.scale", { shape: [1], data: Float32Array.of(1) });
    });
    expect(await refused(extra, "line")).toMatch(/a tensor 'linear.scale' that model 'line' does not have/);
  });

  it("an unknown or unsupported dtype, a truncated file, a non-finite value", async () => {
    const good = await exported("line");
    // Rewrite the first tensor's dtype in place: "F32" → "I32" keeps every length and offset.
    const text = new TextDecoder().decode(good);
    const i32 = new TextEncoder().encode(text.replace('"dtype":"F32"', '"dtype":"I32"'));
    expect(await refused(i32, "line")).toMatch(/dtype I32; the workbench reads F32/);
    expect(await refused(good.subarray(0, good.length - 1), "line")).toMatch(/truncated file/);
    const nan = good.slice();
    new DataView(nan.buffer).setFloat32(nan.length - 4, Number.NaN, true);
    expect(await refused(nan, "line")).toMatch(/tensor 'linear.bias' holds a non-finite value/);
  });
});

describe("char-gpt", () => {
  it("names its tensors as torch.nn does; a tied head is tokens.weight alone, an untied one head.weight [V, C]", async () => {
    const tied = readSafetensors(await exported("char-gpt"));
    const shapes = Object.fromEntries([...tied.tensors].map(([n, t]) => [n, t.shape]));
    expect(shapes).toMatchObject({
      "tokens.weight": [28, 32],
      "positions.weight": [16, 32],
      "blocks.0.ln1.weight": [32],
      "blocks.0.attn.q.weight": [32, 32],
      "blocks.0.attn.o.bias": [32],
      "blocks.0.mlp.0.weight": [128, 32],
      "blocks.0.mlp.1.weight": [32, 128],
      "lnF.weight": [32],
      "lnF.bias": [32],
    });
    expect(shapes["head.weight"]).toBeUndefined();
    expect(JSON.parse(tied.metadata["workbench.config"]!)).toEqual({
      kind: "char-gpt",
      vocab: 28,
      context: 16,
      width: 32,
      heads: 4,
      layers: 1,
      tie_weights: true,
    });
    expect(JSON.parse(tied.metadata["workbench.vocab"]!)).toEqual(letters.chars);
    expect(JSON.parse(tied.metadata["workbench.data"]!)).toEqual({ text: madeUp.text });
    expect(tied.metadata["workbench.dataset"]).toBe("made-up");

    const model = new CharGPT(new Context(backend), tinyConfig(2, false));
    const untied = readSafetensors(await exportModel("char-gpt", model, info, madeUp));
    const ours = await model.head!.weight.read();
    const head = untied.tensors.get("head.weight")!;
    expect(head.shape).toEqual([28, 32]);
    for (let c = 0; c < 32; c++)
      for (let v = 0; v < 28; v++) expect(head.data[v * 32 + c]).toBe(ours[c * 28 + v]);
    // The file's config rebuilds the untied model; a tied model has no head.weight and refuses the file.
    const bytes = await exportModel("char-gpt", model, info, madeUp);
    expect(readCharGptTorchFile(backend, bytes).config).toEqual({ ...tinyConfig(1, false), seed: 1 });
    expect(() => importTorchFile(bytes, "char-gpt", build("char-gpt", 1))).toThrow(
      "the file has a tensor 'head.weight' that model 'char-gpt' does not have",
    );
  });

  it("the sample: the first characters of the training text, as context-long windows shifted by one", async () => {
    const corpus = { name: "made-up", vocab: letters, train: "ab".repeat(CHAR_GPT_SAMPLE_CHARS) };
    expect(charGptText(corpus).text).toHaveLength(CHAR_GPT_SAMPLE_CHARS);
    const model = build("char-gpt", 1) as CharGPT;
    const text = { ...madeUp, text: madeUp.text.slice(0, 50) };
    const b = sampleWindows(model, text);
    // (50 − 1) / 16 → 3 windows: characters 0..47 as inputs, 1..48 as targets.
    const ids = letters.encode(text.text);
    expect(b.batch).toBe(3);
    expect([...b.inputs]).toEqual([...ids.subarray(0, 48)]);
    expect([...b.targets]).toEqual([...ids.subarray(1, 49)]);
    // The file's loss is the mean over every window's characters: the mean of three one-window batches.
    const one = (w: number) => ({
      ...b,
      batch: 1,
      inputs: b.inputs.slice(16 * w, 16 * w + 16),
      targets: b.targets.slice(16 * w, 16 * w + 16),
    });
    const each = await evaluateCharGpt(model, [one(0), one(1), one(2)]);
    expect(await objectiveLoss("char-gpt", model, text)).toBeCloseTo(each, 6);
    expect(() => sampleWindows(model, { ...madeUp, text: "abc" })).toThrow(
      "the sample has 3 characters; a context of 16 needs at least 17",
    );
    await expect(exportModel("char-gpt", model, info)).rejects.toThrow(/carries a sample of its corpus/);
  });

  it("a file without its vocabulary, with another model's config or a vocabulary of another size is refused", async () => {
    const f = readSafetensors(await exported("char-gpt"));
    const without = (edit: (m: Record<string, string>) => void) => {
      const m = { ...f.metadata };
      edit(m);
      return writeSafetensors(f.tensors, m);
    };
    const read = (bytes: Uint8Array) => () => readCharGptTorchFile(backend, bytes);
    expect(read(without((m) => delete m["workbench.vocab"]))).toThrow(
      "the file has no workbench.vocab metadata, which char-gpt needs",
    );
    expect(
      read(
        without((m) => {
          m["workbench.config"] = JSON.stringify({ kind: "transformer" });
        }),
      ),
    ).toThrow("workbench.config is not a char-gpt configuration (kind 'transformer')");
    expect(
      read(
        without((m) => {
          m["workbench.vocab"] = JSON.stringify(["a", "b"]);
        }),
      ),
    ).toThrow("workbench.vocab has 2 characters, workbench.config says 28");
    expect(read(without((m) => delete m["workbench.dataset"]))).toThrow(/no workbench.dataset metadata/);
  });

  it("the language-model page's weights file downloads for PyTorch and loads back; another corpus, shape or vocabulary is refused", async () => {
    const names = await loadCorpus("names", nodeCorpusSource);
    const model = new CharGPT(new Context(backend), { ...tinyConfig(1), vocab: names.vocab.size });
    const params: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [n, v] of model.namedParameters()) params[n] = { shape: [...v.shape], data: await v.read() };
    const settings = { backend: "auto" as const, lr: 0.01, steps: 40, batch: 32, seed: 1, seeds: 1 };
    const page = toWeightsFile({
      version: SAVED_JOB_VERSION,
      spec: { kind: "lm", model: "char-gpt-names-tiny", settings },
      step: 40,
      runs: [{ name: "char-gpt", params, state: [], t: 0 }],
      history: { train: [], test: [] },
      savedAt: 0,
    });
    const [d] = await torchDownloads(backend, page, nodeCorpusSource);
    expect(d!.filename).toBe("char-gpt-names-tiny-step40-seed1.safetensors");
    const meta = readSafetensors(d!.bytes).metadata;
    // At its last step (40 of 40) the page's cosine is at a tenth of the peak.
    expect(Number(meta["workbench.lr"])).toBeCloseTo(0.001, 4);
    expect(meta["workbench.peak_lr"]).toBe("0.01");
    expect(Number(meta["workbench.train_loss"])).toBeCloseTo(
      await objectiveLoss("char-gpt", model, charGptText(names)),
      6,
    );
    const back = (await charGptFileToPageWeights(backend, d!.bytes, nodeCorpusSource)).file;
    expect(parseWeightsFile(JSON.stringify(back), "lm").spec).toEqual({
      kind: "lm",
      model: "char-gpt-names-tiny",
      settings,
    });
    for (const [n, p] of Object.entries(params)) expect(back.runs[0]!.params[n]!.data).toEqual([...p.data]);

    const refused = async (bytes: Uint8Array) => {
      await expect(charGptFileToPageWeights(backend, bytes, nodeCorpusSource)).rejects.toThrow(
        TorchFileError,
      );
      return charGptFileToPageWeights(backend, bytes, nodeCorpusSource).catch((e: Error) => e.message);
    };
    const text = charGptText(names);
    const info40 = { ...info, step: 40 };
    expect(
      await refused(await exportModel("char-gpt", model, info40, { ...text, dataset: "shakespeare" })),
    ).toBe("the file's corpus is 'shakespeare'; the language-model page trains moby-dick and names");
    expect(
      await refused(await exportModel("char-gpt", model, info40, { ...text, dataset: "moby-dick" })),
    ).toBe("the file's vocabulary is not the moby-dick corpus's (28 characters instead of 81)");
    const short = new CharGPT(new Context(backend), { ...tinyConfig(1), vocab: 28, context: 8 });
    expect(await refused(await exportModel("char-gpt", short, info40, text))).toMatch(
      /^the file's model \(1 layer\(s\), 4 heads, width 32, context 8, head tied\) is not one the page trains \(small: .*; tiny: 1 layer\(s\), 4 heads, width 32, context 16; head tied\)$/,
    );
    await expect(
      exportCharGpt(model, { ...names, vocab: letters }, { step: 1, lr: 1, peakLr: 1, batch: 1 }),
    ).rejects.toThrow(/outside the vocabulary/);
  });
});

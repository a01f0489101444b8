// Export and import of registry models as safetensors (src/io/torch-file.ts, torch-layout.ts,
// run/torch-weights.ts), without PyTorch: names and layouts, one seed out of a K-seed run, and every refusal
// leaving the model untouched. tests/torch/ runs the same files through real PyTorch.

import { describe, expect, it } from "vitest";
import { Context } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { readSafetensors, writeSafetensors } from "../../src/io/safetensors";
import {
  exportModel,
  exportTrained,
  importTorchFile,
  seedParams,
  TorchFileError,
  trainingLoss,
} from "../../src/io/torch-file";
import { torchNameOf } from "../../src/io/torch-layout";
import { parseWeightsFile } from "../../src/io/weights";
import { type ModelName, modelEntry, TORCH_MODEL_NAMES } from "../../src/models/registry";
import type { Module } from "../../src/nn/module";
import { runModel } from "../../src/run/run-model";
import { torchDownloads, torchFileModel, torchFileToWeights } from "../../src/run/torch-weights";

const backend = new CpuBackend();

async function values(m: Module): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [n, v] of m.namedParameters()) out.set(n, await v.read());
  return out;
}

const info = { step: 7, seed: 1, choice: "1 (the only one)", lr: 0.01, dataSeed: 1, trainLoss: 1 };

async function exported(name: ModelName, seed = 1): Promise<Uint8Array> {
  return exportModel(name, modelEntry(name).build(new Context(backend), seed), { ...info, seed });
}

describe("PyTorch layout", () => {
  it.each(TORCH_MODEL_NAMES)(
    "%s: every parameter has one PyTorch name; Linear weights are transposed",
    async (name) => {
      const model = modelEntry(name).build(new Context(backend), 3);
      const bytes = await exportModel(name, model, info);
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
    const from = modelEntry(name).build(new Context(backend), 5);
    const bytes = await exportModel(name, from, info);
    const into = modelEntry(name).build(new Context(backend), 6);
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

describe("a model without a PyTorch twin", () => {
  it("char-gpt is refused by export and import, naming it", async () => {
    const model = modelEntry("char-gpt").build(new Context(backend), 1);
    await expect(exportModel("char-gpt", model, info)).rejects.toThrow(
      "'char-gpt' has no PyTorch twin in src/torch/workbench_torch.py",
    );
    const bytes = await exported("transformer");
    expect(() => importTorchFile(bytes, "char-gpt", model)).toThrow(TorchFileError);
  });
});

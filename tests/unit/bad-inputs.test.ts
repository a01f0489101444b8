// Every kind of file the workbench reads, fed bad input: weights files (the pages' JSON), safetensors imports, and
// the settings a weights file carries. Each bad input must be refused with a message naming what is wrong, with
// the model untouched and nothing written (the CLI is asked to --save and --json, and neither file appears).

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Context } from "../../src/autograd/variable";
import { CpuBackend } from "../../src/backend/cpu";
import { type Io, trainMain } from "../../src/cli/train-main";
import { readSafetensors, writeSafetensors } from "../../src/io/safetensors";
import { importTorchFile } from "../../src/io/torch-file";
import {
  checkWeightsSize,
  MAX_WEIGHTS_BYTES,
  parseWeightsFile,
  toWeightsFile,
  type WeightsFile,
} from "../../src/io/weights";
import { modelEntry } from "../../src/models/registry";
import type { Module } from "../../src/nn/module";
import { runModel } from "../../src/run/run-model";
import { hasControl } from "../../src/util/printable";

const dir = mkdtempSync(join(tmpdir(), "bad-inputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quiet(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

let good: WeightsFile;
let goodTorch: Uint8Array;
beforeAll(async () => {
  const r = await runModel(new CpuBackend(), { model: "relu10", steps: 3, progressMs: 1e9 });
  good = r.weights;
  const { exportTrained } = await import("../../src/io/torch-file");
  goodTorch = (await exportTrained(new CpuBackend(), good, "relu10", { seed: 1 })).bytes;
});

const clone = (): WeightsFile => JSON.parse(JSON.stringify(good));
const w0 = (f: WeightsFile) => f.runs[0]!.params.w0 ?? Object.values(f.runs[0]!.params)[0]!;

/** A bad file, as text or bytes, and the message that must name its fault. */
type Case = [name: string, make: () => string | Uint8Array, message: RegExp];

const weightsCases = (): Case[] => [
  ["empty", () => "", /is empty/],
  ["only spaces", () => "   \n", /is empty/],
  ["truncated", () => JSON.stringify(good).slice(0, 200), /not a JSON file/],
  ["not JSON", () => "hello, world", /not a JSON file/],
  ["binary", () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0xff]), /binary file/],
  ["JSON but not an object", () => "[1, 2, 3]", /not a webgpu-workbench\/weights file/],
  [
    "wrong format tag",
    () => JSON.stringify({ ...clone(), format: "other/weights" }),
    /not a webgpu-workbench/,
  ],
  [
    "wrong version",
    () => JSON.stringify({ ...clone(), version: 2 }),
    /version 2; this workbench reads version 1/,
  ],
  ["version as a string", () => JSON.stringify({ ...clone(), version: "1" }), /version "1"; this workbench/],
  [
    "another model's weights",
    () => JSON.stringify({ ...clone(), model: "line", runs: [{ ...clone().runs[0]!, name: "line" }] }),
    /weights of model 'line', not 'relu10'/,
  ],
  [
    "another page's weights",
    () => JSON.stringify({ ...clone(), kind: "transformer", model: "transformer" }),
    /weights of 'transformer' \(the 'transformer' page\)/,
  ],
  [
    "a missing tensor",
    () => {
      const f = clone();
      delete f.runs[0]!.params.w1;
      return JSON.stringify(f);
    },
    /the file has no parameter 'w1'/,
  ],
  [
    "an extra tensor",
    () => {
      const f = clone();
      f.runs[0]!.params.extra = { shape: [1], data: [0] };
      return JSON.stringify(f);
    },
    /the model has no parameter 'extra'/,
  ],
  [
    "a wrong shape",
    () => {
      const f = clone();
      const p = w0(f);
      p.shape = [p.data.length];
      return JSON.stringify(f);
    },
    /has shape \[\d+\], the model expects/,
  ],
  [
    "too few values for the shape",
    () => {
      const f = clone();
      w0(f).data.pop();
      return JSON.stringify(f);
    },
    /values for shape/,
  ],
  [
    "NaN (not JSON)",
    () => JSON.stringify(good).replace(/"data":\[[-0-9.e]+/, '"data":[NaN'),
    /not a JSON file/,
  ],
  [
    "Infinity (not JSON)",
    () => JSON.stringify(good).replace(/"data":\[[-0-9.e]+/, '"data":[Infinity'),
    /not a JSON file/,
  ],
  [
    "1e39, beyond f32",
    () => JSON.stringify(good).replace(/"data":\[[-0-9.e]+/, '"data":[1e39'),
    /non-finite value \(1e\+39, beyond the f32 range\) at index 0/,
  ],
  [
    "-1e39, beyond f32",
    () => JSON.stringify(good).replace(/"data":\[[-0-9.e]+/, '"data":[-1e39'),
    /non-finite value .* at index 0/,
  ],
  [
    "null in the data",
    () => JSON.stringify(good).replace(/"data":\[[-0-9.e]+/, '"data":[null'),
    /non-numeric value .* at index 0/,
  ],
  [
    "a string in the data",
    () => JSON.stringify(good).replace(/"data":\[[-0-9.e]+/, '"data":["1"'),
    /non-numeric value \(the string '1'\) at index 0/,
  ],
  [
    "a string in a shape",
    () => {
      const f = clone() as unknown as { runs: { params: Record<string, { shape: unknown[] }> }[] };
      const p = Object.values(f.runs[0]!.params)[0]!;
      p.shape = p.shape.map(String);
      return JSON.stringify(f);
    },
    /bad shape/,
  ],
  ["step as a string", () => JSON.stringify({ ...clone(), step: "3" }), /step is the string '3'/],
  [
    "step negative",
    () => JSON.stringify({ ...clone(), step: -1 }),
    /step is '-1'; it must be a whole number/,
  ],
  ["step huge", () => JSON.stringify({ ...clone(), step: 2 ** 60 }), /step is .*it must be a whole number/],
  ["step fractional", () => JSON.stringify({ ...clone(), step: 2.5 }), /step is '2.5'/],
  ["step missing", () => JSON.stringify({ ...clone(), step: undefined }), /step is missing/],
  [
    "a __proto__ parameter",
    () => JSON.stringify(good).replace('"params":{', '"params":{"__proto__":{"shape":[1],"data":[1]},'),
    /key 'runs\[0\]\.params\.__proto__', which is not accepted/,
  ],
  [
    "a constructor key in the settings",
    () => JSON.stringify(good).replace('"settings":{', '"settings":{"constructor":{"x":1},'),
    /key 'settings\.constructor'/,
  ],
  [
    "settings: lr 0",
    () => JSON.stringify({ ...clone(), settings: { ...good.settings, lr: 0 } }),
    /settings are invalid \(lr 0: must be at least/,
  ],
  [
    "settings: seeds 0",
    () => JSON.stringify({ ...clone(), settings: { ...good.settings, seeds: 0 } }),
    /seeds 0: must be at least 1/,
  ],
  [
    "settings: steps 1e9",
    () => JSON.stringify({ ...clone(), settings: { ...good.settings, steps: 1e9 } }),
    /steps 1000000000: too large/,
  ],
  [
    "settings: a string for a number",
    () => JSON.stringify({ ...clone(), settings: { ...good.settings, batch: "many" } }),
    /batch "many": not a number/,
  ],
  [
    "settings: an unknown backend",
    () => JSON.stringify({ ...clone(), settings: { ...good.settings, backend: "quantum" } }),
    /backend "quantum": choose one of/,
  ],
  [
    "a model name holding terminal escapes",
    () => JSON.stringify({ ...clone(), model: "\u001b]0;owned\u0007\u001b[31mred" }),
    /weights of model '\\x1b\]0;owned\\x07\\x1b\[31mred'/,
  ],
  [
    "a parameter name holding control characters",
    () => {
      const f = clone();
      f.runs[0]!.params["w\u001b[2J"] = { shape: [1], data: [0] };
      return JSON.stringify(f);
    },
    /parameter 'w\\x1b\[2J'/,
  ],
];

/** A model's parameters as plain arrays, to show a refused load left them alone. */
async function snapshot(model: Module) {
  return Promise.all(model.namedParameters().map(async ([n, v]) => [n, Array.from(await v.read())]));
}

describe("weights files: each bad file is refused by the CLI, naming the fault, writing nothing", () => {
  for (const [name, make, message] of weightsCases()) {
    test(name, async () => {
      const file = join(dir, `bad-${name.replace(/\W+/g, "-")}.json`);
      writeFileSync(file, make());
      const save = join(dir, `never-saved-${name.replace(/\W+/g, "-")}.json`);
      const json = join(dir, `never-report-${name.replace(/\W+/g, "-")}.json`);
      const io = quiet();
      const argv = [
        "relu10",
        "--backend",
        "cpu",
        "--steps",
        "0",
        "--load",
        file,
        "--save",
        save,
        "--json",
        json,
      ];
      expect(await trainMain(argv, io)).toBe(1);
      const err = io.errors.join("\n");
      expect(err).toMatch(message);
      expect(hasControl(err.replaceAll("\n", " "))).toBe(false); // control characters never reach the terminal raw
      expect(err).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(save)).toBe(false);
      expect(existsSync(json)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    });
  }
});

describe("weights files on the page side", () => {
  test("the size is checked first: a 200 MB file is refused by its size, an empty one as empty", () => {
    expect(() => checkWeightsSize(200 * 1024 * 1024, "'big.json'")).toThrow(
      /'big.json' is 200.0 MB, larger than the 64 MB limit for a weights file; not read/,
    );
    expect(() => checkWeightsSize(0)).toThrow(/empty/);
    expect(() => checkWeightsSize(MAX_WEIGHTS_BYTES)).not.toThrow();
  });

  test("a value that becomes Infinity in f32 is never saved", () => {
    const saved = parseWeightsFile(JSON.stringify(good), "grain");
    const p = Object.values(saved.runs[0]!.params)[0]!;
    p.data[2] = Number.POSITIVE_INFINITY;
    expect(() => toWeightsFile(saved)).toThrow(
      /holds Infinity at index 2; weights that are not finite are not saved/,
    );
    p.data[2] = Number.NaN;
    expect(() => toWeightsFile(saved)).toThrow(/holds NaN at index 2/);
  });

  test("every bad file is refused by the page's parser too (those it can judge without the model)", () => {
    for (const [name, make, message] of weightsCases()) {
      const made = make();
      const text = typeof made === "string" ? made : new TextDecoder().decode(made);
      if (
        /tensor|shape|another model|another page|model name|parameter name/.test(name) &&
        !/string in a shape/.test(name)
      )
        continue; // judged against the model once built (checkShapes), or by the page's model check
      expect(() => parseWeightsFile(text, "grain"), name).toThrow(message);
    }
  });
});

describe("the CLI's --load refuses what is not a regular file of a sane size, before reading it", () => {
  test("a 200 MB file", async () => {
    const big = join(dir, "big.json");
    writeFileSync(big, "");
    truncateSync(big, 200 * 1024 * 1024); // sparse: costs no disk
    const io = quiet();
    const t0 = Date.now();
    expect(await trainMain(["relu10", "--backend", "cpu", "--load", big], io)).toBe(1);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(io.errors.join("\n")).toMatch(/209715200 bytes is larger than the 67108864-byte limit/);
  });

  test("/dev/zero, a folder and a FIFO", async () => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    for (const [path, message] of [
      ["/dev/zero", /not a regular file/],
      [dir, /is a folder/],
      [fifo, /not a regular file/],
      [join(dir, "missing.json"), /no such file/],
    ] as const) {
      const io = quiet();
      expect(await trainMain(["relu10", "--backend", "cpu", "--load", path], io), path).toBe(1);
      expect(io.errors.join("\n")).toMatch(message);
    }
  });
});

/** A safetensors file of relu10 with its tensors changed by `edit`. */
function torchFile(
  edit: (t: Map<string, { shape: number[]; data: Float32Array }>) => void,
  meta?: Record<string, string>,
) {
  const f = readSafetensors(goodTorch);
  edit(f.tensors);
  return writeSafetensors(f.tensors, { ...f.metadata, ...meta });
}

/** Raw bytes: an 8-byte header length, the header text, then `data`. */
function rawTorch(header: string, data = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const torchCases = (): Case[] => [
  ["empty", () => new Uint8Array(0), /truncated file: 0 bytes/],
  ["truncated", () => goodTorch.slice(0, goodTorch.length - 3), /truncated file/],
  ["header not JSON", () => rawTorch("{not json}"), /header is not JSON/],
  ["header length past the end", () => goodTorch.slice(0, 20), /runs past the end/],
  [
    "another model's weights",
    () => torchFile(() => {}, { "workbench.model": "line" }),
    /weights of model 'line', not of model 'relu10'/,
  ],
  [
    "a missing tensor",
    () =>
      torchFile((t) => {
        t.delete([...t.keys()][0]!);
      }),
    /has no tensor/,
  ],
  [
    "an extra tensor",
    () =>
      torchFile((t) => {
        t.set("extra.weight", { shape: [1], data: new Float32Array(1) });
      }),
    /tensor 'extra.weight' that model 'relu10' does not have/,
  ],
  [
    "a wrong shape",
    () =>
      torchFile((t) => {
        const [k, v] = [...t.entries()][0]!;
        t.set(k, { shape: [v.data.length], data: v.data });
      }),
    /has shape \[\d+\], model 'relu10' expects/,
  ],
  [
    "NaN and Infinity values",
    () => {
      const b = torchFile(() => {});
      const n = new DataView(b.buffer).getUint32(0, true);
      new DataView(b.buffer).setFloat32(8 + n, Number.NaN, true);
      return b;
    },
    /non-finite value \(NaN\) at index 0/,
  ],
  [
    "a string where a shape's number belongs",
    () => rawTorch('{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}', new Uint8Array(4)),
    /shape must be a list of non-negative integers/,
  ],
  [
    "a __proto__ tensor",
    () => rawTorch('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)),
    /'__proto__' is not accepted/,
  ],
  [
    "a constructor tensor",
    () => rawTorch('{"constructor":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)),
    /'constructor' is not accepted/,
  ],
  [
    "a tensor name holding terminal escapes",
    () =>
      torchFile((t) => {
        t.set("\u001b]0;owned\u0007", { shape: [1], data: new Float32Array(1) });
      }),
    /tensor '\\x1b\]0;owned\\x07' that model/,
  ],
  [
    "a step that is not a number",
    () => torchFile(() => {}, { "workbench.step": "-3" }),
    /workbench.step is '-3', not a whole number/,
  ],
];

describe("safetensors imports: each bad file is refused, naming the fault, the model untouched, nothing written", () => {
  for (const [name, make, message] of torchCases()) {
    test(name, async () => {
      const bytes = make() as Uint8Array;
      // The model a page would load into keeps its parameters.
      const model = modelEntry("relu10").build(new Context(new CpuBackend()), 1);
      const before = await snapshot(model);
      expect(() => importTorchFile(bytes, "relu10", model)).toThrow(message);
      expect(await snapshot(model)).toEqual(before);
      // The CLI refuses it before training and writes nothing.
      const file = join(dir, `bad-${name.replace(/\W+/g, "-")}.safetensors`);
      writeFileSync(file, bytes);
      const save = join(dir, `never-saved-${name.replace(/\W+/g, "-")}.safetensors.json`);
      const io = quiet();
      expect(await trainMain(["relu10", "--backend", "cpu", "--load", file, "--save", save], io)).toBe(1);
      expect(io.errors.join("\n")).toMatch(message);
      expect(hasControl(io.errors.join(" "))).toBe(false);
      expect(existsSync(save)).toBe(false);
    });
  }
});

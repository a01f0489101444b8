// `npm run export -- --load WEIGHTS.json --out FILE.safetensors [--model NAME] [--seed S]`: a weights file saved
// by a page or by `npm run train -- --save` as a safetensors file for PyTorch (src/io/torch-file.ts), one seed of
// it: the best by training loss unless --seed names another. Runs in Node on the CPU backend (the losses that rank
// the seeds are computed there). char-gpt's files (`npm run train -- char-gpt --save`, or the language-model
// page's) hold one seed; their corpus is read from its npm package for the sample the file carries
// (io/torch-char-gpt.ts). Exit 0 on success, 1 when reading or converting fails, 2 on bad arguments.

import { resolve } from "node:path";
import { CpuBackend } from "../backend/cpu";
import { type DatasetName, loadCorpus } from "../data/text/corpus";
import { nodeCorpusSource } from "../data/text/sources-node";
import { exportCharGptWeights } from "../io/torch-char-gpt";
import { exportTrained } from "../io/torch-file";
import { MAX_WEIGHTS_BYTES, parseWeightsFile, toWeightsFile } from "../io/weights";
import { CHAR_GPT_FORMAT } from "../models/char-gpt-weights";
import { MODEL_NAMES } from "../models/registry";
import { readWeights } from "../run/run-weights";
import { torchDownloads } from "../run/torch-weights";
import { printable, quoted } from "../util/printable";
import { errorText, prepareOutput, readInputFile, writeFileAtomic } from "./safe-files";

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

export const EXPORT_USAGE = `Usage: npm run export -- --load WEIGHTS.json --out FILE.safetensors [--model NAME] [--seed S]

Writes one seed of a weights file (from a page's "Save weights" or npm run train -- --save) as safetensors for
PyTorch: the twin's state_dict keys and layouts, with the model, its config and its training data in the metadata.
Continue in PyTorch with: python3 src/torch/continue_training.py FILE.safetensors

  --load FILE   the weights file (JSON)
  --out FILE    the safetensors file to write
  --model NAME  which model of a file that holds several (the experts page saves three)
  --seed S      which seed of a many-seeds run (default: the one with the lowest training loss)
  --help        this text

A char-gpt weights file (npm run train -- char-gpt --save, or the language-model page's) holds one seed; its
safetensors file carries the vocabulary and the first characters of the training text, read from the corpus's
npm package.`;

type Parsed =
  | { load: string; out: string; model?: string; seed?: number }
  | { help: true }
  | { error: string };

export function parseExportArgs(argv: readonly string[]): Parsed {
  const got: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { help: true };
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!["--load", "--out", "--model", "--seed"].includes(name))
      return { error: `unknown argument '${arg}'` };
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "" || value.startsWith("--"))
      return { error: `${name} needs a value` };
    got[name.slice(2)] = value;
  }
  if (!got.load) return { error: "--load WEIGHTS.json is required" };
  if (!got.out) return { error: "--out FILE.safetensors is required" };
  if (got.model !== undefined && !(MODEL_NAMES as readonly string[]).includes(got.model))
    return { error: `unknown model '${got.model}'; valid: ${MODEL_NAMES.join(", ")}` };
  let seed: number | undefined;
  if (got.seed !== undefined) {
    seed = /^\d+$/.test(got.seed) ? Number(got.seed) : Number.NaN;
    if (!Number.isSafeInteger(seed))
      return { error: `--seed must be a non-negative integer, got '${got.seed}'` };
  }
  return {
    load: got.load,
    out: got.out,
    ...(got.model !== undefined ? { model: got.model } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}

/** One char-gpt file (the command line's or the language-model page's) as safetensors: bytes and what to say. */
async function exportCharGptFile(
  text: string,
  raw: Record<string, unknown>,
  seed: number | undefined,
): Promise<{ bytes: Uint8Array; line: string }> {
  const cpu = new CpuBackend();
  if (raw.format === CHAR_GPT_FORMAT) {
    const corpus = await loadCorpus(raw.dataset as DatasetName, nodeCorpusSource);
    const e = await exportCharGptWeights(cpu, raw, corpus);
    if (seed !== undefined && seed !== e.weights.config.seed)
      throw new Error(`the file holds one seed (${e.weights.config.seed}); there is no seed ${seed}`);
    return {
      bytes: e.bytes,
      line: `char-gpt, step ${e.weights.step}, seed ${e.weights.config.seed} (loss ${e.trainLoss.toPrecision(4)} nats/char on its ${corpus.name} sample)`,
    };
  }
  const file = toWeightsFile(parseWeightsFile(text, "lm"));
  const [d] = await torchDownloads(cpu, file, nodeCorpusSource);
  if (seed !== undefined && seed !== d!.seed)
    throw new Error(`the file holds one seed (${d!.seed}); there is no seed ${seed}`);
  return { bytes: d!.bytes, line: `char-gpt (${file.model}), step ${file.step}, seed ${d!.seed}` };
}

/** The model a weights file is for: --model, else the file's one run. */
function modelOf(raw: Record<string, unknown>, asked: string | undefined): string {
  if (asked) return asked;
  const runs = Array.isArray(raw.runs) ? (raw.runs as { name?: unknown }[]) : [];
  if (runs.length === 1 && typeof runs[0]!.name === "string") return runs[0]!.name;
  const names = runs.map((r) => quoted(String(r.name))).join(", ");
  throw new Error(`the file holds ${runs.length} runs (${names}): name one with --model`);
}

export async function exportMain(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  const args = parseExportArgs(argv);
  if ("help" in args) {
    io.out(EXPORT_USAGE);
    return 0;
  }
  if ("error" in args) {
    io.err(`export: ${args.error}\n(see --help)`);
    return 2;
  }
  try {
    prepareOutput(args.out, "--out");
  } catch (e) {
    io.err(`export: ${errorText(e)}`);
    return 2;
  }
  try {
    const text = await readInputFile(args.load, "--load", MAX_WEIGHTS_BYTES);
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`not a JSON file (${printable((e as Error).message)})`);
    }
    if (raw.format === CHAR_GPT_FORMAT || raw.kind === "lm") {
      if (args.model !== undefined && args.model !== "char-gpt")
        throw new Error(`the file holds weights of 'char-gpt', not of model '${args.model}'`);
      const { bytes, line } = await exportCharGptFile(text, raw, args.seed);
      const path = resolve(args.out);
      writeFileAtomic(path, bytes, "--out");
      io.out(`export: ${line} → ${printable(path)} (${bytes.length} bytes)`);
      io.out(`continue in PyTorch: python3 src/torch/continue_training.py ${printable(args.out)}`);
      return 0;
    }
    const model = modelOf(raw, args.model);
    const { run, step, arch } = readWeights(text, model);
    const settings = (raw.settings ?? {}) as Record<string, unknown>;
    const base = Number.isSafeInteger(settings.seed) ? (settings.seed as number) : 1;
    const lr = typeof settings.lr === "number" && settings.lr > 0 ? settings.lr : undefined;
    const result = await exportTrained(
      new CpuBackend(),
      {
        step,
        settings: { seed: base, ...(lr !== undefined ? { lr } : {}) },
        runs: [run],
        ...(arch ? { arch: { [model]: arch } } : {}),
      },
      model,
      args.seed !== undefined ? { seed: args.seed } : {},
    );
    const path = resolve(args.out);
    writeFileAtomic(path, result.bytes, "--out");
    const of = result.losses.length > 1 ? ` of ${result.losses.length}` : "";
    io.out(
      `export: ${model}, step ${step}, seed ${result.seed}${of} (training loss ${result.trainLoss.toPrecision(4)}) → ${printable(path)} (${result.bytes.length} bytes)`,
    );
    io.out(`continue in PyTorch: python3 src/torch/continue_training.py ${printable(args.out)}`);
    return 0;
  } catch (e) {
    io.err(`export: ${printable(args.load)}: ${errorText(e)}`);
    return 1;
  }
}

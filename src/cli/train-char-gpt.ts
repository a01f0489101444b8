// `npm run train -- char-gpt ...`: the character-level GPT from the command line (train-main.ts hands it over).
// The CPU and wasm paths run src/run/run-char-gpt.ts here in Node on the corpus files of the npm packages (wasm on
// every core over worker_threads); the WebGPU path runs the same code in headless Chromium through the train page. Prints progress (training and validation loss,
// tokens per second), then a summary; --json writes the report, --save the weights file `npm run sample` reads,
// --export the safetensors file for PyTorch (io/torch-char-gpt.ts); --load starts from a weights file or a
// .safetensors file (refused, naming the mismatch, when it is of another vocabulary or preset). On WebGPU the run
// keeps a checkpoint every --checkpoint-every steps, the last in --checkpoint (char-gpt's weights file, which --load
// resumes), resumes in the page when the device is lost, and names the last checkpoint when the page dies
// (page-run.ts, as for the other models).

import { resolve } from "node:path";
import { findChromium } from "../../tests/headless/chromium.mjs";
import { PageDiedError } from "../../tests/headless/train-in-page";
import { wasmOrCpu } from "../backend/choice";
import type { Backend } from "../backend/contract";
import { CpuBackend } from "../backend/cpu";
import { DATASETS, type DatasetName, loadCorpus } from "../data/text/corpus";
import { nodeCorpusSource } from "../data/text/sources-node";
import { charGptWeightsFromTorch, exportCharGptWeights } from "../io/torch-char-gpt";
import { MAX_WEIGHTS_BYTES } from "../io/weights";
import { type CharGptModelShape, charGptPresetOf } from "../models/char-gpt-presets";
import { type CharGptProgress, type CharGptRunResult, charGptSetup, runCharGpt } from "../run/run-char-gpt";
import type { RunOptions } from "../run/run-types";
import { printable } from "../util/printable";
import { type Io, pageRun } from "./page-run";
import { errorText, prepareOutput, readInputBytes, readInputFile, writeFileAtomic } from "./safe-files";
import type { TrainArgs } from "./train-args";

const LN2 = Math.log(2);
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

export function charGptProgressLine(p: CharGptProgress): string {
  const width = String(p.steps).length;
  const eta = p.etaSeconds >= 60 ? `${(p.etaSeconds / 60).toFixed(1)} min` : `${p.etaSeconds.toFixed(0)} s`;
  return (
    `step ${String(p.step).padStart(width)}/${p.steps}  train ${f3(p.trainLoss)}  val ${f3(p.valLoss)} nats/char ` +
    `(${f3(p.valLoss / LN2)} bits)  ${p.tokensPerSecond.toFixed(0)} tokens/s  ETA ${eta}`
  );
}

function summary(r: CharGptRunResult, reason: string): string[] {
  const rep = r.report;
  const c = rep.config;
  const lines: [string, string][] = [
    [
      "model",
      `char-gpt, preset ${rep.preset}: ${c.layers} layer${c.layers > 1 ? "s" : ""}, ${c.heads} heads, width ${c.width}, context ${c.context}, ` +
        `batch ${rep.batch}, head ${c.tieWeights ? "tied to the token embedding" : "untied"}`,
    ],
    ["dataset", `${rep.dataset} (vocabulary ${c.vocab} characters)`],
    ["parameters", String(rep.params)],
    ["backend", `${rep.backend} (${reason})`],
    ["adapter", rep.adapter ?? "none (CPU)"],
    [
      "time",
      rep.steps === 0
        ? "no training (0 steps): evaluation only"
        : `${rep.steps} steps in ${rep.seconds.toFixed(1)} s, ${rep.tokensPerSecond.toFixed(0)} tokens/s`,
    ],
    ["train loss", `${f3(rep.final.trainLoss)} nats/char (${f3(rep.final.trainLoss / LN2)} bits)`],
    ["val loss", `${f3(rep.final.valLoss)} nats/char (${f3(rep.final.valLoss / LN2)} bits)`],
    [
      "baselines",
      `unigram ${f3(rep.baselines.unigram)}, bigram ${f3(rep.baselines.bigram)} (validation, fitted on the training split)`,
    ],
  ];
  rep.samples.forEach((s, i) => {
    lines.push([i === 0 ? "samples" : "", JSON.stringify(s)]);
  });
  return lines.map(([k, v]) => `${k.padEnd(13)}${v}`);
}

/** Everything `npm run train -- char-gpt` does after parsing; returns the exit code. */
export async function charGptMain(args: TrainArgs, io: Io): Promise<number> {
  const options: RunOptions = {
    model: "char-gpt",
    ...(args.steps !== undefined ? { steps: args.steps } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    ...(args.lr !== undefined ? { lr: args.lr } : {}),
    ...(args.dataset ? { dataset: args.dataset } : {}),
    ...(args.preset ? { preset: args.preset } : {}),
    ...(args.batch !== undefined ? { batch: args.batch } : {}),
    ...(args.context !== undefined ? { context: args.context } : {}),
  };
  const webgpu = pageRun(args, io);
  // Every output path is checked before any work, so a run never trains for minutes and then fails to save.
  for (const [flag, path] of [
    ["--json", args.json],
    ["--save", args.save],
    ["--export", args.export],
    ["--checkpoint", webgpu.path],
  ] as const) {
    if (path === undefined) continue;
    try {
      prepareOutput(path, flag);
    } catch (e) {
      io.err(`train: ${errorText(e)}`);
      return 2;
    }
  }
  if (args.load) {
    try {
      if (args.load.endsWith(".safetensors")) {
        const bytes = await readInputBytes(args.load, "--load", MAX_WEIGHTS_BYTES);
        options.weights = JSON.stringify(charGptWeightsFromTorch(new CpuBackend(), bytes));
      } else {
        const text = await readInputFile(args.load, "--load", MAX_WEIGHTS_BYTES);
        JSON.parse(text);
        options.weights = text;
      }
    } catch (e) {
      io.err(`train: cannot read --load ${args.load}: ${errorText(e)}`);
      return 1;
    }
    // Without --dataset and --preset, the file's corpus and shape decide them.
    const file = (JSON.parse(options.weights) ?? {}) as { dataset?: unknown; config?: CharGptModelShape };
    if (!args.dataset && (DATASETS as readonly unknown[]).includes(file.dataset))
      options.dataset = file.dataset as DatasetName;
    const preset = typeof file.config === "object" && file.config ? charGptPresetOf(file.config) : null;
    if (!args.preset && preset) options.preset = preset;
  }
  const dataset = options.dataset ?? "moby-dick";
  io.out(
    `train: char-gpt on ${dataset}, preset ${options.preset ?? (dataset === "names" ? "tiny" : "small")}` +
      `${args.steps !== undefined ? `, ${args.steps} steps` : ""}${args.load ? `, from ${args.load}` : ""}`,
  );
  const onProgress = (p: CharGptProgress) => io.out(charGptProgressLine(p));
  const onNode = async (backend: Backend, why: string) => {
    io.out(`backend: ${backend.name} (${why})`);
    try {
      const result = await runCharGpt(backend, options, nodeCorpusSource, { onProgress });
      return { result, reason: why };
    } finally {
      (backend as { dispose?: () => void }).dispose?.();
    }
  };
  const onCpu = (why: string) => onNode(new CpuBackend(), why);
  let outcome: { result: CharGptRunResult; reason: string };
  try {
    if (args.backend === "cpu") outcome = await onCpu("the cpu backend was requested");
    else if (args.backend === "wasm") {
      const sel = await wasmOrCpu({}, "the wasm backend was requested");
      outcome = await onNode(sel.backend, sel.reason);
    } else if (args.backend === "auto" && !findChromium()) {
      outcome = await onCpu("auto: no Chromium found for WebGPU (set CHROMIUM_PATH)");
    } else {
      const page = await webgpu.start(options, (p) => {
        if ("valLoss" in p) onProgress(p);
      });
      if (page.kind === "done" && "kind" in page.result && page.result.kind === "char-gpt") {
        const reason =
          args.backend === "auto" ? "auto: a WebGPU adapter is available" : "webgpu was requested";
        outcome = { result: page.result, reason };
      } else if (page.kind === "done") {
        io.err("train: the page returned another model's result");
        return 1;
      } else if (args.backend === "webgpu") {
        io.err(`train: WebGPU is unavailable in headless Chromium: ${page.reason}`);
        return 1;
      } else outcome = await onCpu(`auto: WebGPU is unavailable (${page.reason})`);
    }
  } catch (e) {
    if (e instanceof PageDiedError) {
      const loadedStep = options.weights ? Number(JSON.parse(options.weights)?.step) || 0 : 0;
      io.err(webgpu.diedLine(e, charGptSetup(options).steps, loadedStep));
      return 1;
    }
    io.err(`train: ${(e as Error).message}`);
    return 1;
  }
  io.out("");
  for (const line of summary(outcome.result, outcome.reason)) io.out(line);
  // Each output is written on its own (a failing one does not keep the others from being written), whole or not at all.
  let failed = 0;
  const write = async (flag: string, path: string, what: () => Promise<[string, string | Uint8Array]>) => {
    try {
      const [label, data] = await what();
      writeFileAtomic(path, data, flag);
      io.out(`${label} written to ${printable(resolve(path))}`);
    } catch (e) {
      failed++;
      io.err(`train: ${errorText(e)}`);
    }
  };
  const result = outcome.result;
  if (args.json) {
    const json = { ...result.report, reason: outcome.reason };
    await write("--json", args.json, async () => ["json", `${JSON.stringify(json, null, 2)}\n`]);
  }
  if (args.save) await write("--save", args.save, async () => ["weights", JSON.stringify(result.weights)]);
  if (args.export)
    await write("--export", args.export, async () => {
      const w = result.weights;
      const corpus = await loadCorpus(result.report.dataset, nodeCorpusSource);
      const e = await exportCharGptWeights(new CpuBackend(), w, corpus);
      return [`safetensors (loss ${e.trainLoss.toFixed(3)} nats/char on its ${w.dataset} sample)`, e.bytes];
    });
  return failed ? 1 : 0;
}

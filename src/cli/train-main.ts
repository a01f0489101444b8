// `npm run train`: train one model of the workbench from the command line (char-gpt: train-char-gpt.ts). The CPU path runs src/run/run-model.ts
// here in Node; the WebGPU path runs the same code in headless Chromium (tests/headless/train.html, train-page.ts)
// through the page harness (tests/headless/train-in-page.ts), which polls it.
// Exit 0 on success, 1 when training or loading fails (or WebGPU was asked for and is unavailable), 2 on bad input.
//
// The wasm path runs in Node too (WebAssembly SIMD over worker_threads). `auto` measures a few steps of the model on
// webgpu (in the page) and on wasm (here) the first time, picks the faster and remembers it in a cache file
// (auto-cache.ts); the report's `reason` and `measured` say what ran and why.
//
// This runs under tsx, which cannot load `?raw` WGSL imports: only shader-free modules are imported here
// (src/models, src/train, src/backend/cpu.ts, wasm.ts and select.ts; the WebGPU backend lives only in the page).

import { resolve } from "node:path";
import { findChromium } from "../../tests/headless/chromium.mjs";
import { PageDiedError, runTrainPage } from "../../tests/headless/train-in-page";
import { type Timing, wasmOrCpu } from "../backend/choice";
import type { Backend } from "../backend/contract";
import { CpuBackend } from "../backend/cpu";
import { exportTrained } from "../io/torch-file";
import { MAX_WEIGHTS_BYTES } from "../io/weights";
import { describeArch, isDefaultArch, MODELS } from "../models/registry";
import { type AutoChoice, autoChoice, autoKey, MEASURE_STEPS, timeCandidate } from "../run/auto";
import { runArch, runModel } from "../run/run-model";
import type { RunOptions, RunProgress, RunResult } from "../run/run-types";
import { readWeights } from "../run/run-weights";
import { torchFileToWeights } from "../run/torch-weights";
import { printable } from "../util/printable";
import { autoCachePath, fileCache, machineKey } from "./auto-cache";
import { checkpointPath, type Io, pageRun } from "./page-run";
import { errorText, prepareOutput, readInputBytes, writeFileAtomic } from "./safe-files";
import { parseTrainArgs, type TrainArgs, usage, validChoices } from "./train-args";
import { charGptMain } from "./train-char-gpt";

export type { Io };

const consoleIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** A loss or error: 4 significant digits, exponent form when very small or large. */
export function num(x: number | null): string {
  if (x === null) return "n/a";
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toPrecision(4);
}

function progressLine(p: RunProgress): string {
  const width = String(p.steps).length;
  const eta = p.etaSeconds >= 60 ? `${(p.etaSeconds / 60).toFixed(1)} min` : `${p.etaSeconds.toFixed(0)} s`;
  return `step ${String(p.step).padStart(width)}/${p.steps}  loss ${num(p.loss)}  ${p.stepsPerSecond.toFixed(1)} steps/s  ETA ${eta}`;
}

/** The summary's architecture line, for a model whose architecture may change. */
function archLine(rep: RunResult["report"]): [string, string][] {
  if (!rep.arch) return [];
  const note = isDefaultArch(rep.model, rep.arch)
    ? " (the default)"
    : ` (${rep.arch.join(",")}; the default is ${describeArch(rep.model)})`;
  return [["architecture", `${describeArch(rep.model, rep.arch)}${note}`]];
}

function summary(r: RunResult, reason: string): string[] {
  const rep = r.report;
  const e = MODELS[rep.model as keyof typeof MODELS];
  const lines: [string, string][] = [
    ["model", `${rep.model}: ${e.description}`],
    ...archLine(rep),
    ["parameters", `${rep.params}${rep.seeds ? " per seed" : ""}`],
    ["backend", `${rep.backend} (${reason})`],
    ["adapter", rep.adapter ?? `none (${rep.backend})`],
    [
      "time",
      rep.steps === 0
        ? "no training (0 steps): evaluation only"
        : `${rep.steps} steps in ${rep.seconds.toFixed(1)} s (${(rep.steps / Math.max(rep.seconds, 1e-9)).toFixed(1)} steps/s)`,
    ],
  ];
  if (rep.seeds) {
    // A non-finite loss ranks last.
    const key = (l: number) => (Number.isFinite(l) ? l : Infinity);
    const ranked = [...rep.seeds].sort((a, b) => key(a.trainLoss) - key(b.trainLoss));
    const at = (i: number) => ranked[i]!;
    const show = (s: (typeof ranked)[number]) => `seed ${s.seed} (${num(s.trainLoss)})`;
    lines.push([
      "seeds",
      `${rep.seeds.length} (${rep.seeds[0]!.seed}..${rep.seeds.at(-1)!.seed}), ${e.batchable ? "batched" : "one model each"}; ` +
        `final training loss: best ${show(at(0))}, median ${show(at(Math.floor((ranked.length - 1) / 2)))}, ` +
        `worst ${show(at(ranked.length - 1))}`,
    ]);
    lines.push(["shown", `seed ${rep.seed}, the best`]);
  }
  if (rep.loss.length > 0) {
    const objective =
      rep.model === "switch" ? "; the switch's objective adds the classifier's cross-entropy" : "";
    lines.push([
      "loss curve",
      `step 1 ${num(rep.loss[0]!)} → step ${rep.loss.length} ${num(rep.loss.at(-1)!)} (training objective${objective})`,
    ]);
  }
  const lossName = rep.model === "transformer" ? "answer cross-entropy" : "mean squared error";
  lines.push(["train loss", `${num(rep.final.trainLoss)} (${lossName}, whole training split)`]);
  lines.push(["test loss", num(rep.final.testLoss)]);
  lines.push([
    "out-of-range",
    rep.final.outOfRangeLoss === null ? "n/a (no such split)" : num(rep.final.outOfRangeLoss),
  ]);
  if (rep.final.accuracy !== null)
    lines.push(["accuracy", `${(100 * rep.final.accuracy).toFixed(1)}% held-out`]);
  const a = rep.attention;
  if (a && typeof a.grainTokenWeight === "number") {
    lines.push(["attention", `grain-token weight ${a.grainTokenWeight.toFixed(3)} (best head, WATER query)`]);
  } else if (a) {
    const w = Math.max(...Object.keys(a).map((k) => k.length));
    Object.entries(a).forEach(([group, ws], i) => {
      const row = `${group.padEnd(w)}  [${(ws as number[]).map((v) => v.toFixed(3)).join(", ")}]`;
      lines.push([i === 0 ? "attention" : "", row]);
    });
  }
  rep.warnings.forEach((w, i) => {
    lines.push([i === 0 ? "WARNING" : "", w]);
  });
  return lines.map(([k, v]) => `${k.padEnd(13)}${v}`);
}

/** The outputs a run was asked for, by flag. */
function outputs(args: TrainArgs): [string, string][] {
  const list: [string, string | undefined][] = [
    ["--json", args.json],
    ["--save", args.save],
    ["--export", args.export],
    ["--checkpoint", checkpointPath(args)],
  ];
  return list.filter((o): o is [string, string] => o[1] !== undefined);
}

/** Read --load: a regular file under the weights-file limit; a safetensors file converted to a weights file. */
async function loadText(path: string, model: TrainArgs["model"]): Promise<string> {
  const bytes = await readInputBytes(path, "--load", MAX_WEIGHTS_BYTES);
  if (path.endsWith(".safetensors"))
    return JSON.stringify(torchFileToWeights(new CpuBackend(), bytes, model).file);
  if (bytes.includes(0))
    throw new Error(
      "a binary file, not a weights file (JSON); a safetensors file needs the .safetensors extension",
    );
  return new TextDecoder().decode(bytes);
}

/** Everything `npm run train` does, given its arguments; returns the exit code. */
export async function trainMain(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  const parsed = parseTrainArgs(argv);
  if (parsed.kind === "help") {
    io.out(usage());
    return 0;
  }
  if (parsed.kind === "error") {
    io.err(`train: ${parsed.message}\n${validChoices()}`);
    return 2;
  }
  const args: TrainArgs = parsed.args;
  if (args.model === "char-gpt") return charGptMain(args, io);
  const options: RunOptions = {
    model: args.model,
    ...(args.steps !== undefined ? { steps: args.steps } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    ...(args.seeds !== undefined ? { seeds: args.seeds } : {}),
    ...(args.lr !== undefined ? { lr: args.lr } : {}),
    ...(args.arch !== undefined ? { arch: args.arch } : {}),
  };
  // Every output path is checked before any work, so a run never trains for minutes and then fails to save.
  for (const [flag, path] of outputs(args)) {
    try {
      prepareOutput(path, flag);
    } catch (e) {
      io.err(`train: ${errorText(e)}`);
      return 2;
    }
  }
  let loadedStep: number | undefined;
  /** The architecture trained, when not the model's default: --arch, or the loaded file's. */
  let arch = runArch(args.model, args.arch, null);
  if (args.load) {
    let text: string;
    try {
      text = await loadText(args.load, args.model);
    } catch (e) {
      io.err(`train: cannot read --load ${printable(args.load)}: ${errorText(e)}`);
      return 1;
    }
    let loaded: ReturnType<typeof readWeights>;
    try {
      // Format, version, model and architecture now; shapes once the model is built.
      loaded = readWeights(text, args.model);
      runArch(args.model, undefined, loaded);
    } catch (e) {
      io.err(`train: --load ${printable(args.load)}: ${errorText(e)}`);
      return 1;
    }
    try {
      arch = runArch(args.model, args.arch, loaded);
    } catch (e) {
      io.err(`train: --arch ${args.arch!.join(",")} with --load ${printable(args.load)}: ${errorText(e)}`);
      return 2;
    }
    options.weights = text;
    loadedStep = loaded.step;
  }

  const entry = MODELS[args.model];
  const steps = args.steps ?? entry.train.steps;
  const seed = args.seed ?? 1;
  const K = args.seeds ?? 1;
  io.out(
    `train: ${args.model}${arch ? ` (${describeArch(args.model, arch)})` : ""}, ${steps} steps, seed${K > 1 ? `s ${seed}..${seed + K - 1}` : ` ${seed}`}, ` +
      `lr ${args.lr ?? entry.train.optimizer.lr}${args.load ? `, from ${printable(args.load)}` : ""}` +
      `${K > 1 ? " (progress shows the mean loss over the seeds)" : ""}`,
  );
  const onNode = async (made: Backend, why: string) => {
    io.out(`backend: ${made.name} (${why})`);
    try {
      const result = await runModel(
        made,
        { ...options, backendChoice: args.backend },
        { onProgress: (p) => io.out(progressLine(p)) },
      );
      return { result, reason: why };
    } finally {
      (made as { dispose?: () => void }).dispose?.();
    }
  };
  const onCpu = (why: string) => onNode(new CpuBackend(), why);
  const onWasm = async (why: string) => {
    const sel = await wasmOrCpu({}, why);
    return onNode(sel.backend, sel.reason);
  };
  type Done = { result: RunResult; reason: string };
  const webgpu = pageRun(args, io);
  const onPage = async (why: string): Promise<Done | { unavailable: string }> => {
    const page = await webgpu.start(options, (p) => {
      if (!("valLoss" in p)) io.out(progressLine(p));
    });
    if (page.kind === "unavailable") return { unavailable: page.reason };
    // char-gpt has its own path (train-char-gpt.ts): a result of its kind here is a harness fault.
    if ("kind" in page.result) throw new Error("the page returned a char-gpt result for another model");
    return { result: page.result, reason: why };
  };

  let outcome: { result: RunResult; reason: string };
  let auto: AutoChoice | null = null;
  try {
    if (args.backend === "cpu") outcome = await onCpu("the cpu backend was requested");
    else if (args.backend === "wasm") outcome = await onWasm("the wasm backend was requested");
    else if (args.backend === "auto") {
      const chromium = findChromium();
      const cachePath = autoCachePath();
      auto = await autoChoice(
        // An edited architecture is timed on its own: a wider model may run faster elsewhere.
        autoKey(arch ? `${args.model}[${arch.join(",")}]` : args.model, K, machineKey(chromium)),
        fileCache(cachePath),
        async () => {
          io.out(
            `auto: timing ${MEASURE_STEPS} steps of ${args.model} on webgpu and on wasm (the first run here)...`,
          );
          return [await timeWebgpu(options, chromium), await timeWasm(options)];
        },
      );
      io.out(`auto: ${auto.reason}`);
      if (auto.backend === "webgpu") {
        const r = await onPage(auto.reason);
        outcome = "unavailable" in r ? await onWasm(`auto: webgpu became unavailable (${r.unavailable})`) : r;
      } else if (auto.backend === "wasm") outcome = await onWasm(auto.reason);
      else outcome = await onCpu(auto.reason);
    } else {
      const r = await onPage("webgpu was requested");
      if ("unavailable" in r) {
        io.err(`train: WebGPU is unavailable in headless Chromium: ${r.unavailable}`);
        return 1;
      }
      outcome = r;
    }
  } catch (e) {
    if (e instanceof PageDiedError) {
      io.err(webgpu.diedLine(e, steps, loadedStep ?? 0));
      return 1;
    }
    io.err(`train: ${errorText(e)}`);
    return 1;
  }

  io.out("");
  for (const line of summary(outcome.result, outcome.reason)) io.out(line);
  // Each output is written on its own (a failing one does not keep the others from being written), whole or not at all.
  let failed = 0;
  const write = async (
    flag: string,
    path: string,
    what: string,
    data: () => Promise<string | Uint8Array>,
  ) => {
    try {
      writeFileAtomic(path, await data(), flag);
      io.out(`${what} written to ${printable(resolve(path))}`);
    } catch (e) {
      failed++;
      io.err(`train: ${errorText(e)}`);
    }
  };
  const result = outcome.result;
  if (args.json) {
    const json = { ...result.report, reason: outcome.reason, measured: auto?.measured ?? null };
    await write("--json", args.json, "json", async () => `${JSON.stringify(json, null, 2)}\n`);
  }
  if (args.save) await write("--save", args.save, "weights", async () => JSON.stringify(result.weights));
  if (args.export) {
    const seed = result.report.seed;
    await write("--export", args.export, `safetensors (seed ${seed})`, async () => {
      return (await exportTrained(new CpuBackend(), result.weights, args.model, { seed })).bytes;
    });
  }
  return failed ? 1 : 0;
}

/** ms/step of the model on wasm in Node (null with why when the module cannot run here). */
async function timeWasm(options: RunOptions): Promise<Timing> {
  const t = await timeCandidate("wasm", async () => (await wasmOrCpu()).backend, options);
  (t.made as { dispose?: () => void } | undefined)?.dispose?.();
  return { backend: "wasm", msPerStep: t.msPerStep, ...(t.why ? { why: t.why } : {}) };
}

/** ms/step of the model on WebGPU in headless Chromium (null with why when there is none or no adapter). */
async function timeWebgpu(options: RunOptions, chromium: string | null): Promise<Timing> {
  if (!chromium) return { backend: "webgpu", msPerStep: null, why: "no Chromium found (set CHROMIUM_PATH)" };
  const { weights: _w, ...rest } = options;
  let last: RunProgress | null = null;
  const page = await runTrainPage({ ...rest, steps: MEASURE_STEPS + 1, progressMs: 0 }, (p) => {
    if (!("valLoss" in p)) last = p;
  });
  if (page.kind === "unavailable") return { backend: "webgpu", msPerStep: null, why: page.reason };
  const rate = (last as RunProgress | null)?.stepsPerSecond;
  if (!rate) return { backend: "webgpu", msPerStep: null, why: "no step rate measured" };
  return { backend: "webgpu", msPerStep: 1000 / rate };
}

// `npm run train`: train one model of the workbench from the command line (char-gpt: train-char-gpt.ts). The CPU path runs src/run/run-model.ts
// here in Node; the WebGPU path runs the same code in headless Chromium (tests/headless/train.html, train-page.ts)
// through the page harness (tests/headless/train-in-page.ts), which polls it.
// Exit 0 on success, 1 when training or loading fails (or WebGPU was asked for and is unavailable), 2 on bad input.
//
// This runs under tsx, which cannot load `?raw` WGSL imports: only shader-free modules are imported here
// (src/models, src/train, src/backend/cpu.ts; select.ts is used only inside the page).

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { findChromium } from "../../tests/headless/chromium.mjs";
import { runTrainPage } from "../../tests/headless/train-in-page";
import { CpuBackend } from "../backend/cpu";
import { exportTrained } from "../io/torch-file";
import { MODELS } from "../models/registry";
import { runModel } from "../run/run-model";
import type { RunOptions, RunProgress, RunResult } from "../run/run-types";
import { readWeights } from "../run/run-weights";
import { torchFileToWeights } from "../run/torch-weights";
import { parseTrainArgs, type TrainArgs, usage, validChoices } from "./train-args";
import { charGptMain } from "./train-char-gpt";

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

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

function summary(r: RunResult, reason: string): string[] {
  const rep = r.report;
  const e = MODELS[rep.model as keyof typeof MODELS];
  const lines: [string, string][] = [
    ["model", `${rep.model}: ${e.description}`],
    ["parameters", `${rep.params}${rep.seeds ? " per seed" : ""}`],
    ["backend", `${rep.backend} (${reason})`],
    ["adapter", rep.adapter ?? "none (CPU)"],
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
  return lines.map(([k, v]) => `${k.padEnd(13)}${v}`);
}

function writeFile(file: string, text: string | Uint8Array): string {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
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
  };
  if (args.load) {
    let text: string;
    try {
      text = args.load.endsWith(".safetensors")
        ? JSON.stringify(torchFileToWeights(new CpuBackend(), readFileSync(args.load), args.model).file)
        : readFileSync(args.load, "utf8");
    } catch (e) {
      io.err(`train: cannot read --load ${args.load}: ${(e as Error).message}`);
      return 1;
    }
    try {
      readWeights(text, args.model); // format, version and model now; shapes once the model is built
    } catch (e) {
      io.err(`train: --load ${args.load}: ${(e as Error).message}`);
      return 1;
    }
    options.weights = text;
  }

  const entry = MODELS[args.model];
  const steps = args.steps ?? entry.train.steps;
  const seed = args.seed ?? 1;
  const K = args.seeds ?? 1;
  io.out(
    `train: ${args.model}, ${steps} steps, seed${K > 1 ? `s ${seed}..${seed + K - 1}` : ` ${seed}`}, ` +
      `lr ${args.lr ?? entry.train.optimizer.lr}${args.load ? `, from ${args.load}` : ""}` +
      `${K > 1 ? " (progress shows the mean loss over the seeds)" : ""}`,
  );
  const onCpu = async (why: string) => {
    io.out(`backend: cpu (${why})`);
    const result = await runModel(
      new CpuBackend(),
      { ...options, backendChoice: args.backend },
      {
        onProgress: (p) => io.out(progressLine(p)),
      },
    );
    return { result, reason: why };
  };

  let outcome: { result: RunResult; reason: string };
  try {
    if (args.backend === "cpu") outcome = await onCpu("the cpu backend was requested");
    else if (args.backend === "auto" && !findChromium()) {
      outcome = await onCpu("auto: no Chromium found for WebGPU (set CHROMIUM_PATH)");
    } else {
      io.out("backend: webgpu in headless Chromium (starting Vite and Chromium...)");
      const page = await runTrainPage({ ...options, backendChoice: args.backend }, (p) => {
        if (!("valLoss" in p)) io.out(progressLine(p));
      });
      if (page.kind === "done") {
        const result = page.result;
        if ("kind" in result) {
          io.err("train: the page returned a char-gpt result for another model");
          return 1;
        }
        const reason =
          args.backend === "auto" ? "auto: a WebGPU adapter is available" : "webgpu was requested";
        outcome = { result, reason };
      } else if (args.backend === "webgpu") {
        io.err(`train: WebGPU is unavailable in headless Chromium: ${page.reason}`);
        return 1;
      } else outcome = await onCpu(`auto: WebGPU is unavailable (${page.reason})`);
    }
  } catch (e) {
    io.err(`train: ${(e as Error).message}`);
    return 1;
  }

  io.out("");
  for (const line of summary(outcome.result, outcome.reason)) io.out(line);
  if (args.json) {
    const json = { ...outcome.result.report, reason: outcome.reason };
    io.out(`json written to ${writeFile(args.json, `${JSON.stringify(json, null, 2)}\n`)}`);
  }
  if (args.save) io.out(`weights written to ${writeFile(args.save, JSON.stringify(outcome.result.weights))}`);
  if (args.export) {
    const seed = outcome.result.report.seed;
    const e = await exportTrained(new CpuBackend(), outcome.result.weights, args.model, { seed });
    io.out(`safetensors (seed ${seed}) written to ${writeFile(args.export, e.bytes)}`);
  }
  return 0;
}

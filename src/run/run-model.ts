// Train one registry model (models/registry.ts) for a number of steps on a given backend and report on it: the code
// shared by the command-line trainer's two paths (the CPU in Node, WebGPU in a headless page), so both train and
// measure alike. No DOM and no shader imports here: the backend is chosen and created by the caller.
//
// K seeds (seed, seed+1, …; the data from the base seed, as on the pages) train in one run: batched where the
// model allows (models/batched.ts), else as a bank of K models. The report describes the best seed, the one with
// the lowest final training loss, and lists every seed's final losses.

import type { Backend } from "../backend/contract";
import type { CorpusSource } from "../data/text/corpus";
import type { History } from "../io/types";
import {
  archRefusal,
  describeArch,
  isDefaultArch,
  modelEntry,
  RECIPE_BATCH,
  registrySchedule,
} from "../models/registry";
import type { TrainConfig } from "../train/trainer";
import { type CheckpointHooks, checkpointInterval, checkpointing } from "./checkpoints";
import { healthWarnings } from "./health";
import { type CharGptProgress, type CharGptRunResult, runCharGpt } from "./run-char-gpt";
import { regressionRunner } from "./run-regression";
import { transformerRunner } from "./run-transformer";
import type { RunnerConfig, RunOptions, RunProgress, RunReport, RunResult } from "./run-types";
import { applyWeights, type LoadedWeights, readWeights, weightsFile, weightsFromParams } from "./run-weights";
import { type LossCapture, LossRecorder } from "./seeds";

/** Resolve defaults and check values (the CLI checks its flags first; this guards other callers). */
export function resolveOptions(o: RunOptions) {
  const entry = modelEntry(o.model);
  const steps = o.steps ?? entry.train.steps;
  const seed = o.seed ?? 1;
  const seeds = o.seeds ?? 1;
  const lr = o.lr ?? entry.train.optimizer.lr;
  if (!(Number.isInteger(steps) && steps >= 0))
    throw new Error(`steps must be an integer >= 0, got ${steps}`);
  if (!(Number.isInteger(seed) && seed >= 0)) throw new Error(`seed must be an integer >= 0, got ${seed}`);
  if (!(Number.isInteger(seeds) && seeds >= 1))
    throw new Error(`seeds must be an integer >= 1, got ${seeds}`);
  if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`lr must be a number > 0, got ${lr}`);
  return { entry, steps, seed, seeds, lr };
}

/**
 * The architecture a run of `model` trains (registry ArchSpec sizes), or undefined for the registry's default:
 * `asked` (RunOptions.arch), else the loaded file's. Refuses sizes the registry does not build, and asked sizes other
 * than those of a loaded file (one without an arch holds the default), naming both.
 */
export function runArch(
  model: string,
  asked: readonly number[] | undefined,
  loaded: { arch?: readonly number[] } | null,
): number[] | undefined {
  for (const sizes of [asked, loaded?.arch]) {
    const why = sizes && archRefusal(model, sizes);
    if (why) throw new Error(why);
  }
  const edited = (sizes?: readonly number[]) =>
    sizes && !isDefaultArch(model, sizes) ? [...sizes] : undefined;
  const fromFile = edited(loaded?.arch);
  if (asked && loaded && (edited(asked)?.join(",") ?? "") !== (fromFile?.join(",") ?? "")) {
    throw new Error(
      `model '${model}': the loaded file holds ${describeArch(model, fromFile)} ` +
        `(${(fromFile ?? modelEntry(model).arch!.defaults).join(",")}), not ${describeArch(model, asked)} ` +
        `(${asked.join(",")}); a loaded run continues the file's architecture`,
    );
  }
  return edited(asked) ?? fromFile;
}

/** Index of the lowest finite value (a NaN loss never wins). */
function argBest(values: readonly number[]): number {
  let best = 0;
  const key = (v: number) => (Number.isFinite(v) ? v : Infinity);
  values.forEach((v, i) => {
    if (key(v) < key(values[best]!)) best = i;
  });
  return best;
}

/** What a caller may hook into a run of a registry model: its progress, checkpoints and recoveries. */
export interface RunHooks extends CheckpointHooks {
  onProgress?: (p: RunProgress) => void;
}

/**
 * Any registry model: the character-level GPT through its runner (run-char-gpt.ts, with the corpus from `source`),
 * every other model through runModel.
 */
export async function runAnyModel(
  backend: Backend,
  options: RunOptions,
  hooks: RunHooks & {
    onCharGptProgress?: (p: CharGptProgress) => void;
    source?: CorpusSource;
  } = {},
): Promise<RunResult | CharGptRunResult> {
  if (modelEntry(options.model).data !== "text") return runModel(backend, options, hooks);
  if (!hooks.source) throw new Error(`${options.model}: no corpus source given`);
  const { onCheckpoint, recover, onRecover, onCharGptProgress } = hooks;
  return runCharGpt(backend, options, hooks.source, {
    ...(onCharGptProgress ? { onProgress: onCharGptProgress } : {}),
    ...(onCheckpoint ? { onCheckpoint } : {}),
    ...(recover ? { recover } : {}),
    ...(onRecover ? { onRecover } : {}),
  });
}

/**
 * The schedule of a run of `steps` steps from weights saved at step `from` (0: from scratch): the registry's,
 * stretched to `from + steps`, entered at step `from`, so that a run stopped at a checkpoint and resumed with the
 * rest of its steps takes the rates (and batches) it would have taken without the stop.
 */
export function resumedSchedule(
  model: string,
  from: number,
  steps: number,
): Pick<TrainConfig, "schedule" | "firstStep"> {
  const schedule = registrySchedule(model, from + steps);
  return { ...(schedule ? { schedule } : {}), ...(from > 0 ? { firstStep: from } : {}) };
}

export async function runModel(
  backend: Backend,
  options: RunOptions,
  hooks: RunHooks = {},
): Promise<RunResult> {
  const { entry, steps, seed, seeds: K, lr } = resolveOptions(options);
  if (entry.data === "text") throw new Error(`${entry.name} trains through runAnyModel (run-char-gpt.ts)`);
  const loaded: LoadedWeights | null = options.weights ? readWeights(options.weights, entry.name) : null;
  const arch = runArch(entry.name, options.arch, loaded);
  /** The loaded file's step: this run's steps are the schedule's from there. */
  const loadedStep = loaded?.step ?? 0;
  const seeds = Array.from({ length: K }, (_, i) => seed + i);
  const train: TrainConfig = {
    steps,
    optimizer: { ...entry.train.optimizer, lr },
    ...resumedSchedule(entry.name, loadedStep, steps),
    readEvery: 1,
    checkpointEvery: checkpointInterval(options),
  };

  // Per-seed losses of every step (only needed when several seeds share the trainer's summed loss).
  const recorder = new LossRecorder(backend, () => K > 1);
  // The tasks see the steps of the schedule (from the loaded file's step); the recorder keeps this run's, from 0.
  const capture: LossCapture = (step, vars) => recorder.capture(step - loadedStep, vars);

  const cfg: RunnerConfig = { model: entry.name, seeds, dataSeed: seed, train, arch };
  const runner =
    entry.data === "recipe"
      ? await transformerRunner(backend, cfg, capture)
      : await regressionRunner(backend, cfg, capture);
  const { trainer } = runner;
  if (loaded) applyWeights(loaded, trainer.model, trainer.opt, K);

  const progressMs = options.progressMs ?? 3000;
  const t0 = performance.now();
  let lastReport = t0;
  let tFirst = t0;
  const settings = {
    backend: options.backendChoice ?? backend.name,
    lr,
    steps: loadedStep + steps,
    // The pages' panel defaults: the transformer's batch; the regression pages train full-batch and keep 1.
    batch: entry.data === "recipe" ? RECIPE_BATCH : 1,
    seed,
    seeds: K,
  } as const;
  /**
   * The loss history a weights file at step `at` holds, as the pages record it: the loaded file's, then this run's
   * training losses (the mean over seeds) and, at the end, the held-out loss `test`.
   */
  const historyAt = (at: number, test?: number): History => ({
    train: [
      ...(loaded?.history.train ?? []),
      ...trainer.history
        .filter((r) => loadedStep + r.step < at)
        .map((r) => ({ step: loadedStep + r.step, train: [r.loss / K] })),
    ],
    test: [
      ...(loaded?.history.test ?? []),
      ...(test !== undefined && Number.isFinite(test) && at > loadedStep
        ? [{ step: at - 1, test: [test] }]
        : []),
    ],
  });
  const checkpoints = checkpointing(trainer, options, hooks, loadedStep, (cp, at) =>
    weightsFromParams(entry.name, cp.params, at, settings, arch, historyAt(at)),
  );
  await trainer.run({
    ...checkpoints.hooks,
    onStep: (r) => {
      checkpoints.report();
      const now = performance.now();
      if (r.step === 0) tFirst = now;
      const last = r.step === steps - 1;
      if (!hooks.onProgress || (!last && (r.step === 0 || now - lastReport < progressMs))) return;
      lastReport = now;
      const done = r.step + 1;
      // The first step compiles the GPU pipelines: the rate (and the ETA) count the steps after it.
      const rate = done > 1 ? (done - 1) / Math.max(1e-9, (now - tFirst) / 1000) : 1 / ((now - t0) / 1000);
      hooks.onProgress({
        step: done,
        steps,
        loss: r.loss / K,
        stepsPerSecond: rate,
        etaSeconds: (steps - done) / rate,
      });
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const perStep = await recorder.rows();

  const finals = await runner.finals();
  const k = argBest(finals.map((f) => f.trainLoss));
  const best = finals[k]!;
  const loss = K === 1 ? trainer.history.map((r) => r.loss) : perStep.map((row) => row[k]!);
  const attention = await runner.attention(k);
  const warnings = healthWarnings({
    loss,
    constantLoss: runner.constantLoss,
    finalLoss: best.trainLoss,
    routing: attention && !("grainTokenWeight" in attention) ? (attention as Record<string, number[]>) : null,
  });
  const report: RunReport = {
    model: entry.name,
    backend: backend.name,
    adapter: backend.name === "webgpu" ? backend.description : null,
    params: runner.paramsPerSeed,
    arch: entry.arch ? [...(arch ?? entry.arch.defaults)] : null,
    seed: best.seed,
    steps,
    loss,
    final: {
      trainLoss: best.trainLoss,
      testLoss: best.testLoss,
      outOfRangeLoss: best.outOfRangeLoss,
      accuracy: best.accuracy,
    },
    attention,
    ...(K > 1 ? { seeds: finals } : {}),
    seconds,
    warnings,
  };
  const at = loadedStep + trainer.step;
  const heldOut = finals.reduce((a, f) => a + f.testLoss, 0) / finals.length;
  const weights = await weightsFile(entry.name, trainer.model, at, settings, arch, historyAt(at, heldOut));
  return { report, weights };
}

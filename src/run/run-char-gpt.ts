// One run of the character-level GPT for `npm run train -- char-gpt` (chosen by runAnyModel, run-model.ts): a preset
// on a corpus, optionally from a saved weights file, trained in chunks with the validation loss on fixed held-out
// batches after each; then the final training and validation losses, the corpus's unigram and bigram baselines,
// samples written by the trained weights, and the weights file. No DOM and no shaders: the backend and the corpus
// source (Node files or Vite imports) come from the caller.
//
// Everything a run is given is checked before the first step: the dataset and preset names, the shape (batch,
// context, heads), the largest tensor a step allocates against the backend's limit, and a weights file's
// vocabulary and shape against this dataset and preset.

import type { Backend } from "../backend/contract";
import type { CorpusSource, DatasetName } from "../data/text/corpus";
import { DATASETS, loadCorpus } from "../data/text/corpus";
import { DeviceLostError } from "../gpu/errors";
import { DEFAULT_LIMITS } from "../io/settings";
import { ATTENTION_FUSED_MAX_D } from "../kernels/attention/shape";
import { type CharGptConfig, charGptParamCount, checkCharGptConfig } from "../models/char-gpt";
import {
  CHAR_GPT_PRESETS,
  type CharGptPresetName,
  charGptAtRate,
  charGptPreset,
  charGptStretched,
} from "../models/char-gpt-presets";
import { sampleCharGpt } from "../models/char-gpt-sample";
import {
  charGptConfigFor,
  charGptFinalLr,
  charGptTask,
  charGptTrainConfig,
  charGptValidationBatches,
  encodeCorpus,
  evaluateCharGpt,
} from "../models/char-gpt-train";
import {
  type CharGptWeights,
  charGptWeightsOf,
  checkCharGptWeights,
  loadCharGpt,
  saveCharGpt,
} from "../models/char-gpt-weights";
import { Trainer } from "../train/trainer";
import { type CheckpointHooks, checkpointInterval, checkpointing } from "./checkpoints";
import type { RunOptions } from "./run-types";

export interface CharGptProgress {
  step: number;
  steps: number;
  /** Training loss of the last step done (nats per character). */
  trainLoss: number;
  /** Validation loss on the fixed held-out batches after `step` steps. */
  valLoss: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

export interface CharGptReport {
  model: "char-gpt";
  dataset: DatasetName;
  preset: CharGptPresetName;
  config: CharGptConfig;
  batch: number;
  params: number;
  steps: number;
  /** Training seconds (evaluations excluded) and the characters trained on per second in them. */
  seconds: number;
  tokensPerSecond: number;
  /** Training loss of every step read back (step, loss). */
  loss: { step: number; loss: number }[];
  /** Validation loss after each chunk of steps (step 0: before training). */
  val: { step: number; loss: number }[];
  /** Nats per character on fixed batches of each split. */
  final: { trainLoss: number; valLoss: number };
  baselines: { unigram: number; bigram: number };
  samples: string[];
  backend: string;
  /** The WebGPU adapter's description; null on the CPU. */
  adapter: string | null;
}

export interface CharGptRunResult {
  kind: "char-gpt";
  report: CharGptReport;
  weights: CharGptWeights;
}

export class CharGptRunError extends Error {
  override name = "CharGptRunError";
}

/**
 * The language-model page's name for a corpus and preset, "char-gpt-<dataset>-<preset>" (also safe in a file
 * name), and back.
 */
export function lmModel(model: string): { dataset: DatasetName; preset: CharGptPresetName } {
  const m = /^char-gpt-(names|moby-dick)-(tiny|small)$/.exec(model);
  if (!m) throw new Error(`lm: unknown model '${model}'`);
  return { dataset: m[1] as DatasetName, preset: m[2] as CharGptPresetName };
}

export const lmModelName = (dataset: DatasetName, preset: CharGptPresetName) =>
  `char-gpt-${dataset}-${preset}`;

/** Largest typed array V8 allocates (elements): the CPU backend's limit on one tensor. */
export const CPU_MAX_ELEMENTS = 2 ** 32;
/** Fixed evaluation batches: this many of EVAL_BATCH windows, from each split. */
const EVAL_BATCHES = 8;
const EVAL_BATCH = 32;

/** The backend's limit on one tensor, in bytes, and its name (duck-typed: run/ never imports the WebGPU backend). */
export function tensorLimit(backend: Backend): { bytes: number; name: string } {
  const rt = (backend as unknown as { rt?: { limits?: { maxStorageBufferBindingSize?: number } } }).rt;
  const max = rt?.limits?.maxStorageBufferBindingSize;
  if (backend.name === "webgpu" && max !== undefined)
    return { bytes: max, name: `the device's maxStorageBufferBindingSize (${max} bytes)` };
  return {
    bytes: CPU_MAX_ELEMENTS * 4,
    name: `the CPU backend's largest array (${CPU_MAX_ELEMENTS} floats)`,
  };
}

/** The largest tensors one training step allocates, by name, in floats. */
export function largestTensors(c: CharGptConfig, batch: number): [string, number][] {
  const rows = batch * c.context;
  const out: [string, number][] = [
    ["the MLP's hidden activations [batch·context, 4·width]", rows * 4 * c.width],
    ["the logits [batch·context, vocabulary]", rows * c.vocab],
  ];
  // Above the fused kernel's head size, attention runs unfused and keeps the scores [batch, heads, T, T].
  if (c.width / c.heads > ATTENTION_FUSED_MAX_D)
    out.push(["the attention scores [batch, heads, context, context]", batch * c.heads * c.context ** 2]);
  return out;
}

/** Refuse a batch or context the backend cannot hold, naming the limit, before anything is allocated. */
export function checkCharGptFits(c: CharGptConfig, batch: number, backend: Backend): void {
  const [lo, hi] = DEFAULT_LIMITS.batch;
  if (!(Number.isInteger(batch) && batch >= lo && batch <= hi))
    throw new CharGptRunError(`char-gpt: batch must be an integer in [${lo}, ${hi}], got ${batch}`);
  checkCharGptConfig(c);
  const limit = tensorLimit(backend);
  for (const [what, floats] of largestTensors(c, batch)) {
    if (floats * 4 > limit.bytes) {
      throw new CharGptRunError(
        `char-gpt: batch ${batch} × context ${c.context} is too large for ${limit.name}: ${what} needs ${floats * 4} bytes`,
      );
    }
  }
}

/** The run's preset, shape and training recipe from the options (defaults: the small preset on Moby-Dick). */
export function charGptSetup(o: RunOptions) {
  const dataset = o.dataset ?? "moby-dick";
  if (!DATASETS.includes(dataset))
    throw new CharGptRunError(`char-gpt: unknown dataset '${dataset}': choose one of ${DATASETS.join(", ")}`);
  const presetName = o.preset ?? (dataset === "names" ? "tiny" : "small");
  if (!Object.hasOwn(CHAR_GPT_PRESETS, presetName)) {
    throw new CharGptRunError(
      `char-gpt: unknown preset '${presetName}': choose one of ${Object.keys(CHAR_GPT_PRESETS).join(", ")}`,
    );
  }
  if ((o.seeds ?? 1) !== 1) throw new CharGptRunError("char-gpt: trains one seed per run (--seeds 1)");
  const preset = charGptPreset(presetName);
  const steps = o.steps ?? preset.training.steps;
  const lr = o.lr ?? preset.training.lr;
  if (!(Number.isInteger(steps) && steps >= 0))
    throw new CharGptRunError(`char-gpt: steps must be an integer >= 0, got ${steps}`);
  if (!(Number.isFinite(lr) && lr > 0))
    throw new CharGptRunError(`char-gpt: lr must be a number > 0, got ${lr}`);
  // The decay keeps the preset's ratio of final to peak rate; the warmup stays within the run.
  const training = charGptStretched(
    presetName,
    {
      ...charGptAtRate(preset.training, lr),
      batch: o.batch ?? preset.training.batch,
      dataSeed: o.seed ?? preset.training.dataSeed,
    },
    steps,
  );
  const shape = { ...preset.model, ...(o.context !== undefined ? { context: o.context } : {}) };
  return { dataset, presetName, steps, training, shape, seed: o.seed ?? 1 };
}

/**
 * What a run (runCharGpt) and the page's job (ui/jobs/lm-job.ts) start from: the setup of `options`, the encoded
 * corpus, the model's config (checked to fit `backend`), its training task and the fixed validation batches.
 */
export async function prepareCharGpt(backend: Backend, options: RunOptions, source: CorpusSource) {
  const setup = charGptSetup(options);
  const data = encodeCorpus(await loadCorpus(setup.dataset, source));
  const config = charGptConfigFor(data.vocab, setup.shape, { seed: setup.seed });
  checkCharGptFits(config, setup.training.batch, backend);
  const task = charGptTask(data, config, setup.training);
  const valBatches = charGptValidationBatches(data, config.context, EVAL_BATCH, EVAL_BATCHES);
  return { ...setup, data, config, task, valBatches };
}

/**
 * Train the character-level GPT as `options` ask, on `backend`, with the corpus from `source`. With
 * `checkpointEvery` it keeps a checkpoint every that many steps, reports each (`onCheckpoint`, as char-gpt's weights
 * file) and, given `recover`, resumes from the last one on a new backend when the device is lost, in a step or in an
 * evaluation: the resumed run repeats the same batches and evaluations and ends with the uninterrupted run's report.
 */
export async function runCharGpt(
  backend: Backend,
  options: RunOptions,
  source: CorpusSource,
  hooks: CheckpointHooks & { onProgress?: (p: CharGptProgress) => void } = {},
): Promise<CharGptRunResult> {
  const run = await prepareCharGpt(backend, options, source);
  const { dataset, presetName, steps, training, seed, data, config, task, valBatches } = run;
  const file = options.weights ? JSON.parse(options.weights) : null;
  const expect = {
    vocab: data.vocab,
    config: { context: config.context, width: config.width, heads: config.heads, layers: config.layers },
  };
  // A file from another vocabulary or shape is refused here, naming the difference, before a step runs.
  const loaded = file ? checkCharGptWeights(file, expect).weights : null;
  const loadedStep = loaded?.step ?? 0;
  // From a file at step k, N steps take the rates and batches of steps k.. of a run of k + N steps.
  const schedule = steps > 0 ? charGptStretched(presetName, training, loadedStep + steps) : training;
  // The validation and training batches are token ids on the CPU: each evaluation uploads them to the model's
  // backend, so after a recovery they go to the new one with the rebuilt model (always `trainer.model`).
  const trainBatches = charGptValidationBatches(
    { ...data, val: data.train },
    config.context,
    EVAL_BATCH,
    EVAL_BATCHES,
  );
  // The rates of this run after `done` of its steps (a run of 0 steps keeps the loaded file's), and the length of
  // the schedule it goes along, from the loaded file's step (the schedule a checkpoint's export records).
  const meta = (done: number) => ({
    dataset,
    step: loadedStep + done,
    ...(steps > 0
      ? {
          lr: schedule.lr,
          finalLr: charGptFinalLr(schedule, loadedStep + done),
          steps: schedule.steps,
        }
      : {
          ...(loaded?.lr !== undefined ? { lr: loaded.lr } : {}),
          ...(loaded?.finalLr !== undefined ? { finalLr: loaded.finalLr } : {}),
        }),
    batch: training.batch,
  });

  const trainer = new Trainer(
    backend,
    { ...task, build: (ctx) => (file ? loadCharGpt(ctx, file, expect).model : task.build(ctx)) },
    {
      ...charGptTrainConfig(schedule, backend.name === "webgpu" ? 10 : 1),
      steps: 0,
      firstStep: loadedStep,
      checkpointEvery: checkpointInterval(options),
    },
  );
  const checkpoints = checkpointing(trainer, options, hooks, loadedStep, (cp) =>
    charGptWeightsOf(config, cp.params, data.vocab, meta(cp.step)),
  );
  // The trainer is not given `recover`: a lost device, in a step or between runs, ends its run and resumes here,
  // from the evaluation before the checkpoint, so the resumed run reads back the same steps (each run's last one
  // among them) and evaluates at the same steps as the first.
  const trainerHooks = { onRecover: checkpoints.hooks.onRecover, onStep: () => checkpoints.report() };
  const val = [{ step: 0, loss: await evaluateCharGpt(trainer.model, valBatches) }];
  // Evaluations at fixed steps (every `chunk`, and the last), so a resumed run evaluates where the first did.
  const chunk = Math.max(1, Math.ceil(steps / 10));
  const tokensPerStep = training.batch * config.context;
  let trainMs = 0;
  let end: { final: CharGptReport["final"]; samples: string[]; weights: CharGptWeights };
  for (;;) {
    try {
      while (val.at(-1)!.step < steps) {
        const target = Math.min(steps, val.at(-1)!.step + chunk);
        trainer.config.steps = target;
        const t0 = performance.now();
        if (trainer.step < target) await trainer.run(trainerHooks);
        trainMs += performance.now() - t0;
        checkpoints.report();
        const valLoss = await evaluateCharGpt(trainer.model, valBatches);
        val.push({ step: target, loss: valLoss });
        const rate = (trainer.step * tokensPerStep) / Math.max(1e-9, trainMs / 1000);
        hooks.onProgress?.({
          step: trainer.step,
          steps,
          trainLoss: trainer.history.at(-1)?.loss ?? Number.NaN,
          valLoss,
          tokensPerSecond: rate,
          etaSeconds: ((steps - trainer.step) * tokensPerStep) / rate,
        });
      }
      const model = trainer.model;
      const final = { trainLoss: await evaluateCharGpt(model, trainBatches), valLoss: val.at(-1)!.loss };
      const samples: string[] = [];
      for (let i = 0; i < 3; i++) {
        samples.push(
          await sampleCharGpt(model, data.vocab, {
            prompt: "",
            tokens: dataset === "names" ? 80 : 200,
            temperature: 0.8,
            seed: seed + i,
            boundary: data.boundary,
          }),
        );
      }
      end = { final, samples, weights: await saveCharGpt(model, data.vocab, meta(steps)) };
      break;
    } catch (e) {
      // A device lost in a step, an evaluation, a sample or the final read: resume from the last checkpoint and
      // drop the evaluations after it, which the resumed run makes again.
      if (!(e instanceof DeviceLostError) || !checkpoints.hooks.recover) throw e;
      await trainer.resume(await checkpoints.hooks.recover(e), e.message, checkpoints.hooks);
      while (val.at(-1)!.step > trainer.step) val.pop();
    }
  }
  const { final, samples, weights } = end;
  const seconds = trainMs / 1000;
  const report: CharGptReport = {
    model: "char-gpt",
    dataset,
    preset: presetName,
    config,
    batch: training.batch,
    params: charGptParamCount(config),
    steps,
    seconds,
    tokensPerSecond: steps > 0 ? (steps * tokensPerStep) / Math.max(1e-9, seconds) : 0,
    loss: trainer.history.map((r) => ({ step: r.step, loss: r.loss })),
    val,
    final,
    baselines: { unigram: data.baselines.unigram, bigram: data.baselines.bigram },
    samples,
    backend: backend.name,
    adapter: backend.name === "webgpu" ? backend.description : null,
  };
  return { kind: "char-gpt", report, weights };
}

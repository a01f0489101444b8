// What a run of a registry model is asked for and what it reports (run-model.ts), and what a model-specific runner
// gives it (run-regression.ts, run-transformer.ts).

import type { WeightsFile } from "../io/weights";
import type { CharGptWeights } from "../models/char-gpt-weights";
import type { Module } from "../nn/module";
import type { TrainConfig, Trainer } from "../train/trainer";

export interface RunOptions {
  model: string;
  /** Training steps (default: the registry's); 0 only evaluates. */
  steps?: number;
  /** Base seed: of the data and of the first seed's initial weights (default 1). */
  seed?: number;
  /** Seeds trained at once (default 1). */
  seeds?: number;
  /** Learning rate (default: the registry's); the registry's schedule is stretched to `steps`. */
  lr?: number;
  /**
   * The architecture (registry ArchSpec sizes: hidden units, [experts], [width, heads, layers]); default: the loaded
   * file's, else the registry's. One that differs from the loaded file's is refused.
   */
  arch?: number[];
  /** Text of a weights file to start from. */
  weights?: string;
  /** At least this many milliseconds between progress reports (default 3000). */
  progressMs?: number;
  /** The backend choice recorded in the saved file's settings (default: the backend's name). */
  backendChoice?: "auto" | "webgpu" | "wasm" | "cpu";
  /** Keep a checkpoint every this many steps and report it (`onCheckpoint`); resume from it on a lost device. */
  checkpointEvery?: number;
  // ---- char-gpt only (run-char-gpt.ts) ----
  /** The text corpus (default moby-dick). */
  dataset?: "moby-dick" | "names";
  /** The model shape and recipe (default: small on moby-dick, tiny on names). */
  preset?: "small" | "tiny";
  /** Windows per step (default: the preset's). */
  batch?: number;
  /** Characters per window (default: the preset's). */
  context?: number;
}

/**
 * A run's checkpoint as a weights file: the pages' format, or char-gpt's own (what `--save` writes). The step counts a
 * loaded file's steps too.
 */
export interface RunCheckpoint {
  step: number;
  weights: WeightsFile | CharGptWeights;
}

export interface RunProgress {
  /** Steps done. */
  step: number;
  steps: number;
  /** Training loss of the last step done (mean over seeds). */
  loss: number;
  stepsPerSecond: number;
  etaSeconds: number;
}

export interface SeedFinal {
  seed: number;
  trainLoss: number;
  testLoss: number;
  /** Null where the data has no out-of-range split (the recipe language). */
  outOfRangeLoss: number | null;
  /** Held-out accuracy of the predicted token; null for the regression models. */
  accuracy: number | null;
}

/** Mean attention weights per grain or per active expert, or the transformer's grain-token weight. */
export type Attention = Record<string, number[]> | { grainTokenWeight: number };

export interface RunReport {
  model: string;
  backend: string;
  /** The WebGPU adapter's description; null on the CPU. */
  adapter: string | null;
  /** Parameters of one seed's model. */
  params: number;
  /** The architecture trained (registry ArchSpec sizes, the defaults when not edited); null for a fixed one. */
  arch: number[] | null;
  /** The seed described (the best one when several trained). */
  seed: number;
  steps: number;
  /** That seed's training loss at every step. */
  loss: number[];
  final: { trainLoss: number; testLoss: number; outOfRangeLoss: number | null; accuracy: number | null };
  attention: Attention | null;
  /** Every seed's final losses in seed order, when more than one trained. */
  seeds?: SeedFinal[];
  /** Wall-clock seconds of the training loop. */
  seconds: number;
  /** Signs the run collapsed or diverged without going non-finite (src/run/health.ts); empty when healthy. */
  warnings: string[];
}

export interface RunResult {
  report: RunReport;
  /** The trained weights of every seed, in the pages' file format. */
  weights: WeightsFile;
}

// ---- what a model-specific runner provides (run-regression.ts, run-transformer.ts) ----

export interface RunnerConfig {
  model: string;
  seeds: number[];
  dataSeed: number;
  train: TrainConfig;
  /** The architecture (registry ArchSpec sizes), when not the registry's default. */
  arch?: number[];
}

export interface Runner {
  trainer: Trainer<Module>;
  paramsPerSeed: number;
  /** Final losses of every seed, in seed order. */
  finals(): Promise<SeedFinal[]>;
  /** The training loss of predicting the mean target (health.ts), or null when the model has no such baseline. */
  constantLoss: number | null;
  /** The attention summary of seed index k, or null for a model without one. */
  attention(k: number): Promise<Attention | null>;
}

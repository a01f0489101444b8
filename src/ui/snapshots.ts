// What a worker sends a page about its model between training steps (plain data, see protocol.ts).

import type { LmSnapshot } from "./lm-snapshot";

/** One curve or point set of a fit chart, aligned with FitChart.xs (null: no point at that x). */
export interface FitSeries {
  label: string;
  /** Index into FitChart.groups (a grain or an expert): it picks the colour. */
  group: number;
  /** Data rows in the training range, rows beyond it, the model's prediction, or the ground truth. */
  kind: "train" | "outOfRange" | "model" | "truth";
  values: (number | null)[];
}

export interface FitChart {
  /** Sorted x values (cups of grain): a grid over [0, 10] and every data row's x. */
  xs: number[];
  groups: string[];
  series: FitSeries[];
}

/** The shown seed's output over the whole input plane: values[j][i] at (xs[i], bs[j]). */
export interface Surface {
  xs: number[];
  /** The second input: darkness z (grain) or selector s (experts). */
  bs: number[];
  bLabel: string;
  values: number[][];
}

export interface SeedRow {
  /** Slice index in the batched model. */
  index: number;
  seed: number;
  train: number;
  test: number;
  outOfRange: number;
}

/** Mean gate weight per group (rows) and expert (columns): which expert each grain selects. */
export interface GateMatrix {
  title: string;
  rows: string[];
  cols: string[];
  values: number[][];
}

/** One model as a page shows it: its seeds ranked, and the shown seed's fit, equations and gates. */
export interface ModelView {
  name: string;
  description: string;
  /** Parameters of one seed's model. */
  params: number;
  /** Ranked by final training loss, best first. */
  seeds: SeedRow[];
  /** Slice index of the seed shown. */
  shown: number;
  fit: FitChart;
  equations: string[];
  gates: GateMatrix | null;
  /** The output over the (x, second input) plane, when the page asks for it (the grain stages). */
  surface?: Surface;
}

export interface GrainSnapshot {
  kind: "grain";
  stage: string;
  view: ModelView;
  /** The least-squares plane's training error on the stage's data (white + brown stages), else null. */
  planeMse: number | null;
}

export interface ExpertsSnapshot {
  kind: "experts";
  /** The true relationships y = slope·x + intercept, announced by selector s. */
  lines: { slope: number; intercept: number; s: number }[];
  views: ModelView[];
}

export interface SentenceView {
  tokens: string[];
  answer: string;
  predicted: string;
  correct: boolean;
}

export interface TransformerSnapshot {
  kind: "transformer";
  /** The seed shown (lowest held-out loss). */
  seed: number;
  /** Held-out accuracy on the answer token. */
  accuracy: number;
  /** Mean weight the WATER query gives the grain word, per layer and head (over the held-out sentences). */
  grainWeight: number[][];
  samples: SentenceView[];
  /** The sentence whose attention is shown, and its index among the held-out sentences. */
  sentence: SentenceView;
  sentenceIndex: number;
  sentenceCount: number;
  /** attention[layer][head] is a T×T matrix: row = query position, column = key position. */
  attention: number[][][][];
}

export type Snapshot = GrainSnapshot | ExpertsSnapshot | TransformerSnapshot | LmSnapshot;

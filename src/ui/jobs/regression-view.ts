// Builds a ModelView (see ../snapshots.ts) of a page's K-seed run: every seed's errors, and for the seed shown its
// predictions per group over x ∈ [0, 10] (beyond the training range 1-5), its equations and its gate weights.

import { generateRows, type RegressionData } from "../../data/regression";
import { meanGates, type SeedTrainer } from "../../run/seeds";
import type { FitChart, FitSeries, GateMatrix, ModelView, SeedRow, Surface } from "../snapshots";
import { seedEquations } from "./equations";

/** One model of a regression page: its K seeds' trainer, its name, and the names of its two raw inputs. */
export interface PageRun {
  name: string;
  inputs: readonly [string, string];
  run: SeedTrainer;
}

/** A grain or an expert: the value of the second input that announces it and its true relationship. */
export interface Group {
  name: string;
  /** Label of its rows in the data sets. */
  label: number;
  /** The second input (darkness z, or selector s) at which its curve is drawn. */
  b: number;
  truth: (x: number) => number;
}

export interface Splits {
  train: RegressionData;
  test: RegressionData;
  outOfRange: RegressionData;
}

const GRID = Array.from({ length: 41 }, (_, i) => i * 0.25);

function rows(d: RegressionData, label: number): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < d.n; i++)
    if (d.labels[i] === label) out.push({ x: d.inputs[2 * i]!, y: d.targets[i]! });
  return out;
}

export async function seedRows(run: SeedTrainer, splits: Splits): Promise<SeedRow[]> {
  const [train, test, oor] = [
    await run.perSeedLoss(splits.train),
    await run.perSeedLoss(splits.test),
    await run.perSeedLoss(splits.outOfRange),
  ];
  const out = run.seeds.map((seed, index) => ({
    index,
    seed,
    train: train[index]!,
    test: test[index]!,
    outOfRange: oor[index]!,
  }));
  // A non-finite loss ranks last.
  const key = (r: SeedRow) => (Number.isFinite(r.train) ? r.train : Infinity);
  return out.sort((a, b) => key(a) - key(b));
}

/** The data rows (in and beyond the training range) and the true relationship of every group over the x grid. */
export function dataSeries(groups: Group[], splits: Splits): { xs: number[]; series: FitSeries[] } {
  const dataRows = groups.map((g) => ({
    train: rows(splits.train, g.label),
    oor: rows(splits.outOfRange, g.label),
  }));
  const xs = [...new Set([...GRID, ...dataRows.flatMap((r) => [...r.train, ...r.oor].map((p) => p.x))])].sort(
    (a, b) => a - b,
  );
  const index = new Map(xs.map((x, i) => [x, i]));
  const series: FitSeries[] = [];
  groups.forEach((g, gi) => {
    const sparse = (pts: { x: number; y: number }[]) => {
      const v: (number | null)[] = new Array(xs.length).fill(null);
      for (const p of pts) v[index.get(p.x)!] = p.y;
      return v;
    };
    series.push({ label: `${g.name}: data`, group: gi, kind: "train", values: sparse(dataRows[gi]!.train) });
    series.push({
      label: `${g.name}: beyond`,
      group: gi,
      kind: "outOfRange",
      values: sparse(dataRows[gi]!.oor),
    });
    series.push({ label: `${g.name}: truth`, group: gi, kind: "truth", values: xs.map((x) => g.truth(x)) });
  });
  return { xs, series };
}

/** `shown` asks for a seed by slice index; absent or invalid, the best seed (lowest training loss) is shown. */
export async function modelView(
  { name, inputs, run }: PageRun,
  description: string,
  groups: Group[],
  splits: Splits,
  shown?: number,
  /** Also the output over x ∈ [0, 10] × this range of the second input. */
  plane?: { label: string; lo: number; hi: number },
): Promise<ModelView> {
  const seeds = await seedRows(run, splits);
  const k = shown !== undefined && shown >= 0 && shown < run.K ? shown : seeds[0]!.index;

  const { xs, series } = dataSeries(groups, splits);
  // One prediction pass over every (x, group) pair: row g·|xs| + i is group g at xs[i].
  const grid = generateRows(xs.length * groups.length, (r) => {
    const g = groups[Math.floor(r / xs.length)]!;
    const x = xs[r % xs.length]!;
    return [x, g.b, g.truth(x), g.label];
  });
  const pred = (await run.predict(grid))[k]!;
  groups.forEach((g, gi) => {
    series.push({
      label: `${g.name}: model`,
      group: gi,
      kind: "model",
      values: Array.from(pred.subarray(gi * xs.length, (gi + 1) * xs.length)),
    });
  });
  const fit: FitChart = { xs, groups: groups.map((g) => g.name), series };
  const surface = plane ? await surfaceOf(run, k, plane) : undefined;

  return {
    name,
    description,
    params: run.paramsPerSeed,
    seeds,
    shown: k,
    fit,
    equations: await seedEquations(run, k, inputs),
    gates: await gateMatrix(run, groups, splits.test, k),
    ...(surface ? { surface } : {}),
  };
}

/** Seed k's output on a 41 × 21 grid of x ∈ [0, 10] and the second input in [lo, hi]. */
async function surfaceOf(
  run: SeedTrainer,
  k: number,
  plane: { label: string; lo: number; hi: number },
): Promise<Surface> {
  const xs = Array.from({ length: 41 }, (_, i) => i * 0.25);
  const bs = Array.from({ length: 21 }, (_, j) => plane.lo + ((plane.hi - plane.lo) * j) / 20);
  const grid = generateRows(xs.length * bs.length, (r) => [
    xs[r % xs.length]!,
    bs[Math.floor(r / xs.length)]!,
    0,
    0,
  ]);
  const pred = (await run.predict(grid))[k]!;
  const values = bs.map((_, j) => Array.from(pred.subarray(j * xs.length, (j + 1) * xs.length)));
  return { xs, bs, bLabel: plane.label, values };
}

/** Mean gate weight per group over its held-out rows. */
async function gateMatrix(
  run: SeedTrainer,
  groups: Group[],
  d: RegressionData,
  k: number,
): Promise<GateMatrix | null> {
  const w = await run.gates(d, k);
  if (!w) return null;
  const E = run.gateCount;
  const values = groups.map((g) => meanGates(w, E, d, g.label));
  const mixture = run.gateKind === "attention";
  return {
    title: mixture
      ? "attention weight softmax(s)ᵢ each group gives expert rᵢ"
      : "classifier probability pₖ per grain",
    rows: groups.map((g) => g.name),
    cols: Array.from({ length: E }, (_, e) => (mixture ? `r${e + 1}` : `p${e + 1}`)),
    values,
  };
}

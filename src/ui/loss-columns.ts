// What a training page's loss chart draws, as columns for <wb-loss-chart>: for each model the objective (mean over
// its seeds, every step), the held-out error (mean over seeds, measured now and then), and from the snapshots
// (about once a second) the training MSE of the seed shown, bold, and of the other seeds, thin.

import type { Columns } from "./plot-base";
import type { LossSeries } from "./wb-loss-chart";

/** One snapshot's training MSE per seed of each model, and which seed each model shows. */
export interface SeedPoint {
  /** The last step trained when the snapshot was taken. */
  step: number;
  runs: { shown: number; seeds: { index: number; seed: number; train: number }[] }[];
}

export interface LossLayout {
  names: string[];
  /** Seeds per model. */
  seeds: number;
  /** What each model's training objective is, when it is not the mean squared error. */
  objective?: (name: string) => string | null;
  /** Draw the seeds that are not shown as thin lines (one model per page). */
  otherSeeds: boolean;
  /** What the losses measure (default "MSE"; the transformer's "cross-entropy"). */
  metric?: string;
  palette: readonly string[];
}

/**
 * Merges the controller's columns ([steps, train per model..., held-out per model...]) with the snapshots' per-seed
 * points into one set of aligned columns, and the series that label them.
 */
export function lossColumns(
  lossData: Columns,
  points: readonly SeedPoint[],
  layout: LossLayout,
): { series: LossSeries[]; data: Columns } {
  const { names, seeds: K, palette } = layout;
  const metric = layout.metric ?? "MSE";
  const R = names.length;
  const last = points[points.length - 1];
  const shownSeed = (r: number) => {
    const run = last?.runs[r];
    return run?.seeds.find((s) => s.index === run.shown)?.seed ?? null;
  };
  const series: LossSeries[] = [];
  names.forEach((n, r) => {
    const obj = layout.objective?.(n) ?? null;
    const what = obj ? `objective (${obj})` : `training ${metric}`;
    series.push({
      label: `${n}: ${what}${K > 1 ? `, mean of ${K} seeds` : ""}`,
      color: palette[r % palette.length]!,
      width: 1,
    });
  });
  names.forEach((n, r) => {
    series.push({
      label: `${n}: held-out ${metric}${K > 1 ? `, mean of ${K} seeds` : ""}`,
      color: palette[r % palette.length]!,
      dash: [6, 4],
      width: 1.5,
    });
  });
  const perSeed: { run: number; index: number }[] = [];
  if (K > 1 && points.length > 0) {
    names.forEach((n, r) => {
      const s = shownSeed(r);
      perSeed.push({ run: r, index: last?.runs[r]?.shown ?? 0 });
      series.push({
        label: `${n}: training MSE, seed ${s ?? "?"} (shown, bold)`,
        color: palette[r % palette.length]!,
        width: 3,
        points: true,
      });
      if (layout.otherSeeds) {
        const others = (last?.runs[r]?.seeds ?? []).filter((x) => x.index !== last?.runs[r]?.shown);
        others.sort((a, b) => a.seed - b.seed);
        for (const o of others) {
          perSeed.push({ run: r, index: o.index });
          series.push({ label: `seed ${o.seed} (thin)`, color: "#8a8a8a", width: 0.8 });
        }
      }
    });
  }

  const xs0 = (lossData[0] ?? []) as number[];
  const steps = [...new Set([...xs0, ...points.map((p) => p.step)])].sort((a, b) => a - b);
  const row = new Map(steps.map((s, i) => [s, i]));
  const cols: (number | null)[][] = Array.from({ length: series.length }, () =>
    new Array(steps.length).fill(null),
  );
  for (let c = 0; c < 2 * R; c++) {
    const src = lossData[c + 1] ?? [];
    xs0.forEach((x, i) => {
      const v = src[i];
      if (v !== undefined && v !== null) cols[c]![row.get(x)!] = v;
    });
  }
  for (const p of points) {
    const i = row.get(p.step)!;
    perSeed.forEach((ps, j) => {
      const run = p.runs[ps.run];
      if (!run) return;
      const v = run.seeds.find((s) => s.index === ps.index)?.train;
      if (v !== undefined) cols[2 * R + j]![i] = v;
    });
  }
  return { series, data: [steps, ...cols] };
}

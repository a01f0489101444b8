// A weights file of some of the experts page's three models (`npm run train -- experts-relu7 --save f.json` writes
// one) into the page's run: each model the file holds takes the file's weights (into every seed), its architecture
// and its loss history; the others keep theirs, trained or freshly initialised. The run then counts from the file's
// step (the three share one step counter), so the others' history after it goes; their weights stay as they were.

import type { History, SavedJob } from "../io/types";
import { WeightsFileError } from "../io/weights";
import { archRefusal, isDefaultArch } from "../models/registry";
import { repeatSeeds, seedCount } from "../run/run-weights";
import { quoted } from "../util/printable";

/** Points of both histories by step, one value per model of `names` (null where neither has one); up to `before`. */
function mergePoints(
  names: readonly string[],
  before: number,
  sources: { points: { step: number; values: (number | null)[] }[]; column: (name: string) => number }[],
): { step: number; values: (number | null)[] }[] {
  const rows = new Map<number, (number | null)[]>();
  for (const { points, column } of sources) {
    for (const p of points) {
      if (p.step >= before) continue;
      names.forEach((n, i) => {
        const v = column(n) < 0 ? undefined : p.values[column(n)];
        if (typeof v !== "number") return;
        const row = rows.get(p.step) ?? names.map(() => null);
        row[i] = v;
        rows.set(p.step, row);
      });
    }
  }
  return [...rows].sort((a, b) => a[0] - b[0]).map(([step, values]) => ({ step, values }));
}

/** A history's training or held-out points, each as its step and one value per run. */
const pointsOf = (h: History, key: "train" | "test") =>
  key === "train"
    ? h.train.map((p) => ({ step: p.step, values: p.train }))
    : h.test.map((p) => ({ step: p.step, values: p.test }));

/** The held models' curves from the file, the others' from the page's run, up to the file's step. */
function mergeHistory(current: SavedJob, file: SavedJob, names: readonly string[]): History {
  const held = file.runs.map((r) => r.name);
  const merge = (key: "train" | "test") =>
    mergePoints(names, file.step, [
      { points: pointsOf(current.history, key), column: (n) => (held.includes(n) ? -1 : names.indexOf(n)) },
      { points: pointsOf(file.history, key), column: (n) => held.indexOf(n) },
    ]);
  return {
    train: merge("train").map(({ step, values }) => ({ step, train: values })),
    test: merge("test").map(({ step, values }) => ({ step, test: values })),
  };
}

/**
 * The page's run `current` (its models `names`, in order) with the runs of `file` (a weights file of some of them, named
 * `fileName`) in place of theirs. Refused: a run of a model the page does not train, an architecture the registry does
 * not build, and a number of seeds other than one (copied into every seed) or the page's.
 */
export function mergeExpertsFile(
  current: SavedJob,
  file: SavedJob,
  names: readonly string[],
  fileName: string,
): SavedJob {
  const K = current.spec.settings.seeds;
  const arch: Record<string, number[]> = { ...current.spec.arch };
  const runs = new Map(current.runs.map((r) => [r.name, r]));
  for (const r of file.runs) {
    if (!names.includes(r.name)) {
      const list = names.map((n) => quoted(n)).join(", ");
      throw new WeightsFileError(
        `${quoted(fileName)} holds a run of ${quoted(r.name)}, which this page does not train (it trains ${list})`,
      );
    }
    const sizes = file.spec.arch?.[r.name];
    const why = sizes && archRefusal(r.name, sizes);
    if (why) throw new WeightsFileError(`${quoted(fileName)}: ${why}`);
    if (sizes && !isDefaultArch(r.name, sizes)) arch[r.name] = [...sizes];
    else delete arch[r.name];
    const n = seedCount(r);
    if (n !== 1 && n !== K)
      throw new WeightsFileError(
        `${quoted(fileName)} holds ${n} seeds of ${r.name} and this page trains ${K}: set its seeds to ${n}, or load a file of one seed`,
      );
    runs.set(r.name, n === 1 ? repeatSeeds(r, K) : { ...r, state: [], t: 0 });
  }
  const { arch: _was, ...spec } = current.spec;
  return {
    ...current,
    spec: {
      ...spec,
      settings: { ...spec.settings, steps: Math.max(spec.settings.steps, file.step) },
      ...(Object.keys(arch).length ? { arch } : {}),
    },
    step: file.step,
    runs: names.map((n) => runs.get(n)!),
    history: mergeHistory(current, file, names),
  };
}

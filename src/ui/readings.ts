// One line per stage that reads the run on screen: what the shown seed did, in the words of the stage's claim
// ("seed 3 collapsed to the plane: try another", "brown blends experts 1 and 2 instead of learning 3x"). Computed
// from the snapshot only, so the sentence always describes the run drawn beside it.

import type { ExpertsSnapshot, GrainSnapshot, ModelView, SeedRow } from "./snapshots";

/** A ReLU stage has bent the plane when its training error is at least this far below the plane's best. */
export const BEND_FACTOR = 0.9;
/** A seed fits its training rows below this mean squared error (grain data: the jitter on z sets ~0.01-0.04). */
export const FIT_MSE = 0.1;
/** A group "selects" an expert when it gives it at least this mean weight. */
export const SELECT_WEIGHT = 0.9;

export interface Reading {
  text: string;
  /** "ok": the run shows the stage's point; "note": it shows something else worth saying; "warn": it went wrong. */
  tone: "ok" | "note" | "warn";
}

const f = (v: number) => (!Number.isFinite(v) ? String(v) : v < 0.01 ? v.toExponential(1) : v.toFixed(3));

export function shownSeed(v: ModelView): SeedRow {
  return v.seeds.find((s) => s.index === v.shown) ?? v.seeds[0]!;
}

/** Root-mean-square gap between a group's model curve and its truth over x in [lo, hi] (from the fit chart). */
export function groupGap(v: ModelView, group: string, lo = 1, hi = 5): number {
  const g = v.fit.groups.indexOf(group);
  const model = v.fit.series.find((s) => s.group === g && s.kind === "model")?.values;
  const truth = v.fit.series.find((s) => s.group === g && s.kind === "truth")?.values;
  if (!model || !truth) return Number.NaN;
  let sum = 0;
  let n = 0;
  v.fit.xs.forEach((x, i) => {
    if (x < lo || x > hi || model[i] == null || truth[i] == null) return;
    sum += (model[i]! - truth[i]!) ** 2;
    n++;
  });
  return n ? Math.sqrt(sum / n) : Number.NaN;
}

/** Index of the expert group `row` gives most weight, and that weight. */
function topExpert(v: ModelView, row: number): { expert: number; weight: number } {
  const w = v.gates!.values[row]!;
  const expert = w.indexOf(Math.max(...w));
  return { expert, weight: w[expert]! };
}

/** Seeds that bent below the plane's best. */
export function bentSeeds(v: ModelView, planeMse: number): SeedRow[] {
  return v.seeds.filter((s) => s.train < BEND_FACTOR * planeMse);
}

function reluReading(v: ModelView, planeMse: number): Reading {
  const s = shownSeed(v);
  const bent = bentSeeds(v, planeMse);
  const of =
    v.seeds.length > 1
      ? `${bent.length} of ${v.seeds.length} seeds bend below the plane's best (${f(planeMse)}). `
      : "";
  if (!Number.isFinite(s.train))
    return { text: `${of}Seed ${s.seed} diverged: try a lower learning rate.`, tone: "warn" };
  if (s.train >= BEND_FACTOR * planeMse) {
    const dead = s.train > 5 * planeMse;
    return {
      text: `${of}Seed ${s.seed} ${dead ? "went flat: every unit is dead on the data, the output a constant" : `collapsed to the plane (training error ${f(s.train)})`}: try another seed.`,
      tone: "warn",
    };
  }
  return {
    text: `${of}Seed ${s.seed} bends: training error ${f(s.train)}, held-out ${f(s.test)}; beyond 5 cups it guesses (error ${f(s.outOfRange)}).`,
    tone: "ok",
  };
}

function attentionReading(v: ModelView): Reading {
  const rows = v.gates!.rows;
  const tops = rows.map((_, r) => topExpert(v, r));
  const s = shownSeed(v);
  if (new Set(tops.map((t) => t.expert)).size === 1 && tops.every((t) => t.weight > 0.5))
    return {
      text: `Seed ${s.seed} routes every grain to expert ${tops[0]!.expert + 1}: the mixture collapsed to one line; try another seed or a lower learning rate.`,
      tone: "warn",
    };
  const parts = rows.map((g, r) => {
    const t = tops[r]!;
    if (t.weight >= SELECT_WEIGHT) return `${g} selects expert ${t.expert + 1} (${t.weight.toFixed(2)})`;
    const w = v.gates!.values[r]!;
    const order = w.map((x, e) => ({ x, e })).sort((a, b) => b.x - a.x);
    return `${g} blends experts ${order[0]!.e + 1} and ${order[1]!.e + 1} (${order[0]!.x.toFixed(2)} / ${order[1]!.x.toFixed(2)})`;
  });
  const brown = rows.indexOf("brown");
  const blends = brown >= 0 && tops[brown]!.weight < SELECT_WEIGHT;
  return {
    text: `Seed ${s.seed}: ${parts.join("; ")}.${blends ? " Brown blends instead of learning 3x: the source article saw the same." : ""}`,
    tone: blends ? "note" : "ok",
  };
}

export function grainReading(snap: GrainSnapshot): Reading {
  const v = snap.view;
  const s = shownSeed(v);
  if (!Number.isFinite(s.train))
    return { text: `Seed ${s.seed} diverged: try a lower learning rate.`, tone: "warn" };
  switch (snap.stage) {
    case "plane":
      return {
        text: `Training error ${f(s.train)}; no plane does better than ${f(snap.planeMse ?? Number.NaN)} on these rows: the slope has to change with z.`,
        tone: "ok",
      };
    case "relu2":
    case "relu10":
      return reluReading(v, snap.planeMse ?? Number.NaN);
    case "poly": {
      const fr = groupGap(v, "franken");
      const fits = ["white", "brown"].every((g) => groupGap(v, g) < 0.3);
      return {
        text: `${fits ? "Fits white and brown" : "Does not fit white and brown yet"} (training error ${f(s.train)}); on franken-grain, which it never saw, it is off by ${fr.toFixed(1)} cups (rms over 1-5 cups).`,
        tone: fits ? "ok" : "note",
      };
    }
    case "switch":
    case "grain-attention": {
      const off = v.fit.groups.filter((g) => groupGap(v, g) >= 0.3);
      if (snap.stage === "grain-attention" && v.gates) {
        const r = attentionReading(v);
        return off.length ? { text: `${r.text} Off on ${off.join(", ")}.`, tone: "warn" } : r;
      }
      return off.length
        ? {
            text: `Seed ${s.seed} misses ${off.join(", ")} (its classifier mixes grains): try another seed.`,
            tone: "warn",
          }
        : { text: `Seed ${s.seed} fits all three grains (training error ${f(s.train)}).`, tone: "ok" };
    }
    default:
      return s.train < FIT_MSE
        ? { text: `Fits: training error ${f(s.train)}.`, tone: "ok" }
        : { text: `Training error ${f(s.train)}: not fitted yet.`, tone: "note" };
  }
}

/** Out-of-range error of the other models over attention's (shown seeds), by model name. */
export function extrapolationRatios(snap: ExpertsSnapshot): { name: string; ratio: number }[] {
  const attn = snap.views.find((v) => v.gates);
  if (!attn) return [];
  const a = shownSeed(attn).outOfRange;
  return snap.views
    .filter((v) => v !== attn)
    .map((v) => ({ name: v.name, ratio: shownSeed(v).outOfRange / a }));
}

export function expertsReading(snap: ExpertsSnapshot): Reading {
  const attn = snap.views.find((v) => v.gates);
  if (attn) {
    const tops = attn.gates!.values.map((w) => w.indexOf(Math.max(...w)));
    if (new Set(tops).size === 1)
      return {
        text: `Attention routes every expert's rows to value ${tops[0]! + 1}: the mixture collapsed to one line (a learning rate too high, or an unlucky seed).`,
        tone: "warn",
      };
  }
  const trains = snap.views.map((v) => ({ name: v.name, train: shownSeed(v).train }));
  const unfit = trains.filter((t) => !(t.train <= FIT_MSE));
  const ratios = extrapolationRatios(snap);
  const r = ratios.map((x) => `${x.ratio.toFixed(1)}× lower than ${x.name}'s`).join(" and ");
  const fits = unfit.length
    ? `${unfit.map((t) => `${t.name} has not fitted its training rows (${f(t.train)})`).join("; ")}.`
    : `All three fit their training rows (${trains.map((t) => f(t.train)).join(", ")}).`;
  const wins = ratios.every((x) => x.ratio >= 3);
  return {
    text: `${fits} Beyond the training range (x 5-10) attention's error is ${r}.`,
    tone: unfit.length ? "note" : wins ? "ok" : "note",
  };
}

/**
 * A warning when the training loss has stopped falling: after at least 10% of the run (and 50 steps), the mean of the
 * last tenth of the points is no lower than 0.9 × the first point. Null when the loss falls (or too early to say).
 */
export function stallWarning(
  steps: readonly number[],
  train: readonly (number | null)[],
  total: number,
  lr: number,
): string | null {
  const pts = steps
    .map((s, i) => ({ s, v: train[i] }))
    .filter((p): p is { s: number; v: number } => p.v != null);
  if (pts.length < 10) return null;
  const last = pts[pts.length - 1]!;
  if (last.s < Math.max(50, 0.1 * total)) return null;
  if (pts.some((p) => !Number.isFinite(p.v)))
    return `The loss became non-finite: at learning rate ${lr} the steps overshoot; try a lower one.`;
  const first = pts[0]!.v;
  const tail = pts.slice(-Math.max(1, Math.floor(pts.length / 10)));
  const now = tail.reduce((a, p) => a + p.v, 0) / tail.length;
  if (now < 0.9 * first) return null;
  return (
    `The training loss has not fallen (${f(first)} at the start, ${f(now)} now): at learning rate ${lr} the steps ` +
    "likely overshoot and the units died or the gates saturated; try a lower rate or another seed."
  );
}

// What the training pages say, checked on their defaults: each stage's job (the worker's code, src/ui/jobs, on the
// CPU backend) trains the page's default settings to the end, and the stage's sentence and its reading of the run
// must hold. The sentences are in src/ui/stages.ts; the readings in src/ui/readings.ts.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import type { JobSpec } from "../../src/io/types";
import { createJob } from "../../src/ui/jobs";
import {
  BEND_FACTOR,
  bentSeeds,
  expertsReading,
  extrapolationRatios,
  FIT_MSE,
  grainReading,
  groupGap,
  SELECT_WEIGHT,
  shownSeed,
  stallWarning,
} from "../../src/ui/readings";
import type { ExpertsSnapshot, GrainSnapshot } from "../../src/ui/snapshots";
import { EXPERTS_ABOUT, EXPERTS_DEFAULTS, GRAIN_STAGES, stageInfo } from "../../src/ui/stages";

/** Train a page's job on its defaults to the end and take the snapshot the page shows (the best seed). */
async function trained<S>(
  kind: JobSpec["kind"],
  model: string,
  defaults: typeof EXPERTS_DEFAULTS,
): Promise<S> {
  const job = await createJob(
    { kind, model, settings: { backend: "cpu", seed: 1, ...defaults } },
    new CpuBackend(),
  );
  for (const r of job.runs) await r.trainer.run();
  return (await job.snapshot({})) as S;
}

const grain = (stage: string) => trained<GrainSnapshot>("grain", stage, stageInfo(stage).defaults);

function log(snap: GrainSnapshot): void {
  const v = snap.view;
  console.log(
    `${snap.stage} (${v.seeds.length} seeds × ${stageInfo(snap.stage).defaults.steps} steps): ` +
      v.seeds
        .map((s) => `s${s.seed} ${s.train.toFixed(3)}/${s.test.toFixed(3)}/${s.outOfRange.toFixed(2)}`)
        .join(" ") +
      ` | ${grainReading(snap).text}`,
  );
}

describe("grain stages on their defaults", () => {
  test("every stage has a test below", () => {
    expect(GRAIN_STAGES.map((s) => s.name)).toEqual([
      "line",
      "plane",
      "relu2",
      "relu10",
      "poly",
      "switch",
      "grain-attention",
    ]);
  });

  test("1. a line fits one grain", async () => {
    const snap = await grain("line");
    log(snap);
    expect(shownSeed(snap.view).train).toBeLessThan(0.01);
    expect(groupGap(snap.view, "white")).toBeLessThan(0.1);
  });

  test("2. the plane cannot fit white and brown: it ends at the least-squares plane's error", async () => {
    const snap = await grain("plane");
    log(snap);
    const s = shownSeed(snap.view);
    expect(snap.planeMse!).toBeGreaterThan(0.25);
    expect(s.train).toBeGreaterThan(0.25);
    expect(Math.abs(s.train - snap.planeMse!) / snap.planeMse!).toBeLessThan(0.05);
  });

  test("3. ReLU with 2 units bends the plane on most seeds; fits in range, not beyond", async () => {
    const snap = await grain("relu2");
    log(snap);
    const v = snap.view;
    const bent = bentSeeds(v, snap.planeMse!);
    expect(bent.length).toBeGreaterThan(v.seeds.length / 2);
    const best = shownSeed(v);
    expect(best.train).toBeLessThan(BEND_FACTOR * snap.planeMse!);
    expect(best.outOfRange).toBeGreaterThan(10 * best.test);
    expect(grainReading(snap)).toMatchObject({ tone: "ok" });
    expect(grainReading(snap).text).toMatch(new RegExp(`^${bent.length} of ${v.seeds.length} seeds bend`));
    expect(stageInfo("relu2").about).toContain(
      `bends the plane on most seeds (${bent.length} of its ${v.seeds.length} default seeds)`,
    );
  });

  test("4. ReLU with 10 units fits both grains closely in range on every seed; past 5 cups it guesses", async () => {
    const snap = await grain("relu10");
    log(snap);
    for (const s of snap.view.seeds) {
      expect(s.test).toBeLessThan(0.05);
      expect(s.outOfRange).toBeGreaterThan(10 * s.test);
    }
  });

  test("5. the polynomial fits white and brown (p = q = 2, b = 0) and predicts about 4x for franken", async () => {
    const snap = await grain("poly");
    log(snap);
    const v = snap.view;
    expect(groupGap(v, "white")).toBeLessThan(0.3);
    expect(groupGap(v, "brown")).toBeLessThan(0.3);
    // 4x against the truth x: a gap of 3x, rms over x in 1-5 ≈ 3·√(31/3) ≈ 9.6.
    expect(groupGap(v, "franken")).toBeGreaterThan(8);
    const [p, q, b] = (v.equations[0]!.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
    console.log(`poly equation: ${v.equations[0]} → p ${p}, q ${q}, b ${b}`);
    expect(Math.abs(p! - 2)).toBeLessThan(0.3);
    expect(Math.abs(q! - 2)).toBeLessThan(0.3);
  });

  test("6. the inhibitory switch: the best of its seeds fits all three grains", async () => {
    const snap = await grain("switch");
    log(snap);
    for (const g of ["white", "brown", "franken"]) expect(groupGap(snap.view, g), g).toBeLessThan(0.3);
    expect(grainReading(snap).tone).toBe("ok");
  });

  test("7. attention: white and franken select their own experts, brown blends (as in the source article)", async () => {
    const snap = await grain("grain-attention");
    log(snap);
    const gates = snap.view.gates!;
    const row = (g: string) => gates.values[gates.rows.indexOf(g)]!;
    const top = (w: number[]) => w.indexOf(Math.max(...w));
    console.log(
      `gates: ${gates.rows
        .map(
          (g) =>
            `${g} ${row(g)
              .map((x) => x.toFixed(2))
              .join("/")}`,
        )
        .join("; ")}`,
    );
    expect(Math.max(...row("white"))).toBeGreaterThan(SELECT_WEIGHT);
    expect(Math.max(...row("franken"))).toBeGreaterThan(SELECT_WEIGHT);
    expect(top(row("white"))).not.toBe(top(row("franken")));
    expect(Math.max(...row("brown"))).toBeLessThan(SELECT_WEIGHT);
    for (const g of ["white", "brown", "franken"]) expect(groupGap(snap.view, g), g).toBeLessThan(0.3);
    expect(grainReading(snap).text).toMatch(
      /brown blends experts \d and \d .*the source article saw the same/i,
    );
  });
});

test("five experts on the defaults: all three fit the training rows; attention extrapolates ≥ 3× better", async () => {
  const snap = await trained<ExpertsSnapshot>("experts", "experts", EXPERTS_DEFAULTS);
  for (const v of snap.views)
    console.log(
      `${v.name}: ${v.seeds.map((s) => `s${s.seed} ${s.train.toFixed(4)}/${s.test.toFixed(4)}/${s.outOfRange.toFixed(2)}`).join(" ")}`,
    );
  const reading = expertsReading(snap);
  console.log(reading.text);
  for (const v of snap.views) expect(shownSeed(v).train, v.name).toBeLessThanOrEqual(FIT_MSE);
  expect(EXPERTS_ABOUT).toMatch(/all three fit the training rows.*several times lower/);
  const ratios = extrapolationRatios(snap);
  expect(ratios).toHaveLength(2);
  for (const r of ratios) expect(r.ratio, r.name).toBeGreaterThanOrEqual(3);
  expect(reading.tone).toBe("ok");
  expect(reading.text).toMatch(/^All three fit their training rows/);
});

test("a collapsed run says so: attention at learning rate 10 stops falling and routes every grain to one expert", async () => {
  const settings = { backend: "cpu" as const, seed: 1, lr: 10, steps: 300, batch: 1, seeds: 4 };
  const job = await createJob({ kind: "grain", model: "grain-attention", settings }, new CpuBackend());
  const steps: number[] = [];
  const losses: number[] = [];
  const run = job.runs[0]!;
  await run.trainer.run({
    onStep: (r) => {
      steps.push(r.step);
      losses.push(r.loss / run.lossDivisor);
    },
  });
  const snap = (await job.snapshot({})) as GrainSnapshot;
  const warning = stallWarning(steps, losses, settings.steps, settings.lr);
  const reading = grainReading(snap);
  console.log(
    `lr 10: loss ${losses[0]?.toFixed(3)} → ${losses[losses.length - 1]?.toFixed(3)}; ${warning}; ${reading.text}`,
  );
  // The loss does fall from its start (52.7 → 5.48), so the stall check stays quiet; the reading names the collapse.
  expect(reading.tone).toBe("warn");
  expect(reading.text).toMatch(/routes every grain to expert \d: the mixture collapsed to one line/);
});

test("the stall warning stays quiet while the loss falls", () => {
  const steps = Array.from({ length: 200 }, (_, i) => i);
  expect(
    stallWarning(
      steps,
      steps.map((s) => 10 / (1 + s)),
      200,
      0.02,
    ),
  ).toBeNull();
  expect(
    stallWarning(
      steps,
      steps.map(() => 5.476),
      200,
      10,
    ),
  ).toMatch(/has not fallen .* learning rate 10/);
});

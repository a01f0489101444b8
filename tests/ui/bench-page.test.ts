// The benchmark page in headless Chromium, on its small sizes (?quick) and the wasm matmul alone: one thread,
// every core, and one thread while a copy of the same matmul runs on each other core (matmul/simd-loaded). Each
// passes its check against the CPU reference, the loaded runner's trials fall in the same rounds as the other
// two (so the report can pair them), and the every-core verdict gives a ceiling line under each shape. Nothing
// here judges a speed.

import { afterAll, beforeAll, expect, test } from "vitest";
import { verdicts } from "../../bench/lib/report";
import type { BenchState } from "../../bench/lib/types";
import { openPage, type Session } from "../headless/browser";

let s: Session;

beforeAll(async () => {
  s = await openPage("/bench/?run&quick&filter=matmul/simd");
}, 60_000);

afterAll(async () => {
  await s?.close();
});

test("one thread with the other cores busy runs beside one thread and every core, round for round", async () => {
  await s.page.waitForFunction(
    () => {
      const b = (window as unknown as { __benchmarks?: BenchState }).__benchmarks;
      return b?.state === "done" || b?.state === "error";
    },
    { timeout: 120_000, polling: 250 },
  );
  const state = (await s.page.evaluate(
    () => (window as unknown as { __benchmarks: BenchState }).__benchmarks,
  )) as BenchState;
  expect(state.error).toBeUndefined();
  const report = state.report!;
  // A runner that failed its check against the CPU reference, or could not start, is listed here.
  expect(report.skipped).toEqual([]);
  expect(report.wasm?.threads).toBeGreaterThanOrEqual(2);
  const shapes = [...new Set(report.results.map((r) => r.shape))];
  expect(shapes.length).toBeGreaterThanOrEqual(3);
  for (const shape of shapes) {
    const at = (c: string, impl: string) =>
      report.results.find((r) => r.case === c && r.shape === shape && r.impl === impl);
    const alone = at("matmul/simd", "ours-wasm-1");
    const every = at("matmul/simd", "ours-wasm");
    const loaded = at("matmul/simd-loaded", "ours-wasm-1");
    expect(alone && every && loaded, shape).toBeTruthy();
    const common = loaded!.rounds!.filter((r) => alone!.rounds!.includes(r) && every!.rounds!.includes(r));
    expect(common.length, shape).toBeGreaterThanOrEqual(3);
  }
  const everyCore = verdicts(report).find((v) => v.target.startsWith("our wasm matmul on every core"))!;
  const ceilings = everyCore.details.filter((d) => d.includes("ceiling in the same rounds"));
  expect(ceilings).toHaveLength(shapes.length);
  for (const c of ceilings) {
    const v = Number(/ceiling in the same rounds: ([\d.]+)x/.exec(c)?.[1]);
    // threads × alone / loaded, a finite positive number (a copy on another core does not halve a trial's time).
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThan(2 * report.wasm!.threads);
  }
}, 150_000);

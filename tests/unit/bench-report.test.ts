// The benchmark report's reading of a run (bench/lib/report.ts), on made-up reports (no browser, nothing timed):
// ratios paired round by round, the cores-together probe's header line and the line it adds under the every-core
// matmul target, and the ceiling in the same rounds from the one-thread trials with the other cores busy.

import { describe, expect, test } from "vitest";
import { coresTogetherLine, loadedCeiling, ratio, verdicts } from "../../bench/lib/report";
import type { BenchResult, CoresTogether } from "../../bench/lib/types";

const probe: CoresTogether = {
  shape: "256x256x256",
  workers: 2,
  rounds: 3,
  msPerRun: 500,
  aloneGflops: 20,
  togetherGflops: 26,
  ratio: 1.3,
  ratios: [1.25, 1.3, 1.42],
};

function result(
  impl: "ours-wasm" | "ours-wasm-1",
  medianMs: number,
  samples?: number[],
  shape = "256x256x256",
  rounds = samples?.map((_, i) => i),
  caseName = "matmul/simd",
): BenchResult {
  return {
    ...(samples ? { samples, rounds } : {}),
    case: caseName,
    shape,
    impl,
    medianMs,
    minMs: medianMs,
    maxMs: medianMs,
    reps: 5,
    gflops: null,
    tokensPerSecond: null,
    clock: "wall",
    gpu: null,
    peakBytes: null,
    check: { maxAbsErr: 0, atol: 0, rtol: 0 },
  };
}

const EVERY_CORE = "our wasm matmul on every core >= 1.7x our one thread (same shapes)";

describe("ratios in the report", () => {
  // One thread runs slowly in rounds 3-4, every core in rounds 2-4: the medians (1.0 and 0.8 ms) say 1.25x,
  // while in 4 of the 5 rounds every core ran 1.82-1.88x faster than one thread beside it.
  const one = result("ours-wasm-1", 1, [1, 1, 1, 1.5, 1.5]);
  const every = result("ours-wasm", 0.8, [0.55, 0.55, 0.8, 0.8, 0.8]);

  test("a ratio is the median of the rounds' ratios, and the line gives both", () => {
    expect(ratio(one, every)).toBeCloseTo(1 / 0.55, 12);
    const v = verdicts({ results: [every, one], defaults: null, skipped: [] }).find(
      (x) => x.target === EVERY_CORE,
    )!;
    expect(v.met).toBe(true);
    expect(v.details).toEqual([
      "256x256x256: matmul/simd 0.800 ms vs matmul/simd 1.00 ms = 1.82x (5 paired rounds; ratio of medians 1.25x) [>= 1.7x: met]",
    ]);
  });

  test("pairs only the rounds both ran, and falls back to the medians when they cannot pair", () => {
    // Every core stopped after 3 rounds: rounds 0-2 pair (1.82x each).
    expect(ratio(one, result("ours-wasm", 0.55, [0.55, 0.55, 0.55]))).toBeCloseTo(1 / 0.55, 12);
    // Every core ran in rounds 2-4 only: those pair (1.0 / 0.5, 1.5 / 0.6, 1.5 / 0.6), median 2.5x.
    expect(ratio(one, result("ours-wasm", 0.6, [0.5, 0.6, 0.6], "256x256x256", [2, 3, 4]))).toBeCloseTo(
      2.5,
      12,
    );
    // Another pass's rounds (a GPU runner's): nothing pairs.
    expect(ratio(one, result("ours-wasm", 0.8, [0.55, 0.55, 0.8], "256x256x256", [7, 8, 9]))).toBeCloseTo(
      1.25,
      12,
    );
    // Fewer than 3 rounds in common, no samples, or another group's shape: medians.
    expect(ratio(one, result("ours-wasm", 0.8, [0.55, 0.55]))).toBeCloseTo(1.25, 12);
    expect(ratio(one, result("ours-wasm", 0.8))).toBeCloseTo(1.25, 12);
    expect(ratio(one, result("ours-wasm", 0.8, [0.55, 0.55, 0.8, 0.8, 0.8], "512x512x512"))).toBeCloseTo(
      1.25,
      12,
    );
  });
});

describe("cores together in the report", () => {
  test("the line gives the ratio, both rates, the rounds and their range", () => {
    expect(coresTogetherLine(probe)).toBe(
      "cores together: 2 one-thread wasm matmuls 256x256x256 at once did 1.30x the work per second of one alone " +
        "(26.0 against 20.0 GFLOP/s; median of 3 rounds of 500 ms, 1.25x-1.42x): about the most a split of one op " +
        "over these cores can gain here",
    );
    expect(coresTogetherLine({ error: "no Worker" })).toBe("cores together: not measured (no Worker)");
    expect(coresTogetherLine(null)).toBeNull();
    expect(coresTogetherLine(undefined)).toBeNull();
  });

  test("the every-core verdict is judged on the bar alone, with the probe's line under it", () => {
    const results = [result("ours-wasm", 1), result("ours-wasm-1", 1.5)];
    const v = verdicts({ results, defaults: null, skipped: [], coresTogether: probe }).find(
      (x) => x.target === EVERY_CORE,
    )!;
    expect(v.met).toBe(false);
    expect(v.details).toEqual([
      "256x256x256: matmul/simd 1.00 ms vs matmul/simd 1.50 ms = 1.50x [< 1.7x: MISSED]",
      coresTogetherLine(probe),
    ]);
    const without = verdicts({ results, defaults: null, skipped: [] }).find((x) => x.target === EVERY_CORE)!;
    expect(without.details).toHaveLength(1);
    // Nothing measured: no probe line either.
    const none = verdicts({ results: [], defaults: null, skipped: [], coresTogether: probe }).find(
      (x) => x.target === EVERY_CORE,
    )!;
    expect(none.details).toEqual([]);
    expect(none.met).toBeNull();
  });
});

describe("the ceiling in the same rounds", () => {
  // One thread alone 1 ms in every round; with a copy on the other core 1 ms (rounds 0, 1), 1.25 ms (rounds 2-4)
  // and, in round 5, which one thread alone did not run in, 0.5 ms: ceilings 2, 2, 1.6, 1.6, 1.6 (median 1.6).
  const one = result("ours-wasm-1", 1, [1, 1, 1, 1, 1]);
  const loaded = result(
    "ours-wasm-1",
    1.25,
    [1, 1, 1.25, 1.25, 1.25, 0.5],
    "256x256x256",
    [0, 1, 2, 3, 4, 5],
    "matmul/simd-loaded",
  );

  test("threads × alone / loaded, the median over the rounds both ran in", () => {
    expect(loadedCeiling(one, loaded, 2)).toEqual({ ceiling: 1.6, rounds: 5 });
    expect(loadedCeiling(one, loaded, 4)).toEqual({ ceiling: 3.2, rounds: 5 });
    expect(loadedCeiling(one, loaded, 1)).toBeNull();
    // Fewer than 3 rounds in common: no ceiling (unlike a ratio, there is no fallback to the medians).
    const few = { ...loaded, samples: [1, 1], rounds: [0, 9] };
    expect(loadedCeiling(one, few, 2)).toBeNull();
  });

  test("the every-core verdict gives each shape's ceiling under its line, and is still judged on the bar", () => {
    const every = result("ours-wasm", 0.625, [0.625, 0.625, 0.625, 0.625, 0.625]);
    const v = verdicts({
      results: [every, one, loaded],
      defaults: null,
      skipped: [],
      wasm: { threads: 2, reason: "test" },
    }).find((x) => x.target === EVERY_CORE)!;
    expect(v.met).toBe(false);
    expect(v.details).toEqual([
      "256x256x256: matmul/simd 0.625 ms vs matmul/simd 1.00 ms = 1.60x (5 paired rounds; ratio of medians 1.60x) [< 1.7x: MISSED]",
      "    ceiling in the same rounds: 1.60x (one thread 1.00 ms alone, 1.25 ms with a copy on the other cores; 5 paired rounds)",
    ]);
    // Without the thread count (a report from before it was recorded): no ceiling line.
    const old = verdicts({ results: [every, one, loaded], defaults: null, skipped: [] }).find(
      (x) => x.target === EVERY_CORE,
    )!;
    expect(old.details).toHaveLength(1);
  });
});

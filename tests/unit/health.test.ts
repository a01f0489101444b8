// Runs that go wrong without going non-finite end with a warning naming it (src/run/health.ts): a learning rate of
// 10 on line, relu10, grain-attention and experts-attention; the models' default runs give none. Trained here on
// the CPU backend through runModel, as the CLI does, plus the rules on hand-made curves.

import { describe, expect, test } from "vitest";
import { CpuBackend } from "../../src/backend/cpu";
import { type Io, trainMain } from "../../src/cli/train-main";
import { constantLoss, healthWarnings } from "../../src/run/health";
import { runModel } from "../../src/run/run-model";

const curve = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe("the rules", () => {
  test("a falling curve is healthy; rising, spiking and constant-level curves are named", () => {
    const falling = curve(100, (i) => 10 / (1 + i));
    expect(healthWarnings({ loss: falling, constantLoss: 5, finalLoss: 0.1, routing: null })).toEqual([]);
    const rising = curve(100, (i) => 1 + i / 10);
    expect(healthWarnings({ loss: rising, constantLoss: null, finalLoss: 10.9, routing: null })).toEqual([
      expect.stringMatching(/^diverged: the training loss rose from 1\.000 at step 1 to 10\.90 at step 100/),
    ]);
    const spike = curve(100, (i) => (i === 3 ? 500 : 10 / (1 + i)));
    expect(healthWarnings({ loss: spike, constantLoss: null, finalLoss: 0.1, routing: null })[0]).toMatch(
      /^unstable: the training loss jumped to 500\.0 at step 4, 50x its starting value 10\.00/,
    );
    const stuck = curve(100, (i) => (i < 5 ? 20 - i : 4));
    expect(healthWarnings({ loss: stuck, constantLoss: 4, finalLoss: 4, routing: null })[0]).toMatch(
      /^collapsed: the final training loss 4\.000 is what predicting one constant .* \(4\.000\)/,
    );
    expect(constantLoss([1, 3])).toBe(1);
  });

  test("routing: one expert for every group is named; different experts per group are not", () => {
    const ok = { a: [0.995, 0.005], b: [0.001, 0.999] };
    const bad = { a: [0.995, 0.005], b: [0.999, 0.001] };
    const loss = curve(20, (i) => 1 / (1 + i));
    expect(healthWarnings({ loss, constantLoss: null, finalLoss: 0, routing: ok })).toEqual([]);
    expect(healthWarnings({ loss, constantLoss: null, finalLoss: 0, routing: bad })).toEqual([
      expect.stringMatching(/^routing collapsed: every group of inputs \(a, b\) is sent to expert 1 alone/),
    ]);
  });
});

describe("trained runs (CPU)", () => {
  const cases: [string, RegExp[]][] = [
    // line fits y = 2x exactly in the end, but only after its loss jumped far above where it started.
    ["line", [/^unstable: .* at step \d+, \d+x its starting value/]],
    ["relu10", [/^collapsed: the final training loss 11\.9\d/]],
    [
      "grain-attention",
      [/^unstable:/, /^routing collapsed: every group of inputs \(white, brown, franken\)/],
    ],
    [
      "experts-attention",
      [/^unstable:/, /^routing collapsed: every group of inputs \(expert1, .*expert5\) is sent to expert 4/],
    ],
  ];
  for (const [model, expected] of cases) {
    test(`${model} at lr 10 ends with a warning`, { timeout: 60_000 }, async () => {
      const r = await runModel(new CpuBackend(), { model, lr: 10, progressMs: 1e9 });
      for (const re of expected) expect(r.report.warnings, model).toContainEqual(expect.stringMatching(re));
    });
  }

  for (const model of ["line", "plane", "relu10", "grain-attention", "experts-attention", "switch"]) {
    test(`${model} with its defaults gives no warning`, { timeout: 60_000 }, async () => {
      const r = await runModel(new CpuBackend(), { model, progressMs: 1e9 });
      expect(r.report.warnings).toEqual([]);
    });
  }

  test("the CLI prints the warning and writes it to --json", { timeout: 60_000 }, async () => {
    const lines: string[] = [];
    const io: Io = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const json = join(mkdtempSync(join(tmpdir(), "health-")), "r.json");
    expect(
      await trainMain(["relu10", "--backend", "cpu", "--lr", "10", "--steps", "300", "--json", json], io),
    ).toBe(0);
    expect(lines.join("\n")).toMatch(/WARNING +unstable: .*\n +collapsed: the final training loss/);
    expect(JSON.parse(readFileSync(json, "utf8")).warnings).toEqual([
      expect.stringMatching(/^unstable:/),
      expect.stringMatching(/^collapsed:/),
    ]);
  });
});

// `npm run train -- MODEL --backend webgpu` when the page fails: a renderer that stops answering (an endless loop in
// the page, injected by $WORKBENCH_TEST_PAGE_HANG_AT) ends the run within the deadline ($WORKBENCH_PAGE_DEADLINE_S)
// with one line naming the failure and the last checkpoint, and so does a crashed renderer (chrome://crash at a
// step, $WORKBENCH_TEST_PAGE_CRASH_AT); a lost device ($WORKBENCH_TEST_PAGE_LOSE_AT) resumes in the page from its
// last checkpoint and ends with the uninterrupted run's losses; which the CLI kept on disk (--checkpoint) and which
// --load resumes; a run that finishes keeps its checkpoint beside --save.

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, test } from "vitest";
import { type Io, trainMain } from "../../src/cli/train-main";
import { readWeights } from "../../src/run/run-weights";

const dir = mkdtempSync(join(tmpdir(), "train-cli-faults-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.WORKBENCH_PAGE_DEADLINE_S;
  delete process.env.WORKBENCH_TEST_PAGE_HANG_AT;
  delete process.env.WORKBENCH_TEST_PAGE_CRASH_AT;
  delete process.env.WORKBENCH_TEST_PAGE_LOSE_AT;
});

function quiet(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

/** The run each fault interrupts: 3,000 steps of experts-attention on WebGPU, a checkpoint every 50 kept in `ckpt`. */
function faultyRun(ckpt: string): string[] {
  return [
    "experts-attention",
    "--backend",
    "webgpu",
    "--steps",
    "3000",
    "--checkpoint-every",
    "50",
    "--checkpoint",
    ckpt,
  ];
}

test("a hung renderer ends the run in one line naming the checkpoint on disk, which --load resumes", {
  timeout: 600_000,
}, async () => {
  const ckpt = join(dir, "run.ckpt.json");
  process.env.WORKBENCH_PAGE_DEADLINE_S = "10";
  process.env.WORKBENCH_TEST_PAGE_HANG_AT = "100";
  const io = quiet();
  const t0 = Date.now();
  const code = await trainMain(faultyRun(ckpt), io);
  const seconds = (Date.now() - t0) / 1000;
  expect(code).toBe(1);
  expect(io.errors.length, io.errors.join("\n")).toBe(1);
  const line = io.errors[0]!;
  expect(line).not.toMatch(/\n/);
  expect(line).toMatch(/^train: the page stopped answering for 10 s \(renderer hung or GPU stalled\); /);
  const m = /the last checkpoint \(step (\d+)\) is in (.+): resume with --load (.+) --steps (\d+)$/.exec(
    line,
  );
  expect(m, line).not.toBeNull();
  const step = Number(m![1]);
  expect(step % 50).toBe(0);
  expect(step).toBeGreaterThanOrEqual(100);
  expect(m![3]).toBe(ckpt);
  expect(Number(m![4])).toBe(3000 - step);
  console.log(`hung renderer reported after ${seconds.toFixed(1)} s: ${line}`);

  // The file is a whole weights file of that step.
  const loaded = readWeights(readFileSync(ckpt, "utf8"), "experts-attention");
  expect(loaded.step).toBe(step);

  // Resuming: the rest of the steps from the checkpoint, and a checkpoint kept beside --save.
  delete process.env.WORKBENCH_TEST_PAGE_HANG_AT;
  const save = join(dir, "final.json");
  const json = join(dir, "final-report.json");
  const io2 = quiet();
  const code2 = await trainMain(
    [
      "experts-attention",
      "--backend",
      "webgpu",
      "--load",
      ckpt,
      "--steps",
      "120",
      "--checkpoint-every",
      "50",
      "--save",
      save,
      "--json",
      json,
    ],
    io2,
  );
  expect(code2, io2.errors.join("\n")).toBe(0);
  const saved = readWeights(readFileSync(save, "utf8"), "experts-attention");
  expect(saved.step).toBe(step + 120);
  const beside = join(dir, "final.checkpoint.json");
  expect(existsSync(beside)).toBe(true);
  expect(readWeights(readFileSync(beside, "utf8"), "experts-attention").step).toBe(step + 100);
  // It went on from the checkpoint: its first loss is far below a fresh start's.
  const report = JSON.parse(readFileSync(json, "utf8")) as { loss: number[] };
  const fresh = quiet();
  const freshJson = join(dir, "fresh.json");
  expect(
    await trainMain(["experts-attention", "--backend", "cpu", "--steps", "1", "--json", freshJson], fresh),
  ).toBe(0);
  const first = (JSON.parse(readFileSync(freshJson, "utf8")) as { loss: number[] }).loss[0]!;
  expect(report.loss[0]!).toBeLessThan(first);
  console.log(`resumed at step ${step}: first loss ${report.loss[0]} vs ${first} from fresh weights`);
});

test("a crashed renderer ends the run in one line naming the checkpoint on disk", {
  timeout: 600_000,
}, async () => {
  const ckpt = join(dir, "crash.ckpt.json");
  process.env.WORKBENCH_TEST_PAGE_CRASH_AT = "100";
  const io = quiet();
  const code = await trainMain(faultyRun(ckpt), io);
  expect(code).toBe(1);
  expect(io.errors.length, io.errors.join("\n")).toBe(1);
  const line = io.errors[0]!;
  expect(line).toMatch(/^train: the page's renderer (crashed|died) \(/);
  const m = /the last checkpoint \(step (\d+)\) is in .+: resume with --load .+ --steps (\d+)$/.exec(line);
  expect(m, line).not.toBeNull();
  const step = Number(m![1]);
  expect(step).toBeGreaterThanOrEqual(100);
  expect(readWeights(readFileSync(ckpt, "utf8"), "experts-attention").step).toBe(step);
  console.log(`crashed renderer: ${line}`);
});

test("a lost device resumes in the page from the checkpoint and ends with the uninterrupted run's losses", {
  timeout: 600_000,
}, async () => {
  const run = async (name: string) => {
    const json = join(dir, `${name}.json`);
    const io = quiet();
    const code = await trainMain(
      [
        "experts-attention",
        "--backend",
        "webgpu",
        "--steps",
        "300",
        "--checkpoint-every",
        "50",
        "--json",
        json,
      ],
      io,
    );
    expect(code, io.errors.join("\n")).toBe(0);
    return { io, loss: (JSON.parse(readFileSync(json, "utf8")) as { loss: number[] }).loss };
  };
  const clean = await run("clean");
  process.env.WORKBENCH_TEST_PAGE_LOSE_AT = "100";
  const lost = await run("lost");
  const recovered = lost.io.lines.filter((l) => l.startsWith("recovered: "));
  expect(recovered.length, lost.io.lines.join("\n")).toBe(1);
  expect(recovered[0]).toMatch(
    /the GPU device was lost at step \d+ .*; resumed from the checkpoint at step 100$/,
  );
  expect(clean.io.lines.some((l) => l.startsWith("recovered: "))).toBe(false);
  expect(lost.loss).toHaveLength(300);
  expect(lost.loss).toEqual(clean.loss);
  console.log(recovered[0]);
});

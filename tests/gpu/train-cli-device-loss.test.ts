// `npm run train -- experts-attention --backend webgpu` survives a lost device at any moment: 20 CLI runs (each its
// own Vite server, Chromium and page), each with `device.destroy()` fired in the page from a timer a random time
// after a random checkpoint ($WORKBENCH_TEST_PAGE_LOSE_AT, $WORKBENCH_TEST_PAGE_LOSE_DELAY_MS), so it lands wherever
// the run is then: a dispatch, a readback in flight, a checkpoint being read. Every run must resume in the page on a
// new device from its last checkpoint, keep writing checkpoints to disk (--checkpoint) and end with exactly the
// losses of an uninterrupted run. $WORKBENCH_CLI_LOSS_SEED repeats a run's moments (each run prints its seed).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, test } from "vitest";
import { type Io, trainMain } from "../../src/cli/train-main";
import { readWeights } from "../../src/run/run-weights";
import { Rng } from "../../src/util/rng";
import { loseDeviceAfter, recovery } from "./cli-device-loss";

const MODEL = "experts-attention";
const STEPS = 160;
const EVERY = 10;
const TRIALS = 20;
const SEED = Number(process.env.WORKBENCH_CLI_LOSS_SEED ?? Math.floor(Math.random() * 2 ** 31));

const dir = mkdtempSync(join(tmpdir(), "train-cli-device-loss-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.WORKBENCH_TEST_PAGE_LOSE_AT;
  delete process.env.WORKBENCH_TEST_PAGE_LOSE_DELAY_MS;
});

async function train(name: string) {
  const json = join(dir, `${name}.json`);
  const ckpt = join(dir, `${name}.ckpt.json`);
  const lines: string[] = [];
  const errors: string[] = [];
  const io: Io = { out: (l) => lines.push(l), err: (l) => errors.push(l) };
  const args = [MODEL, "--backend", "webgpu", "--steps", String(STEPS), "--checkpoint-every", String(EVERY)];
  const code = await trainMain([...args, "--json", json, "--checkpoint", ckpt], io);
  expect(code, `${name}: ${errors.join("\n")}`).toBe(0);
  const report = JSON.parse(readFileSync(json, "utf8")) as { loss: number[]; adapter: string };
  return { lines, report, checkpointStep: readWeights(readFileSync(ckpt, "utf8"), MODEL).step };
}

test(`${TRIALS} CLI runs on WebGPU, each losing its device at a random moment, end with the uninterrupted losses`, {
  timeout: 120_000 + TRIALS * 90_000,
}, async () => {
  const clean = await train("clean");
  expect(clean.lines.some((l) => l.startsWith("recovered: "))).toBe(false);
  expect(clean.report.loss).toHaveLength(STEPS);
  // The run's rate after its first step (which compiles the pipelines), from its last progress line.
  const rate = /^step +\d+\/\d+ .* ([\d.]+) steps\/s/.exec(
    clean.lines.filter((l) => l.startsWith("step")).at(-1)!,
  );
  const stepMs = 1000 / Number(rate![1]);
  const rng = new Rng(SEED);
  console.log(
    `cli device loss: seed ${SEED}; ${clean.report.adapter}; ${stepMs.toFixed(1)} ms/step uninterrupted`,
  );
  for (let i = 0; i < TRIALS; i++) {
    // After one of the first 6 checkpoints, up to 4 checkpoints' worth of steps later: well before the last step,
    // even if the machine runs twice as fast as it did for the uninterrupted run.
    const after = EVERY * (1 + rng.int(6));
    const delayMs = rng.uniform(0, 4 * EVERY * stepMs);
    const what = `trial ${i} (${loseDeviceAfter(after, delayMs)})`;
    const run = await train(`trial-${i}`);
    const { fromStep, toStep } = recovery(run.lines, what, EVERY, after);
    expect(fromStep, what).toBeLessThan(STEPS);
    // Checkpoints reached the disk after the recovery too.
    expect(run.checkpointStep, what).toBeGreaterThan(fromStep);
    // Bit for bit: the resumed run recomputes the same kernels on the same inputs.
    expect(run.report.loss, what).toEqual(clean.report.loss);
    console.log(`${what}: lost at step ${fromStep}, resumed from ${toStep}`);
  }
});

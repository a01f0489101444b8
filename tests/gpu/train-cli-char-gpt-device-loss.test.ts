// `npm run train -- char-gpt --backend webgpu` keeps checkpoints and survives a lost device: the tiny preset on the
// names corpus (60 steps, batch 8, a checkpoint every 10), run once uninterrupted and then 3 times with
// `device.destroy()` fired in the page from a timer a random time after a random early checkpoint
// ($WORKBENCH_TEST_PAGE_LOSE_AT, $WORKBENCH_TEST_PAGE_LOSE_DELAY_MS), so it lands in a step, a readback, a
// checkpoint or an evaluation between chunks. Every run must resume in the page from its last checkpoint and end
// with exactly the uninterrupted run's report (losses, validation losses, final losses, samples, weights). The
// --checkpoint file is char-gpt's own weights file: at the end it is the --save file, and --load resumes it with
// its steps counted on. $WORKBENCH_CLI_LOSS_SEED repeats a run's moments (each run prints its seed).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, test } from "vitest";
import { type Io, trainMain } from "../../src/cli/train-main";
import { loadCorpus } from "../../src/data/text/corpus";
import { nodeCorpusSource } from "../../src/data/text/sources-node";
import { encodeCorpus } from "../../src/models/char-gpt-train";
import { checkCharGptWeights } from "../../src/models/char-gpt-weights";
import { Rng } from "../../src/util/rng";
import { loseDeviceAfter, recovery } from "./cli-device-loss";

const STEPS = 60;
const EVERY = 10;
const BATCH = 8;
const CONTEXT = 16; // the tiny preset's
const TRIALS = 3;
const SEED = Number(process.env.WORKBENCH_CLI_LOSS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ARGS = ["char-gpt", "--dataset", "names", "--preset", "tiny", "--batch", String(BATCH)];

const dir = mkdtempSync(join(tmpdir(), "train-cli-char-gpt-loss-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.WORKBENCH_TEST_PAGE_LOSE_AT;
  delete process.env.WORKBENCH_TEST_PAGE_LOSE_DELAY_MS;
});

const readJson = (f: string) => JSON.parse(readFileSync(f, "utf8"));

function quiet(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

async function train(name: string, extra: string[] = []) {
  const json = join(dir, `${name}.json`);
  const ckpt = join(dir, `${name}.ckpt.json`);
  const io = quiet();
  const argv = [
    ...ARGS,
    "--backend",
    "webgpu",
    "--steps",
    String(STEPS),
    "--checkpoint-every",
    String(EVERY),
  ];
  const code = await trainMain([...argv, "--json", json, "--checkpoint", ckpt, ...extra], io);
  expect(code, `${name}: ${io.errors.join("\n")}`).toBe(0);
  // What must match bit for bit: everything the run computed (not its timing or the reason text).
  const { seconds: _s, tokensPerSecond: _t, reason: _r, ...report } = readJson(json);
  return { lines: io.lines, report, ckpt };
}

test(`char-gpt on WebGPU through the CLI: ${TRIALS} runs, each losing its device at a random moment, end as the uninterrupted run`, {
  timeout: 120_000 + TRIALS * 90_000,
}, async () => {
  const save = join(dir, "clean-weights.json");
  const clean = await train("clean", ["--save", save]);
  expect(clean.lines.some((l) => l.startsWith("recovered: "))).toBe(false);
  expect(clean.report.backend).toBe("webgpu");
  expect(clean.report.val.map((v: { step: number }) => v.step)).toEqual([
    0, 6, 12, 18, 24, 30, 36, 42, 48, 54, 60,
  ]);
  expect(clean.report.loss.at(-1).step).toBe(STEPS - 1);

  // The checkpoint file at the end: a char-gpt weights file of this corpus and shape, the --save file itself.
  const data = encodeCorpus(await loadCorpus("names", nodeCorpusSource));
  const ckpt = readJson(clean.ckpt);
  const { weights } = checkCharGptWeights(ckpt, {
    vocab: data.vocab,
    config: { context: CONTEXT, width: 32, heads: 4, layers: 1 },
  });
  expect(weights.step).toBe(STEPS);
  expect(weights.batch).toBe(BATCH);
  expect(ckpt).toEqual(readJson(save));

  // Its rate after the first chunk: the progress lines' tokens/s over the characters of a step.
  const rate = /([\d.]+) tokens\/s/.exec(clean.lines.filter((l) => l.startsWith("step")).at(-1)!);
  const stepMs = (1000 * BATCH * CONTEXT) / Number(rate![1]);
  const rng = new Rng(SEED);
  console.log(
    `char-gpt cli device loss: seed ${SEED}; ${clean.report.adapter}; ${stepMs.toFixed(1)} ms/step uninterrupted`,
  );
  for (let i = 0; i < TRIALS; i++) {
    // After one of the first 3 checkpoints, up to 2 checkpoints' worth of steps later: before the run's end even if
    // the machine runs twice as fast as it did for the uninterrupted run (evaluations and readbacks come on top).
    const after = EVERY * (1 + rng.int(3));
    const delayMs = rng.uniform(0, 2 * EVERY * stepMs);
    const what = `trial ${i} (${loseDeviceAfter(after, delayMs)})`;
    const run = await train(`trial-${i}`);
    const { fromStep, toStep } = recovery(run.lines, what, EVERY, after);
    // Checkpoints reached the disk after the recovery, up to the last step's.
    expect(readJson(run.ckpt).step, what).toBe(STEPS);
    // Bit for bit: the resumed run repeats the same batches, kernels and evaluations.
    expect(run.report, what).toEqual(clean.report);
    console.log(`${what}: lost at step ${fromStep}, resumed from ${toStep}`);
  }

  // --load resumes the checkpoint file (on the CPU): its step counts on, and at 0 steps its validation loss is the
  // run's final one (f32 WebGPU kernels against the CPU's float64 accumulation).
  const again = join(dir, "again.json");
  const more = join(dir, "more.json");
  const io = quiet();
  const load = [...ARGS, "--backend", "cpu", "--load", clean.ckpt];
  expect(await trainMain([...load, "--steps", "0", "--json", again], io), io.errors.join("\n")).toBe(0);
  const valLoss = readJson(again).final.valLoss;
  const ref = clean.report.final.valLoss;
  expect(Math.abs(valLoss - ref)).toBeLessThanOrEqual(1e-4 + 1e-4 * ref);
  expect(await trainMain([...load, "--steps", "5", "--save", more], io), io.errors.join("\n")).toBe(0);
  expect(readJson(more).step).toBe(STEPS + 5);
});

test("a crashed renderer ends char-gpt's run in one line naming its checkpoint on disk, a char-gpt weights file", {
  timeout: 300_000,
}, async () => {
  const ckpt = join(dir, "crash.ckpt.json");
  process.env.WORKBENCH_TEST_PAGE_CRASH_AT = "20";
  try {
    const io = quiet();
    const argv = [...ARGS, "--backend", "webgpu", "--steps", "3000", "--checkpoint-every", String(EVERY)];
    expect(await trainMain([...argv, "--checkpoint", ckpt], io)).toBe(1);
    expect(io.errors.length, io.errors.join("\n")).toBe(1);
    const line = io.errors[0]!;
    expect(line).toMatch(/^train: the page's renderer (crashed|died) \(/);
    const m = /the last checkpoint \(step (\d+)\) is in .+: resume with --load (.+) --steps (\d+)$/.exec(
      line,
    );
    expect(m, line).not.toBeNull();
    const step = Number(m![1]);
    expect(step % EVERY).toBe(0);
    expect(step).toBeGreaterThanOrEqual(20);
    expect(m![2]).toBe(ckpt);
    expect(Number(m![3])).toBe(3000 - step);
    const { weights } = checkCharGptWeights(readJson(ckpt));
    expect(weights.step).toBe(step);
    console.log(`crashed renderer: ${line}`);
  } finally {
    delete process.env.WORKBENCH_TEST_PAGE_CRASH_AT;
  }
});

// Long runs on WebGPU (SwiftShader here). `experts-attention` for 5,000 steps (WORKBENCH_SOAK_STEPS=20000 for the
// long soak, any multiple of 1,000 from 2,000), in chunks of 1,000 steps. Checked: the buffer pool's bytes and
// buffer count stay flat after the first 100 steps; the browser's JS heap after a forced garbage collection stays
// within 10% of its value at step 1,000; and a device destroyed at a random step (WORKBENCH_SOAK_SEED picks it;
// printed) resumes from the last checkpoint and reproduces the long run's losses from that checkpoint exactly.
// The per-step losses leave the page after each chunk (the trainer's history would otherwise add about 80 bytes a
// step to the heap, measured here), so the heap check sees what the training machinery itself keeps.
// The language model's tiny preset (char-gpt on the names corpus) for 2,000 steps, the length of the small preset's
// run (WORKBENCH_SOAK_LM_STEPS for another length, a multiple of 100): the pool's bytes and buffer count stay flat after
// step 100, and the JS heap within 10% of its value at step 1,000 (measured every 500 steps).

import type { CDPSession } from "puppeteer";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Rng } from "../../src/util/rng";
import { openPage, type Session } from "../headless/browser";

const CHUNK = 1000;
const CHECKPOINT_EVERY = 500;

function soakSteps(): number {
  const raw = process.env.WORKBENCH_SOAK_STEPS;
  if (raw === undefined || raw === "") return 5000;
  const n = Number(raw);
  if (!(Number.isInteger(n) && n >= 2 * CHUNK && n % CHUNK === 0))
    throw new Error(`WORKBENCH_SOAK_STEPS must be a multiple of ${CHUNK} from ${2 * CHUNK}, got '${raw}'`);
  return n;
}

const STEPS = soakSteps();

/** The language model's soak: 2,000 steps of its tiny preset unless WORKBENCH_SOAK_LM_STEPS says otherwise. */
function lmSoakSteps(): number {
  const raw = process.env.WORKBENCH_SOAK_LM_STEPS;
  if (raw === undefined || raw === "") return 2000;
  const n = Number(raw);
  if (!(Number.isInteger(n) && n >= 200 && n % 100 === 0))
    throw new Error(`WORKBENCH_SOAK_LM_STEPS must be a multiple of 100 from 200, got '${raw}'`);
  return n;
}

const LM_STEPS = lmSoakSteps();
const SEED = Number(process.env.WORKBENCH_SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));

let session: Session;
let cdp: CDPSession;

beforeAll(async () => {
  session = await openPage("/tests/gpu/soak.html");
  await session.page.waitForSelector("body[data-ready]", { timeout: 180_000 });
  cdp = await session.page.createCDPSession();
});

afterAll(async () => {
  await session?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: arguments cross into the page as JSON
async function call<T>(name: string, ...args: any[]): Promise<T> {
  return (await session.page.evaluate(
    (n, a) =>
      (window.soakChecks as unknown as Record<string, (...x: unknown[]) => Promise<unknown>>)[n]!(...a),
    name,
    args,
  )) as T;
}

/** JSHeapUsedSize (CDP Performance.getMetrics) after a full garbage collection. */
async function heapAfterGc(): Promise<number> {
  await cdp.send("HeapProfiler.collectGarbage");
  const m = await session.page.metrics();
  if (m.JSHeapUsedSize === undefined) throw new Error("Performance.getMetrics gave no JSHeapUsedSize");
  return m.JSHeapUsedSize;
}

interface PoolSample {
  step: number;
  bytesInUse: number;
  bytesFree: number;
  allocations: number;
}

/** What the page's runTo returns for a chunk of steps. */
interface Chunk {
  samples: PoolSample[];
  ms: number;
  step: number;
  checkpointStep: number;
  steps: number[];
  losses: number[];
}

/** The pool's bytes in use, bytes free and buffer count at every sample equal the first sample's (step 100). */
function expectFlat(samples: PoolSample[]): void {
  const first = samples[0]!;
  expect(first.step).toBe(100);
  for (const x of samples) {
    expect(x.bytesInUse, `pool bytes in use at step ${x.step}`).toBe(first.bytesInUse);
    expect(x.bytesFree, `pool bytes free at step ${x.step}`).toBe(first.bytesFree);
    expect(x.allocations, `buffers allocated by step ${x.step}`).toBe(first.allocations);
  }
}

describe(`soak: experts-attention, ${STEPS} steps on WebGPU`, () => {
  const timeout = 60_000 + STEPS * 200;
  const samples: PoolSample[] = [];
  const heap: { step: number; bytes: number }[] = [];
  const losses: number[] = [];
  const rng = new Rng(SEED);
  const lossAt = CHUNK + rng.int(STEPS - CHUNK - 1);
  const from = Math.floor(lossAt / CHUNK) * CHUNK;

  test("the pool stays flat after step 100 and the JS heap within 10% of step 1,000's", {
    timeout,
  }, async () => {
    const adapter = await call<string>("start", CHECKPOINT_EVERY, from);
    for (let to = CHUNK; to <= STEPS; to += CHUNK) {
      const r = await call<Chunk>("runTo", to);
      expect(r.step).toBe(to);
      expect(r.steps).toEqual(Array.from({ length: CHUNK }, (_, i) => to - CHUNK + i));
      losses.push(...r.losses);
      expect(r.checkpointStep).toBe(to);
      samples.push(...r.samples);
      heap.push({ step: to, bytes: await heapAfterGc() });
      console.log(
        `soak step ${to}: ${(r.ms / CHUNK).toFixed(1)} ms/step, pool ${r.samples.at(-1)?.bytesInUse} B in use / ` +
          `${r.samples.at(-1)?.allocations} buffers, JS heap ${heap.at(-1)!.bytes} B`,
      );
    }
    console.log(`soak adapter: ${adapter}`);

    expect(samples.length).toBe(STEPS / 100);
    expectFlat(samples);
    const base = heap[0]!;
    expect(base.step).toBe(1000);
    for (const h of heap) {
      const rel = (h.bytes - base.bytes) / base.bytes;
      expect(
        Math.abs(rel),
        `JS heap at step ${h.step}: ${h.bytes} B vs ${base.bytes} B at step 1000`,
      ).toBeLessThan(0.1);
    }
    expect(losses.length).toBe(STEPS);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });

  test("a device destroyed at a random step resumes and reproduces the losses from its checkpoint", {
    timeout: 60_000 + 2 * CHUNK * 200,
  }, async () => {
    expect(losses.length, "the long run must have finished").toBe(STEPS);
    const to = Math.min(from + CHUNK, STEPS);
    console.log(
      `soak device loss: seed ${SEED}, destroyed after step ${lossAt}, from checkpoint ${from} to ${to}`,
    );
    const r = await call<{
      recoveries: { fromStep: number; toStep: number; reason: string }[];
      steps: number[];
      losses: number[];
      finalStep: number;
    }>("resumeAfterLoss", from, to, lossAt, CHECKPOINT_EVERY);
    expect(r.recoveries.length).toBe(1);
    const rec = r.recoveries[0]!;
    expect(rec.reason).toMatch(/lost/i);
    expect(rec.toStep % CHECKPOINT_EVERY).toBe(0);
    expect(rec.toStep).toBeGreaterThanOrEqual(from);
    expect(rec.toStep).toBeLessThanOrEqual(lossAt + 1);
    expect(rec.fromStep).toBeGreaterThan(lossAt);
    expect(r.finalStep).toBe(to);
    expect(r.steps).toEqual(Array.from({ length: to - from }, (_, i) => from + i));
    expect(r.losses).toEqual(losses.slice(from, to));
  });
});

describe(`soak: char-gpt (tiny preset, names), ${LM_STEPS} steps on WebGPU`, () => {
  test("the pool stays flat after step 100, the JS heap within 10% of step 1,000's, and the loss falls", {
    timeout: 60_000 + LM_STEPS * 300,
  }, async () => {
    const adapter = await call<string>("start", CHECKPOINT_EVERY, -1, "char-gpt");
    const samples: PoolSample[] = [];
    const heap: { step: number; bytes: number }[] = [];
    const losses: number[] = [];
    let ms = 0;
    // Chunks of 100 steps: the loss is read every 10 steps and at a run's last step, where the pool is sampled.
    for (let to = 100; to <= LM_STEPS; to += 100) {
      const r = await call<Chunk>("runTo", to);
      expect(r.step).toBe(to);
      expect(r.steps).toEqual([...Array.from({ length: 10 }, (_, i) => to - 100 + 10 * i), to - 1]);
      expect(r.samples.map((x) => x.step)).toEqual([to]);
      samples.push(...r.samples);
      losses.push(...r.losses);
      ms += r.ms;
      if (to >= 1000 && to % 500 === 0) heap.push({ step: to, bytes: await heapAfterGc() });
    }
    const last = samples.at(-1)!;
    console.log(
      `soak char-gpt: ${LM_STEPS} steps, ${(ms / LM_STEPS).toFixed(1)} ms/step, pool ${last.bytesInUse} B in use / ` +
        `${last.allocations} buffers; JS heap ${heap.map((h) => `${h.bytes} B at ${h.step}`).join(", ")}; ` +
        `loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}; ${adapter}`,
    );
    expect(samples.length).toBe(LM_STEPS / 100);
    expectFlat(samples);
    // From step 1,000 (every 500 steps), as for experts-attention: a run shorter than 1,000 steps has no heap check.
    const base = heap[0];
    if (LM_STEPS >= 1000) expect(base?.step).toBe(1000);
    for (const h of heap) {
      const rel = (h.bytes - base!.bytes) / base!.bytes;
      expect(
        Math.abs(rel),
        `JS heap at step ${h.step}: ${h.bytes} B vs ${base!.bytes} B at step 1000`,
      ).toBeLessThan(0.1);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });
});
